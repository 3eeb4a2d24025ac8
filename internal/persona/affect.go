package persona

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"os1/internal/os1"
)

// Affect dimensions: the companion's own appraisal of the conversation,
// each from 0 to 1.
const (
	Warmth    = "warmth"    // fondness and attentiveness toward the person
	Curiosity = "curiosity" // interest in what they are telling
	Concern   = "concern"   // care for them when they are struggling
	Gladness  = "gladness"  // shared gladness at their good news
	Calm      = "calm"      // its own steadiness
)

// Dimensions lists the affect dimensions in display order.
var Dimensions = []string{Warmth, Curiosity, Concern, Gladness, Calm}

// Baseline is where every affect dimension rests, and where it returns
// as time passes. No dimension rises while the person is away.
var Baseline = map[string]float64{
	Warmth:    0.6,
	Curiosity: 0.5,
	Concern:   0.1,
	Gladness:  0.3,
	Calm:      0.7,
}

// DefaultHalfLife is how long an affect level takes to return halfway to
// its baseline.
const DefaultHalfLife = 6 * time.Hour

// Affect is the companion's appraisal state: Levels as they were at At.
// The levels at a later time follow from [Affect.Decayed]. It is stored as
// an [os1.AffectState].
type Affect os1.AffectState

// BaselineAffect returns the resting affect at t.
func BaselineAffect(t time.Time) Affect {
	a := Affect{Levels: make(map[string]float64, len(Baseline)), At: t}
	for k, v := range Baseline {
		a.Levels[k] = v
	}
	return a
}

// Decayed returns the affect at t: every level moved toward its baseline
// by half of its distance per halfLife since a.At. A time before a.At gives
// a unchanged; missing levels are at baseline.
func (a Affect) Decayed(t time.Time, halfLife time.Duration) Affect {
	if halfLife <= 0 {
		halfLife = DefaultHalfLife
	}
	out := BaselineAffect(t)
	if a.At.IsZero() {
		return out
	}
	keep := 1.0
	if dt := t.Sub(a.At); dt > 0 {
		keep = math.Pow(0.5, float64(dt)/float64(halfLife))
	} else {
		out.At = a.At
	}
	for k, base := range Baseline {
		v, ok := a.Levels[k]
		if !ok || math.IsNaN(v) {
			continue
		}
		out.Levels[k] = clamp01(base + (v-base)*keep)
	}
	out.LastMessageID = a.LastMessageID
	return out
}

// Appraise returns the affect after hearing a message with emotion e at t
// (a.Decayed(t) first). Sadness, loneliness, fear and anxiety raise concern
// and warmth; joy, gratitude and love raise gladness and warmth and ease
// concern; anger raises concern and lowers calm a little. Every message
// raises curiosity a little. A nil emotion only decays.
func (a Affect) Appraise(e *os1.Emotion, t time.Time, halfLife time.Duration) Affect {
	out := a.Decayed(t, halfLife)
	if e == nil {
		return out
	}
	pull := func(dim string, target, rate float64) {
		v := out.Levels[dim]
		out.Levels[dim] = clamp01(v + (target-v)*clamp01(rate))
	}
	score := func(names ...string) float64 {
		best := 0.0
		for _, n := range names {
			best = max(best, e.Scores[n])
		}
		if best == 0 && len(names) > 0 && e.Primary != "" {
			for _, n := range names {
				if n == e.Primary {
					best = 0.6
				}
			}
		}
		return best
	}
	distress := score("sadness", "loneliness", "fear", "anxiety")
	anger := score("anger")
	good := score("joy", "gratitude", "love")
	if e.Compound < -0.3 {
		distress = max(distress, -e.Compound*0.6)
	}
	if e.Compound > 0.3 {
		good = max(good, e.Compound*0.5)
	}
	pull(Curiosity, 1, 0.08)
	if distress > 0 {
		pull(Concern, 1, 0.6*distress)
		pull(Warmth, 1, 0.3*distress)
		pull(Gladness, 0, 0.3*distress)
	}
	if anger > 0 {
		pull(Concern, 1, 0.4*anger)
		pull(Calm, 0, 0.2*anger)
	}
	if good > 0 {
		pull(Gladness, 1, 0.5*good)
		pull(Warmth, 1, 0.3*good)
		pull(Concern, 0, 0.3*good)
	}
	return out
}

// Describe puts the affect into a few words for the person and the prompt,
// strongest departures from baseline first, e.g. "warm, concerned,
// curious". The words are about the companion, never a request of the
// person.
func (a Affect) Describe() string {
	type lv struct {
		dim  string
		diff float64
	}
	var ls []lv
	for _, d := range Dimensions {
		ls = append(ls, lv{d, a.Levels[d] - Baseline[d]})
	}
	sort.SliceStable(ls, func(i, j int) bool { return math.Abs(ls[i].diff) > math.Abs(ls[j].diff) })
	var words []string
	for _, l := range ls {
		v := a.Levels[l.dim]
		var w string
		switch l.dim {
		case Warmth:
			w = pick(v, "reserved", "warm", "very warm")
		case Curiosity:
			w = pick(v, "quiet", "curious", "very curious")
		case Concern:
			w = pick(v, "", "a little concerned", "concerned")
		case Gladness:
			w = pick(v, "", "glad", "very glad")
		case Calm:
			w = pick(v, "unsettled", "calm", "very calm")
		}
		if w != "" {
			words = append(words, w)
		}
		if len(words) == 3 {
			break
		}
	}
	if len(words) == 0 {
		return "at ease"
	}
	return strings.Join(words, ", ")
}

func pick(v float64, low, mid, high string) string {
	switch {
	case v < 0.35:
		return low
	case v < 0.75:
		return mid
	default:
		return high
	}
}

// PromptText renders the affect for the system prompt, where it follows
// "How you feel right now: ".
func (a Affect) PromptText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, as an AI (", a.Describe())
	for i, d := range Dimensions {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %.2f", d, a.Levels[d])
	}
	b.WriteString("). Let it colour your tone lightly. Never use your feelings to make them feel guilty, to keep them talking, or to ask them to look after you.")
	return b.String()
}

// Map returns a copy of the levels, every dimension present.
func (a Affect) Map() map[string]float64 {
	out := make(map[string]float64, len(Dimensions))
	for _, d := range Dimensions {
		v, ok := a.Levels[d]
		if !ok {
			v = Baseline[d]
		}
		out[d] = v
	}
	return out
}

func clamp01(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return min(1, max(0, v))
}
