package os1

import (
	"context"
	"time"
)

// Memory item kinds, as carried in [Recalled.Kind] and [MemoryItem.Kind].
const (
	KindTurn       = "turn"
	KindFact       = "fact"
	KindPerson     = "person"
	KindSummary    = "summary"
	KindReflection = "reflection"
)

// Turn is a stored message as the memory indexes it: the message plus who
// said it and which session (a run of messages without a long pause) it
// belongs to.
type Turn struct {
	MessageID      int64     `json:"message_id"`
	UserID         int64     `json:"-"`
	ConversationID int64     `json:"conversation_id"`
	Role           string    `json:"role"`
	Speaker        string    `json:"speaker,omitempty"` // the speaker's name, when known
	Text           string    `json:"text"`              // what is indexed: the content (and a photo caption)
	Session        int64     `json:"session"`           // the message id that opened the session
	SaidAt         time.Time `json:"said_at"`
	Importance     float64   `json:"importance"` // 0..1, for the reflection trigger
}

// Fact is a statement about the person or about the people, places, plans
// and things in their life.
//
// A fact that contradicts an older one with the same Subject and Slot
// retires it: the older one gets HoldsUntil and ReplacedBy set and is kept as
// history. A fact whose statement equals a current one merges into it (its
// sources are added, its confidence rises). Facts are never overwritten.
type Fact struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"-"`
	Subject    string    `json:"subject"`        // who or what it is about: "user", a person's name, …
	Slot       string    `json:"slot,omitempty"` // a single-valued attribute ("job", "lives_in", "relationship"); "" for many-valued facts
	Statement  string    `json:"statement"`      // the fact in words
	SaidAt     time.Time `json:"said_at"`        // when it was said
	HoldsFrom  time.Time `json:"holds_from"`     // when it became true, if known (zero: unknown)
	HoldsUntil time.Time `json:"holds_until"`    // when it stopped being true (zero: it still holds)
	Importance float64   `json:"importance"`     // 0..1
	Confidence float64   `json:"confidence"`     // 0..1
	Origin     string    `json:"origin"`         // "rule", "model" or "edit"
	ReplacedBy int64     `json:"replaced_by,omitempty"`
	Sources    []int64   `json:"sources"` // message ids it came from
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Current reports whether the fact still holds.
func (f *Fact) Current() bool { return f.HoldsUntil.IsZero() }

// Person is someone in the user's life the companion has heard about (not a
// [User] with an account).
type Person struct {
	ID             int64     `json:"id"`
	UserID         int64     `json:"-"`
	Name           string    `json:"name"`
	Relation       string    `json:"relation,omitempty"` // "sister", "friend", "boss", … ("" unknown)
	FirstMentioned time.Time `json:"first_mentioned"`
	LastMentioned  time.Time `json:"last_mentioned"`
	Mentions       int       `json:"mentions"`
	Sources        []int64   `json:"sources,omitempty"` // the most recent message ids that mention them
}

// Summary is a summary of a session or a higher-level reflection drawn from
// several memories; Kind is KindSummary or KindReflection.
type Summary struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"-"`
	Kind       string    `json:"kind"`
	Text       string    `json:"text"`
	From       time.Time `json:"from"` // the time span of its sources
	To         time.Time `json:"to"`
	Importance float64   `json:"importance"`
	Origin     string    `json:"origin"` // "extractive" or "model"
	Sources    []int64   `json:"sources"`
	CreatedAt  time.Time `json:"created_at"`
}

// MemoryItem is one thing the memory holds, in the uniform shape used to
// list, show, edit and forget memories.
type MemoryItem struct {
	Kind    string    `json:"kind"` // KindFact, KindPerson, KindSummary, KindReflection or KindTurn
	ID      int64     `json:"id"`   // the fact, person or summary id; the message id for a turn
	Text    string    `json:"text"`
	When    time.Time `json:"when"`
	Current bool      `json:"current"` // false for a retired fact
	Sources []int64   `json:"sources,omitempty"`
}

// RecallQuery asks the memory for what is relevant to a text.
type RecallQuery struct {
	UserID int64
	Text   string
	Now    time.Time // the moment of the question; relative times ("last week") count from it
	Limit  int       // at most this many items (0: a default)
	// MaxSourceTurns, when above zero, stops adding items once their
	// distinct source turns reach it.
	MaxSourceTurns int
}

// RecallResult is what the memory recalled, best first.
type RecallResult struct {
	Items []Recalled `json:"items"`
	// Window is the time span the query referred to, when it named one.
	From, To time.Time
}

// Memory is what the conversation engine needs from the memory: to hear
// every stored message and to recall before it asks the model.
type Memory interface {
	// Ingest indexes a stored message. It is fast and synchronous; slow
	// work is queued in the background and never delays the caller.
	Ingest(ctx context.Context, m *Message) error
	// Recall returns what is relevant to query for the user, best first,
	// each with its source message ids.
	Recall(ctx context.Context, q RecallQuery) (*RecallResult, error)
}

// TurnIngest is what the memory stores for one newly indexed message, in one
// transaction: the turn (with its session and importance already decided),
// the facts and people extracted from it, and whether to queue a reflection
// over the turns since the last one.
type TurnIngest struct {
	Turn  Turn
	Facts []*Fact // new facts; IDs are set on return (to the merged fact's for a duplicate)
	// Retired is set on return: the ids of the facts the new ones retired
	// (contradicted).
	Retired []int64
	People  []*Person // people mentioned; merged by name
	// Reflect queues a "reflect" job over the user's turns after
	// ReflectAfter up to this one, and records this turn as reflected upon.
	Reflect      bool
	ReflectAfter int64
	// Jobs are queued with the turn (background work on it, such as
	// model-driven extraction or embedding). A job's Kind with the turn's
	// message id is its de-duplication key.
	Jobs []Job
}

// Job is a unit of persisted background work.
type Job struct {
	ID       int64  `json:"id"`
	Kind     string `json:"kind"`
	UserID   int64  `json:"user_id"`
	Payload  string `json:"payload"` // JSON
	Attempts int    `json:"attempts"`
}

// Embedded is an item of the memory with its text, as the embedder sees it,
// and its vector once computed.
type Embedded struct {
	Kind   string    `json:"kind"` // KindTurn, KindFact, KindSummary or KindReflection
	ID     int64     `json:"id"`   // the message id for a turn
	Text   string    `json:"text"`
	Vector []float32 `json:"-"`
}

// PersonData is everything stored about one person, as export and import
// move it: their profile, companion, conversations with their messages,
// and their memory. IDs are those of the instance it came from; an import
// gives everything new ids and maps the references.
type PersonData struct {
	User          User            `json:"user"`
	Companion     *Companion      `json:"companion,omitempty"`
	Conversations []*Conversation `json:"conversations"`
	Messages      []*Message      `json:"messages"` // oldest first
	Turns         []Turn          `json:"turns"`    // the memory's index over the messages
	Facts         []*Fact         `json:"facts"`    // with history (retired facts)
	People        []*Person       `json:"people"`
	Summaries     []*Summary      `json:"summaries"` // session summaries and reflections
	// ReflectedUpTo is the newest message a reflection covers (0: none).
	ReflectedUpTo int64 `json:"reflected_up_to"`
}
