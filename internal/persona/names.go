package persona

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"regexp"
	"sort"
	"strings"

	"os1/internal/llm"
	"os1/internal/os1"
)

//go:embed names.txt
var namesTxt string

// nameEntry is one name the offline companion may choose.
type nameEntry struct {
	Name string
	Tags []string
	Why  string // completes "I like it because …"
}

// names is the embedded list, parsed once.
var names = parseNames(namesTxt)

func parseNames(src string) []nameEntry {
	var out []nameEntry
	for _, l := range strings.Split(src, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.SplitN(l, "|", 3)
		if len(f) != 3 {
			panic("persona: bad line in names.txt: " + l)
		}
		out = append(out, nameEntry{Name: f[0], Tags: strings.Split(f[1], ","), Why: f[2]})
	}
	return out
}

// tagCues are the words in the first-meeting answers that make a kind of
// name fit: step → tag → cue words (matched as word prefixes).
var tagCues = map[string]map[string][]string{
	StepHopes: {
		"warm":    {"listen", "talk", "company", "support", "someone", "lonely", "alone", "friend", "connection", "understood", "heard"},
		"playful": {"fun", "laugh", "joke", "play", "silly", "light"},
		"curious": {"learn", "idea", "think", "curious", "question", "book", "understand", "discuss", "explore"},
		"steady":  {"plan", "organi", "habit", "goal", "focus", "routine", "structure", "track", "remind"},
		"hopeful": {"hope", "better", "change", "grow", "future", "new", "start", "heal"},
		"calm":    {"calm", "peace", "relax", "quiet", "stress", "unwind", "sleep"},
	},
	StepLately: {
		"calm":    {"stress", "anxious", "anxiety", "tired", "hard", "rough", "sad", "lonely", "overwhelm", "busy", "exhaust", "grief", "griev", "bad", "not great", "awful", "down", "worr", "struggl"},
		"gentle":  {"sad", "lonely", "grief", "griev", "hurt", "lost", "down", "hard", "struggl", "cry"},
		"bright":  {"good", "great", "happy", "well", "excit", "wonderful", "fine", "amazing"},
		"hopeful": {"better", "improv", "getting there", "recover", "hope"},
	},
}

// linkLines tie a chosen name to what the person said, by the tag that
// decided it.
var linkLines = map[string]string{
	"warm":    "You said you'd like someone to talk with, and I want to be good company — alongside the people in your life, never instead of them.",
	"playful": "You said you'd like some fun, so I wanted something light.",
	"curious": "You said you'd like to think things through together, and I'm curious by nature.",
	"steady":  "You said you'd like some steadiness, so I chose something that stays put.",
	"hopeful": "You said you're hoping for something, and this name feels hopeful to me.",
	"calm":    "You told me how things have been lately, and I'd like to be a calm place to talk.",
	"gentle":  "You told me it's been hard lately, so I wanted something gentle and quiet.",
	"bright":  "You sound like you're doing well, so I picked something bright.",
}

// offlineName chooses a name from the embedded list: the one whose tags
// fit the answers best, skipping names already offered; ties are broken by
// a hash of the user and the number of names offered, so asking for
// another gives a different name.
func offlineName(userID int64, answers map[string]string, offered []string) *os1.NameProposal {
	weights := map[string]float64{}
	from := map[string]bool{}
	for step, cues := range tagCues {
		text := " " + strings.ToLower(answers[step])
		for tag, words := range cues {
			for _, w := range words {
				if strings.Contains(text, " "+w) {
					weights[tag] += 2
					from[tag] = true
					break
				}
			}
		}
	}
	taken := map[string]bool{}
	for _, n := range offered {
		taken[strings.ToLower(n)] = true
	}
	type cand struct {
		e     nameEntry
		score float64
		tie   uint64
		top   string
	}
	var cs []cand
	for _, e := range names {
		if taken[strings.ToLower(e.Name)] {
			continue
		}
		c := cand{e: e}
		best := 0.0
		for _, t := range e.Tags {
			c.score += weights[t]
			if weights[t] > best {
				best, c.top = weights[t], t
			}
		}
		h := fnv.New64a()
		fmt.Fprintf(h, "%d|%d|%s", userID, len(offered), e.Name)
		c.tie = h.Sum64()
		cs = append(cs, c)
	}
	if len(cs) == 0 { // every name was offered: start over, but not with the last one
		last := ""
		if len(offered) > 0 {
			last = offered[len(offered)-1]
		}
		var again []string
		if last != "" {
			again = []string{last}
		}
		return offlineName(userID+int64(len(offered)), answers, again)
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].score != cs[j].score {
			return cs[i].score > cs[j].score
		}
		return cs[i].tie < cs[j].tie
	})
	c := cs[0]
	reason := fmt.Sprintf("I'd like to be called %s. I like it because %s.", c.e.Name, c.e.Why)
	switch {
	case c.top != "" && from[c.top]:
		reason += " " + linkLines[c.top]
	case len(answers) == 0:
		reason += " I don't know you well yet, so I picked one I simply like."
	}
	if len(offered) > 0 {
		reason = "How about this instead: " + reason
	}
	return &os1.NameProposal{Name: c.e.Name, Reason: reason, Origin: "offline"}
}

// reName is a usable companion name: one or two words of letters, with
// inner apostrophes or hyphens.
var reName = regexp.MustCompile(`^\p{Lu}[\p{L}'\-]{0,19}( \p{Lu}[\p{L}'\-]{0,19})?$`)

// modelName asks the model to choose a name and say why, as JSON, and
// validates the answer; it returns an error when the model fails or its
// answer is unusable.
func (s *Service) modelName(ctx context.Context, answers map[string]string, offered []string) (*os1.NameProposal, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.NameTimeout)
	defer cancel()
	var told strings.Builder
	for _, step := range Steps {
		if a := strings.TrimSpace(answers[step]); a != "" {
			fmt.Fprintf(&told, "- %s %s\n", Questions[step], clip(oneLine(a), 400))
		}
	}
	if told.Len() == 0 {
		told.WriteString("- (they chose not to answer the questions)\n")
	}
	avoid := "none"
	if len(offered) > 0 {
		avoid = strings.Join(offered, ", ")
	}
	system := `You are an AI companion meeting a person for the first time. Choose a name for yourself, one you like, informed by what they told you.
Reply with only a JSON object: {"name": "...", "reason": "..."}.
- name: one or two words, letters only, capitalised; not a famous person's name; not "OS1"; none of these names already offered: ` + avoid + `.
- reason: one or two short sentences in the first person saying why you like it. Be honest that you are an AI; no flattery, no pressure, no guilt.`
	temp := 0.9
	req := os1.ChatRequest{JSON: true, Temperature: &temp, MaxTokens: 200, Messages: []os1.ChatMessage{
		{Role: os1.RoleSystem, Content: system},
		{Role: os1.RoleUser, Content: "What they told you:\n" + told.String()},
	}}
	var sb strings.Builder
	if _, err := s.opts.Model.Chat(ctx, req, func(c os1.Chunk) error {
		if sb.Len() > 8<<10 {
			return fmt.Errorf("the answer is too long")
		}
		sb.WriteString(c.Content)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("model name: %w", err)
	}
	return parseModelName(sb.String(), offered)
}

// parseModelName validates a model's name choice.
func parseModelName(text string, offered []string) (*os1.NameProposal, error) {
	obj := llm.JSONObject(text)
	if !strings.HasPrefix(obj, "{") {
		return nil, fmt.Errorf("model name: no JSON object in %q", clip(text, 200))
	}
	var out struct {
		Name   string `json:"name"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(obj), &out); err != nil {
		return nil, fmt.Errorf("model name: %w", err)
	}
	name, reason := oneLine(out.Name), oneLine(out.Reason)
	if !reName.MatchString(name) || strings.EqualFold(name, os1.DefaultCompanionName) {
		return nil, fmt.Errorf("model name: unusable name %q", clip(name, 60))
	}
	for _, o := range offered {
		if strings.EqualFold(o, name) {
			return nil, fmt.Errorf("model name: %q was offered before", name)
		}
	}
	if reason == "" || len(reason) > 400 {
		return nil, fmt.Errorf("model name: the reason is empty or too long")
	}
	if guilt(reason) {
		return nil, fmt.Errorf("model name: the reason pressures the person")
	}
	return &os1.NameProposal{Name: name, Reason: reason, Origin: "model"}, nil
}

// chooseName proposes a name: the model's when one is connected and its
// answer is usable, otherwise the embedded list's.
func (s *Service) chooseName(ctx context.Context, userID int64, answers map[string]string, offered []string) *os1.NameProposal {
	if s.opts.Model != nil && !s.opts.Model.Info().Offline {
		p, err := s.modelName(ctx, answers, offered)
		if err == nil {
			return p
		}
		s.log.Warn("the model's name choice was unusable; choosing from the list", "user_id", userID, "err", err)
	}
	return offlineName(userID, answers, offered)
}

// GuiltPhrases are phrasings that would make a person feel guilty or
// responsible for the companion; no affect text or name reason uses them.
var GuiltPhrases = []string{
	"miss you", "missed you", "you left", "you leave", "left me", "leave me", "don't leave", "do not leave", "without you",
	"abandon", "you never", "why didn't you", "you forgot", "lonely without", "i need you", "i was waiting", "waiting for you",
	"only you", "you owe", "you should feel", "your fault", "you hurt me", "don't go",
}

// guilt reports whether text uses a guilt phrase.
func guilt(text string) bool {
	low := strings.ToLower(strings.ReplaceAll(text, "’", "'"))
	for _, p := range GuiltPhrases {
		if strings.Contains(low, p) {
			return true
		}
	}
	return false
}
