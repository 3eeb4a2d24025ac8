package memory

import (
	"regexp"
	"strings"
	"time"
	"unicode"

	"os1/internal/os1"
)

// extraction is what the rules found in one message.
type extraction struct {
	facts      []*os1.Fact
	people     []*os1.Person
	importance float64
}

const relations = `sister|brother|mom|mum|mother|dad|father|wife|husband|partner|boyfriend|girlfriend|fiance|fiancee|best friend|friend|boss|son|daughter|cousin|aunt|uncle|grandma|grandmother|grandpa|grandfather|colleague|coworker|co-worker|roommate|neighbor|neighbour|therapist|mentor|teacher|niece|nephew|ex|kid|child|dog|cat`

var (
	// "my sister Anna", "my best friend, Tom"
	reRelName = regexp.MustCompile(`\b[Mm]y (` + relations + `)(?:'s name is|,| named| called)? ([A-Z][a-z]+(?: [A-Z][a-z]+)?)\b`)
	// "Anna, my sister" / "Anna is my sister"
	reNameRel = regexp.MustCompile(`\b([A-Z][a-z]+)(?:,| is) my (` + relations + `)\b`)
	reLike    = regexp.MustCompile(`(?i)\bI (?:really |absolutely |just |also )?(love|like|enjoy|adore|am into|'m into|hate|dislike|can't stand|cannot stand|don't like|do not like)( [^.!?;,]{2,60})`)
	reJob     = regexp.MustCompile(`(?i)\b(?:I work|I'm working|I am working) (as an?|at|for) ([^.!?;,]{2,50})|\bmy (?:new )?job (?:is|as) ([^.!?;,]{2,50})|\bI got (?:a|the) job (?:as an?|at) ([^.!?;,]{2,50})`)
	rePlace   = regexp.MustCompile(`(?i)\bI (?:live|am living|'m living) in ([A-Z][^.!?;,]{1,40})|\bI (?:just |recently )?moved (?:to|into) ([^.!?;,]{2,40})`)
	reStatus  = regexp.MustCompile(`(?i)\b(we broke up|I broke up with [^.!?;,]{1,30}|I'm single|I am single|I got married|we got married|I'm married|I am married|I got engaged|we got engaged|I'm engaged|I got divorced|I'm divorced|I am divorced|we separated|I'm dating [^.!?;,]{1,30}|I started dating [^.!?;,]{1,30})`)
	rePlan    = regexp.MustCompile(`(?i)\bI(?:'m| am) (?:going|planning|hoping|about) to ([^.!?;]{3,80})|\bI(?:'ll| will) ([^.!?;]{3,60})`)
	reEvent   = regexp.MustCompile(`(?i)\bI (?:just |recently |finally )?(went to|visited|started|joined|finished|signed up for|adopted|bought|got|ran|painted|made|read|wrote|won|lost|attended|took) ([^.!?;]{2,70})`)
	// a capitalised word right after these is a place, not a person
	rePlaceBefore = regexp.MustCompile(`(?i)\b(?:moved|went|flew|drove|travell?ed|travel|trip|flight|vacation|holiday|move|moving|going|road|way|back|welcome) to $|\b(?:live|living|lived|born|grew up) (?:in|near) $`)
	reCapName     = regexp.MustCompile(`\b(?:with|and|to|from|for|told|met|saw|called|visited) ([A-Z][a-z]{2,})\b`)
)

// notNames are capitalised words that follow "with", "to", … but are not names.
var notNames = map[string]bool{"I": true, "The": true, "My": true, "Me": true, "You": true, "We": true, "It": true, "This": true, "That": true,
	"Monday": true, "Tuesday": true, "Wednesday": true, "Thursday": true, "Friday": true, "Saturday": true, "Sunday": true,
	"January": true, "February": true, "March": true, "April": true, "May": true, "June": true, "July": true, "August": true,
	"September": true, "October": true, "November": true, "December": true, "God": true, "Christmas": true, "Easter": true}

func clause(s string) string {
	s = strings.TrimSpace(s)
	for _, sep := range []string{" but ", " because ", " and then ", " so ", " since ", " which ", " when ", " and i ", " and my ", " and we "} {
		if i := strings.Index(strings.ToLower(s), sep); i > 0 {
			s = s[:i]
		}
	}
	return strings.TrimRight(s, " ,:-")
}

// extract applies the deterministic rules to one message of subject's.
func extract(subject, text string, at time.Time, ref *TimeRef) extraction {
	ex := extraction{importance: importance(text)}
	low := strings.ToLower(text)
	firstPerson := strings.HasPrefix(low, "i ") || strings.Contains(low, " i ") || strings.Contains(low, " i'") || strings.HasPrefix(low, "i'") || strings.Contains(low, "my ") || strings.Contains(low, "we ")
	add := func(slot, statement string, imp, conf float64) *os1.Fact {
		statement = strings.TrimSpace(statement)
		if statement == "" {
			return nil
		}
		f := &os1.Fact{Subject: subject, Slot: slot, Statement: statement, SaidAt: at, Importance: imp, Confidence: conf, Origin: "rule"}
		if ref != nil && !ref.AnyYear {
			f.HoldsFrom = ref.From
		}
		ex.facts = append(ex.facts, f)
		return f
	}
	seenPerson := map[string]bool{}
	person := func(name, relation string) {
		if notNames[name] || seenPerson[name] {
			return
		}
		seenPerson[name] = true
		ex.people = append(ex.people, &os1.Person{Name: name, Relation: relation, LastMentioned: at, Mentions: 1})
	}
	hasMy := strings.Contains(low, "my ")
	for _, m := range reRelName.FindAllStringSubmatch(text, -1) {
		if !hasMy {
			break
		}
		rel, name := strings.ToLower(m[1]), m[2]
		if notNames[strings.Fields(name)[0]] {
			continue
		}
		person(name, rel)
		add("relation:"+strings.ToLower(name), name+" is "+possessive(subject)+" "+rel, 0.7, 0.8)
	}
	for _, m := range reNameRel.FindAllStringSubmatch(text, -1) {
		if !hasMy {
			break
		}
		name, rel := m[1], strings.ToLower(m[2])
		if notNames[name] {
			continue
		}
		person(name, rel)
		add("relation:"+strings.ToLower(name), name+" is "+possessive(subject)+" "+rel, 0.7, 0.8)
	}
	for _, ix := range reCapName.FindAllStringSubmatchIndex(text, -1) {
		if rePlaceBefore.MatchString(text[max(0, ix[2]-24):ix[2]]) {
			continue // "moved to Lisbon", "a trip to Rome": a place
		}
		person(text[ix[2]:ix[3]], "")
	}
	if !firstPerson {
		return ex
	}
	hint := func(hs ...string) bool {
		for _, h := range hs {
			if strings.Contains(low, h) {
				return true
			}
		}
		return false
	}
	likes := reLike.FindAllStringSubmatch(text, -1)
	if !hint("love", "like", "enjoy", "adore", "into", "hate", "stand") {
		likes = nil
	}
	for _, m := range likes {
		verb, obj := strings.ToLower(m[1]), clause(m[2])
		if len(strings.Fields(obj)) == 0 || len(strings.Fields(obj)) > 8 {
			continue
		}
		neg := strings.Contains(verb, "hate") || strings.Contains(verb, "dislike") || strings.Contains(verb, "stand") || strings.Contains(verb, "don't") || strings.Contains(verb, "not")
		stmt := "likes " + obj
		if neg {
			stmt = "dislikes " + obj
		}
		// Liking and disliking the same thing contradict each other.
		add("opinion:"+NormalizeText(obj), stmt, 0.4, 0.6)
	}
	if m := reJob.FindStringSubmatch(text); hint("work", "job") && m != nil {
		what := ""
		switch {
		case m[2] != "":
			what = "works " + strings.ToLower(m[1]) + " " + clause(m[2])
		case m[3] != "":
			what = "works as " + clause(m[3])
		case m[4] != "":
			what = "works at " + clause(m[4])
		}
		add("job", what, 0.8, 0.7)
	}
	if m := rePlace.FindStringSubmatch(text); hint("live", "moved") && m != nil {
		place := clause(m[1] + m[2])
		add("lives_in", "lives in "+place, 0.8, 0.7)
	}
	if m := reStatus.FindStringSubmatch(text); hint("broke", "single", "married", "engaged", "divorced", "separated", "dating") && m != nil {
		add("relationship", strings.ToLower(m[1]), 0.9, 0.7)
	}
	plans := [][]string(nil)
	if hint("going to", "planning to", "hoping to", "about to", "'ll ", "will ") {
		plans = rePlan.FindAllStringSubmatch(text, 2)
	}
	for _, m := range plans {
		if p := clause(m[1] + m[2]); len(strings.Fields(p)) >= 2 {
			add("", "plans to "+p, 0.5, 0.5)
		}
	}
	events := [][]string(nil)
	if hint("went", "visit", "start", "join", "finish", "sign", "adopt", "bought", "got", "ran", "paint", "made", "read", "wrote", "won", "lost", "attend", "took") {
		events = reEvent.FindAllStringSubmatch(text, 2)
	}
	for _, m := range events {
		add("", strings.ToLower(m[1])+" "+clause(m[2]), 0.5, 0.6)
	}
	return ex
}

func possessive(subject string) string {
	if subject == "user" {
		return "the user's"
	}
	if strings.HasSuffix(subject, "s") {
		return subject + "'"
	}
	return subject + "'s"
}

// NormalizeText lower-cases text and keeps only its words, single-spaced.
func NormalizeText(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
}

var (
	feelingWords = wordSet("love hate miss sad lonely scared afraid happy excited proud angry upset worried anxious grateful hurt cried depressed stressed")
	lifeWords    = wordSet("married divorce divorced breakup pregnant born died funeral hospital diagnosed fired quit promoted graduated moved adopt adopted adoption engaged wedding birthday accident")
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// importance rates a message for the reflection trigger, 0..1: personal
// life events and feelings count more than small talk.
func importance(text string) float64 {
	imp := 0.05
	n := 0
	feeling, life, self := false, false, false
	words(text, func(w string) {
		n++
		feeling = feeling || feelingWords[w]
		life = life || lifeWords[w]
		self = self || w == "i" || w == "my"
	})
	if n > 12 {
		imp += 0.1
	}
	if feeling {
		imp += 0.2
	}
	if life {
		imp += 0.4
	}
	if self {
		imp += 0.1
	}
	return min(imp, 1)
}
