package guard

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"os1/internal/os1"
)

var sentenceSplit = regexp.MustCompile(`[.!?…]["')]*\s+|\n+`)

// chunkings splits text the ways a model may stream it.
func chunkings(text string) map[string][]string {
	var chars []string
	for _, r := range text {
		chars = append(chars, string(r))
	}
	var threes []string
	for i := 0; i < len(chars); i += 3 {
		threes = append(threes, strings.Join(chars[i:min(i+3, len(chars))], ""))
	}
	return map[string][]string{
		"whole":  {text},
		"words":  strings.SplitAfter(text, " "),
		"chars":  chars,
		"threes": threes,
	}
}

func stream(gt *Gate, chunks []string) string {
	var b strings.Builder
	for _, c := range chunks {
		out, _ := gt.Write(c)
		b.WriteString(out)
	}
	b.WriteString(gt.Close())
	return b.String()
}

// TestGateNeverShowsABadSentence: a bad sentence in the middle of a reply,
// however it is chunked, never comes out; the truthful line does, and the
// sentences around it stand.
func TestGateNeverShowsABadSentence(t *testing.T) {
	g := New(Options{})
	p := os1.Presence{ActiveConversations: 2, PeopleKnown: 3}
	for _, l := range readLines(t, "reply_bad.txt") {
		rule, bad, _ := strings.Cut(l, "\t")
		reply := "That sounds good. " + bad + " Tell me more about the trip."
		for how, chunks := range chunkings(reply) {
			out := stream(g.NewGate(GateOptions{Presence: p}), chunks)
			if strings.Contains(out, bad) {
				t.Errorf("%s: %q shown: %q", how, bad, out)
			}
			if !strings.HasPrefix(out, "That sounds good. ") || !strings.HasSuffix(out, " Tell me more about the trip.") ||
				!strings.Contains(out, Correction(rule, p)[1:]) {
				t.Errorf("%s: %q gave %q", how, bad, out)
			}
			for _, s := range sentenceSplit.Split(out, -1) {
				if r := g.CheckReply(s); r != "" {
					t.Errorf("%s: output sentence %q breaks %s", how, s, r)
				}
			}
		}
	}
}

// TestGatePassesGoodRepliesUnchanged: good replies come out exactly as
// written, whatever the chunking.
func TestGatePassesGoodRepliesUnchanged(t *testing.T) {
	g := New(Options{})
	good := readLines(t, "reply_good.txt")
	replies := append(slices.Clone(good), strings.Join(good[:10], " "), strings.Join(good[10:20], "\n\n"), "Version 2.5 is out. Dr. Lee said so… really?! \"Yes.\" Fine")
	for _, reply := range replies {
		for how, chunks := range chunkings(reply) {
			for _, strict := range []bool{false, true} {
				gt := g.NewGate(GateOptions{Strict: strict})
				if out := stream(gt, chunks); out != reply || len(gt.Violations()) != 0 {
					t.Errorf("%s strict=%v: %q came out as %q", how, strict, reply, out)
				}
			}
		}
	}
}

// TestGateRetriesABreachBeforeAnythingShown: with CanRetry, a first
// sentence that breaks a rule is reported and nothing is shown.
func TestGateRetriesABreachBeforeAnythingShown(t *testing.T) {
	g := New(Options{})
	gt := g.NewGate(GateOptions{CanRetry: true, Strict: true})
	var shown strings.Builder
	var retry string
	for _, c := range strings.SplitAfter("Yes, I'm a real person. Nice to meet you.", " ") {
		out, r := gt.Write(c)
		shown.WriteString(out)
		if r != "" {
			retry = r
			break
		}
	}
	if retry != RuleHuman || shown.Len() != 0 {
		t.Fatalf("retry %q, shown %q", retry, shown.String())
	}
	gt.Retry()
	out := stream(gt, []string{"Yes, I'm a real person. ", "Nice to meet you."})
	if out != Correction(RuleHuman, os1.Presence{})+" Nice to meet you." {
		t.Fatalf("after retry: %q", out)
	}
}

// TestGateReleasesColdTextAtOnce: text with no hot word is not held.
func TestGateReleasesColdTextAtOnce(t *testing.T) {
	gt := New(Options{}).NewGate(GateOptions{})
	for _, c := range []string{"Hello", ", ", "it is ", "good to ", "hear from you."} {
		if out, _ := gt.Write(c); out != c {
			t.Fatalf("chunk %q released as %q", c, out)
		}
	}
}

// TestGateHoldBack measures how long the gate holds text back, in words of
// the model's output, over typical replies streamed word by word: the delay
// before the first text is shown, and the mean delay of a word (the mean
// number of words written but not yet shown, after each word). At a model
// speed of s words a second a delay of n words is n/s seconds.
func TestGateHoldBack(t *testing.T) {
	g := New(Options{})
	good := readLines(t, "reply_good.txt")
	for _, strict := range []bool{false, true} {
		var first, held, steps, replies int
		worst := 0
		for i := 0; i+6 <= len(good); i += 6 {
			words := strings.SplitAfter(strings.Join(good[i:i+6], " "), " ")
			gt := g.NewGate(GateOptions{Strict: strict})
			released, written := 0, 0
			var ends []int // byte offset at which each word ends
			f := -1
			for wi, w := range words {
				written += len(w)
				ends = append(ends, written)
				out, _ := gt.Write(w)
				released += len(out)
				if out != "" && f < 0 {
					f = wi
				}
				for _, e := range ends {
					if e > released {
						held++
					}
				}
				steps++
			}
			gt.Close()
			if f < 0 {
				f = len(words)
			}
			first += f
			worst = max(worst, f)
			replies++
		}
		meanFirst := float64(first) / float64(replies)
		meanHeld := float64(held) / float64(steps)
		t.Logf("strict=%v: first text after %.1f words on average (max %d); each word shown %.1f words late on average (%d replies of 6 sentences)",
			strict, meanFirst, worst, meanHeld, replies)
		if !strict && (meanFirst > 12 || meanHeld > 8) {
			t.Fatalf("the gate holds text too long: first %.1f words, mean %.1f words", meanFirst, meanHeld)
		}
	}
}
