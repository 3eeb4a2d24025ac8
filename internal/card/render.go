package card

import (
	"regexp"
	"strings"

	"os1/internal/os1"
)

// MaxExampleChars caps the example dialogues rendered into a prompt.
const MaxExampleChars = 2000

// macro matches the card macros {{char}}, {{user}} and {{original}} (any
// case, inner spaces allowed) and the old <BOT> and <USER>.
var macro = regexp.MustCompile(`(?i)\{\{\s*(char|user|original)\s*\}\}|<(bot|user)>`)

// PersonaText renders p as the persona section of a system prompt, for
// os1.TurnContext.Persona: who the companion is, what it values and how it
// speaks, the card's own instructions, and the world knowledge that the
// recent conversation texts (oldest first) trigger ([MatchWorld]).
//
// {{char}} becomes p's display name and {{user}} userName. {{original}} —
// which in other apps stands for the default prompt a card's system_prompt
// replaces — is removed: in OS1 the card's system prompt replaces nothing.
// It is rendered as one part of the persona, and OS1's rules, which the
// engine puts before the persona section, are never part of this text.
// Creator notes, tags and other metadata are for people and are left out.
func PersonaText(p *os1.Persona, userName string, recent []string) string {
	if p == nil {
		return ""
	}
	char := p.DisplayName()
	if userName == "" {
		userName = "the person"
	}
	fill := func(s string) string {
		s = macro.ReplaceAllStringFunc(s, func(m string) string {
			switch strings.ToLower(strings.Trim(m, "{}<> \t")) {
			case "char", "bot":
				return char
			case "user":
				return userName
			}
			return ""
		})
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	line := func(label, text string) {
		if text = fill(text); text == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		if label != "" {
			b.WriteString(label)
			b.WriteString(": ")
		}
		b.WriteString(text)
	}
	list := func(label string, items []string) {
		var kept []string
		for _, it := range items {
			if it = fill(it); it != "" {
				kept = append(kept, it)
			}
		}
		line(label, strings.Join(kept, "; "))
	}
	if p.Nickname != "" && p.Nickname != p.Name {
		line("Name", p.Nickname+" (full name "+p.Name+")")
	} else {
		line("Name", p.Name)
	}
	line("", p.Description)
	line("Personality", p.Personality)
	list("Values", p.Values)
	list("Interests", p.Interests)
	line("Speaking style", p.SpeakingStyle)
	list("Boundaries", p.Boundaries)
	line("Scenario", p.Scenario)
	line("Character instructions", p.SystemPrompt)
	line("Keep in mind", p.PostHistoryInstructions)
	if ex := fill(p.ExampleDialogues); ex != "" {
		line("Example dialogue (style only; never repeat it)", truncate(ex, MaxExampleChars))
	}
	if world := MatchWorld(p.World, recent); len(world) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("World knowledge that may be relevant:")
		for _, w := range world {
			if w = fill(w); w != "" {
				b.WriteString("\n- ")
				b.WriteString(w)
			}
		}
	}
	return b.String()
}
