package os1

import (
	"context"
	"time"
	"unicode/utf8"
)

// Conversation is a thread of messages between a user and their companion.
type Conversation struct {
	ID           int64     `json:"id"`
	UserID       int64     `json:"-"`
	Title        string    `json:"title"`
	ExternalKey  string    `json:"external_key,omitempty"` // a client's name for it (OpenAI "user" field, header)
	MessageCount int       `json:"message_count"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"` // time of the last message
}

// Validate reports EINVALID when the conversation cannot be stored.
func (c *Conversation) Validate() error {
	if !utf8.ValidString(c.Title) || len(c.Title) > 200 {
		return Errorf(EINVALID, "title must be valid UTF-8 of at most 200 bytes")
	}
	if !utf8.ValidString(c.ExternalKey) || len(c.ExternalKey) > 200 {
		return Errorf(EINVALID, "external key must be valid UTF-8 of at most 200 bytes")
	}
	return nil
}

// ConversationService stores conversations. Every method is scoped to the
// user: a conversation of another user is reported as ENOTFOUND.
type ConversationService interface {
	CreateConversation(ctx context.Context, userID int64, c *Conversation) error
	// FindConversation returns ENOTFOUND unless the conversation is the user's.
	FindConversation(ctx context.Context, userID, id int64) (*Conversation, error)
	// FindConversationByKey returns ENOTFOUND if the user has none with key.
	FindConversationByKey(ctx context.Context, userID int64, key string) (*Conversation, error)
	// LatestConversation returns the user's most recently active one; ENOTFOUND if none.
	LatestConversation(ctx context.Context, userID int64) (*Conversation, error)
	// ListConversations returns the user's conversations, most recent first.
	ListConversations(ctx context.Context, userID int64, limit, offset int) ([]*Conversation, error)
}
