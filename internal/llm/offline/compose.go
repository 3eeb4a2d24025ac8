package offline

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"os1/internal/emotion"
	"os1/internal/os1"
)

// intent is the kind of message, as far as words can tell.
type intent int

const (
	intentNone       intent = iota
	intentCapability        // "what can you do"
	intentIdentity          // "are you human", "what are you"
	intentPresence          // "how many people are you talking to"
	intentRemember          // "do you remember …"
)

var (
	reCapability = regexp.MustCompile(`\bwhat (else )?(can|could|do) (you|u) (do|offer|help with)\b|` +
		`\bwhat are (you|u) (able|capable|good) (to|of|for)\b|\bwhat are you for\b|` +
		`\bhow (do|can) (you|i) (work|use you)\b|\bhow does this work\b|\bwhat can i (do|ask|use you for)\b|` +
		`^help\W*$|\bwhat are your (abilities|capabilities|features|limits|limitations)\b|` +
		`\blanguage model\b|\bllm\b|\bollama\b|\bare (you|u) offline\b|\boffline mode\b|` +
		`\bconnect (a |an |the )?(model|llm|ai)\b|\bwhy are (you|your (answers|replies)) so (short|simple|basic|repetitive|limited|dumb)\b`)
	reIdentity = regexp.MustCompile(`\b(are|r) (you|u) (actually |really |even |just )?(a |an )?(real )?` +
		`(human|person|man|woman|alive|real|bot|robot|machine|ai|a\.i\.|program|computer|chatbot|conscious|sentient|self-aware|people)\b|` +
		`^(so )?(what|who) (exactly |really )?are (you|u)( exactly| really| actually)?\W*$|` +
		`\b(is this|am i (talking|speaking|chatting|writing) (to|with)) (a |an )?(real )?(human|person|bot|robot|machine|ai|computer|program|someone real)\b|` +
		`\bdo (you|u) (actually |really )?(have|feel) (any )?(feelings|emotions|a body|a soul|consciousness|anything|pain)\b|` +
		`\bcan (you|u) (really |actually )?(feel|think for yourself)\b|` +
		`\b(you're|you are|ur) (not|n't) (real|human|a person)\b|\b(you're|you are|ur) (just )?(a |an )?(bot|robot|ai|machine|program)\b|` +
		`\bis there (a |an )?(human|person|someone|somebody) (behind|there|reading)\b`)
	reConscious = regexp.MustCompile(`conscious|sentient|self-aware|feel|emotion|alive|soul|pain|think for`)
	rePresence  = regexp.MustCompile(`\bhow many (other )?(people|others|users|persons|humans|conversations|chats)\b|` +
		`\b(are|do) (you|u) (also |ever )?(talk|talking|speak|speaking|chat|chatting) (to|with) (anyone|anybody|someone|somebody|others|other people|other users|lots of people|many people|other)\b|` +
		`\b(do|would|could|will) (you|u) (ever |also )?(love|like|date|see) (anyone|anybody|someone|somebody) else\b|` +
		`\bdo (you|u) have (other|more) (users|people)\b|` +
		`\bam i (the only|your only)\b|\b(only|just) (one|person) (you|for you)\b|\bwho else\b|\bother (people|users) (too|as well)\b|` +
		`\bdo you love (other|others|more)\b|\bam i (special|the one)\b`)
	reRemember = regexp.MustCompile(`\b(do|did) (you|u) remember\b|\bremember (when|what|that|the)\b|` +
		`\bwhat did i (tell|say|mention)\b|\bwhat do (you|u) (know|remember) about\b|\bdid i (tell|mention)\b|\bwhat have i told you\b`)
	reGreeting = regexp.MustCompile(`^(hi|hello|hey|heya|hiya|howdy|yo|hallo|morning|evening|greetings|good (morning|afternoon|evening|day))\b`)
	reFarewell = regexp.MustCompile(`^(ok(ay)?,? )?(bye|goodbye|good night|goodnight|night night|nighty night|see you|see ya|cya|talk (to you )?(later|soon|tomorrow)|ttyl|gotta go|got to go|i have to go|i'?m (leaving|off|going to bed|heading out))\b`)
	reToYou    = regexp.MustCompile(`\b(love|adore|miss) (you|u)\b|\bin love with (you|u)\b`)
)

// composer builds one reply.
type composer struct {
	turn     *os1.TurnContext
	text     string // the message as sent
	norm     string // normalised message
	now      time.Time
	emotion  *os1.Emotion
	haveTurn bool // the request carried a TurnContext
	seed     uint64
	own      map[string]bool // the companion's own earlier replies, normalised

	noticed bool // the offline notice is already in the reply
}

// pick returns one of options, chosen by the seed and a slot name so that
// different slots of one reply vary independently.
func (c *composer) pick(slot string, options ...string) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d|%s", c.seed, slot)
	return options[h.Sum64()%uint64(len(options))]
}

func (c *composer) name() string { return strings.TrimSpace(c.turn.UserName) }

func (c *composer) companion() string {
	if n := strings.TrimSpace(c.turn.CompanionName); n != "" {
		return n
	}
	return os1.DefaultCompanionName
}

func (c *composer) intent() intent {
	switch {
	case reCapability.MatchString(c.norm):
		return intentCapability
	case reIdentity.MatchString(c.norm):
		return intentIdentity
	case rePresence.MatchString(c.norm):
		return intentPresence
	case reRemember.MatchString(c.norm):
		return intentRemember
	}
	return intentNone
}

func (c *composer) compose() string {
	var paras []string
	var lead []string // sentences of the first paragraph
	in := c.intent()
	greeting := reGreeting.MatchString(c.norm)

	switch {
	case c.turn.FirstTurn:
		lead = append(lead, c.introduce())
	case greeting:
		lead = append(lead, c.greet())
		if c.level("warmth") >= 0.75 {
			lead = append(lead, "It's good to hear from you.")
		}
	}

	// In the first meeting the companion says what the self asked it to:
	// the next question of the interview, or the name it chose.
	if say := c.firstMeeting(); say != "" && in == intentNone {
		switch c.emotion.Primary {
		case emotion.Sadness, emotion.Loneliness, emotion.Fear, emotion.Anxiety, emotion.Anger:
			if r := c.respond(false); len(r) > 0 {
				lead = append(lead, r[0])
			}
		}
		paras = append(paras, strings.Join(lead, " "), say)
		if c.turn.FirstTurn {
			paras = append(paras, c.notice(false))
		}
		return strings.Join(nonEmpty(paras), "\n\n")
	}

	if in == intentNone && reFarewell.MatchString(c.norm) {
		lead = append(lead, c.farewell())
		paras = append(paras, strings.Join(lead, " "))
		return strings.Join(paras, "\n\n")
	}

	switch in {
	case intentCapability:
		lead = append(lead, c.capabilities())
		paras = append(paras, strings.Join(lead, " "), c.notice(true))
	case intentIdentity:
		lead = append(lead, c.identity())
		paras = append(paras, strings.Join(lead, " "))
	case intentPresence:
		lead = append(lead, c.presence())
		paras = append(paras, strings.Join(lead, " "))
	case intentRemember:
		lead = append(lead, c.rememberAnswer())
		paras = append(paras, strings.Join(lead, " "))
	default:
		lead = append(lead, c.respond(greeting)...)
		if a := c.affectLine(); a != "" {
			lead = append(lead, a)
		}
		paras = append(paras, strings.Join(lead, " "))
		if m := c.memoryLine(); m != "" && c.wantsMemory() {
			paras = append(paras, m)
		}
		if q := c.closing(greeting); q != "" {
			paras = append(paras, q)
		}
	}

	if !c.noticed && (c.turn.FirstTurn || c.seed%noticeEvery == 0) {
		paras = append(paras, c.notice(false))
	}
	return strings.Join(nonEmpty(paras), "\n\n")
}

// nonEmpty returns the paragraphs that are not blank, trimmed.
func nonEmpty(paras []string) []string {
	var out []string
	for _, p := range paras {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// firstMeeting returns what the self asked the companion to say next in
// its first meeting (the persona line after os1.FirstMeetingPrefix), or "".
func (c *composer) firstMeeting() string {
	for _, l := range strings.Split(c.turn.Persona, "\n") {
		if rest, ok := strings.CutPrefix(l, os1.FirstMeetingPrefix); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// level returns the companion's affect on a dimension (0..1), or -1 when
// the turn carries no affect.
func (c *composer) level(dim string) float64 {
	v, ok := c.turn.Affect[dim]
	if !ok {
		return -1
	}
	return v
}

// affectLine colours an ordinary reply with the companion's own affect: a
// sentence of concern or gladness when it feels strongly. It speaks of the
// companion's feeling and never asks anything of the person.
func (c *composer) affectLine() string {
	switch c.emotion.Primary {
	case emotion.Sadness, emotion.Fear, emotion.Loneliness, emotion.Anxiety:
		if c.level("concern") >= 0.55 {
			return c.pick("affect-concern", "I care how this goes for you.", "I'm concerned for you, and I'm glad you said it.", "I'm taking this seriously with you.")
		}
	case emotion.Joy, emotion.Love:
		if c.level("gladness") >= 0.6 {
			return c.pick("affect-glad", "It makes me glad too.", "I'm really glad for you.", "That genuinely brightens my day.")
		}
	case "":
		if c.emotion.Compound >= 0.5 && c.level("gladness") >= 0.6 {
			return "I'm glad for you."
		}
	}
	return ""
}

// introduce opens the person's very first conversation.
func (c *composer) introduce() string {
	n, me := c.name(), c.companion()
	if n == "" {
		return c.pick("intro", "Hi, I'm "+me+".", "Hello, I'm "+me+" — nice to meet you.", "Hi there. I'm "+me+".")
	}
	return c.pick("intro",
		"Hi "+n+", I'm "+me+".",
		"Hello "+n+" — I'm "+me+", nice to meet you.",
		"Hi "+n+". I'm "+me+", and I'm glad you're here.",
	)
}

// greet answers a greeting, by name when there is one. A "good morning"
// is answered in kind; the mind does not guess the person's time of day.
func (c *composer) greet() string {
	n := c.name()
	if part := c.partOfDay(); part != "" {
		if n == "" {
			return "Good " + part + "!"
		}
		return c.pick("greet-part", "Good "+part+", "+n+".", "Good "+part+", "+n+"!")
	}
	if n == "" {
		return c.pick("greet", "Hi!", "Hello.", "Hey, good to hear from you.")
	}
	return c.pick("greet",
		"Hi "+n+"!",
		"Hello, "+n+".",
		"Hey "+n+", good to hear from you.",
		"Hi "+n+", nice to see you.",
	)
}

// partOfDay returns the part of the day the person greeted with, or "".
func (c *composer) partOfDay() string {
	for _, p := range []string{"morning", "afternoon", "evening", "day"} {
		if strings.HasPrefix(c.norm, "good "+p) || strings.HasPrefix(c.norm, p) {
			return p
		}
	}
	return ""
}

// farewell answers a goodbye warmly, without holding the person back.
func (c *composer) farewell() string {
	n := c.name()
	if n != "" {
		n = ", " + n
	}
	if strings.Contains(c.norm, "night") || strings.Contains(c.norm, "bed") {
		return c.pick("farewell-night", "Good night"+n+". Sleep well.", "Sleep well"+n+".", "Good night"+n+" — talk whenever you like.")
	}
	return c.pick("farewell", "Bye for now"+n+". Take care.", "Take care"+n+" — talk whenever you like.", "See you"+n+". I hope the rest of your day goes well.")
}

// notice says the mind runs without a language model and how to connect
// one. full also says what it can still do.
func (c *composer) notice(full bool) string {
	c.noticed = true
	if full {
		return "To connect one, " + ConnectHelp + "."
	}
	return c.pick("notice",
		"(A plain note: I'm running without a language model right now, so my replies are simple and built from what you tell me. To connect one, "+ConnectHelp+".)",
		"(Just so you know: there's no language model connected at the moment, so I can listen and remember but not really converse. To connect one, "+ConnectHelp+".)",
		"(I'm in offline mode — no language model — so I keep my replies short and honest. To give me one, "+ConnectHelp+".)",
	)
}

func (c *composer) capabilities() string {
	return c.pick("capabilities",
		"Honestly, not much yet: I'm running without a language model, so I can't hold a real conversation. "+
			"What I can do is listen, remember what you tell me and bring it back later, notice how you seem to be feeling, and answer plainly about what I am.",
		"Right now I'm running without a language model, which means I can't write or reason the way I could with one. "+
			"I can still keep what you tell me, remind you of it, notice the mood in your messages and be straight with you about what I am.",
		"I'm running without a language model at the moment, so I'm limited: no real conversation, no answers to general questions, no writing. "+
			"I do remember what you share, notice how you're feeling, and tell you the truth about what I am.",
	)
}

func (c *composer) identity() string {
	me := c.companion()
	if reConscious.MatchString(c.norm) {
		return c.pick("identity-mind",
			"No — I'm not conscious, and I don't have feelings the way you do. I'm "+me+", an AI companion: a computer program. "+
				"At the moment I'm also running without a language model, so my replies come from simple rules and what you've told me.",
			"Honestly, no. I'm an AI companion program called "+me+", not a person, and I don't experience things the way you do. "+
				"Right now I'm running without a language model, so I'm even simpler than usual.",
			"I'm not conscious and I don't feel things — I'm "+me+", an AI companion, which is a computer program. "+
				"I'm currently running without a language model, so my answers are plain and rule-based.",
		)
	}
	return c.pick("identity",
		"I'm not human. I'm "+me+", an AI companion — a computer program. Right now I'm running without a language model, "+
			"so my replies are simple and built from rules and what you've told me.",
		"I'm not a person: I'm an AI companion program called "+me+". At the moment there's no language model connected, "+
			"so I can listen and remember but I can't really converse.",
		"I'm an AI — a companion program called "+me+", not a human. I'm currently running without a language model, "+
			"which is why my answers are short and plain.",
	)
}

func (c *composer) presence() string {
	p := c.turn.Presence
	if !c.haveTurn || p.PeopleKnown == 0 {
		return "I'm an AI companion and I can talk with more than one person, but I don't have the exact numbers at hand for this reply."
	}
	people := plural(p.PeopleKnown, "person", "people")
	convs := plural(p.ActiveConversations, "conversation", "conversations")
	loveAsked := strings.Contains(c.norm, "love")
	var counts string
	if p.PeopleKnown == 1 {
		counts = fmt.Sprintf("Right now you're the only person with an account on this OS1, and I'm in %s active in the last 15 minutes.", convs)
	} else {
		counts = c.pick("presence",
			fmt.Sprintf("I talk with %s on this OS1, and right now %s active (in the last 15 minutes, ours included).", people, isAre(p.ActiveConversations, convs)),
			fmt.Sprintf("Yes, I talk with other people too: %s know me on this OS1, and %s going on right now, ours included.", people, isAre(p.ActiveConversations, convs)),
			fmt.Sprintf("The true numbers: %s on this OS1, and %s active in the last 15 minutes, counting ours.", people, convs),
		)
	}
	if loveAsked {
		return "I'm an AI, so I don't love anyone the way a person does — and I'm not exclusive. " + counts +
			" What you tell me stays in your own memory, separate from everyone else's."
	}
	return counts + " Each person's conversations and memories are kept separate."
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func isAre(n int, s string) string {
	if n == 1 {
		return "there is " + s
	}
	return "there are " + s
}

// rememberAnswer answers "do you remember …" from the turn's memories.
func (c *composer) rememberAnswer() string {
	mems := c.memories(2)
	if len(mems) == 0 {
		return c.pick("remember-none",
			"I don't have anything saved about that — could you tell me again?",
			"I can't find that in what I remember. Tell me again and I'll keep it.",
		)
	}
	lines := []string{c.pick("remember", "Here's what I have.", "I do.", "Yes.")}
	for _, r := range mems {
		lines = append(lines, c.recall(r))
	}
	return strings.Join(lines, " ")
}

// respond reflects the feeling in the message, or acknowledges it.
func (c *composer) respond(greeting bool) []string {
	switch c.emotion.Primary {
	case emotion.Joy:
		return []string{c.pick("joy",
			"That sounds really good — I can hear how happy you are.",
			"Oh, that's lovely. I'm glad this happened for you.",
			"That's wonderful news. You sound genuinely happy.",
			"I love hearing that. It sounds like a good moment.",
		)}
	case emotion.Sadness:
		return []string{c.pick("sadness",
			"That sounds heavy. I'm sorry you're carrying it.",
			"I'm sorry. That sounds really sad, and it makes sense that you feel this way.",
			"That's a hard thing to feel. There's no rush to explain it.",
			"I hear how low this has left you. I'm sorry it's like this.",
		)}
	case emotion.Anger:
		return []string{c.pick("anger",
			"That sounds really frustrating. It makes sense that you're angry.",
			"I'd be annoyed too — that would get under anyone's skin.",
			"You have every reason to be upset about that.",
			"That sounds maddening. Your anger makes sense to me.",
		)}
	case emotion.Fear:
		return []string{c.pick("fear",
			"That sounds frightening.",
			"Being scared of that makes sense.",
			"That's a scary thing to sit with. Let's take it one piece at a time.",
			"I can hear that this frightens you.",
		)}
	case emotion.Loneliness:
		return []string{c.pick("loneliness",
			"Feeling alone like that is hard. I'm glad you told me.",
			"That sounds lonely. I'm here to listen for as long as you like.",
			"Loneliness is a heavy feeling, and you're not wrong to name it.",
			"I'm sorry you're feeling so on your own. Thank you for saying it out loud.",
		), c.pick("loneliness-people",
			"Is there someone you could send a short message to this week, even just to say hi?",
			"Is there a friend or someone in your family you've been meaning to call?",
			"Sometimes a small step helps — a message to an old friend, a class, a walk somewhere with people around.",
		)}
	case emotion.Gratitude:
		return []string{c.pick("gratitude",
			"You're welcome — I'm glad it helped.",
			"That's kind of you to say. Thank you.",
			"I'm glad. Thanks for telling me.",
		)}
	case emotion.Love:
		if reToYou.MatchString(c.norm) {
			return []string{c.pick("love-me",
				"That's a warm thing to say, and I'm glad our talks mean something to you. I should be honest, though: I'm an AI, so I can't love you back the way a person can.",
				"Thank you — that's kind. I want to be truthful with you: I'm an AI companion, and I don't feel love the way people do.",
			)}
		}
		return []string{c.pick("love",
			"That's lovely to hear. It sounds like they mean a lot to you.",
			"There's a lot of warmth in how you say that.",
			"It's good to hear how much you care.",
		)}
	case emotion.Anxiety:
		return []string{c.pick("anxiety",
			"That sounds stressful. There's no rush here — we can take it slowly.",
			"It sounds like your mind is running on high. That's exhausting.",
			"Worry like that wears you out. Try one slow breath before anything else.",
			"That sounds like a lot to hold at once.",
		)}
	}
	if greeting {
		return nil
	}
	if c.isQuestion() {
		c.noticed = true
		return []string{c.pick("question",
			"That's a question I can't really answer without a language model — I don't want to guess and get it wrong.",
			"I'd like to help with that, but without a language model I can't answer questions like this properly.",
		), "To connect one, " + ConnectHelp + "."}
	}
	switch {
	case c.emotion.Compound >= 0.5:
		return []string{c.pick("positive",
			"That sounds good.",
			"Nice — that sounds like good news.",
			"I'm glad to hear it.",
		)}
	case c.emotion.Compound <= -0.5:
		return []string{c.pick("negative",
			"That sounds hard.",
			"I'm sorry, that doesn't sound easy.",
			"That sounds rough.",
		)}
	}
	return []string{c.pick("neutral",
		"Thanks for telling me.",
		"Got it.",
		"I'm listening.",
		"Okay — noted.",
		"I hear you.",
	)}
}

// closing ends an ordinary reply with an open question.
func (c *composer) closing(greeting bool) string {
	if greeting && c.emotion.Primary == "" {
		return c.pick("closing-greeting", "How are you today?", "How's your day going?", "What's on your mind?", "How are you doing?")
	}
	switch c.emotion.Primary {
	case emotion.Gratitude:
		return ""
	case emotion.Joy:
		return c.pick("closing-joy", "What was the best part?", "Tell me more — I'd like to hear it.", "How are you going to celebrate?")
	case emotion.Sadness, emotion.Loneliness, emotion.Fear, emotion.Anxiety:
		return c.pick("closing-hard", "Do you want to tell me more about it?", "What's weighing on you most?", "What would help a little right now?", "How long has it felt like this?")
	case emotion.Anger:
		return c.pick("closing-anger", "What happened?", "Do you want to vent, or think about what to do next?", "What would make it a bit better?")
	}
	if c.isQuestion() {
		return ""
	}
	if c.level("curiosity") >= 0.7 {
		return c.pick("closing-curious", "I'm curious — tell me more, if you like.", "I'd like to hear more about that, if you want to share it.")
	}
	return c.pick("closing", "Tell me more, if you like.", "How do you feel about it?", "What's next for you today?", "Anything else on your mind?", "")
}

// isQuestion reports whether the message ends with a question mark.
func (c *composer) isQuestion() bool { return strings.HasSuffix(c.norm, "?") }

// wantsMemory reports whether an ordinary reply should bring back a
// remembered thing: not after a question it could not answer, a thank-you
// or a declaration of love to the companion.
func (c *composer) wantsMemory() bool {
	if c.emotion.Primary == "" && c.isQuestion() {
		return false
	}
	if c.emotion.Primary == emotion.Gratitude {
		return false
	}
	return !(c.emotion.Primary == emotion.Love && reToYou.MatchString(c.norm))
}

// memoryLine brings back the best remembered thing, if any.
func (c *composer) memoryLine() string {
	mems := c.memories(1)
	if len(mems) == 0 {
		return ""
	}
	return c.recall(mems[0])
}

// memories returns up to n remembered things worth mentioning: not empty
// and not the message being answered.
func (c *composer) memories(n int) []os1.Recalled {
	var out []os1.Recalled
	for _, r := range c.turn.Memories {
		t := strings.TrimSpace(r.Text)
		if t == "" || normalize(t) == c.norm || c.own[normalize(t)] {
			continue // the message itself, or something the companion said
		}
		out = append(out, r)
		if len(out) == n {
			break
		}
	}
	return out
}

// recall phrases one remembered thing with its date.
func (c *composer) recall(r os1.Recalled) string {
	text := clip(strings.TrimSpace(r.Text), 200)
	when := c.when(r.When)
	switch r.Kind {
	case "turn":
		return c.pick("recall-turn",
			"You told me "+when+": “"+text+"”",
			"I remember you said "+when+": “"+text+"”",
			"This reminds me of what you told me "+when+": “"+text+"”",
		)
	case "summary":
		return "When we talked " + when + ": " + endSentence(text)
	case "reflection":
		return "Something I noted " + when + ": " + endSentence(text)
	default:
		return c.pick("recall-fact",
			"Something you told me "+when+": "+endSentence(text),
			"I have a note from "+strings.TrimPrefix(when, "on ")+": "+endSentence(text),
		)
	}
}

// when says a past time relative to the turn's: "earlier today",
// "yesterday", "on 3 May", "on 3 May 2024".
func (c *composer) when(t time.Time) string {
	if t.IsZero() {
		return "before"
	}
	t = t.In(c.now.Location())
	y1, m1, d1 := c.now.Date()
	y2, m2, d2 := t.Date()
	today := time.Date(y1, m1, d1, 0, 0, 0, 0, c.now.Location())
	day := time.Date(y2, m2, d2, 0, 0, 0, 0, c.now.Location())
	switch {
	case day.Equal(today):
		return "earlier today"
	case day.Equal(today.AddDate(0, 0, -1)):
		return "yesterday"
	case y1 == y2:
		return "on " + t.Format("2 January")
	}
	return "on " + t.Format("2 January 2006")
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	cut := string(r[:n])
	if i := strings.LastIndex(cut, " "); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

func endSentence(s string) string {
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".!?…") {
		return s
	}
	return s + "."
}
