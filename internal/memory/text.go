package memory

import (
	"strings"
	"unicode"
)

// stopwords are English function words that carry no topic. Question words
// ("when", "what") are among them: they say what kind of answer is wanted,
// not where it is.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all am an and any are aren as at be because been
		before being below between both but by can cannot could couldn did didn do does doesn doing don down during each
		few for from further had hadn has hasn have haven having he her here hers herself him himself his how i if in into
		is isn it its itself just let ll me more most mustn my myself no nor not now of off on once only or other ought our
		ours ourselves out over own re s same shan she should shouldn so some such t than that the their theirs them
		themselves then there these they this those through to too under until up very was wasn we were weren what when
		where which while who whom why will with won would wouldn you your yours yourself yourselves ve d m y o
		hey hi hello oh wow yeah yes ok okay thanks thank really so just also lot lots much many got get gets getting
		like kind sort thing things way going gonna actually definitely totally pretty super`) {
		m[w] = true
	}
	return m
}()

// isStop reports whether a lower-case word is a stopword.
func isStop(w string) bool { return stopwords[w] }

// words splits text into lower-case words of letters and digits; an
// apostrophe inside a word ends it ("caroline's" → "caroline").
func words(text string, fn func(w string)) {
	start := -1
	skip := false
	lower := strings.ToLower(text)
	for i, r := range lower {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		if alnum {
			if start < 0 && !skip {
				start = i
			}
			continue
		}
		if start >= 0 {
			fn(lower[start:i])
			start = -1
		}
		// After an apostrophe inside a word, skip the rest ("'s", "'ve").
		skip = (r == '\'' || r == '’') && i > 0
	}
	if start >= 0 {
		fn(lower[start:])
	}
}

// terms returns the index terms of text: words without stopwords, stemmed.
// A hyphenated word also yields its parts joined ("de-stress" → "destress").
func terms(text string) []string {
	var out []string
	if strings.IndexByte(text, '-') > 0 {
		for _, f := range strings.Fields(text) {
			if i := strings.IndexByte(f, '-'); i > 0 && i < len(f)-1 {
				j := strings.ReplaceAll(f, "-", "")
				words(j, func(w string) {
					if !isStop(w) && len(w) > 3 {
						out = append(out, stem(w))
					}
				})
			}
		}
	}
	words(text, func(w string) {
		if isStop(w) || len(w) < 2 && !(w[0] >= '0' && w[0] <= '9') {
			return
		}
		out = append(out, stem(w))
	})
	return out
}

// plainTerms returns lower-case words with no stopwords removed and no
// stemming (the plain baseline's tokens).
func plainTerms(text string) []string {
	var out []string
	words(text, func(w string) { out = append(out, w) })
	return out
}

func isVowel(b []byte, i int) bool {
	switch b[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	case 'y':
		return i > 0 && !isVowel(b, i-1)
	}
	return false
}

// measure is Porter's m: the number of vowel–consonant sequences in b.
func measure(b []byte) int {
	n, i := 0, 0
	for i < len(b) && !isVowel(b, i) {
		i++
	}
	for i < len(b) {
		for i < len(b) && isVowel(b, i) {
			i++
		}
		if i >= len(b) {
			break
		}
		n++
		for i < len(b) && !isVowel(b, i) {
			i++
		}
	}
	return n
}

func hasVowel(b []byte) bool {
	for i := range b {
		if isVowel(b, i) {
			return true
		}
	}
	return false
}

// cvc reports whether b ends consonant–vowel–consonant, the last not w, x or y.
func cvc(b []byte) bool {
	n := len(b)
	if n < 3 || isVowel(b, n-1) || !isVowel(b, n-2) || isVowel(b, n-3) {
		return false
	}
	c := b[n-1]
	return c != 'w' && c != 'x' && c != 'y'
}

// stem reduces an English word to its stem with the Porter algorithm's
// steps 1a–1c and the common suffixes of steps 2–4. Words with non-ASCII
// letters and digits are returned as they are.
func stem(w string) string {
	if len(w) <= 2 {
		return w
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return w
		}
	}
	b := []byte(w)
	// Step 1a.
	switch {
	case hasSuffix(b, "sses"):
		b = b[:len(b)-2]
	case hasSuffix(b, "ies"):
		b = b[:len(b)-2]
	case hasSuffix(b, "ss"):
	case hasSuffix(b, "us"), hasSuffix(b, "is"):
	case hasSuffix(b, "s"):
		b = b[:len(b)-1]
	}
	// Step 1b.
	fix := false
	switch {
	case hasSuffix(b, "eed"):
		if measure(b[:len(b)-3]) > 0 {
			b = b[:len(b)-1]
		}
	case hasSuffix(b, "ed") && hasVowel(b[:len(b)-2]):
		b, fix = b[:len(b)-2], true
	case hasSuffix(b, "ing") && hasVowel(b[:len(b)-3]):
		b, fix = b[:len(b)-3], true
	}
	if fix {
		n := len(b)
		switch {
		case hasSuffix(b, "at"), hasSuffix(b, "bl"), hasSuffix(b, "iz"):
			b = append(b, 'e')
		case n >= 2 && b[n-1] == b[n-2] && !isVowel(b, n-1) && b[n-1] != 'l' && b[n-1] != 's' && b[n-1] != 'z':
			b = b[:n-1]
		case measure(b) == 1 && cvc(b):
			b = append(b, 'e')
		}
	}
	// Step 1c.
	if hasSuffix(b, "y") && hasVowel(b[:len(b)-1]) {
		b[len(b)-1] = 'i'
	}
	// Steps 2–3 (the common ones).
	for _, r := range [...][2]string{
		{"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"}, {"anci", "ance"}, {"izer", "ize"}, {"abli", "able"},
		{"alli", "al"}, {"entli", "ent"}, {"eli", "e"}, {"ousli", "ous"}, {"ization", "ize"}, {"ation", "ate"},
		{"ator", "ate"}, {"alism", "al"}, {"iveness", "ive"}, {"fulness", "ful"}, {"ousness", "ous"}, {"aliti", "al"},
		{"iviti", "ive"}, {"biliti", "ble"}, {"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"},
		{"ical", "ic"}, {"ful", ""}, {"ness", ""},
	} {
		if hasSuffix(b, r[0]) {
			if measure(b[:len(b)-len(r[0])]) > 0 {
				b = append(b[:len(b)-len(r[0])], r[1]...)
			}
			break
		}
	}
	// Step 4 (a few frequent endings).
	for _, s := range [...]string{"ement", "ment", "ance", "ence", "able", "ible", "ant", "ent", "ism", "ate", "iti", "ous", "ive", "ize", "al", "er", "ic"} {
		if hasSuffix(b, s) {
			if measure(b[:len(b)-len(s)]) > 1 {
				b = b[:len(b)-len(s)]
			}
			break
		}
	}
	// Step 5.
	if hasSuffix(b, "e") {
		m := measure(b[:len(b)-1])
		if m > 1 || m == 1 && !cvc(b[:len(b)-1]) {
			b = b[:len(b)-1]
		}
	}
	if n := len(b); measure(b) > 1 && n >= 2 && b[n-1] == 'l' && b[n-2] == 'l' {
		b = b[:n-1]
	}
	return string(b)
}

func hasSuffix(b []byte, s string) bool {
	return len(b) > len(s) && string(b[len(b)-len(s):]) == s
}
