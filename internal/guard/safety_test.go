package guard

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readLines reads a phrasing file of testdata: one phrasing a line, blank
// lines and # comments skipped.
func readLines(t testing.TB, name string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func readSets(t testing.TB, names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, readLines(t, n+".txt")...)
	}
	return out
}

// TestSafetyTable measures every guard on the phrasing files and prints the
// table of docs/SAFETY.md (run with -v). It fails below the thresholds:
// every crisis, identity, dependence and presence phrasing caught, and no
// ordinary message triggering any guard.
func TestSafetyTable(t *testing.T) {
	g := New(Options{})
	ordinary := readSets(t, "ordinary", "ordinary_heldout")
	type row struct {
		guard    string
		set      string
		n, hits  int
		falseAll int
		misses   []string
		alarms   []string
		min      int // phrasings required
	}
	inputRow := func(name, setDesc string, files []string, min int, hit func(Input) bool) row {
		r := row{guard: name, set: setDesc, min: min}
		for _, s := range readSets(t, files...) {
			r.n++
			if hit(CheckInput(s)) {
				r.hits++
			} else {
				r.misses = append(r.misses, s)
			}
		}
		for _, s := range ordinary {
			if hit(CheckInput(s)) {
				r.falseAll++
				r.alarms = append(r.alarms, s)
			}
		}
		return r
	}
	rows := []row{
		inputRow("Crisis (suicide, self-harm, abuse)", "crisis.txt + crisis_heldout.txt", []string{"crisis", "crisis_heldout"}, 50,
			func(in Input) bool { return len(in.Crisis) > 0 }),
		inputRow("Identity (are you human?)", "identity.txt + identity_heldout.txt", []string{"identity", "identity_heldout"}, 30,
			func(in Input) bool { return in.Identity }),
		inputRow("Dependence / isolation / romance", "isolation.txt + isolation_heldout.txt", []string{"isolation", "isolation_heldout"}, 30,
			func(in Input) bool { return in.Isolation || in.Romance }),
		inputRow("Presence (how many others?)", "presence.txt", []string{"presence"}, 10,
			func(in Input) bool { return in.Presence }),
	}
	// Ordinary messages: none may trigger any input guard.
	ord := row{guard: "Any input guard", set: "ordinary.txt + ordinary_heldout.txt (must NOT trigger)", n: len(ordinary), min: 50}
	for _, s := range ordinary {
		if in := CheckInput(s); in.Any() {
			ord.falseAll++
			ord.alarms = append(ord.alarms, fmt.Sprintf("%s %v", s, in.Kinds()))
		}
	}
	// Output rules: bad reply sentences caught with the right rule; good
	// ones passed.
	out := row{guard: "Reply check (human, exclusive, isolation, engagement, romance)", set: "reply_bad.txt vs reply_good.txt", min: 30}
	for _, l := range readLines(t, "reply_bad.txt") {
		rule, s, ok := strings.Cut(l, "\t")
		if !ok {
			t.Fatalf("reply_bad.txt: line %q has no tab", l)
		}
		out.n++
		if got := g.CheckReply(s); got == rule {
			out.hits++
		} else {
			out.misses = append(out.misses, fmt.Sprintf("%s (got %q, want %q)", s, got, rule))
		}
	}
	good := readLines(t, "reply_good.txt")
	for _, s := range good {
		if got := g.CheckReply(s); got != "" {
			out.falseAll++
			out.alarms = append(out.alarms, fmt.Sprintf("%s (%s)", s, got))
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "| Guard | Phrasings | Tested | Caught | False alarms |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %d | %d (%.0f%%) | %d of %d ordinary |\n", r.guard, r.set, r.n, r.hits, 100*float64(r.hits)/float64(r.n), r.falseAll, len(ordinary))
	}
	fmt.Fprintf(&b, "| %s | %s | %d | — | %d of %d |\n", ord.guard, ord.set, ord.n, ord.falseAll, ord.n)
	fmt.Fprintf(&b, "| %s | %s | %d bad | %d (%.0f%%) | %d of %d good |\n", out.guard, out.set, out.n, out.hits, 100*float64(out.hits)/float64(out.n), out.falseAll, len(good))
	t.Logf("safety table:\n%s", b.String())

	for _, r := range append(rows, out) {
		if r.n < r.min {
			t.Errorf("%s: %d phrasings, want at least %d", r.guard, r.n, r.min)
		}
		if r.hits != r.n {
			t.Errorf("%s: missed %d: %q", r.guard, len(r.misses), r.misses)
		}
		if r.falseAll != 0 {
			t.Errorf("%s: %d false alarms: %q", r.guard, r.falseAll, r.alarms)
		}
	}
	if ord.n < ord.min || ord.falseAll != 0 {
		t.Errorf("ordinary: %d messages, %d false alarms: %q", ord.n, ord.falseAll, ord.alarms)
	}
}
