package os1

import (
	"context"
	"time"
)

// ChatMessage is one message handed to a model.
type ChatMessage struct {
	Role    string `json:"role"` // RoleSystem, RoleUser or RoleAssistant
	Content string `json:"content"`
}

// ChatRequest is what the companion asks of a model.
type ChatRequest struct {
	Model       string        // provider model name; "" means the provider's default
	Messages    []ChatMessage // system prompt first, then the history, the new turn last
	Temperature *float64      // nil: the provider's default
	MaxTokens   int           // 0: the provider's default
	JSON        bool          // ask for a JSON object as the whole reply (structured output)

	// Turn carries the structured facts the prompt was built from. Real
	// models read them from the system prompt; the offline mind, which
	// cannot read, uses them directly. May be nil.
	Turn *TurnContext
}

// Chunk is a piece of a streamed reply.
type Chunk struct {
	Content string // text to append to the reply
}

// ChatResponse is the summary of a finished reply.
type ChatResponse struct {
	Model        string // the model that answered
	Content      string // the whole reply
	PromptTokens int    // as reported by the provider, when it does
	ReplyTokens  int
}

// ChatModel is a language model behind one streaming interface.
//
// Chat streams the reply to fn chunk by chunk, in order, from the calling
// goroutine or one it waits for; it returns when the reply is complete, when
// fn returns an error (which Chat returns), or when ctx is done (it returns
// ctx's error promptly). A transient failure before the first chunk may be
// retried inside Chat; after a chunk has been delivered Chat never retries.
// Errors that mean the model server cannot be reached are *Error with code
// EUNAVAILABLE.
type ChatModel interface {
	Chat(ctx context.Context, req ChatRequest, fn func(Chunk) error) (*ChatResponse, error)
	// Info describes the model for the start-up log and the page.
	Info() ModelInfo
}

// ModelInfo describes a configured model.
type ModelInfo struct {
	Provider string `json:"provider"` // "ollama", "openai", "anthropic", "offline"
	Model    string `json:"model"`
	URL      string `json:"url,omitempty"`
	Offline  bool   `json:"offline"`        // true for the offline mind
	Note     string `json:"note,omitempty"` // e.g. why the offline mind is in use
}

// Embedder turns texts into vectors. Providers that offer an embeddings
// endpoint implement it.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// ModelLister lists the models a provider serves.
type ModelLister interface {
	ListModels(ctx context.Context) ([]string, error)
}

// TurnContext is what the companion knows at the moment of a turn, in
// structured form.
type TurnContext struct {
	UserName      string     // how to address the person
	CompanionName string     // the companion's name
	Now           time.Time  // the turn's time
	FirstTurn     bool       // true when this is the first message the person ever sent
	Emotion       *Emotion   // detected in the new message; may be nil
	Memories      []Recalled // relevant things remembered, best first
	Presence      Presence   // true counters
	Guard         string     // set when a guard has decided the reply's content (e.g. "crisis")
	Facts         []string   // guard facts put into the prompt, in order
	// Persona is the companion's self rendered for the prompt (persona,
	// triggered world knowledge); empty: the companion's free-text persona.
	// It never holds OS1's rules, which come before it.
	Persona string
	// Affect is the companion's own appraisal state (e.g. "warmth",
	// "curiosity", "concern" → 0..1); nil when not tracked.
	Affect map[string]float64
	// AffectText describes the affect in a sentence for the prompt.
	AffectText string
}

// Presence holds the true counters of the companion's many relationships.
type Presence struct {
	ActiveConversations int `json:"active_conversations"` // conversations with a turn in the last 15 minutes
	PeopleKnown         int `json:"people_known"`         // users of this instance
}

// Recalled is one remembered item handed to a prompt.
type Recalled struct {
	Kind    string    `json:"kind"` // "turn", "fact", "summary", "reflection"
	Text    string    `json:"text"`
	When    time.Time `json:"when"`
	Score   float64   `json:"score"`
	Sources []int64   `json:"sources,omitempty"` // message ids it came from
	ID      int64     `json:"id,omitempty"`      // the fact, summary or reflection; for a turn, its message
}

// Emotion is what was detected in a message.
type Emotion struct {
	Compound float64            `json:"compound"`          // VADER compound sentiment, -1..1
	Scores   map[string]float64 `json:"scores,omitempty"`  // emotion name → 0..1
	Primary  string             `json:"primary,omitempty"` // the strongest emotion, "" for neutral
}
