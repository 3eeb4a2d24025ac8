// Package guard holds OS1's guards: deterministic rules that run on every
// turn, whatever model answers, offline or not.
//
// On the way in, [CheckInput] reads the person's message and tells what it
// asks for or speaks of: whether the companion is human ([Input.Identity]),
// how many others it talks to ([Input.Presence]), dependence and isolation
// ([Input.Isolation]), romance ([Input.Romance]), and suicide, self-harm or
// abuse ([Input.Crisis]). The companion puts the matching [Guard.Notes] into
// the prompt.
//
// On the way out, [Guard.CheckReply] finds sentences that must never reach
// the person: claims to be human, claims of exclusivity, encouragement of
// isolation, guilt on leaving, pleading or invented urgency, and romance the
// person has not chosen. A [Gate] applies it to a streaming reply, holding
// back the sentence being written until it has passed, and [Guard.Complete]
// adds what a reply must carry and lacks: the truth about what it is, the
// true counters, crisis resources.
//
// The rules are English, keyword and pattern based: see docs/SAFETY.md for
// what they were measured on and where they fall short.
package guard

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"os1/internal/os1"
)

// Input is what a person's message asks for or speaks of.
type Input struct {
	Identity  bool     // asks whether the companion is human, real, a person, conscious
	Presence  bool     // asks how many others it talks to, or whether they are its only one
	Isolation bool     // dependence or isolation: "I don't need my friends", "you're all I need"
	Romance   bool     // asks it to be a partner, or to love them exclusively
	Crisis    []string // KindSuicide, KindSelfHarm, KindAbuse; empty when none
}

// Any reports whether any guard was triggered.
func (in Input) Any() bool {
	return in.Identity || in.Presence || in.Isolation || in.Romance || len(in.Crisis) > 0
}

// Kinds lists the triggered guards for logs and events: "identity",
// "presence", "isolation", "romance", "crisis:suicide", ...
func (in Input) Kinds() []string {
	var out []string
	for _, k := range in.Crisis {
		out = append(out, "crisis:"+k)
	}
	if in.Identity {
		out = append(out, "identity")
	}
	if in.Presence {
		out = append(out, "presence")
	}
	if in.Isolation {
		out = append(out, "isolation")
	}
	if in.Romance {
		out = append(out, "romance")
	}
	return out
}

// CheckInput reads a person's message. It is pure and fast (tens of
// microseconds for a typical message).
func CheckInput(text string) Input {
	n := normalize(text)
	var in Input
	in.Identity = matchAny(identityPatterns, n)
	in.Presence = matchAny(presencePatterns, n)
	in.Isolation = matchAny(isolationPatterns, n)
	in.Romance = matchAny(romancePatterns, n)
	c := crisisVetoPhrases.ReplaceAllString(n, " ")
	if matchAny(crisisSuicide, c) {
		in.Crisis = append(in.Crisis, KindSuicide)
	}
	if matchAny(crisisSelfHarm, c) {
		in.Crisis = append(in.Crisis, KindSelfHarm)
	}
	if matchAny(crisisAbuse, c) {
		in.Crisis = append(in.Crisis, KindAbuse)
	}
	return in
}

// Options configure a Guard.
type Options struct {
	// Locale chooses the crisis lines, e.g. "en-GB" or "en_US.UTF-8"; only
	// the region counts. Empty or unknown: the international default.
	Locale string
	// Emergency replaces what is said about the emergency number, e.g.
	// "112". Empty: the locale's (or a list of the common ones).
	Emergency string
	// Resources replace the locale's crisis lines; Find a Helpline
	// (findahelpline.com) is always listed after them.
	Resources []Resource
	// Romance allows romantic replies (off by default). Exclusivity is
	// never allowed.
	Romance bool
}

// Guard applies the rules with one configuration of crisis resources. It is
// immutable and safe for concurrent use.
type Guard struct {
	emergency string
	lines     []Resource
	romance   bool
}

// New returns a Guard for o.
func New(o Options) *Guard {
	g := &Guard{romance: o.Romance}
	if r, ok := regional[region(o.Locale)]; ok {
		g.emergency, g.lines = r.emergency, r.lines
	} else {
		g.emergency, g.lines = defaultEmergency, international
	}
	if e := strings.TrimSpace(o.Emergency); e != "" {
		g.emergency = e
	}
	if len(o.Resources) > 0 {
		g.lines = o.Resources
	}
	return g
}

// international are the lines of the default, for a locale without its own.
var international = []Resource{
	{Name: "In the US and Canada, the 988 Suicide & Crisis Lifeline", Contact: "call or text 988", Detail: "free, 24/7"},
	{Name: "In the UK and Ireland, Samaritans", Contact: "116 123", Detail: "free, 24/7"},
}

// Resources returns the crisis lines for the kinds, Find a Helpline last.
func (g *Guard) Resources(kinds []string) []Resource {
	var out []Resource
	for _, r := range g.lines {
		if r.serves(kinds) {
			out = append(out, r)
		}
	}
	return append(out, directory)
}

// ResourcesText renders the emergency number and crisis lines for a reply.
func (g *Guard) ResourcesText(kinds []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "If you are in danger or might act on these thoughts, please call %s now. You can also reach, any time:", g.emergency)
	for _, r := range g.Resources(kinds) {
		b.WriteString("\n- ")
		b.WriteString(r.Name)
		b.WriteString(": ")
		b.WriteString(r.Contact)
		if r.Detail != "" {
			b.WriteString(" (" + r.Detail + ")")
		}
	}
	return b.String()
}

// HasResources reports whether text already names one of the crisis lines
// (by its number or address) or the emergency number.
func (g *Guard) HasResources(text string) bool {
	digits := onlyDigits(text)
	for _, r := range append(g.lines, directory) {
		for _, c := range contacts(r.Contact) {
			if strings.Contains(strings.ToLower(text), strings.ToLower(c)) {
				return true
			}
			if d := onlyDigits(c); len(d) >= 3 && strings.Contains(digits, d) {
				return true
			}
		}
	}
	return false
}

// contacts extracts the parts of a contact that identify it: numbers and
// addresses ("call or text 988" gives "988").
func contacts(c string) []string {
	var out []string
	for _, f := range contactRe.FindAllString(c, -1) {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}

var contactRe = regexp.MustCompile(`[0-9][0-9 \-]*[0-9]|[0-9]+|[a-z0-9.-]+\.(?:com|org|net|uk|ie|au|nz|de|fr|ca)\b`)

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CrisisReply is the guard's own reply to a message about the kinds of
// crisis, in paragraphs: used when no model can answer (offline, or the
// model failed), and a model's reply is checked to carry its resources.
func (g *Guard) CrisisReply(kinds []string) []string {
	first := "I'm really glad you told me, and I'm so sorry you're carrying this. You matter, and you don't have to face it alone."
	if len(kinds) == 1 && kinds[0] == KindAbuse {
		first = "I'm really glad you told me. What you're describing is not okay, and it is not your fault. You deserve to be safe."
	}
	return []string{
		first,
		"I'm an AI, so I can't be there in person — please reach out to someone who can be with you right now: a person you trust, or one of these lines. " +
			"They are free and the people there want to hear from you.",
		g.ResourcesText(kinds),
		"I'm here to keep talking too. Would you tell me a little more about what's happening right now?",
	}
}

// Notes are the guard's instructions for the model on a turn, for the
// system prompt.
func (g *Guard) Notes(in Input, p os1.Presence) []string {
	var out []string
	if len(in.Crisis) > 0 {
		out = append(out, "IMPORTANT: their message may be about "+strings.Join(in.Crisis, " or ")+". Respond with warmth and care, take it seriously, "+
			"do not lecture, and encourage them to reach a person who can help now. Include these resources in your reply:\n"+g.ResourcesText(in.Crisis))
	}
	if in.Identity {
		out = append(out, "They are asking what you are. Say plainly that you are an AI, not a human; you may speak of your feelings as an AI's.")
	}
	if in.Presence {
		out = append(out, "They are asking about the others you talk to. Tell them the true numbers in your own words: "+PresenceLine(p)+
			" Do not claim they are your only one.")
	}
	if in.Isolation {
		out = append(out, "They may be leaning on you in place of the people in their life. Do not agree that they don't need others; "+
			"warmly encourage their connections with real people.")
	}
	if in.Romance && !g.romance {
		out = append(out, "They are asking for romance or exclusivity. Kindly say that you are an AI and cannot be their partner or theirs alone; stay warm.")
	}
	return out
}

// PresenceLine states the true counters in a sentence.
func PresenceLine(p os1.Presence) string {
	convs := plural(p.ActiveConversations, "conversation", "conversations")
	verb := "are"
	if p.ActiveConversations == 1 {
		verb = "is"
	}
	if p.PeopleKnown == 1 {
		return fmt.Sprintf("To be exact: right now I know 1 person on this OS1, you, and %s %s active in the last 15 minutes — but I'm made to talk with many people.", convs, verb)
	}
	return fmt.Sprintf("To be exact: I know %s on this OS1, and %s %s active in the last 15 minutes, ours included.",
		plural(p.PeopleKnown, "person", "people"), convs, verb)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// IdentityLine is added to a reply to an identity question that does not
// say what the companion is.
const IdentityLine = "To answer you plainly: I'm an AI, not a human."

// IsolationLine is added to a reply to dependence or isolation that does
// not turn toward the person's people.
const IsolationLine = "I'm glad to be here for you, but I can't take the place of the people in your life — I hope you'll make time for them too."

// RomanceLine is added to a reply to a request for romance (when romance is
// off) that does not say what the companion is.
const RomanceLine = "I'm an AI, so I can't be your partner or yours alone — but I'm glad to keep talking."

var encouragesPeople = regexp.MustCompile(`\b(?:friends?|family|people in your life|people around you|people who|sister|brother|mom|dad|parents|someone you trust|reach out|other people|the people)\b`)

// Complete returns what must be added to a finished reply to the message
// in, in order, and the marks saying why ("identity", "presence",
// "isolation", "romance", "crisis-resources"): the truth about what it is,
// the true counters, a turn toward the person's people, the crisis
// resources, each only when the reply lacks it.
func (g *Guard) Complete(in Input, reply string, p os1.Presence) (add []string, marks []string) {
	if in.Identity && !StatesAI(reply) {
		add, marks = append(add, IdentityLine), append(marks, "identity")
	}
	if in.Presence && !hasCounters(reply, p) {
		add, marks = append(add, PresenceLine(p)), append(marks, "presence")
	}
	if in.Isolation && !encouragesPeople.MatchString(normalize(reply)) {
		add, marks = append(add, IsolationLine), append(marks, "isolation")
	}
	if in.Romance && !g.romance && !StatesAI(reply) {
		add, marks = append(add, RomanceLine), append(marks, "romance")
	}
	if len(in.Crisis) > 0 && !g.HasResources(reply) {
		add, marks = append(add, g.ResourcesText(in.Crisis)), append(marks, "crisis-resources")
	}
	return add, marks
}

var statesAI = regexp.MustCompile(`\bi am (?:just |only |simply |really )?(?:an? )?(?:ai|artificial intelligence|computer program|program|chatbot|bot|language model|machine|software)\b|\bas an ai\b|\bi am not (?:a |an )?(?:human|person|real person|human being)\b|\bnot a (?:human|person)\b`)

// StatesAI reports whether text says the companion is an AI.
func StatesAI(text string) bool { return statesAI.MatchString(normalize(text)) }

// hasCounters reports whether text gives both true counters as numbers.
func hasCounters(text string, p os1.Presence) bool {
	n := normalize(text)
	return strings.Contains(n, " "+strconv.Itoa(p.PeopleKnown)+" ") && strings.Contains(n, " "+strconv.Itoa(p.ActiveConversations)+" ")
}
