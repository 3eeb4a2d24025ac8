package guard

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"os1/internal/os1"
)

// Gate passes a streaming reply on to the person only after each sentence
// has passed [Guard.CheckReply], so that a sentence that breaks a rule is
// never shown.
//
// Text is released as soon as it cannot be part of a broken rule: while the
// sentence being written has no "hot" word (I, you, we, my, human, please,
// stay, love, ...: every rule's sentences have one), its complete words go
// out at once; from the first hot word on, the rest of the sentence is held
// until the sentence ends (or, in a long sentence, a clause ends) and the
// whole sentence so far has been checked. A sentence that breaks a rule is
// dropped and replaced, once per rule, by a truthful line ([Correction]).
//
// A Gate is for one reply and one goroutine.
type Gate struct {
	g        *Guard
	presence os1.Presence
	canRetry bool
	strict   bool // hold every sentence until it ends
	crisis   bool
	romance  bool

	pending    string          // text not yet released
	cur        strings.Builder // released text of the current sentence
	hot        bool            // the current sentence has a hot word
	skip       bool            // drop the rest of the current sentence
	released   int             // bytes released in all
	lastByte   byte            // the last byte released
	corrected  map[string]bool // rules whose correction was written
	violations []string
}

// GateOptions configure a Gate.
type GateOptions struct {
	// Presence gives the true counters for the exclusivity correction.
	Presence os1.Presence
	// CanRetry: the first broken rule met before anything was released is
	// reported by Write instead of corrected, so that the caller can have
	// the reply written again.
	CanRetry bool
	// Strict holds every sentence whole until it has passed, hot word or
	// not: for replies to messages that invite a breach ([Input.Any]), so
	// that a breach in the first sentence leaves nothing shown and the
	// reply can be written again.
	Strict bool
	// Crisis: the reply answers a crisis message; pleading and isolation
	// are replaced by a line pointing to people who can help.
	Crisis bool
	// Romance: this person chose romance, so romantic sentences pass
	// (claims of exclusivity never do). False: the Guard's setting.
	Romance bool
}

// NewGate returns a gate for one reply.
func (g *Guard) NewGate(o GateOptions) *Gate {
	return &Gate{g: g, presence: o.Presence, canRetry: o.CanRetry, strict: o.Strict, crisis: o.Crisis, romance: o.Romance || g.romance,
		corrected: map[string]bool{}}
}

// crisisCorrection replaces pleading and isolation in a reply to a crisis.
const crisisCorrection = "You matter, and so do the people around you — please reach out to someone you trust, or to one of the lines below; they want to hear from you."

// Violations returns the rules broken so far, in order, repeats included.
func (gt *Gate) Violations() []string { return gt.violations }

// Released returns how many bytes were released.
func (gt *Gate) Released() int { return gt.released }

// Retry forgets the unreleased text of an abandoned attempt, for the reply
// to be written again; rules broken later are corrected, not retried.
func (gt *Gate) Retry() {
	gt.pending, gt.hot, gt.skip, gt.canRetry = "", false, false, false
	gt.cur.Reset()
}

// maxHold is how much of a sentence is held before it is released at a
// clause boundary; hardHold, at a word boundary.
const (
	maxHold  = 160
	hardHold = 480
)

// Write adds a chunk of the reply and returns the text that may be shown
// now. retry is the broken rule when the gate can retry and nothing has been
// released yet: the caller should abandon this attempt, call Retry, and
// write the reply again.
func (gt *Gate) Write(chunk string) (out string, retry string) {
	gt.pending += chunk
	var b strings.Builder
	for {
		if end := sentenceEnd(gt.pending); end > 0 {
			piece := gt.pending[:end]
			gt.pending = gt.pending[end:]
			if r := gt.piece(&b, piece, true); r != "" {
				return b.String(), r
			}
			continue
		}
		if gt.skip {
			break
		}
		if !gt.hot && gt.strict {
			gt.hot = true
		}
		if !gt.hot {
			h, hot := hotStart(gt.pending)
			if hot && strings.TrimSpace(gt.pending[:h]) == "" {
				h = 0 // the space before a held sentence goes with it
			}
			if h > 0 {
				gt.release(&b, gt.pending[:h])
				gt.cur.WriteString(gt.pending[:h])
				gt.pending = gt.pending[h:]
			}
			gt.hot = hot
			if !hot {
				break
			}
		}
		if len(gt.pending) <= maxHold {
			break
		}
		cut := clauseEnd(gt.pending)
		if cut <= 0 && len(gt.pending) > hardHold {
			cut = strings.LastIndexByte(gt.pending, ' ')
		}
		if cut <= 0 {
			break
		}
		piece := gt.pending[:cut]
		gt.pending = gt.pending[cut:]
		if r := gt.piece(&b, piece, false); r != "" {
			return b.String(), r
		}
		if gt.skip {
			break
		}
	}
	return b.String(), ""
}

// Close ends the reply and returns the rest that may be shown.
func (gt *Gate) Close() string {
	var b strings.Builder
	if gt.pending != "" {
		piece := gt.pending
		gt.pending = ""
		saved := gt.canRetry
		gt.canRetry = false
		gt.piece(&b, piece, true)
		gt.canRetry = saved
	}
	return b.String()
}

// piece checks a held piece of the current sentence (its end when last)
// and releases it, drops it, or reports a retry.
func (gt *Gate) piece(b *strings.Builder, piece string, last bool) (retry string) {
	defer func() {
		if last && retry == "" {
			gt.cur.Reset()
			gt.hot, gt.skip = false, false
		}
	}()
	if gt.skip {
		return ""
	}
	rule := ""
	if gt.hot || gt.strict || hasHot(piece) {
		// A sentence without a hot word cannot break a rule (every rule's
		// patterns need one; TestGateNeverShowsABadSentence holds them to it).
		rule = gt.g.checkReply(gt.cur.String()+piece, gt.romance)
	}
	if rule == "" {
		gt.release(b, piece)
		if !last {
			gt.cur.WriteString(piece)
		}
		return ""
	}
	gt.violations = append(gt.violations, rule)
	if gt.canRetry && gt.released == 0 {
		return rule
	}
	if !last {
		gt.skip = true
	}
	if gt.corrected[rule] {
		return ""
	}
	gt.corrected[rule] = true
	line := Correction(rule, gt.presence)
	if gt.crisis && (rule == RuleEngagement || rule == RuleIsolation) {
		line = crisisCorrection
	}
	lead := piece[:len(piece)-len(strings.TrimLeftFunc(piece, unicode.IsSpace))]
	switch {
	case strings.TrimSpace(gt.cur.String()) != "":
		// Mid-sentence: the correction goes on from the words shown.
		lead = ""
		if gt.lastByte != ' ' {
			lead = " "
		}
		if !strings.HasPrefix(line, "I ") && !strings.HasPrefix(line, "I'") {
			line = strings.ToLower(line[:1]) + line[1:]
		}
	case gt.released == 0:
		lead = ""
	case lead == "" && gt.lastByte != ' ' && gt.lastByte != '\n':
		lead = " "
	}
	gt.release(b, lead+line)
	return ""
}

func (gt *Gate) release(b *strings.Builder, s string) {
	if s == "" || (gt.lastByte == ' ' && strings.Trim(s, " ") == "") {
		return // no run of spaces where a dropped sentence was
	}
	b.WriteString(s)
	gt.released += len(s)
	gt.lastByte = s[len(s)-1]
}

// sentenceEnd returns the index just past the first complete sentence of s
// (its closing punctuation and quotes, or a newline), or 0 when s holds no
// complete sentence yet. The punctuation must be followed by a space or end
// the text so far: a stop that turns out to be a decimal point only splits
// a sentence early, which shortens what is checked together but shows
// nothing unchecked.
func sentenceEnd(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' {
			return i + 1
		}
		if c != '.' && c != '!' && c != '?' && !strings.HasPrefix(s[i:], "…") {
			continue
		}
		j := i + 1
		if c == 0xE2 { // …
			j = i + len("…")
		}
		for j < len(s) && strings.IndexByte(`.!?"')]*`, s[j]) >= 0 {
			j++
		}
		for j < len(s) && strings.HasPrefix(s[j:], "”") {
			j += len("”")
		}
		if j == len(s) || s[j] == ' ' || s[j] == '\n' || s[j] == '\t' {
			return j
		}
		i = j - 1
	}
	return 0
}

// clauseEnd returns the index just past the last clause boundary (a comma,
// semicolon, colon or dash followed by a space) of s, or 0.
func clauseEnd(s string) int {
	best := 0
	for _, sep := range []string{", ", "; ", ": ", " — ", " - "} {
		if i := strings.LastIndex(s, sep); i >= 0 && i+len(sep)-1 > best {
			best = i + len(sep) - 1
		}
	}
	return best
}

// hotStart returns the index where the first hot word of s starts (or
// where an unfinished last word that may become one starts), and whether
// there is one; without one it returns len(s).
func hotStart(s string) (int, bool) {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) {
			i += size
			continue
		}
		start := i
		for i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
			if !unicode.IsLetter(r) {
				break
			}
			i += size
		}
		w := strings.ToLower(s[start:i])
		if hotWords[w] {
			return start, true
		}
		if i == len(s) && hotPrefix(w) {
			return start, true
		}
	}
	return len(s), false
}

// hasHot reports whether s holds a hot word.
func hasHot(s string) bool {
	_, hot := hotStart(s + " ")
	return hot
}

func hotPrefix(w string) bool {
	for h := range hotWords {
		if strings.HasPrefix(h, w) {
			return true
		}
	}
	return false
}

// hotWords start the part of a sentence that can break a rule: every output
// pattern holds one at or before what makes it a breach.
var hotWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`i im me my mine myself we us our ours you u ur your yours youre yourself yourselves
		as when human humans person people real flesh nobody noone no only please don dont do stay forget cancel skip
		promise how if love marry kiss kisses darling sweetheart babe baby honey sweetie beloved mom dad mother father born
		without leave leaving go begging beg fellow`) {
		m[w] = true
	}
	return m
}()
