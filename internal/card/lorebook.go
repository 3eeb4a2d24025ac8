package card

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"os1/internal/os1"
)

// ActivateOptions tune [Matcher.Activate].
type ActivateOptions struct {
	// TokenBudget caps the total tokens of the selected entries' content.
	// 0 means the lorebook's own token_budget, or no cap if it has none;
	// a negative value means no cap.
	TokenBudget int
	// CountTokens counts the tokens of a text. Nil estimates one token per
	// four characters (rounded up).
	CountTokens func(string) int
	// CharBudget, if positive, also caps the total characters of content.
	CharBudget int
	// WholeWords makes plain keys match only at word boundaries ("cat" then
	// does not match "category"). The card specs match substrings, the
	// default.
	WholeWords bool
	// MaxEntries, if positive, caps the number of entries selected; the
	// ranking is the budget's (constant, priority, insertion order).
	MaxEntries int
}

// Secondary key logic of a selective entry. The card specs say only that a
// selective entry needs a secondary key too (LogicAndAny); the other three
// are SillyTavern's, read from the entry's extensions ("selectiveLogic").
const (
	LogicAndAny = 0 // a primary key and any secondary key
	LogicNotAll = 1 // a primary key, and not all secondary keys
	LogicNotAny = 2 // a primary key, and no secondary key
	LogicAndAll = 3 // a primary key and every secondary key
)

// Matcher selects lorebook entries for a text. It is built once by
// [Lorebook.Compile] or [CompileWorld] and is safe for concurrent use.
type Matcher struct {
	rules       []rule
	tokenBudget int
	needLower   bool
	// Invalid lists the use_regex keys that did not compile or were too
	// long (as "entry N: key"); those keys never match.
	Invalid []string
}

type rule struct {
	index     int
	enabled   bool
	constant  bool
	selective bool
	logic     int
	order     int
	priority  int
	content   string
	primary   []key
	secondary []key
}

type key struct {
	text  string         // lowercased unless case-sensitive
	fold  bool           // match against the lowercased text
	re    *regexp.Regexp // for use_regex keys
	empty bool
}

// Compile prepares lb's keys for repeated [Matcher.Activate] calls.
func (lb *Lorebook) Compile() *Matcher {
	m := &Matcher{}
	if lb == nil {
		return m
	}
	if lb.TokenBudget != nil {
		m.tokenBudget = *lb.TokenBudget
	}
	for i, e := range lb.Entries {
		m.add(i, e.Enabled, e.Constant, e.Selective, e.CaseSensitive, e.UseRegex, e.InsertionOrder, e.Priority, e.Content, e.Keys, e.SecondaryKeys)
		m.rules[len(m.rules)-1].logic = selectiveLogic(e.Extensions)
	}
	return m
}

// selectiveLogic reads SillyTavern's "selectiveLogic" (or
// "selective_logic") entry extension; anything else is LogicAndAny.
func selectiveLogic(ext map[string]json.RawMessage) int {
	for _, k := range []string{"selectiveLogic", "selective_logic"} {
		raw, ok := ext[k]
		if !ok {
			continue
		}
		var n int
		if json.Unmarshal(raw, &n) == nil && n >= LogicAndAny && n <= LogicAndAll {
			return n
		}
	}
	return LogicAndAny
}

// Activate is Compile followed by [Matcher.Activate]; for one-off use.
// Callers that match every turn should Compile once and keep the Matcher.
func (lb *Lorebook) Activate(text string, opts ActivateOptions) []Entry {
	if lb == nil {
		return nil
	}
	var out []Entry
	for _, i := range lb.Compile().Activate(text, opts) {
		out = append(out, lb.Entries[i])
	}
	return out
}

// CompileWorld prepares a persona's world knowledge for matching; the
// indices [Matcher.Activate] returns are indices into w.Entries.
func CompileWorld(w *os1.World) *Matcher {
	m := &Matcher{}
	if w == nil {
		return m
	}
	if w.TokenBudget != nil {
		m.tokenBudget = *w.TokenBudget
	}
	for i, e := range w.Entries {
		m.add(i, e.Enabled, e.Constant, e.Selective, e.CaseSensitive, e.UseRegex, e.InsertionOrder, e.Priority, e.Content, e.Keys, e.SecondaryKeys)
		m.rules[len(m.rules)-1].logic = selectiveLogic(e.Extensions)
	}
	return m
}

func (m *Matcher) add(i int, enabled, constant, selective, caseSensitive, useRegex bool, order int, priority *int, content string, primary, secondary []string) {
	r := rule{index: i, enabled: enabled, constant: constant, selective: selective, order: order, content: content}
	if priority != nil {
		r.priority = *priority
	}
	r.primary = m.keys(i, primary, caseSensitive, useRegex)
	r.secondary = m.keys(i, secondary, caseSensitive, useRegex)
	m.rules = append(m.rules, r)
}

func (m *Matcher) keys(i int, ks []string, caseSensitive, useRegex bool) []key {
	var out []key
	for _, k := range ks {
		if strings.TrimSpace(k) == "" {
			continue // an empty key would match everything
		}
		if useRegex {
			re, err := compileKey(k, caseSensitive)
			if err != nil {
				m.Invalid = append(m.Invalid, "entry "+strconv.Itoa(i)+": "+truncate(k, 60))
				continue
			}
			out = append(out, key{re: re})
			continue
		}
		if caseSensitive {
			out = append(out, key{text: k})
		} else {
			m.needLower = true
			out = append(out, key{text: strings.ToLower(k), fold: true})
		}
	}
	return out
}

// compileKey compiles a use_regex key, plain ("dragon(s)?") or in slash
// form ("/dragons?/i").
func compileKey(k string, caseSensitive bool) (*regexp.Regexp, error) {
	if len(k) > MaxRegexLen {
		return nil, invalid("regex key longer than %d characters", MaxRegexLen)
	}
	pattern, flags := k, ""
	if len(k) > 2 && k[0] == '/' {
		if j := strings.LastIndexByte(k, '/'); j > 0 && strings.Trim(k[j+1:], "imsgu") == "" {
			pattern, flags = k[1:j], k[j+1:]
		}
	}
	prefix := ""
	if !caseSensitive || strings.Contains(flags, "i") {
		prefix += "i"
	}
	if strings.Contains(flags, "s") {
		prefix += "s"
	}
	if strings.Contains(flags, "m") {
		prefix += "m"
	}
	if prefix != "" {
		pattern = "(?" + prefix + ")" + pattern
	}
	return regexp.Compile(pattern)
}

// Activate returns the indices of the entries text triggers, in insertion
// order (lower insertion_order first, then card order):
//
//  1. Disabled entries are skipped; constant entries are always candidates.
//  2. Otherwise an entry needs one of its keys in text; if it is selective
//     and has secondary keys, those must match too, by the entry's logic
//     (by default any one of them; see LogicAndAny). Keys match as substrings,
//     case-insensitively unless the entry is case-sensitive; use_regex keys
//     are regular expressions run over the last MaxRegexScan bytes.
//  3. Over the budget, constant entries are kept first, then higher
//     priority, then lower insertion_order; an entry that does not fit is
//     dropped and smaller ones may still fit.
func (m *Matcher) Activate(text string, opts ActivateOptions) []int {
	if m == nil || len(m.rules) == 0 {
		return nil
	}
	lower := ""
	if m.needLower {
		lower = strings.ToLower(text)
	}
	reText := text
	if len(reText) > MaxRegexScan {
		cut := len(reText) - MaxRegexScan
		for cut < len(reText) && !utf8.RuneStart(reText[cut]) {
			cut++
		}
		reText = reText[cut:]
	}
	s := scan{text: text, lower: lower, reText: reText, whole: opts.WholeWords}
	var hits []*rule
	for i := range m.rules {
		r := &m.rules[i]
		if !r.enabled {
			continue
		}
		if r.constant || (s.any(r.primary) && s.secondaryOK(r)) {
			hits = append(hits, r)
		}
	}
	budget := opts.TokenBudget
	if budget == 0 {
		budget = m.tokenBudget
	}
	if budget > 0 || opts.CharBudget > 0 || opts.MaxEntries > 0 {
		hits = fit(hits, budget, opts)
	}
	sort.SliceStable(hits, func(a, b int) bool {
		if hits[a].order != hits[b].order {
			return hits[a].order < hits[b].order
		}
		return hits[a].index < hits[b].index
	})
	out := make([]int, len(hits))
	for i, r := range hits {
		out[i] = r.index
	}
	return out
}

func fit(hits []*rule, budget int, opts ActivateOptions) []*rule {
	count := opts.CountTokens
	if count == nil {
		count = func(s string) int { return (utf8.RuneCountInString(s) + 3) / 4 }
	}
	ranked := append([]*rule(nil), hits...)
	sort.SliceStable(ranked, func(a, b int) bool {
		x, y := ranked[a], ranked[b]
		if x.constant != y.constant {
			return x.constant
		}
		if x.priority != y.priority {
			return x.priority > y.priority
		}
		if x.order != y.order {
			return x.order < y.order
		}
		return x.index < y.index
	})
	var kept []*rule
	tokens, chars := 0, 0
	for _, r := range ranked {
		t, c := 0, utf8.RuneCountInString(r.content)
		if budget > 0 {
			t = count(r.content)
			if tokens+t > budget {
				continue
			}
		}
		if opts.CharBudget > 0 && chars+c > opts.CharBudget {
			continue
		}
		tokens += t
		chars += c
		kept = append(kept, r)
		if opts.MaxEntries > 0 && len(kept) >= opts.MaxEntries {
			break
		}
	}
	return kept
}

type scan struct {
	text, lower, reText string
	whole               bool
}

func (s *scan) any(keys []key) bool {
	for _, k := range keys {
		switch {
		case k.re != nil:
			if k.re.MatchString(s.reText) {
				return true
			}
		case k.fold:
			if s.contains(s.lower, k.text) {
				return true
			}
		default:
			if s.contains(s.text, k.text) {
				return true
			}
		}
	}
	return false
}

// secondaryOK applies a selective entry's secondary keys by its logic.
func (s *scan) secondaryOK(r *rule) bool {
	if !r.selective || len(r.secondary) == 0 {
		return true
	}
	switch r.logic {
	case LogicNotAll:
		return !s.all(r.secondary)
	case LogicNotAny:
		return !s.any(r.secondary)
	case LogicAndAll:
		return s.all(r.secondary)
	}
	return s.any(r.secondary)
}

func (s *scan) all(keys []key) bool {
	for _, k := range keys {
		if !s.any([]key{k}) {
			return false
		}
	}
	return true
}

func (s *scan) contains(text, k string) bool {
	if !s.whole {
		return strings.Contains(text, k)
	}
	for off := 0; ; {
		i := strings.Index(text[off:], k)
		if i < 0 {
			return false
		}
		start, end := off+i, off+i+len(k)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if (start == 0 || !isWord(before)) && (end == len(text) || !isWord(after)) {
			return true
		}
		off = start + 1
		for off < len(text) && !utf8.RuneStart(text[off]) {
			off++
		}
	}
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// Caps on the world knowledge [MatchWorld] puts into one prompt, whatever
// the lorebook's own token_budget says.
const (
	MaxWorldEntries = 16   // entries
	MaxWorldChars   = 6000 // characters of content, about 1500 tokens
	maxWorldScan    = 64 << 10
)

// MatchWorld returns the content of the world entries that the recent
// conversation texts (oldest first) trigger, in insertion order, ready to be
// placed into the prompt:
//
//   - only enabled entries; constant ones always, others when one of their
//     keys appears in the texts (case-insensitively unless the entry is
//     case_sensitive), and, for selective entries, when their secondary keys
//     match by the entry's logic (see LogicAndAny);
//   - the world's scan_depth, when set, limits the scan to that many of the
//     most recent texts (0: only constant entries); the scan covers at most
//     the last 64 KiB of text;
//   - the world's token_budget, MaxWorldEntries and MaxWorldChars cap the
//     result; over a cap, constant entries are kept first, then higher
//     priority, then lower insertion_order.
//
// Recursive scanning (entries triggering entries) is not done. Entries
// with blank content are left out. It returns nil for a nil world.
func MatchWorld(w *os1.World, texts []string) []string {
	if w == nil || len(w.Entries) == 0 {
		return nil
	}
	if d := w.ScanDepth; d != nil && *d >= 0 && *d < len(texts) {
		texts = texts[len(texts)-*d:]
	}
	text := strings.Join(texts, "\n")
	if len(text) > maxWorldScan {
		cut := len(text) - maxWorldScan
		for cut < len(text) && !utf8.RuneStart(text[cut]) {
			cut++
		}
		text = text[cut:]
	}
	var out []string
	for _, i := range CompileWorld(w).Activate(text, ActivateOptions{CharBudget: MaxWorldChars, MaxEntries: MaxWorldEntries}) {
		if c := strings.TrimSpace(w.Entries[i].Content); c != "" {
			out = append(out, c)
		}
	}
	return out
}
