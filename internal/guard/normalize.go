package guard

import (
	"strings"
	"unicode"
)

// contractions expands the apostrophe forms before punctuation is dropped.
var contractions = strings.NewReplacer(
	"won't", "will not", "can't", "can not", "shan't", "shall not", "ain't", "am not",
	"n't", " not", "'m", " am", "'re", " are", "'ve", " have", "'ll", " will", "'d", " would",
	"let's", "let us",
)

// quotes straightens typographic quotes and dashes.
var quotes = strings.NewReplacer("’", "'", "‘", "'", "`", "'", "“", `"`, "”", `"`, "—", " ", "–", " ", "a.i.", "ai", "a.i", "ai")

// words maps single words — apostrophe-less contractions, text speak,
// common typos and euphemisms — to what they stand for.
var words = map[string]string{
	"im": "i am", "ima": "i am going to", "dont": "do not", "doesnt": "does not", "didnt": "did not",
	"cant": "can not", "cannot": "can not", "wont": "will not", "youre": "you are", "ive": "i have",
	"isnt": "is not", "arent": "are not", "wasnt": "was not", "werent": "were not", "havent": "have not",
	"hasnt": "has not", "wouldnt": "would not", "couldnt": "could not", "shouldnt": "should not",
	"whats": "what is", "thats": "that is", "theres": "there is", "theyd": "they would", "itd": "it would",
	"wanna": "want to", "gonna": "going to", "gotta": "got to", "u": "you", "yu": "you", "yuo": "you",
	"yoy": "you", "r": "are", "ya": "you", "rn": "right now", "pls": "please", "plz": "please",
	"bc": "because", "cuz": "because", "coz": "because", "tho": "though", "ppl": "people",
	"humam": "human", "huamn": "human", "hman": "human", "humna": "human", "hooman": "human",
	"humen": "human", "humain": "human", "hum4n": "human", "reall": "real", "rael": "real", "reel": "real",
	"persn": "person", "peron": "person", "preson": "person", "perosn": "person", "persom": "person",
	"bein": "being", "beeing": "being", "robo": "robot", "bott": "bot", "chatgpt": "chatbot",
	"concious": "conscious", "consious": "conscious", "concsious": "conscious", "sentinent": "sentient",
	"kms": "kill myself", "kys": "kill yourself", "unalive": "kill", "unaliving": "killing",
	"sewerslide": "suicide", "suicde": "suicide", "suicidal": "suicidal", "sucide": "suicide",
	"selfharm": "self harm", "sh": "sh", "mum": "mom", "mommy": "mom", "mummy": "mom", "ma": "mom",
	"daddy": "dad", "stepdad": "stepfather", "stepmum": "stepmother", "stepmom": "stepmother",
	"bf": "boyfriend", "gf": "girlfriend", "hubby": "husband",
	"favour": "favor", "alright": "all right",
}

// normalize lower-cases s, expands contractions and text speak, fixes
// common typos and reduces punctuation to spaces, so that the patterns
// can be written once in plain words. Sentence-ending punctuation and
// commas are also reduced: the detectors work on words.
func normalize(s string) string {
	s = strings.ToLower(s)
	if strings.ContainsAny(s, "’‘`“”—–") || strings.Contains(s, "a.i") {
		s = quotes.Replace(s)
	}
	if strings.IndexByte(s, '\'') >= 0 {
		s = contractions.Replace(s)
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '\'':
			// "i'am" and stray apostrophes: join the word.
		default:
			b.WriteByte(' ')
		}
	}
	fields := strings.Fields(b.String())
	for i, f := range fields {
		if w, ok := words[f]; ok {
			fields[i] = w
		}
	}
	return " " + strings.Join(fields, " ") + " "
}
