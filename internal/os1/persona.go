package os1

import (
	"encoding/json"
	"math"
)

// Persona is who the companion is: the character text a person may import
// from a character card (V1, V2 or V3), plus the parts OS1 grows over time
// (values, traits, interests, speaking style, boundaries) and its world
// knowledge (a lorebook).
//
// A Persona is plain data and JSON-serialisable: the JSON field names below
// are its storage format, and marshalling then unmarshalling a Persona gives
// an equal value. Honesty and care rules are not part of the Persona; they
// live outside it and cannot be edited, imported or grown away.
//
// Text fields may contain the card macros {{char}} and {{user}}; whoever
// renders the Persona into a prompt replaces them. Empty fields mean
// "not set" and are left out of the prompt.
type Persona struct {
	// Character card fields (V2 names in brackets).

	Name                    string   `json:"name"`                                // [name] what the companion is called
	Nickname                string   `json:"nickname,omitempty"`                  // [nickname, V3] used in place of Name in {{char}} when set
	Description             string   `json:"description,omitempty"`               // [description] who the character is
	Personality             string   `json:"personality,omitempty"`               // [personality] short summary of the personality
	Scenario                string   `json:"scenario,omitempty"`                  // [scenario] the situation the conversation is in
	FirstMessage            string   `json:"first_message,omitempty"`             // [first_mes] the opening line
	AlternateGreetings      []string `json:"alternate_greetings,omitempty"`       // [alternate_greetings] other opening lines
	GroupOnlyGreetings      []string `json:"group_only_greetings,omitempty"`      // [group_only_greetings, V3] openings for group chats only
	ExampleDialogues        string   `json:"example_dialogues,omitempty"`         // [mes_example] sample exchanges, <START>-separated
	SystemPrompt            string   `json:"system_prompt,omitempty"`             // [system_prompt] replaces the default character prompt; {{original}} stands for it
	PostHistoryInstructions string   `json:"post_history_instructions,omitempty"` // [post_history_instructions] placed after the chat history

	// Card metadata, kept for the person and for export.

	CreatorNotes             string            `json:"creator_notes,omitempty"`              // [creator_notes] notes for people, never for the model
	CreatorNotesMultilingual map[string]string `json:"creator_notes_multilingual,omitempty"` // [creator_notes_multilingual, V3] language code → notes
	Tags                     []string          `json:"tags,omitempty"`                       // [tags]
	Creator                  string            `json:"creator,omitempty"`                    // [creator]
	CharacterVersion         string            `json:"character_version,omitempty"`          // [character_version]
	Source                   []string          `json:"source,omitempty"`                     // [source, V3] where the card came from (URLs or IDs)
	CreationDate             *int64            `json:"creation_date,omitempty"`              // [creation_date, V3] Unix seconds; nil if unknown
	ModificationDate         *int64            `json:"modification_date,omitempty"`          // [modification_date, V3] Unix seconds; nil if unknown
	Assets                   []PersonaAsset    `json:"assets,omitempty"`                     // [assets, V3] images and sounds the card names (metadata only)

	// The parts OS1 grows. On a card they travel in data.extensions.os1.

	Values        []string `json:"values,omitempty"`         // what the companion cares about, most important first
	Traits        *Traits  `json:"traits,omitempty"`         // Big Five personality traits; nil if not set
	Interests     []string `json:"interests,omitempty"`      // topics it is curious about
	SpeakingStyle string   `json:"speaking_style,omitempty"` // how it talks: register, length, habits
	Boundaries    []string `json:"boundaries,omitempty"`     // things it will not do or talk about

	// World is the lorebook: knowledge inserted into the prompt when its
	// keys appear in the conversation. Nil if there is none.
	World *World `json:"world,omitempty"`

	// Extensions holds the card's data.extensions (other than "os1")
	// verbatim: each value is compact JSON. Nothing in it is interpreted by
	// OS1, and export writes it back unchanged.
	Extensions map[string]json.RawMessage `json:"extensions,omitempty"`

	// Extra holds fields of the card's data object that OS1 does not model,
	// verbatim (compact JSON), so that export loses nothing.
	Extra map[string]json.RawMessage `json:"extra,omitempty"`
}

// Traits are the Big Five personality traits, each from 0 (low) to 1
// (high); 0.5 is neutral.
type Traits struct {
	Openness          float64 `json:"openness"`
	Conscientiousness float64 `json:"conscientiousness"`
	Extraversion      float64 `json:"extraversion"`
	Agreeableness     float64 `json:"agreeableness"`
	Neuroticism       float64 `json:"neuroticism"`
}

// PersonaAsset is an image, sound or other file a V3 card refers to. Only
// the reference is kept in the Persona, not the file's bytes.
type PersonaAsset struct {
	Type  string                     `json:"type"`            // "icon", "background", "user_icon", "emotion", or another
	URI   string                     `json:"uri"`             // "embeded://path", "ccdefault:", "https://…" or a data: URI
	Name  string                     `json:"name"`            // "main" for the primary one of its type
	Ext   string                     `json:"ext"`             // file extension without the dot, e.g. "png"
	Extra map[string]json.RawMessage `json:"extra,omitempty"` // fields OS1 does not model, verbatim
}

// World is the companion's world knowledge, a character card lorebook
// ("character_book"). Optional numbers are nil when the card leaves them out.
type World struct {
	Name              string                     `json:"name,omitempty"`
	Description       string                     `json:"description,omitempty"`
	ScanDepth         *int                       `json:"scan_depth,omitempty"`         // how many recent messages to scan for keys
	TokenBudget       *int                       `json:"token_budget,omitempty"`       // at most this many tokens of entries per prompt
	RecursiveScanning *bool                      `json:"recursive_scanning,omitempty"` // whether entry content may trigger other entries
	Entries           []WorldEntry               `json:"entries"`
	Extensions        map[string]json.RawMessage `json:"extensions,omitempty"` // verbatim, compact JSON
	Extra             map[string]json.RawMessage `json:"extra,omitempty"`      // fields OS1 does not model, verbatim
}

// WorldEntry is one piece of world knowledge. It is inserted into the prompt
// when Enabled and either Constant, or one of Keys appears in the recent
// conversation (and, when Selective, one of SecondaryKeys too).
type WorldEntry struct {
	ID             string   `json:"id,omitempty"` // the card's id, numbers written in decimal
	Name           string   `json:"name,omitempty"`
	Comment        string   `json:"comment,omitempty"` // a note for people, never for the model
	Keys           []string `json:"keys"`
	SecondaryKeys  []string `json:"secondary_keys,omitempty"`
	Content        string   `json:"content"`
	Enabled        bool     `json:"enabled"`
	InsertionOrder int      `json:"insertion_order"`          // lower is inserted earlier (higher in the prompt)
	Constant       bool     `json:"constant,omitempty"`       // always inserted, keys or not
	Selective      bool     `json:"selective,omitempty"`      // needs a primary and a secondary key match
	CaseSensitive  bool     `json:"case_sensitive,omitempty"` // keys match case-sensitively
	UseRegex       bool     `json:"use_regex,omitempty"`      // keys are regular expressions (V3)
	Priority       *int     `json:"priority,omitempty"`       // over budget, lower priority entries are dropped first
	Position       string   `json:"position,omitempty"`       // "before_char", "after_char" or ""

	Extensions map[string]json.RawMessage `json:"extensions,omitempty"` // verbatim, compact JSON
	Extra      map[string]json.RawMessage `json:"extra,omitempty"`      // fields OS1 does not model, verbatim
}

// DisplayName returns the name {{char}} stands for: Nickname if set,
// otherwise Name.
func (p *Persona) DisplayName() string {
	if p == nil {
		return ""
	}
	if p.Nickname != "" {
		return p.Nickname
	}
	return p.Name
}

// Validate reports whether the Persona can be stored: it returns an *Error
// with code EINVALID if a trait is outside 0..1 or not a number.
func (p *Persona) Validate() error {
	if p == nil {
		return Errorf(EINVALID, "persona is missing")
	}
	if t := p.Traits; t != nil {
		for _, f := range []struct {
			name string
			v    float64
		}{
			{"openness", t.Openness},
			{"conscientiousness", t.Conscientiousness},
			{"extraversion", t.Extraversion},
			{"agreeableness", t.Agreeableness},
			{"neuroticism", t.Neuroticism},
		} {
			if math.IsNaN(f.v) || f.v < 0 || f.v > 1 {
				return Errorf(EINVALID, "trait %s is %v; traits are numbers from 0 to 1", f.name, f.v)
			}
		}
	}
	return nil
}
