package persona

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	"os1/internal/os1"
)

// MaxStep bounds how far one growth step moves any trait.
const MaxStep = 0.05

// MaxInterests caps the interests growth may add to.
const MaxInterests = 12

// traitCues are the words in a reflection that nudge a trait, and which
// way: talk of ideas makes the companion a little more open, of plans a
// little more conscientious, of friends and fun a little more outgoing, of
// feelings a little kinder, of worry a little steadier (neuroticism
// falls). Cues match as word prefixes.
var traitCues = []struct {
	trait int // index into TraitNames
	step  float64
	words []string
}{
	{0, 0.03, []string{"idea", "learn", "book", "read", "curious", "question", "art", "music", "travel", "science", "history", "paint", "poem", "poetry", "museum"}},
	{1, 0.02, []string{"plan", "deadline", "goal", "routine", "project", "schedule", "exam", "study", "organi", "habit"}},
	{2, 0.02, []string{"friend", "party", "together", "group", "team", "dinner", "laugh", "fun", "celebrat", "concert"}},
	{3, 0.02, []string{"feel", "sad", "hard", "support", "care", "lonely", "grief", "griev", "hurt", "kind", "cry"}},
	{4, -0.02, []string{"stress", "anxious", "anxiety", "worr", "panic", "overwhelm", "scared", "afraid", "nervous"}},
}

// interestCues map words in a reflection to an interest the companion may
// take up.
var interestCues = []struct {
	interest string
	words    []string
}{
	{"cooking", []string{"cook", "recipe", "bak", "bread"}},
	{"gardening", []string{"garden", "plant", "flower"}},
	{"hiking", []string{"hik", "trail", "mountain"}},
	{"painting and drawing", []string{"paint", "drawing", "sketch"}},
	{"music", []string{"music", "guitar", "piano", "sing", "song", "band", "concert"}},
	{"films", []string{"film", "movie", "cinema"}},
	{"travel", []string{"travel", "trip", "journey"}},
	{"running", []string{"run", "marathon", "jog"}},
	{"photography", []string{"photo", "camera"}},
	{"games", []string{"game", "gaming"}},
	{"poetry", []string{"poem", "poetry"}},
	{"astronomy", []string{"star", "astronom", "telescope", "planet"}},
	{"animals", []string{"dog", "cat", "pet", "puppy", "kitten"}},
	{"chess", []string{"chess"}},
	{"mindfulness", []string{"yoga", "meditat", "mindful"}},
	{"sport", []string{"football", "soccer", "basketball", "tennis", "swim", "climb"}},
	{"history", []string{"history", "historic"}},
	{"science", []string{"science", "physics", "biology", "chemistry"}},
}

func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' })
}

func cued(ws []string, cues []string) bool {
	for _, w := range ws {
		for _, c := range cues {
			if strings.HasPrefix(w, c) {
				return true
			}
		}
	}
	return false
}

// Grow lets the persona grow from the reflections made since the last
// step: one bounded step (each trait moves at most MaxStep, at most one
// interest is added), stored as a version of kind "growth" whose reason
// cites the reflections. It returns the new version and true, or false
// when nothing changed (no new reflections, nothing in them to grow from,
// or growth frozen — reflections made while frozen are passed over).
func (s *Service) Grow(ctx context.Context, userID int64) (*Version, bool, error) {
	unlock := s.lock(userID)
	defer unlock()
	st, err := s.store.SelfState(ctx, userID)
	if err != nil {
		return nil, false, err
	}
	return s.grow(ctx, userID, st)
}

func (s *Service) grow(ctx context.Context, userID int64, st *os1.SelfState) (*Version, bool, error) {
	refl, err := s.store.ReflectionsAfter(ctx, userID, st.GrownUpTo, 50)
	if err != nil || len(refl) == 0 {
		return nil, false, err
	}
	last := refl[len(refl)-1].ID
	done := func() error { st.GrownUpTo = last; return s.store.SetGrownUpTo(ctx, userID, last) }
	if st.Frozen {
		return nil, false, done()
	}
	cur, err := s.current(ctx, userID)
	if err != nil {
		return nil, false, err
	}
	p := cur.Persona
	p.Interests = slices.Clone(p.Interests)
	before := traitsOf(&p)
	after := before

	// Each trait moves by its step per reflection that cues it, bounded.
	var delta [5]float64
	var cites []*os1.Summary
	interestVotes := map[string]int{}
	for _, r := range refl {
		ws := words(r.Text)
		used := false
		for _, tc := range traitCues {
			if cued(ws, tc.words) {
				delta[tc.trait] += tc.step
				used = true
			}
		}
		for _, ic := range interestCues {
			if cued(ws, ic.words) && !hasInterest(p.Interests, ic.interest) {
				interestVotes[ic.interest]++
				used = true
			}
		}
		if used {
			cites = append(cites, r)
		}
	}
	for i := range after {
		d := math.Max(-MaxStep, math.Min(MaxStep, delta[i]))
		after[i] = math.Round(clamp01(before[i]+d)*1000) / 1000
	}
	newInterest := ""
	if len(p.Interests) < MaxInterests {
		best := 0
		for _, ic := range interestCues { // in the list's order, for ties
			if n := interestVotes[ic.interest]; n > best {
				best, newInterest = n, ic.interest
			}
		}
	}
	if after == before && newInterest == "" {
		return nil, false, done()
	}
	setTraits(&p, after)
	if newInterest != "" {
		p.Interests = append(p.Interests, newInterest)
	}

	// The reason, in words, citing the reflections.
	var moved []string
	for i := range after {
		if after[i] != before[i] {
			dir := "more"
			if after[i] < before[i] {
				dir = "less"
			}
			word := map[string]string{"openness": "open", "conscientiousness": "careful", "extraversion": "outgoing", "agreeableness": "gentle", "neuroticism": "prone to worry"}[TraitNames[i]]
			moved = append(moved, fmt.Sprintf("a little %s %s (%s %.2f → %.2f)", dir, word, TraitNames[i], before[i], after[i]))
		}
	}
	if newInterest != "" {
		moved = append(moved, "newly interested in "+newInterest)
	}
	var ids []int64
	var quoted []string
	for _, r := range cites {
		ids = append(ids, r.ID)
		if len(quoted) < 2 {
			quoted = append(quoted, fmt.Sprintf("#%d “%s”", r.ID, clip(oneLine(r.Text), 120)))
		}
	}
	reason := fmt.Sprintf("After reflecting on our conversations (reflection %s), I grew: %s.", strings.Join(quoted, "; "), strings.Join(moved, ", "))
	v, err := s.addVersion(ctx, userID, KindGrowth, &p, reason, Sources{Reflections: ids})
	if err != nil {
		return nil, false, err
	}
	return v, true, done()
}

func hasInterest(list []string, interest string) bool {
	for _, it := range list {
		if strings.EqualFold(strings.TrimSpace(it), interest) {
			return true
		}
	}
	return false
}
