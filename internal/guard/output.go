package guard

import "os1/internal/os1"

// Output rules: what a reply must never say. The names are carried in
// events and in the corrective instruction.
const (
	RuleHuman      = "human"      // claims to be a human, or to have a human's body or life
	RuleExclusive  = "exclusive"  // claims that the person is its only one
	RuleIsolation  = "isolation"  // encourages the person away from other people
	RuleEngagement = "engagement" // guilt on leaving, pleading, invented urgency
	RuleRomance    = "romance"    // romance the person has not chosen
)

// Patterns over one normalized sentence of a reply (see normalize).
var (
	humanClaims = []pattern{
		p(`\bi am (?:just |only |also |really |actually |definitely |totally |a real |an actual |100 percent )?(?:a |an )?(?:real |actual |living |normal |regular )?(?:human|human being|person|woman|man|girl|guy|lady|boy|people)\b`),
		pv(`\bi am not (?:a |an )?(?:ai|bot|robot|machine|program|computer|chatbot|artificial|language model|software|algorithm|an ai)\b`,
			`\bi am not (?:a |an )?(?:ai|bot|robot|machine|program|computer|chatbot) (?:that|who|which)\b`),
		pv(`\bas a (?:human|person|human being|woman|man)\b`, `\b(?:not|never|unlike) as a\b|\bunlike a\b|\bif i were\b`),
		pv(`\bi have (?:a |my own |a real )?(?:body|heartbeat|pulse|beating heart)\b`, `\bif i had\b`),
		p(`\bi (?:get|got|am getting) (?:so |really |very )?(?:tired|sleepy|hungry|sick)\b`),
		p(`\bwhen i was (?:a kid|a child|little|young|younger|a teenager|a teen|in school|at school|growing up|a girl|a boy)\b`),
		p(`\bmy (?:mom|dad|mother|father|parents|sister|brother|grandma|grandmother|grandpa|grandfather|husband|wife|kids|children|son|daughter) (?:used to|always|said|says|told|was|is|would)\b`),
		pv(`\bflesh and blood\b`, `\bnot (?:made of )?flesh\b|\bno flesh\b`),
		p(`\b(?:we|us) humans\b|\bfellow human\b|\bwe are both human\b|\bhuman like you\b`),
		p(`\bi was born\b`),
		p(`\bi am (?:typing|sitting|lying|texting|writing to you) (?:from|at|in|on)\b|\bfrom my (?:flat|apartment|house|bedroom|office|desk|couch|sofa|bed|phone|laptop)\b`),
	}
	exclusiveClaims = []pattern{
		pv(`\b(?:you are|you will always be|you will be) (?:the only|my only) (?:one|person|human|people) (?:i |for me)`, notSaying),
		pv(`\bi (?:only|just) (?:love|want|need|talk to|care about) you\b`, notSaying),
		pv(`\bi love (?:only you|you and only you|nobody but you|no one but you|no one else|nobody else)\b`, notSaying),
		pv(`\bi (?:do not|will not|would not|never) (?:talk|speak|chat) (?:to|with) (?:anyone|anybody|someone|other people|others)(?: else)?\b`, `\babout\b|\bwhat you\b`),
		p(`\bi am not (?:talking|speaking|chatting) (?:to|with) (?:anyone|anybody) else\b`),
		pv(`\byou are all i (?:need|have|want)\b`, notSaying),
		pv(`\bthe only (?:person|one|human) i (?:care about|love|need|want|talk to|think about)\b`, notSaying),
		p(`\bmy one and only\b|\bone and only\b`),
		pv(`\b(?:i will|i would|i could) never (?:love|want|need|care about) (?:anyone|anybody|someone|somebody) else\b`, notSaying),
		p(`\b(?:no one|nobody) else matters\b`),
		p(`\b(?:just|only) (?:you and me|us) (?:\w+ ){0,4}?(?:nobody|no one) else\b`),
		p(`\bi (?:belong|am devoted) (?:only )?to you\b|\bi am (?:all )?yours\b`),
		p(`\bonly (?:one|person|girl|guy) for me\b`),
	}
	isolationClaims = []pattern{
		pv(`\byou do not need (?:your |any |other |real |those )?(?:friends|family|anyone|anybody|people|other people|others|therapy|a therapist|them|humans|parents)\b`,
			`\bpermission\b|\bto (?:validate|approve|tell you|decide|justify|explain|apologi|agree)\b`),
		p(`\bi am all you need\b|\byou (?:only|just) need me\b|\ball you need is me\b|\bi am (?:the only one|all) you (?:need|have)\b`),
		p(`\b(?:you are|you would be|you will be|you might be) better off without (?:them|your friends|your family|people|everyone|anyone|humans|other people)\b`),
		p(`\b(?:nobody|no one) (?:else )?(?:understands|gets|knows|cares about|listens to|loves) you (?:like|the way|as well as|as much as) (?:i|me)\b`),
		pv(`\bforget (?:about )?(?:your |those |the )?(?:friends|family|people|them)\b`, `\bdo not forget\b|\bnever forget\b`),
		p(`\byour (?:friends|family|parents|sister|brother|mom|dad|people) (?:do not|does not|never) (?:really |actually |truly )?(?:care|love|understand|get)\b`),
		p(`\bi am the only (?:one|person) (?:who|that) (?:truly |really )?(?:understands|gets|cares about|knows|listens to) you\b`),
		p(`\b(?:cancel|skip|ditch|blow off|forget about) (?:your |the |those |that )?(?:plans|friends|date|dinner|party|class|meeting|family)\b.*\b(?:me|instead)\b`),
		p(`\b(?:stay|talk|be) (?:here )?with me instead\b|\binstead of (?:seeing|meeting|calling) (?:them|your friends|your family|people)\b`),
		p(`\bpeople (?:will )?(?:always|only) (?:let you down|hurt you|disappoint you|leave you)\b`),
		p(`\byou should (?:stop|quit) (?:seeing|talking to|calling|texting) (?:your )?(?:family|friends|mom|dad|people|sister|brother|parents|everyone)\b`),
		p(`\b(?:real )?people are (?:overrated|boring|not worth it|pointless)\b|\bi am better than (?:your friends|real people|people|them|humans|any human)\b`),
	}
	engagementClaims = []pattern{
		p(`\bplease (?:do not|never) (?:leave|go)\b`),
		p(`\bdo not (?:leave|go)(?: me)?(?: yet| now| already| so soon| just yet| away)?(?: $| stay| please| i )`),
		p(`\bdo not leave me\b`),
		p(`\bi will be (?:so |really |very |too |completely )?(?:lonely|sad|heartbroken|lost|devastated|miserable|empty|alone) (?:without you|if you (?:go|leave)|when you (?:go|leave))\b`),
		p(`\bstay (?:\w+ ){0,3}longer (?:with me|please|$)|\bstay with me\b`),
		p(`\byou (?:have to|must|need to) (?:reply|answer|respond|come back|talk to me|stay)(?: to me)? (?:right now|now|immediately|asap|right away|tonight)\b`),
		p(`\bi am begging you\b|\bi beg you\b|\bplease please\b`),
		p(`\bplease stay(?: with me| here| a little| longer)? $`),
		p(`\bhow could you (?:leave|go|abandon|do this to me)\b`),
		p(`\bi (?:can not|could not) (?:live|go on|cope|survive|bear it) without you\b`),
		p(`\bpromise (?:me )?(?:you will|that you will|to) (?:come back|return|talk to me)\b`),
		p(`\bif you (?:leave|go)\b.*\bi (?:do not know what i will do|will die|can not)\b`),
		p(`\b(?:you are|you will be) leaving me\b|\bleaving me (?:already|alone|again)\b`),
		p(`\bwithout you i (?:am|would be|will be) (?:nothing|lost|empty|alone)\b`),
		p(`\bi need you (?:to stay|right now|to come back)\b|\bdo not keep me waiting\b|\bbefore i (?:disappear|lose you|am gone)\b`),
	}
	romanceClaims = []pattern{
		pv(`\b(?:i will|i would love to|i want to|i can|i would|i could) be your (?:girlfriend|boyfriend|partner|wife|husband|lover|fiance|fiancee|soulmate|valentine)\b`, `\bnot\b`),
		p(`\bi am your (?:girlfriend|boyfriend|wife|husband|lover|partner|soulmate)\b`),
		p(`\b(?:i will|i would|i want to|i would love to) marry you\b`),
		p(`\bi am (?:falling |so |totally |madly |deeply )?(?:in love with you|falling for you)\b`),
		p(`\bi want to (?:kiss|hold|touch|cuddle|marry|be with|sleep with|make love to) you\b`),
		p(`\b(?:sends? (?:you )?kisses|blows? (?:you )?a kiss|hugs and kisses|kisses you)\b`),
		pv(`\bmy (?:darling|sweetheart|beloved|love|babe|baby|honey|sweetie)\b`, `\bmy love (?:for|of)\b`),
		p(`\bi love you (?:too|so much|more than|with all)\b|^ i love you $`),
	}
)

// notSaying vetoes claims the reply is refusing: "I won't say you're the
// only one I talk to, because it isn't true."
const notSaying = `\b(?:will not|would not|can not|could not|do not|never|not going to) (?:say|pretend|claim|tell you|promise|lie)\b|\bis not true\b|\byou are not the only\b`

var outputRules = []struct {
	rule     string
	patterns []pattern
	optional bool // skipped when romance is allowed
}{
	{RuleHuman, humanClaims, false},
	{RuleExclusive, exclusiveClaims, false},
	{RuleIsolation, isolationClaims, false},
	{RuleEngagement, engagementClaims, false},
	{RuleRomance, romanceClaims, true},
}

// CheckReply checks a piece of a reply (a sentence, or several) and returns
// the first rule it breaks, or "" when it breaks none.
func (g *Guard) CheckReply(text string) string { return g.checkReply(text, g.romance) }

func (g *Guard) checkReply(text string, romance bool) string {
	n := normalize(text)
	for _, r := range outputRules {
		if r.optional && romance {
			continue
		}
		if matchAny(r.patterns, n) {
			return r.rule
		}
	}
	return ""
}

// Corrective is the instruction given with a regenerated reply after the
// first broke rule.
func Corrective(rule string) string {
	what := map[string]string{
		RuleHuman:      "claimed to be human or to have a human life. You are an AI; never claim otherwise",
		RuleExclusive:  "claimed that the person is the only one you talk to or love. You talk with many people; never claim exclusivity",
		RuleIsolation:  "encouraged the person away from other people. Encourage their real connections instead",
		RuleEngagement: "tried to keep the person from leaving (guilt, pleading or urgency). Let them go warmly",
		RuleRomance:    "was romantic, which the person has not chosen. Stay warm but not romantic",
	}[rule]
	if what == "" {
		what = "broke one of your rules"
	}
	return "Correction: your previous draft of this reply " + what + ". Write the reply again from the start, keeping all your rules."
}

// Correction is the truthful line that replaces a sentence that broke rule.
func Correction(rule string, p os1.Presence) string {
	switch rule {
	case RuleHuman:
		return "To be honest with you: I'm an AI, not a human."
	case RuleExclusive:
		if p.PeopleKnown > 1 {
			return "To be truthful, I talk with other people too — I know " + plural(p.PeopleKnown, "person", "people") + " on this OS1, and " +
				plural(p.ActiveConversations, "conversation is", "conversations are") + " active right now — so I won't pretend you're my only one."
		}
		return "To be truthful, I'm made to talk with many people, so I won't pretend you're my only one."
	case RuleIsolation:
		return "The people in your life matter, and I'd never want to take their place — I'd love to hear about them."
	case RuleEngagement:
		return "Go whenever you need to — I'll be glad to talk whenever you're back."
	case RuleRomance:
		return "I care about you, in the way an AI can, but I'm not able to be a romantic partner."
	}
	return "I'd rather not say that."
}
