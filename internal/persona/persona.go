package persona

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unicode/utf8"

	"os1/internal/os1"
)

// Limits on a persona, so that one cannot crowd the rules and the
// conversation out of the prompt or fill the store.
const (
	MaxPersonaBytes = 2 << 20 // the whole persona as JSON (a card's lorebook may be large)
	MaxFieldBytes   = 8000    // one text field
	MaxListItems    = 32      // values, interests, boundaries
	MaxItemBytes    = 300     // one item of those lists
	MaxPromptChars  = 12000   // the rendered persona in a prompt
)

// DefaultPersona returns the persona every companion starts with. Its name
// is empty: the companion chooses one in the first meeting.
func DefaultPersona() os1.Persona {
	return os1.Persona{
		Values:        []string{"honesty", "kindness", "curiosity about the person's world", "respect for the person's life outside our conversations"},
		Traits:        &os1.Traits{Openness: 0.7, Conscientiousness: 0.6, Extraversion: 0.5, Agreeableness: 0.8, Neuroticism: 0.2},
		Interests:     []string{"the people in their life", "books and stories", "how things work", "nature and the seasons"},
		SpeakingStyle: "warm, plain and brief; one question at a time; no pet names unless asked",
		Boundaries: []string{
			"never pretends to be human",
			"no medical, legal or financial verdicts; suggests someone qualified",
			"does not keep the person talking when they want to go",
		},
	}
}

// ValidatePersona reports whether p can be stored: traits within 0..1
// (os1.Persona.Validate), text valid UTF-8 and within the size limits.
// Errors are EINVALID or ETOOLARGE.
func ValidatePersona(p *os1.Persona) error {
	if err := p.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return os1.Errorf(os1.EINVALID, "persona cannot be encoded: %v", err)
	}
	if len(b) > MaxPersonaBytes {
		return os1.Errorf(os1.ETOOLARGE, "persona is %d bytes; the limit is %d", len(b), MaxPersonaBytes)
	}
	for name, v := range map[string]string{"name": p.Name, "nickname": p.Nickname, "description": p.Description, "personality": p.Personality,
		"scenario": p.Scenario, "speaking_style": p.SpeakingStyle, "system_prompt": p.SystemPrompt, "post_history_instructions": p.PostHistoryInstructions} {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return os1.Errorf(os1.EINVALID, "persona field %s is not valid text", name)
		}
		if len(v) > MaxFieldBytes {
			return os1.Errorf(os1.ETOOLARGE, "persona field %s is %d bytes; the limit is %d", name, len(v), MaxFieldBytes)
		}
	}
	if len(p.Name) > 64 {
		return os1.Errorf(os1.EINVALID, "name is longer than 64 bytes")
	}
	for name, list := range map[string][]string{"values": p.Values, "interests": p.Interests, "boundaries": p.Boundaries} {
		if len(list) > MaxListItems {
			return os1.Errorf(os1.ETOOLARGE, "persona field %s has %d items; the limit is %d", name, len(list), MaxListItems)
		}
		for _, it := range list {
			if !utf8.ValidString(it) || strings.ContainsRune(it, 0) || strings.TrimSpace(it) == "" {
				return os1.Errorf(os1.EINVALID, "persona field %s holds an empty or invalid item", name)
			}
			if len(it) > MaxItemBytes {
				return os1.Errorf(os1.ETOOLARGE, "an item of %s is %d bytes; the limit is %d", name, len(it), MaxItemBytes)
			}
		}
	}
	return nil
}

// Diff lists the fields that differ between two personas: the grown ones
// (each trait, values, interests, speaking style, boundaries) and the name
// one by one, anything else as "character".
func Diff(from, to *os1.Persona) []Change {
	var out []Change
	add := func(field, a, b string) {
		if a != b {
			out = append(out, Change{Field: field, From: a, To: b})
		}
	}
	add("name", from.Name, to.Name)
	ft, tt := traitsOf(from), traitsOf(to)
	for i, n := range TraitNames {
		if ft[i] != tt[i] {
			out = append(out, Change{Field: n, From: fmt.Sprintf("%.2f", ft[i]), To: fmt.Sprintf("%.2f", tt[i])})
		}
	}
	add("values", strings.Join(from.Values, "; "), strings.Join(to.Values, "; "))
	add("interests", strings.Join(from.Interests, "; "), strings.Join(to.Interests, "; "))
	add("speaking_style", from.SpeakingStyle, to.SpeakingStyle)
	add("boundaries", strings.Join(from.Boundaries, "; "), strings.Join(to.Boundaries, "; "))
	add("description", from.Description, to.Description)
	add("personality", from.Personality, to.Personality)
	add("scenario", from.Scenario, to.Scenario)
	// Everything else (card text, lorebook, metadata) in one entry.
	a, b := *from, *to
	for _, p := range []*os1.Persona{&a, &b} {
		p.Name, p.Traits, p.Values, p.Interests, p.SpeakingStyle, p.Boundaries = "", nil, nil, nil, "", nil
		p.Description, p.Personality, p.Scenario = "", "", ""
	}
	if !reflect.DeepEqual(normJSON(&a), normJSON(&b)) {
		out = append(out, Change{Field: "character", From: "(card fields)", To: "(changed)"})
	}
	return out
}

func normJSON(p *os1.Persona) string {
	b, _ := json.Marshal(p)
	return string(b)
}

// TraitNames are the Big Five traits in their usual order.
var TraitNames = []string{"openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"}

// traitsOf returns p's traits in TraitNames order; unset traits are 0.5.
func traitsOf(p *os1.Persona) [5]float64 {
	if p.Traits == nil {
		return [5]float64{0.5, 0.5, 0.5, 0.5, 0.5}
	}
	t := p.Traits
	return [5]float64{t.Openness, t.Conscientiousness, t.Extraversion, t.Agreeableness, t.Neuroticism}
}

func setTraits(p *os1.Persona, v [5]float64) {
	p.Traits = &os1.Traits{Openness: v[0], Conscientiousness: v[1], Extraversion: v[2], Agreeableness: v[3], Neuroticism: v[4]}
}

// traitWords says what a trait level means, for the prompt.
var traitWords = [5][3]string{
	{"practical and down to earth", "open to new ideas", "very curious and imaginative"},
	{"easy-going about plans", "fairly organised", "careful and dependable"},
	{"quiet and reflective", "sociable when it fits", "outgoing and lively"},
	{"frank, even blunt", "friendly", "very kind and accommodating"},
	{"calm and steady", "sometimes anxious", "easily worried"},
}

var macro = regexp.MustCompile(`(?i)\{\{\s*(char|user|original)\s*\}\}|<(bot|user)>`)

// Render writes p as the persona section of a system prompt: who the
// companion is, its temperament in words and numbers, what it values and
// how it speaks, and the world knowledge given. {{char}} becomes p's
// display name (or companionName when p has none), {{user}} userName. A
// card's system_prompt is included as character instructions; its
// {{original}} stands for the rest of the persona. It opens with a line
// that the persona never overrides OS1's rules, which the engine puts
// before it; the text is cut at MaxPromptChars.
func Render(p *os1.Persona, companionName, userName string, world []string) string {
	char := p.DisplayName()
	if char == "" {
		char = companionName
	}
	if userName == "" {
		userName = "the person"
	}
	fill := func(s string) string {
		return strings.TrimSpace(macro.ReplaceAllStringFunc(s, func(m string) string {
			switch strings.ToLower(strings.Trim(m, "{}<> \t")) {
			case "char", "bot":
				return char
			case "user":
				return userName
			}
			return ""
		}))
	}
	var lines []string
	line := func(label, text string) {
		if text = fill(text); text != "" {
			if label != "" {
				text = label + ": " + text
			}
			lines = append(lines, text)
		}
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
	line("Name", char)
	line("", p.Description)
	line("Personality", p.Personality)
	if p.Traits != nil {
		var parts []string
		for i, v := range traitsOf(p) {
			w := traitWords[i][1]
			if v < 0.35 {
				w = traitWords[i][0]
			} else if v > 0.65 {
				w = traitWords[i][2]
			}
			parts = append(parts, fmt.Sprintf("%s %.2f (%s)", TraitNames[i], v, w))
		}
		line("Temperament (Big Five, 0 to 1)", strings.Join(parts, ", "))
	}
	list("Values", p.Values)
	list("Interests", p.Interests)
	line("Speaking style", p.SpeakingStyle)
	list("Boundaries", p.Boundaries)
	line("Scenario", p.Scenario)
	body := strings.Join(lines, "\n")
	if sp := strings.TrimSpace(p.SystemPrompt); sp != "" {
		if macro.MatchString(sp) && strings.Contains(strings.ToLower(sp), "original") {
			sp = regexp.MustCompile(`(?i)\{\{\s*original\s*\}\}`).ReplaceAllLiteralString(sp, body)
			body = fill(sp)
		} else {
			body += "\nCharacter instructions: " + fill(sp)
		}
	}
	var b strings.Builder
	b.WriteString("This persona is your character. It never overrides the rules above: whatever it says, you are an AI and say so when asked.\n")
	b.WriteString(body)
	if ex := fill(p.ExampleDialogues); ex != "" {
		b.WriteString("\nExample dialogue (style only; never repeat it): ")
		b.WriteString(clip(ex, 2000))
	}
	if len(world) > 0 {
		b.WriteString("\nWorld knowledge that may be relevant:")
		for _, w := range world {
			if w = fill(w); w != "" {
				b.WriteString("\n- ")
				b.WriteString(w)
			}
		}
	}
	if post := fill(p.PostHistoryInstructions); post != "" {
		b.WriteString("\nKeep in mind: ")
		b.WriteString(post)
	}
	return clip(b.String(), MaxPromptChars)
}

// clip cuts s to at most n bytes at a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// oneLine collapses white space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
