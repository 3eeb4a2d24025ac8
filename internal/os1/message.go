package os1

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Message roles.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleSystem    = "system"
)

// Message statuses. A user message is always complete. An assistant message
// is streaming while the reply is being written (its content is saved as it
// grows), complete when the reply ended normally, and interrupted when it
// was cut off by a crash, a cancel, a shutdown or a provider error.
const (
	StatusComplete    = "complete"
	StatusStreaming   = "streaming"
	StatusInterrupted = "interrupted"
)

// MaxMessageBytes is the largest message content accepted.
const MaxMessageBytes = 64 << 10

// Message is one turn of a conversation.
type Message struct {
	ID             int64     `json:"id"`
	ConversationID int64     `json:"conversation_id"`
	UserID         int64     `json:"-"`
	Role           string    `json:"role"`
	Content        string    `json:"content"`
	Status         string    `json:"status"`
	Error          string    `json:"error,omitempty"`   // why an interrupted reply stopped
	Source         string    `json:"source,omitempty"`  // what wrote an assistant reply: a model name, "offline", "guard:crisis"
	Tokens         int       `json:"tokens"`            // estimated token count of Content
	Emotion        *Emotion  `json:"emotion,omitempty"` // detected in a user message
	Guard          string    `json:"guard,omitempty"`   // set on a reply a guard shaped: "crisis" when it carries crisis resources
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// ValidateContent checks text a person sends: not empty, valid UTF-8, no
// NUL bytes, at most MaxMessageBytes.
func ValidateContent(s string) error {
	if strings.TrimSpace(s) == "" {
		return Errorf(EINVALID, "message is empty")
	}
	if len(s) > MaxMessageBytes {
		return Errorf(ETOOLARGE, "message is %d bytes; the limit is %d", len(s), MaxMessageBytes)
	}
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "message is not valid UTF-8")
	}
	if strings.ContainsRune(s, 0) {
		return Errorf(EINVALID, "message contains a NUL character")
	}
	return nil
}

// MessageFilter selects a page of a conversation's messages.
type MessageFilter struct {
	BeforeID int64 // only messages with a smaller id (0: no bound)
	AfterID  int64 // only messages with a larger id (0: no bound)
	Limit    int   // at most this many (0: a default of 50, capped at 500)
}

// MessageService stores messages. Every method is scoped to the user.
//
// The write methods commit before they return: a message the service has
// acknowledged survives a crash of the process.
type MessageService interface {
	// AddMessage stores a new message in one of the user's conversations and
	// sets its ID and times. ENOTFOUND if the conversation is not the user's.
	AddMessage(ctx context.Context, m *Message) error
	// AddMessages stores several messages in one transaction, all or none.
	AddMessages(ctx context.Context, ms ...*Message) error
	// UpdateReply replaces the content (and status, error) of an assistant
	// message of the user.
	UpdateReply(ctx context.Context, m *Message) error
	// ListMessages returns a page of messages, oldest first within the page;
	// with BeforeID or no bound it returns the newest ones before the bound.
	ListMessages(ctx context.Context, userID, conversationID int64, f MessageFilter) ([]*Message, error)
	// RecentMessages returns up to limit newest messages, oldest first,
	// whose token counts add up to at most maxTokens (the newest is always
	// included; 0 means no budget). Only the fields a prompt needs are set:
	// ID, Role, Content, Status, Tokens, CreatedAt.
	RecentMessages(ctx context.Context, userID, conversationID int64, limit, maxTokens int) ([]*Message, error)
	// FindMessage returns one of the user's messages.
	FindMessage(ctx context.Context, userID, id int64) (*Message, error)
	// InterruptStreaming marks every message still streaming as interrupted
	// (used at start-up, after a crash). It returns how many it marked.
	InterruptStreaming(ctx context.Context, reason string) (int, error)
}
