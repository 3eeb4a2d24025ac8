package emotion

import (
	"strings"
	"unicode"
)

// token is a normalised word or a clause break.
type token struct {
	w     string // lower-case word or emoji; "" for a break
	caps  bool   // the word was written in capitals (two letters or more)
	brk   bool   // a clause break (punctuation, new line)
	hard  bool   // the break ends a sentence (. ! ? ; new line)
	bangs int    // '!' in the break
}

// contractions maps a word (apostrophes removed) to its expansion. Forms
// written without the apostrophe ("dont", "cant") are included.
var contractions = map[string][]string{
	"cant": {"can", "not"}, "cannot": {"can", "not"}, "wont": {"will", "not"},
	"shant": {"shall", "not"}, "aint": {"is", "not"}, "dont": {"do", "not"},
	"doesnt": {"does", "not"}, "didnt": {"did", "not"}, "isnt": {"is", "not"},
	"arent": {"are", "not"}, "wasnt": {"was", "not"}, "werent": {"were", "not"},
	"couldnt": {"could", "not"}, "wouldnt": {"would", "not"}, "shouldnt": {"should", "not"},
	"havent": {"have", "not"}, "hasnt": {"has", "not"}, "hadnt": {"had", "not"},
	"mustnt": {"must", "not"}, "neednt": {"need", "not"}, "im": {"i", "am"},
	"ive": {"i", "have"}, "id": {"i", "would"}, "ill": {"i", "will"},
	"youre": {"you", "are"}, "youve": {"you", "have"}, "theyre": {"they", "are"},
	"were": {"we", "are"}, "its": {"it", "is"}, "thats": {"that", "is"},
	"whats": {"what", "is"}, "hes": {"he", "is"}, "shes": {"she", "is"},
	"theres": {"there", "is"}, "lets": {"let", "us"}, "nobodys": {"nobody", "is"},
	"noones": {"no", "one", "is"}, "gonna": {"going", "to"}, "wanna": {"want", "to"},
	"no-one": {"no", "one"}, "noone": {"no", "one"},
}

// apostropheless lists the contractions that are also ordinary words when
// written without an apostrophe ("ill", "id", "its", "were", "hes", "lets"):
// they are expanded only when the apostrophe was there.
var apostropheless = map[string]bool{"ill": true, "id": true, "its": true, "were": true, "hes": true, "lets": true, "shes": true}

// isEmoji reports whether r is a pictograph that stands as a word.
func isEmoji(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF || r == 0x2665 || r == 0x263A
}

// tokenize splits text into normalised tokens. vocab, when not nil, lets an
// elongated word ("sooo", "lonelyyy") be repaired to a known one.
func tokenize(text string, vocab map[string]bool) []token {
	toks := make([]token, 0, len(text)/4+1)
	var word strings.Builder
	upper, letters, hadApos := 0, 0, false
	flush := func() {
		if word.Len() == 0 {
			return
		}
		raw := strings.Trim(word.String(), "'-")
		caps := letters >= 2 && upper == letters
		word.Reset()
		upper, letters = 0, 0
		apos := hadApos
		hadApos = false
		if raw == "" {
			return
		}
		for _, w := range expand(raw, apos, vocab) {
			toks = append(toks, token{w: w, caps: caps})
		}
	}
	brk := func(hard bool, bang bool) {
		flush()
		if n := len(toks); n > 0 && toks[n-1].brk {
			toks[n-1].hard = toks[n-1].hard || hard
			if bang {
				toks[n-1].bangs++
			}
			return
		}
		t := token{brk: true, hard: hard}
		if bang {
			t.bangs = 1
		}
		toks = append(toks, t)
	}
	for _, r := range text {
		switch {
		case r == '\'' || r == '’' || r == '‘' || r == '`':
			if word.Len() > 0 {
				word.WriteRune('\'')
				hadApos = true
			}
		case r == '-' && word.Len() > 0:
			word.WriteRune('-')
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsLetter(r) {
				letters++
				if unicode.IsUpper(r) {
					upper++
				}
			}
			word.WriteRune(unicode.ToLower(r))
		case r == '.' || r == '?' || r == ';' || r == '\n':
			brk(true, false)
		case r == '!':
			brk(true, true)
		case r == ',' || r == ':' || r == '(' || r == ')' || r == '"' || r == '—' || r == '–':
			brk(false, false)
		case isEmoji(r):
			flush()
			toks = append(toks, token{w: string(r)})
		default: // spaces, variation selectors, joiners, other symbols
			flush()
		}
	}
	flush()
	return toks
}

// expand turns one raw lower-case word into normalised words.
func expand(raw string, apos bool, vocab map[string]bool) []string {
	plain := strings.ReplaceAll(raw, "'", "")
	if exp, ok := contractions[plain]; ok && (apos || !apostropheless[plain]) {
		return exp
	}
	if apos {
		switch {
		case strings.HasSuffix(raw, "n't"):
			return []string{strings.TrimSuffix(raw, "n't"), "not"}
		case strings.HasSuffix(raw, "'re"):
			return []string{strings.TrimSuffix(raw, "'re"), "are"}
		case strings.HasSuffix(raw, "'ve"):
			return []string{strings.TrimSuffix(raw, "'ve"), "have"}
		case strings.HasSuffix(raw, "'ll"):
			return []string{strings.TrimSuffix(raw, "'ll"), "will"}
		case strings.HasSuffix(raw, "'d"):
			return []string{strings.TrimSuffix(raw, "'d"), "would"}
		case strings.HasSuffix(raw, "'s"):
			return []string{strings.TrimSuffix(raw, "'s")} // possessive or "is": the word itself is what matters
		}
	}
	return []string{repairElongation(plain, vocab)}
}

// repairElongation collapses letters repeated three times or more ("soooo",
// "happyyy"): first to two, then to one, keeping the first form in vocab.
func repairElongation(w string, vocab map[string]bool) string {
	if vocab == nil || vocab[w] || !hasRun3(w) {
		return w
	}
	two, one := collapse(w, 2), collapse(w, 1)
	switch {
	case vocab[two]:
		return two
	case vocab[one]:
		return one
	}
	return one
}

func hasRun3(w string) bool {
	var prev rune
	n := 0
	for _, r := range w {
		if r == prev {
			n++
			if n >= 3 {
				return true
			}
		} else {
			prev, n = r, 1
		}
	}
	return false
}

// collapse shortens runs of a repeated rune longer than max to max.
func collapse(w string, max int) string {
	var b strings.Builder
	var prev rune
	n := 0
	for _, r := range w {
		if r == prev {
			n++
		} else {
			prev, n = r, 1
		}
		if n <= max {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// messageAllCaps reports whether text has letters and all are capitals
// (then capitals say nothing about one word).
func messageAllCaps(text string) bool {
	letters := 0
	for _, r := range text {
		if unicode.IsLetter(r) {
			if unicode.IsLower(r) {
				return false
			}
			letters++
		}
	}
	return letters > 0
}
