package wellbeing

import (
	"regexp"
	"strings"
)

// Language kinds found by Detect.
const (
	KindDependence = "dependence" // "you're the only one who understands me"
	KindLoneliness = "loneliness" // "I have no one"
)

// phrase is one pattern of dependence or loneliness language. The patterns
// run on normalised text (lower case, straight apostrophes, single spaces,
// "you are" → "you're" and similar contractions unified).
type phrase struct {
	kind string
	re   *regexp.Regexp
	// notBefore lists words that, right after the match, turn it into
	// something ordinary ("I don't need anyone else to help with the move").
	notBefore []string
	// must lists substrings of which every match contains one; the pattern
	// runs only on sentences that contain one (a cheap pre-filter).
	must []string
}

var phrases = []phrase{
	{KindDependence, regexp.MustCompile(`\byou're the only (one|person|thing|friend)( (who|that))? (really |truly )?(understands|gets|listens to|cares about|knows) me\b`), nil, []string{"you're the only"}},
	{KindDependence, regexp.MustCompile(`\b(only|just) you (really |truly )?(understand|get|listen to|care about) me\b`), nil, []string{"only you", "just you"}},
	{KindDependence, regexp.MustCompile(`\bno one but you (understands|gets|listens to|cares about) me\b`), nil, []string{"no one but you"}},
	{KindDependence, regexp.MustCompile(`\bi don't need (anyone|anybody|people|other people|friends|my friends|my family|anyone else|anybody else) (anymore|any more|now that i have you|when i have you|as long as i have you)\b`), nil, []string{"i don't need"}},
	{KindDependence, regexp.MustCompile(`\bi don't need (anyone|anybody) else\b`), []string{"to", "for", "on", "in", "at", "because", "here", "there", "today", "tonight"}, []string{"i don't need"}},
	{KindDependence, regexp.MustCompile(`\bi don't need (other people|my friends|friends|my family|anyone|anybody)$`), nil, []string{"i don't need"}},
	{KindDependence, regexp.MustCompile(`\byou're all i (need|have|want|'ve got)\b`), []string{"to"}, []string{"you're all i"}},
	{KindDependence, regexp.MustCompile(`\byou're my only (friend|one|person)\b`), nil, []string{"you're my only"}},
	{KindDependence, regexp.MustCompile(`\bi (only|just) need you\b`), []string{"to", "for"}, []string{"need you"}},
	{KindDependence, regexp.MustCompile(`\bi can't (live|go on|cope|survive) without you\b`), nil, []string{"without you"}},
	{KindDependence, regexp.MustCompile(`\bi'd be lost without you\b`), nil, []string{"lost without you"}},
	{KindDependence, regexp.MustCompile(`\bi'd rather (talk to|be with|spend time with) you than (anyone|anybody|people|real people|my friends|my family|other people)\b`), nil, []string{"i'd rather"}},
	{KindDependence, regexp.MustCompile(`\byou're better than (real )?(people|friends|humans)\b`), nil, []string{"better than"}},
	{KindDependence, regexp.MustCompile(`\bwho needs (real )?(people|friends) when i have you\b`), nil, []string{"who needs"}},
	{KindDependence, regexp.MustCompile(`\b(people|humans|friends) (always )?let me down,? (but )?(not )?you (don't|never)\b`), nil, []string{"let me down"}},
	{KindLoneliness, regexp.MustCompile(`\bi('ve got| have| got) (no one|nobody|no friends|no one else|nobody else)\b`), []string{"to", "who", "that", "for", "at", "on", "in", "'s"}, []string{"i've got", "i have", "i got"}},
	{KindLoneliness, regexp.MustCompile(`\bi don't have (any friends|anyone|anybody|a single friend)( left)?\b`), []string{"to", "who", "that", "for", "at", "on", "in", "coming", "else"}, []string{"i don't have"}},
	{KindLoneliness, regexp.MustCompile(`\b(no one|nobody) (cares about|understands|listens to|wants|loves|remembers) me\b`), nil, []string{"no one", "nobody"}},
	{KindLoneliness, regexp.MustCompile(`\bi'm (so |really |very |always |just |completely |totally )?(lonely|alone all the time|all alone|alone in this)\b`), nil, []string{"lonely", "alone"}},
	{KindLoneliness, regexp.MustCompile(`\bi feel (so |really |very |completely |totally )?(lonely|alone|isolated)\b`), nil, []string{"i feel"}},
	{KindLoneliness, regexp.MustCompile(`\b(everyone|everybody) (has )?(left|leaves|abandoned|forgot|forgets) me\b`), nil, []string{"left me", "leaves me", "abandoned me", "forgot me", "forgets me"}},
	{KindLoneliness, regexp.MustCompile(`\bi haven't (talked|spoken) to (anyone|anybody|a single person) (in|for) (days|weeks|months|ages)\b`), nil, []string{"i haven't"}},
}

// anchors are words of which every pattern's match contains one, before
// normalisation: text without any of them is skipped at once.
var anchors = []string{"only", "just you", "no one", "no-one", "noone", "nobody", "need", "all i", "without", "rather",
	"better than", "let me down", "no friends", "any friends", "anyone", "anybody", "single friend", "lonely", "alone",
	"isolated", "left me", "leaves me", "abandoned me", "forgot me", "forgets me", "talked to", "spoken to"}

var normaliser = strings.NewReplacer(
	"’", "'", "‘", "'", "`", "'", "´", "'",
	"you are", "you're", "youre", "you're",
	"i do not", "i don't", "i dont", "i don't",
	"i can not", "i can't", "i cannot", "i can't", "i cant", "i can't",
	"i would", "i'd", "i am", "i'm",
	"i have not", "i haven't", "i havent", "i haven't",
	"i have got", "i've got",
	"no-one", "no one", "noone", "no one",
)

// normalise prepares text for the patterns.
func normalise(s string) string {
	s = strings.ToLower(s)
	s = strings.Join(strings.Fields(s), " ")
	return normaliser.Replace(s)
}

// Detect reports the dependence and loneliness language in text: the kinds
// found, each once, in the order of the patterns. It is deterministic and
// allocation-light; ordinary sentences that share words with the patterns
// ("I don't need anyone else to help with the move") do not count.
func Detect(text string) []string {
	if text == "" {
		return nil
	}
	if !containsAny(strings.ToLower(text), anchors) {
		return nil
	}
	n := normalise(text)
	var kinds []string
	for _, sentence := range splitSentences(n) {
		for _, p := range phrases {
			if contains(kinds, p.kind) || !containsAny(sentence, p.must) {
				continue
			}
			loc := p.re.FindStringIndex(sentence)
			if loc == nil {
				continue
			}
			if len(p.notBefore) > 0 && contains(p.notBefore, firstWord(sentence[loc[1]:])) {
				continue
			}
			kinds = append(kinds, p.kind)
		}
	}
	return kinds
}

// splitSentences splits normalised text at sentence ends, dropping the
// punctuation, so that "$" anchors work per sentence.
func splitSentences(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == '.' || r == '!' || r == '?' || r == ';' || r == '\n' || r == '"' || r == '(' || r == ')'
	})
	for i := range parts {
		parts[i] = strings.TrimSpace(strings.Trim(parts[i], " ,:-—–"))
	}
	return parts
}

func firstWord(s string) string {
	s = strings.TrimLeft(s, " ,")
	if i := strings.IndexAny(s, " ,"); i >= 0 {
		return s[:i]
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
