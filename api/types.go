package api

import "time"

// ErrorResponse is the body of every error reply.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody holds a stable code (see the os1 package's E* constants) and a
// message meant for people.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// User is a person with an account.
type User struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	CreatedAt   time.Time `json:"created_at"`
}

// Companion is the user's companion.
type Companion struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Model describes the model the server talks through.
type Model struct {
	Provider string `json:"provider"`
	Model    string `json:"model"`
	Offline  bool   `json:"offline"`
	Note     string `json:"note,omitempty"`
}

// Me is the reply of GET /api/v1/me.
type Me struct {
	User      User      `json:"user"`
	Companion Companion `json:"companion"`
	Model     Model     `json:"model"`
}

// MeUpdate is the body of PATCH /api/v1/me.
type MeUpdate struct {
	DisplayName *string `json:"display_name,omitempty"`
}

// Conversation is a thread of messages.
type Conversation struct {
	ID           int64     `json:"id"`
	Title        string    `json:"title"`
	ExternalKey  string    `json:"external_key,omitempty"`
	MessageCount int       `json:"message_count"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// ConversationCreate is the body of POST /api/v1/conversations.
type ConversationCreate struct {
	Title string `json:"title,omitempty"`
}

// ConversationList is the reply of GET /api/v1/conversations.
type ConversationList struct {
	Conversations []Conversation `json:"conversations"`
}

// Message statuses.
const (
	StatusComplete    = "complete"
	StatusStreaming   = "streaming"
	StatusInterrupted = "interrupted"
)

// Message is one turn of a conversation.
type Message struct {
	ID             int64  `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	Role           string `json:"role"`
	Content        string `json:"content"`
	Status         string `json:"status"`
	Error          string `json:"error,omitempty"`
	Source         string `json:"source,omitempty"`
	// Guard is set on a reply a guard shaped: "crisis" when it carries
	// crisis resources, which a client should present prominently.
	Guard     string    `json:"guard,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MessageList is the reply of GET /api/v1/conversations/{id}/messages.
// HasMore tells whether older messages exist before the first one.
type MessageList struct {
	Messages []Message `json:"messages"`
	HasMore  bool      `json:"has_more"`
}

// MessageCreate is the body of POST /api/v1/conversations/{id}/messages and
// of a WebSocket "message" frame.
type MessageCreate struct {
	Content string `json:"content"`
}

// TurnResponse is the reply of a non-streaming POST of a message: the
// stored message and the stored reply (which may be interrupted).
type TurnResponse struct {
	Message Message `json:"message"`
	Reply   Message `json:"reply"`
}

// Event types of a streamed turn, in the order they come:
// EventMessage once (the person's message, stored), EventReply once (the
// reply row, created empty and streaming), EventDelta any number of times,
// then EventDone (the finished reply) or EventError (the reply, if any,
// is stored as interrupted; the person's message is kept and can be
// retried).
const (
	EventMessage = "message"
	EventReply   = "reply"
	EventDelta   = "delta"
	EventDone    = "done"
	EventError   = "error"
)

// Event is one event of a streamed turn. Over SSE the type is the event
// name and the data is this object; over WebSocket each frame is this
// object.
type Event struct {
	Type    string     `json:"type"`
	Message *Message   `json:"message,omitempty"` // for message, reply, done (and error, when a reply was stored)
	Delta   string     `json:"delta,omitempty"`   // for delta
	Error   *ErrorBody `json:"error,omitempty"`   // for error
}

// WSRequest is a frame a client sends on the WebSocket: Type "message" with
// Content, or Type "retry" to answer the last message again.
type WSRequest struct {
	Type    string `json:"type"`
	Content string `json:"content,omitempty"`
}

// SessionCreate is the body of POST /api/v1/session (web sign-in).
type SessionCreate struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// Setup is the body of POST /api/v1/setup, which creates the first person
// on a fresh instance served on a loopback address.
type Setup struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name,omitempty"`
}

// SetupResponse returns the new person and their API key, shown once.
type SetupResponse struct {
	User User   `json:"user"`
	Key  string `json:"key"`
}

// Status is the reply of GET /api/v1/status, readable without signing in.
type Status struct {
	Version    string `json:"version"`
	Model      Model  `json:"model"`
	SetupOpen  bool   `json:"setup_open"`   // a first person may be created via /api/v1/setup
	AutoSignIn bool   `json:"auto_sign_in"` // the page signs the only person in
}
