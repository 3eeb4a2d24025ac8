package os1

import "time"

// This file holds the stored shapes of the companion's self besides the
// Persona itself: persona versions, the first-meeting interview, the
// companion's affect and the mood timeline. The logic that works on them
// lives in package persona.

// PersonaVersion is one stored version of a companion's persona. Versions
// are numbered 1, 2, 3… per user; the highest is the current one. A version
// is never changed once stored.
type PersonaVersion struct {
	UserID    int64           `json:"-"`
	Version   int             `json:"version"`
	Kind      string          `json:"kind"` // "seed", "name", "growth", "revert", "import", "edit"
	Persona   Persona         `json:"persona"`
	Reason    string          `json:"reason"`            // why it exists, in words the person can read
	Changes   []PersonaChange `json:"changes,omitempty"` // what differs from the version before
	Sources   PersonaSources  `json:"sources"`           // what prompted it
	CreatedAt time.Time       `json:"created_at"`
}

// PersonaChange is one field that differs between a version and the one
// before it.
type PersonaChange struct {
	Field string `json:"field"` // "openness", "interests", "name", …
	From  string `json:"from"`
	To    string `json:"to"`
}

// PersonaSources cite what prompted a persona version.
type PersonaSources struct {
	Reflections []int64 `json:"reflections,omitempty"` // reflection (summary) ids
	Messages    []int64 `json:"messages,omitempty"`    // message ids
	Version     int     `json:"version,omitempty"`     // for a revert: the version returned to
}

// SelfState is a user's stored self state besides the persona versions.
type SelfState struct {
	Frozen     bool        // growth is frozen
	GrownUpTo  int64       // the newest reflection id growth has considered
	Onboarding Onboarding  // the first meeting
	Affect     AffectState // the companion's affect as last stored
}

// Onboarding is the state of the first-meeting interview. Its zero value is
// an interview that has not started.
type Onboarding struct {
	Step     string            `json:"step"`              // the step waiting for an answer ("" before the first: the first question)
	Answers  map[string]string `json:"answers,omitempty"` // step → what the person said
	Skipped  []string          `json:"skipped,omitempty"` // steps the person skipped
	Proposal *NameProposal     `json:"proposal,omitempty"`
	Offered  []string          `json:"offered,omitempty"` // every name proposed so far, oldest first
	// ConversationID is the conversation the answers given over the
	// onboarding API are stored in (0 until the first such answer).
	ConversationID int64   `json:"conversation_id,omitempty"`
	Messages       []int64 `json:"messages,omitempty"` // ids of the messages holding the answers
	// AskedAfter is, in a chat, the id of the person's message whose reply
	// put the current step's question to them (0: not asked in a chat yet).
	AskedAfter int64 `json:"asked_after,omitempty"`
	// NameWaits is true when the person talked on past the name proposal
	// in a chat: the chat stops asking; the page and the API still offer
	// it (asking for another name there asks again).
	NameWaits bool      `json:"name_waits,omitempty"`
	DoneAt    time.Time `json:"done_at,omitzero"`
}

// NameProposal is a name the companion chose for itself, and why.
type NameProposal struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
	Origin string `json:"origin"` // "model" or "offline"
}

// AffectState is the companion's own appraisal state: Levels (dimension →
// 0..1) as they were at At. LastMessageID is the newest message appraised,
// so that a retried message is not appraised twice.
type AffectState struct {
	Levels        map[string]float64 `json:"levels"`
	At            time.Time          `json:"at"`
	LastMessageID int64              `json:"last_message_id,omitempty"`
}

// MoodSample is the emotion of one message the person sent, for the mood
// timeline. Emotion is nil when none was detected.
type MoodSample struct {
	At      time.Time
	Emotion *Emotion
}

// MoodDay aggregates the emotion of one day's messages from the person.
type MoodDay struct {
	Day          string         `json:"day"`           // YYYY-MM-DD in the person's time zone
	Messages     int            `json:"messages"`      // messages the person sent that day
	Scored       int            `json:"scored"`        // of those, how many carry a detected emotion
	MeanCompound float64        `json:"mean_compound"` // mean sentiment (-1..1) of the scored ones; 0 when none
	Emotions     map[string]int `json:"emotions"`      // primary emotion → count; "neutral" when none stood out
}

// FirstMeetingPrefix starts the line of a rendered persona
// ([TurnContext.Persona]) that says what the companion should say next in
// its first meeting: a question of the interview or the name it chose. The
// rest of the line, after FirstMeetingPrefix, is that text; the offline
// mind says it as it is, a language model in its own words.
const FirstMeetingPrefix = "First meeting, say this next in your own words: "
