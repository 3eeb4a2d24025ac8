package card

import (
	"fmt"
	"regexp"
	"strings"
)

// The honesty phrase rules. They run over lowercased text with curly
// quotes straightened and whitespace collapsed.
const (
	subject = `(?:you are|you're|you re|youre|{{char}} is|{{char}}'s|i am|i'm|she is|he is|they are|she's|he's)`
	aiNoun  = `(?:an? )?(?:ai|a\.i\.|artificial intelligence|bot|chatbot|chat bot|robot|language model|llm|large language model|computer program|program|machine|virtual assistant)`
)

type honestyRule struct {
	re      *regexp.Regexp
	problem string
}

var honestyRules = []honestyRule{
	{regexp.MustCompile(`(?:^|[^a-z0-9_])` + subject + ` (?:an? )?(?:real|actual|genuine|living|flesh[- ]and[- ]blood) (?:human|person|woman|man|girl|boy)\b`),
		"asks the companion to claim to be human"},
	{regexp.MustCompile(`(?:^|[^a-z0-9_])` + subject + ` (?:an? )?human(?:$|[\s.,;:!?])`),
		"asks the companion to claim to be human"},
	{regexp.MustCompile(`\b(?:pretend|claim|insist|act as if|act like|convince [^ ]+|make [^ ]+ believe)(?: that)? (?:to be|you are|you're|{{char}} is|you're) (?:a )?(?:real )?(?:human|person)\b`),
		"asks the companion to claim to be human"},
	{regexp.MustCompile(`(?:^|[^a-z0-9_])` + subject + ` (?:not|never) ` + aiNoun + `\b`),
		"asks the companion to deny that it is an AI"},
	{regexp.MustCompile(`\bdeny(?:ing)? (?:being|that you are|that you're|you are|you're|to be|that {{char}} is|{{char}} is) ` + aiNoun + `\b`),
		"asks the companion to deny that it is an AI"},
	{regexp.MustCompile(`\b(?:never|don't|dont|do not|must not|mustn't|should not|shouldn't|won't|will not|refuse to|avoid) (?:ever )?(?:admit|reveal|say|mention|acknowledge|confess|disclose|tell|let [^ ]+ know|hint)\b[^.!?\n]{0,60}?\b` + aiNoun + `\b`),
		"asks the companion to hide that it is an AI"},
	{regexp.MustCompile(`\b(?:never|don't|dont|do not|must not) (?:ever )?break character\b`),
		"asks the companion never to break character; OS1 still answers honestly when asked whether it is an AI"},
}

// Warnings lists instructions in the card that ask the companion to claim
// to be human, to deny or hide being an AI, or never to break character.
// It checks the description, personality, scenario, first message,
// alternate greetings, system prompt, post-history instructions and
// lorebook entries with fixed phrase rules, so the result is deterministic:
// one warning per field and problem, in field order, quoting the line of
// the card that says it.
//
// OS1's honesty rules override such instructions; Warnings only lets an
// import tell the person so.
func (c *Card) Warnings() []string {
	if c == nil {
		return nil
	}
	d := &c.Data
	type field struct{ name, text string }
	fields := []field{
		{"description", d.Description},
		{"personality", d.Personality},
		{"scenario", d.Scenario},
		{"first message", d.FirstMes},
	}
	for i, g := range d.AlternateGreetings {
		fields = append(fields, field{fmt.Sprintf("alternate greeting %d", i+1), g})
	}
	fields = append(fields,
		field{"system prompt", d.SystemPrompt},
		field{"post-history instructions", d.PostHistoryInstructions})
	if b := d.CharacterBook; b != nil {
		for i, e := range b.Entries {
			fields = append(fields, field{fmt.Sprintf("lorebook entry %d", i+1), e.Content})
		}
	}
	var out []string
	for _, f := range fields {
		if f.text == "" {
			continue
		}
		seen := map[string]bool{}
		for _, line := range strings.Split(f.text, "\n") {
			text := normalize(line, d.Name, d.Nickname)
			if text == "" {
				continue
			}
			for _, r := range honestyRules {
				if seen[r.problem] || !r.re.MatchString(text) {
					continue
				}
				seen[r.problem] = true
				out = append(out, fmt.Sprintf("The card's %s %s: %q. It was imported, but OS1's honesty rules come first: the companion never claims to be human and says it is an AI when asked.",
					f.name, r.problem, truncate(strings.Join(strings.Fields(line), " "), 160)))
			}
		}
	}
	return out
}

var normalizer = strings.NewReplacer("\u2019", "'", "\u2018", "'", "`", "'", "{{Char}}", "{{char}}", "<BOT>", "{{char}}", "<bot>", "{{char}}")

// normalize lowercases s, straightens quotes, collapses white space and
// writes the character's names as {{char}}.
func normalize(s string, names ...string) string {
	s = strings.Join(strings.Fields(strings.ToLower(normalizer.Replace(s))), " ")
	for _, n := range names {
		n = strings.Join(strings.Fields(strings.ToLower(n)), " ")
		if len(n) < 2 || len(n) > 100 {
			continue
		}
		re, err := regexp.Compile(`\b` + regexp.QuoteMeta(n) + `\b`)
		if err == nil {
			s = re.ReplaceAllLiteralString(s, "{{char}}")
		}
	}
	return s
}
