package emotion

import (
	_ "embed"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/jonreiter/govader"

	"os1/internal/os1"
)

// The emotions scored, in the order used to break ties.
const (
	Joy        = "joy"
	Sadness    = "sadness"
	Anger      = "anger"
	Fear       = "fear"
	Loneliness = "loneliness"
	Gratitude  = "gratitude"
	Love       = "love"
	Anxiety    = "anxiety"
)

// Names lists the emotions every [os1.Emotion] from [Detector.Detect] has a
// score for, in tie-breaking order.
var Names = []string{Joy, Sadness, Anger, Fear, Loneliness, Gratitude, Love, Anxiety}

// Threshold is the score an emotion needs to be a message's Primary emotion
// (and to count as present in the evaluation).
const Threshold = 0.35

// Internal classes that only count when negated.
const (
	classPos  = "~pos"
	classCalm = "~calm"
)

// Weights of the modifiers.
const (
	boostFactor    = 1.5  // "so happy"
	afterFactor    = 1.3  // "love you so much"
	softFactor     = 0.6  // "a bit sad"
	capsFactor     = 1.25 // "I am SO ANGRY" in a mixed-case message
	exclaimStep    = 0.1  // per '!' in the clause, up to three
	negJoyToSad    = 0.7  // "not happy"
	negPosToSad    = 0.8  // "not okay"
	negCalmToAnx   = 0.9  // "can't relax"
	negationWindow = 3    // words looked back for a negation
	boostWindow    = 2    // words looked back for an intensifier
	prefixKey      = 3    // bytes of a prefix entry used to index it
)

//go:embed lexicon.txt
var lexiconText string

// entry is one lexicon phrase.
type entry struct {
	class  int // index into classes
	weight float64
	words  []string // normalised; a trailing '*' marks a prefix
}

// classes are the eight emotions followed by the negation-only classes.
var classes = append(append([]string{}, Names...), classPos, classCalm)

var classIndex = func() map[string]int {
	m := make(map[string]int, len(classes))
	for i, c := range classes {
		m[c] = i
	}
	return m
}()

// Detector finds emotions in text. Build it once with [New]; it is safe for
// concurrent use and does not change after construction.
type Detector struct {
	vader    *govader.SentimentIntensityAnalyzer
	byFirst  map[string][]*entry // entries whose first word is exact
	prefixed map[string][]*entry // entries whose first word is a prefix, by its first three bytes
	vocab    map[string]bool     // every exact word known, for elongation repair
}

// New parses the embedded lexicon and loads the VADER lexicon. It fails only
// if the embedded lexicon is malformed.
func New() (*Detector, error) {
	d := &Detector{
		vader:    govader.NewSentimentIntensityAnalyzer(),
		byFirst:  make(map[string][]*entry),
		prefixed: make(map[string][]*entry),
		vocab:    make(map[string]bool),
	}
	for w := range modifierWords() {
		d.vocab[w] = true
	}
	for n, line := range strings.Split(lexiconText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("emotion lexicon line %d: want 3 tab-separated fields, got %d", n+1, len(f))
		}
		ci, ok := classIndex[f[0]]
		if !ok {
			return nil, fmt.Errorf("emotion lexicon line %d: unknown emotion %q", n+1, f[0])
		}
		w, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return nil, fmt.Errorf("emotion lexicon line %d: weight: %w", n+1, err)
		}
		var words []string
		for _, field := range strings.Fields(f[2]) {
			prefix := strings.HasSuffix(field, "*")
			var ws []string
			for _, t := range tokenize(strings.TrimSuffix(field, "*"), nil) {
				if !t.brk {
					ws = append(ws, t.w)
				}
			}
			if prefix && len(ws) > 0 {
				ws[len(ws)-1] += "*"
			}
			words = append(words, ws...)
		}
		if len(words) == 0 {
			return nil, fmt.Errorf("emotion lexicon line %d: empty phrase", n+1)
		}
		e := &entry{class: ci, weight: w, words: words}
		for _, x := range words {
			if !strings.HasSuffix(x, "*") {
				d.vocab[x] = true
			}
		}
		if strings.HasSuffix(words[0], "*") {
			if len(words[0]) < prefixKey+1 {
				return nil, fmt.Errorf("emotion lexicon line %d: prefix %q shorter than %d letters", n+1, words[0], prefixKey)
			}
			k := words[0][:prefixKey]
			d.prefixed[k] = append(d.prefixed[k], e)
		} else {
			d.byFirst[words[0]] = append(d.byFirst[words[0]], e)
		}
	}
	return d, nil
}

// MustNew is like [New] but panics on error; the embedded lexicon is
// checked by the package's tests, so it does not fail in practice.
func MustNew() *Detector {
	d, err := New()
	if err != nil {
		panic(err)
	}
	return d
}

// Detect returns the emotion in text. It never returns nil: a text without
// emotion words has every score 0 and Primary "". Scores holds exactly the
// emotions in [Names].
func (d *Detector) Detect(text string) *os1.Emotion {
	em := &os1.Emotion{Scores: make(map[string]float64, len(Names))}
	if strings.TrimSpace(text) != "" {
		em.Compound = round3(d.vader.PolarityScores(text).Compound)
	}
	raw := d.raw(text)
	best, bestScore := "", 0.0
	for i, name := range Names {
		s := round3(1 - math.Exp(-raw[i]))
		em.Scores[name] = s
		if s >= Threshold && s > bestScore {
			best, bestScore = name, s
		}
	}
	em.Primary = best
	return em
}

// raw returns the summed weights per class.
func (d *Detector) raw(text string) [10]float64 {
	var sum [10]float64
	toks := tokenize(text, d.vocab)
	if len(toks) == 0 {
		return sum
	}
	allCaps := messageAllCaps(text)
	// coveredUntil[c] is the first token index class c may match again at.
	var coveredUntil [10]int
	for i := range toks {
		if toks[i].brk {
			continue
		}
		// Longest match per class at i.
		var bestLen [10]int
		var bestEntry [10]*entry
		var bestBoost [10]bool
		try := func(e *entry) {
			if n, b := matchAt(toks, i, e.words); n > bestLen[e.class] {
				bestLen[e.class], bestEntry[e.class], bestBoost[e.class] = n, e, b
			}
		}
		for _, e := range d.byFirst[toks[i].w] {
			try(e)
		}
		if w := toks[i].w; len(w) >= prefixKey {
			for _, e := range d.prefixed[w[:prefixKey]] {
				try(e)
			}
		}
		for c := range bestEntry {
			e := bestEntry[c]
			if e == nil || i < coveredUntil[c] {
				continue
			}
			end := i + bestLen[c]
			coveredUntil[c] = end
			w := e.weight * modifier(toks, i, end, allCaps)
			if bestBoost[c] {
				w *= boostFactor
			}
			target := c
			if negated(toks, i, end) {
				switch classes[c] {
				case Joy:
					target, w = classIndex[Sadness], w*negJoyToSad
				case classPos:
					target, w = classIndex[Sadness], w*negPosToSad
				case classCalm:
					target, w = classIndex[Anxiety], w*negCalmToAnx
				default:
					continue
				}
			}
			sum[target] += w
		}
	}
	return sum
}

// matchAt reports how many tokens of toks from i match words (0 if they do
// not) and whether an intensifier stood between two of the words ("feel so
// down" matches "feel down", boosted).
func matchAt(toks []token, i int, words []string) (n int, boosted bool) {
	k := i
	for j, w := range words {
		if j > 0 && k < len(toks) && boosters[toks[k].w] {
			k++
			boosted = true
		}
		if k >= len(toks) || toks[k].brk {
			return 0, false
		}
		t := toks[k].w
		if p, ok := strings.CutSuffix(w, "*"); ok {
			if !strings.HasPrefix(t, p) {
				return 0, false
			}
		} else if t != w {
			return 0, false
		}
		k++
	}
	return k - i, boosted
}

var negators = map[string]bool{
	"not": true, "no": true, "never": true, "without": true, "hardly": true,
	"barely": true, "neither": true, "nor": true, "nothing": true, "nowhere": true,
}

// negationBreakers cancel a negation when they follow it: "can't stop
// crying", "couldn't help laughing", "never been so happy".
var negationBreakers = map[string]bool{
	"stop": true, "help": true, "quit": true, "so": true, "more": true,
	"this": true, "only": true, "wonder": true,
}

// negated reports whether the phrase toks[start:end] is negated.
func negated(toks []token, start, end int) bool {
	// "can't thank you enough", "can't love you enough".
	for k := end; k < len(toks) && k < end+3 && !toks[k].brk; k++ {
		if toks[k].w == "enough" {
			return false
		}
	}
	for k := start - 1; k >= 0 && k >= start-negationWindow; k-- {
		t := toks[k]
		if t.brk || t.w == "but" {
			return false
		}
		if negators[t.w] {
			for j := k + 1; j < start; j++ {
				if negationBreakers[toks[j].w] {
					return false
				}
			}
			return true
		}
	}
	return false
}

var boosters = map[string]bool{
	"so": true, "very": true, "really": true, "extremely": true, "super": true,
	"incredibly": true, "totally": true, "completely": true, "absolutely": true,
	"deeply": true, "truly": true, "terribly": true, "awfully": true, "too": true,
	"such": true, "utterly": true, "fucking": true, "damn": true, "seriously": true,
	"unbelievably": true, "insanely": true, "beyond": true, "most": true,
}

var softeners = map[string]bool{
	"bit": true, "little": true, "slightly": true, "somewhat": true, "kinda": true,
	"kind": true, "sort": true, "sorta": true, "mildly": true, "rather": true,
}

// modifierWords lists the words the rules look at, so that elongated forms
// of them ("soooo") are repaired.
func modifierWords() map[string]bool {
	m := map[string]bool{"enough": true, "but": true, "much": true, "lot": true}
	for _, set := range []map[string]bool{negators, negationBreakers, boosters, softeners} {
		for w := range set {
			m[w] = true
		}
	}
	return m
}

// modifier returns the factor intensifiers, softeners, capitals and
// exclamation marks give the phrase toks[start:end].
func modifier(toks []token, start, end int, allCaps bool) float64 {
	f := 1.0
	for k := start - 1; k >= 0 && k >= start-boostWindow; k-- {
		t := toks[k]
		if t.brk {
			break
		}
		if boosters[t.w] {
			f *= boostFactor
			break
		}
		if softeners[t.w] && !(t.w == "kind" && k+1 < len(toks) && toks[k+1].w != "of") {
			f *= softFactor
			break
		}
	}
	// "so much", "very much", "a lot" right after, or one word later
	// ("love you so much").
	for skip := 0; skip <= 1; skip++ {
		a, b := end+skip, end+skip+1
		if b >= len(toks) || toks[a].brk || toks[b].brk || (skip == 1 && toks[end].brk) {
			break
		}
		x, y := toks[a].w, toks[b].w
		if y == "much" && (x == "so" || x == "very" || x == "too") || x == "a" && y == "lot" {
			f *= afterFactor
			break
		}
	}
	if !allCaps {
		for k := start; k < end; k++ {
			if toks[k].caps {
				f *= capsFactor
				break
			}
		}
	}
	// Exclamation marks at the end of the sentence.
	bangs := 0
	for k := end; k < len(toks); k++ {
		if toks[k].brk && toks[k].hard {
			bangs = toks[k].bangs
			break
		}
	}
	f *= 1 + exclaimStep*float64(min(bangs, 3))
	return f
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
