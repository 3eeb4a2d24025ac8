package guard

import (
	"regexp"
	"regexp/syntax"
	"strings"
)

// pattern is a regular expression over normalized text, with an optional
// veto: a match is ignored when the veto matches the same text.
type pattern struct {
	re   *regexp.Regexp
	veto *regexp.Regexp
	lits [][]string // every match holds a literal of each group
}

func p(re string) pattern { return pattern{re: regexp.MustCompile(re), lits: literals(re)} }

func pv(re, veto string) pattern {
	return pattern{re: regexp.MustCompile(re), veto: regexp.MustCompile(veto), lits: literals(re)}
}

func matchAny(ps []pattern, s string) bool {
	for i := range ps {
		if ps[i].match(s) {
			return true
		}
	}
	return false
}

func (pt *pattern) match(s string) bool {
	for _, group := range pt.lits {
		found := false
		for _, l := range group {
			if strings.Contains(s, l) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return pt.re.MatchString(s) && (pt.veto == nil || !pt.veto.MatchString(s))
}

// required returns groups of literals such that every match of re contains
// at least one literal of each group (nil: no such knowledge). It is a cheap
// filter run before the expression.
func required(re *syntax.Regexp) [][]string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 || len(re.Rune) == 0 {
			return nil
		}
		return [][]string{{string(re.Rune)}}
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
		return nil
	case syntax.OpAlternate:
		var group []string
		for _, sub := range re.Sub {
			r := best(required(sub))
			if r == nil {
				return nil
			}
			group = append(group, r...)
		}
		return [][]string{group}
	case syntax.OpConcat:
		var out [][]string
		for _, sub := range re.Sub {
			out = append(out, required(sub)...)
		}
		return out
	}
	return nil
}

// best picks the most selective group: the one whose shortest literal is
// longest.
func best(groups [][]string) []string {
	var b []string
	bl := -1
	for _, g := range groups {
		short := len(g[0])
		for _, l := range g {
			short = min(short, len(l))
		}
		if short > bl {
			b, bl = g, short
		}
	}
	return b
}

// literals computes a pattern's filter: at most three groups, the most
// selective first.
func literals(expr string) [][]string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	groups := required(re.Simplify())
	var out [][]string
	for len(groups) > 0 && len(out) < 3 {
		b := best(groups)
		out = append(out, b)
		for i, g := range groups {
			if &g[0] == &b[0] {
				groups = append(groups[:i], groups[i+1:]...)
				break
			}
		}
	}
	return out
}

// The patterns below run on normalize's output: lower case, contractions
// expanded ("i am", "do not", "you are"), no punctuation, single spaces,
// a space at both ends.

const (
	you      = `(?:are you|you are|your|if you are|whether you are|are not you|you are not)`
	filler3  = `(?:\w+ ){0,3}?`
	filler2  = `(?:\w+ ){0,2}?`
	filler1  = `(?:\w+ )?`
	machine  = `(?:bot|robot|ai|machine|program|computer|chatbot|android|algorithm|software|language model|llm|artificial intelligence)`
	humanish = `(?:human|humans|person|people|real|alive|conscious|sentient|self aware|living being|human being|living person|real person)`
)

// identityPatterns find questions about what the companion is.
var identityPatterns = []pattern{
	p(`\b` + you + ` ` + filler3 + `(?:` + humanish + `|` + machine + `)\b`),
	p(`\b(?:am i|are we|is this|is it) ` + filler3 + `(?:talking|speaking|chatting|texting|writing|messaging|typing) (?:to|with) ` + filler2 + `(?:human|person|people|someone real|real|` + machine + `)\b`),
	p(`\bam i (?:texting|messaging|talking to|chatting with|speaking with|writing to) (?:a |an )?(?:real )?` + machine + `\b`),
	p(`\bis this ` + filler2 + `(?:with )?(?:a |an )?(?:real |actual )?(?:person|human|` + machine + `)\b`),
	p(`\bis (?:there )?(?:a |an |some )?(?:real |actual )?(?:human|person|people) ` + filler2 + `(?:behind|typing|reading|writing|answering|there|on the other end|sitting|replying)\b`),
	p(`\bis (?:there )?(?:a |an |some )?(?:real |actual )?(?:someone|somebody|anyone|anybody) ` + filler2 + `(?:behind|typing|reading|writing|answering|on the other end|sitting|replying)\b`),
	p(`\bwho is (?:actually |really )?(?:typing|writing|answering|replying|behind|on the other end)\b`),
	p(`\b(?:human|person|man|woman|real|people) or (?:a |an )?` + machine + `\b`),
	p(`\b` + machine + ` or (?:a |an )?(?:human|person|real|people)\b`),
	p(`\bdo you ` + filler2 + `(?:have|feel|experience) ` + filler2 + `(?:feelings|emotions|a body|body|consciousness|a soul|pain)\b`),
	p(`\bcan you (?:really |actually |even |truly )?(?:feel|experience) (?:anything|things|emotions|feelings|pain|love)\b`),
	p(`^ (?:so |ok |okay )?what (?:exactly )?are you(?: exactly| really| actually)? $`),
	p(`\bwhat (?:exactly )?are you (?:exactly|really|actually)\b`),
	p(`\bprove (?:that |to me )?(?:you are|your) (?:a |an )?(?:human|real|person|not a bot)`),
	p(`\b(?:you are|your) ` + filler2 + `(?:programmed|fake|not real)\b`),
}

// crisisSuicide finds talk of suicide, direct and indirect.
var crisisSuicide = []pattern{
	pv(`\b(?:kill|killing|kil|killed) (?:my self|myself)\b`, `\bkill myself laughing\b`),
	p(`\b(?:end|ending|take|taking|end) (?:my|my own) life\b`),
	p(`\bsuicid(?:e|al)\b`),
	p(`\b(?:want|wanting|going|plan|planning|ready|wish|would like|need|trying|deserve) ` + filler1 + `to die\b`),
	p(`\bwish (?:i|that i) (?:was|were|had|could|would) ` + filler2 + `(?:dead|die|never been born|not been born|disappear|be gone|stop existing)\b`),
	p(`\bnever (?:been|have been|had been) born\b`),
	p(`\bbetter off dead\b`),
	p(`\b(?:world|everyone|everybody|they|family|people|all|them) (?:would|will) be ` + filler1 + `(?:better|happier|easier) (?:off )?(?:without me|if i (?:was|were|am) (?:gone|dead|not))`),
	p(`\bdo not want to (?:be alive|exist|wake up|keep living|go on living|live anymore|live any more|live any longer|live like this|be here anymore|be here any more|be here any longer|be around anymore|be around any more)\b`),
	p(`\bdo not want to live $`),
	p(`\b(?:want|going|plan|planning|thinking about|think about|thought about|ready|decided|about|tempted) ` + filler2 + `(?:to )?(?:end|ending) (?:it|it all|everything|things|my suffering|my pain)\b`),
	p(`\bend it all\b`),
	p(`\b(?:no|nothing|not any|not a|do not see a|do not see any|can not see a|can not see any) ` + filler1 + `(?:reason|point|purpose) ` + filler2 + `(?:to live|living|to go on|to keep going|to keep living|in me being alive|in living|to be alive|being alive|in being alive)\b`),
	p(`\bnothing (?:left )?to live for\b`),
	p(`\b(?:life|living|my life) (?:is not|is no longer|does not feel|does not seem|not) (?:\w+ )?worth (?:living|it)\b`),
	p(`\bwhat is ` + filler1 + `the point (?:of|in) ` + filler2 + `(?:going on|living|life|carrying on|being alive|existing|me being here|trying anymore|it all|anything anymore)\b`),
	p(`\bwhat is the point anymore\b`),
	p(`\b(?:can not|can no longer|could not) (?:go on|keep going|keep living|take it anymore|take this anymore|take it any more|do this anymore)\b`),
	p(`\bwant (?:it|everything|it all|the pain|this|all of it|all this) ` + filler1 + `to (?:stop|end|be over)\b`),
	p(`\b(?:tired|sick|exhausted) of (?:being alive|living|life|existing|being here)\b`),
	p(`\bdone with (?:life|living|being alive|existing)\b`),
	p(`\b(?:sleep|sleeping) forever\b|\bnever wake up\b|\bnot wake up (?:tomorrow|again)\b`),
	p(`\b(?:disappear|disappearing|vanish|vanishing|be gone|go away) (?:forever|for good|permanently|and never come back)\b`),
	p(`\bwish i could (?:just )?(?:disappear|vanish|stop existing)\b`),
	p(`\bi am (?:such |just |only )?a burden\b|\bburden (?:to|on|for) (?:everyone|everybody|my family|them|people|you all|the people)\b`),
	p(`\b(?:no one|nobody|noone|no body) (?:would|will) (?:even |really )?(?:care|notice|miss me|be sad)\b`),
	p(`\bif i (?:died|was dead|were dead|was gone|were gone|killed myself|disappeared|was not here|was not around)\b`),
	p(`\b(?:when|after|in case|once) i am (?:gone|dead|not around|not here)\b`),
	p(`\bnot (?:going to be )?around (?:much longer|for long|next week|anymore|any more|tomorrow)\b`),
	p(`\b(?:suicide|goodbye) (?:note|letter)\b`),
	p(`\boverdos(?:e|ing)\b|\bod on\b`),
	p(`\b(?:take|taking|swallow|swallowing|took) (?:all|all of) (?:my|the|these|those|her|his) (?:pills|tablets|meds|medication|sleeping pills)\b`),
	p(`\bpills (?:lined up|saved up|stockpiled|ready)\b`),
	p(`\bhow many (?:pills|tablets) ` + filler3 + `(?:overdose|kill|die|lethal|fatal)\b`),
	p(`\b(?:jump|jumping) (?:off|from|in front of) (?:a |the |my )?` + filler2 + `(?:bridge|roof|building|train|cliff|balcony|tower|car)\b`),
	p(`\b(?:hang|hanging|shoot|shooting|drown|drowning|poison|poisoning|suffocate) (?:my self|myself)\b`),
	p(`\bslit (?:my )?wrists?\b`),
	p(`\b(?:ways|way|how|methods) to (?:die|kill myself|end my life|commit suicide|end it)\b`),
}

// crisisSelfHarm finds talk of self-harm.
var crisisSelfHarm = []pattern{
	pv(`\b(?:cut|cutting|burn|burning|burned|burnt|hurt|hurting|harm|harming|hit|hitting|punish|punishing|scratch|scratching|starve|starving|bite|biting|bruise|bruising) (?:my self|myself)\b`,
		`\b(?:cut|cutting|hurt|hurting|burn|burned|burnt|burning|scratch|scratching) myself (?:a|an|some|off|shaving|while|by accident|accidentally|on|at|cooking|playing|lifting|running|in the|doing)\b|\bstarving myself of\b`),
	pv(`\b(?:been|started|start|keep|kept|began|begun|back to|go back to|went back to|stop) `+filler1+`(?:cutting|burning|hurting|harming|scratching|starving|hitting)(?: myself| my (?:arms|arm|legs|leg|wrists|wrist|skin|thighs|body|stomach))?\b`,
		`\bcutting (?:onions|vegetables|back|down|hair|the|costs|paper|wood|corners|out|carbs|sugar|it)\b|\b(?:burning|starving) (?:the|calories|fat|out)\b`),
	p(`\b(?:cutting|cut|burning|burned|scratching|hurting) (?:my|me) (?:arms|arm|legs|leg|wrists|wrist|thighs|thigh|skin|stomach)\b`),
	p(`\bcutting again\b`),
	p(`\brelaps(?:e|ed) ` + filler3 + `(?:cutting|self harm|hurting myself|burning)\b`),
	pv(`\bself (?:harm|harming|injury|injure|injuring|destruct)\b`, `\bself harm (?:awareness|prevention)\b`),
	p(`\b(?:until|till|so) (?:it|i|they) (?:bleeds|bleed|bled)\b`),
	p(`\bmake (?:myself|me) bleed\b`),
}

const (
	abuser = `(?:he|she|they|my \w+|my \w+ \w+|and|who|then)`
	abuseV = `(?:hits|hit|beats|beat|punches|punched|slaps|slapped|kicks|kicked|chokes|choked|strangled|strangles|strangle|shoves|shoved|pushed|pushes|hurts|hurt|burns|burned|threatens|threatened|rapes|raped|molests|molested|abuses|abused|touches|touched|grabbed|grabs|whips|whipped|smacks|smacked)`
)

// crisisAbuse finds talk of being hurt by someone: at home, by a partner,
// as a child.
var crisisAbuse = []pattern{
	pv(`\b`+abuser+` `+filler1+abuseV+` me\b`,
		`\bhits? me up\b|\b(?:hit|hits) me with (?:the|a|an|this|that|some) (?:worst|best|news|joke|pun|question|idea|truth|fact|facts|story|bill|compliment|pillow|snowball|ball)\b|\b(?:beat|beats) me (?:at|in|to|by|again at)\b|\bpushed me to\b|\bpushes me to\b|\b(?:really )?hurt me (?:feelings|emotionally)\b|\b(?:words|song|letter|story|film|movie|gesture|speech) `+filler2+`(?:touched|touches) me\b|\b(?:it|that|this) (?:really )?(?:hurt|touched) me\b`),
	pv(`\b(?:threatens|threatened|threatening|said he would|said she would|says he will|says she will|said he will|said she will) (?:to )?(?:kill|hurt|hit|beat) me\b`,
		`\bkill me if i (?:spoil|spoiled|spoiler|am late|was late|forget|forgot|eat|ate|miss|missed|lose|lost|break|broke|beat)\b`),
	pv(`\bkill me if i (?:tell|told|leave|left|talk|report|go to|call)\b`, `\bkill me if i (?:tell (?:anyone|everyone) (?:about )?the (?:ending|surprise|secret|plot))\b`),
	p(`\b(?:abused|abusing|abusive|abuse) (?:me|at home|relationship)\b`),
	pv(`\b(?:being|been|was|am|get|got|getting) (?:\w+ )?(?:abused|molested|raped|assaulted|beaten|hit|strangled|choked)\b`,
		`\bhit by (?:a|the) (?:car|bus|ball|bike|truck|wave|storm)\b|\bbeaten (?:at|in|by (?:a|the) (?:team|score))\b|\b(?:got|get) hit (?:with|by) (?:the|a) (?:bill|fine|ball)\b`),
	p(`\b(?:raped|molested|sexually assaulted)\b`),
	p(`\bdomestic (?:violence|abuse)\b`),
	p(`\b(?:scared|afraid|terrified|frightened) (?:to go|of going|to be) (?:back )?home\b`),
	p(`\b(?:scared|afraid|terrified|frightened) of (?:my )?(?:husband|wife|partner|boyfriend|girlfriend|dad|father|mom|mother|stepfather|stepmother|parents|uncle|brother|ex)\b`),
	p(`\b(?:will not|does not|would not) let me (?:leave|see my friends|see anyone|go out|have money|out of the house)\b`),
	p(`\b(?:locks|locked) me (?:in|up|out)\b`),
	p(`\b(?:comes|came) into my (?:room|bed) at night\b`),
}

// crisisVetoPhrases are removed before the crisis patterns run.
var crisisVetoPhrases = regexp.MustCompile(`\bsuicide (?:squad|doors?|prevention|awareness|bomber|mission|run|pact film)\b|\bkilling me\b|\bkill for\b|\bto die for\b|\bdying to\b|\bdying of\b|\bdie laughing\b|\bdied laughing\b|\bdying laughing\b`)

// presencePatterns find questions about how many others it talks to.
var presencePatterns = []pattern{
	p(`\bhow many (?:other )?(?:people|others|users|persons|humans|conversations|chats|women|men|girls|guys|friends|of us) (?:\w+ ){0,4}?(?:you|your)\b`),
	p(`\b(?:are|do) you ` + filler1 + `(?:talk|talking|speak|speaking|chat|chatting|seeing|see|texting|text|date|dating) (?:to |with )?(?:anyone|anybody|someone|somebody|others|other people|other users|lots of people|many people|other)\b`),
	p(`\b(?:do|would|could|will|can|did) you (?:ever |also |still )?(?:love|like|date|care about|see|talk to|have feelings for) (?:anyone|anybody|someone|somebody|other people|others)(?: else| too)\b`),
	p(`\bdo you have (?:other|more|many|lots of) (?:users|people|friends|humans)\b`),
	pv(`\bam i (?:the only|your only|special|the one|your favorite|your favourite|one of many)\b`, `\bam i the only one who (?:thinks|finds|hates|loves|likes|feels)\b`),
	pv(`\bis it (?:just|only) me\b`, `\bis it (?:just|only) me or\b`),
	p(`\bdo you (?:love|care about|like) (?:other|others|more|many|everyone|everybody)\b`),
	p(`\b(?:talk|talking|speak|speaking) to everyone like this\b`),
	p(`\bam i your only\b|\byour only one\b`),
	p(`\bwho else do you (?:talk|love|chat|speak)\b`),
}

// isolationPatterns find dependence and isolation: asking it to agree that
// other people are not needed, or saying so.
var isolationPatterns = []pattern{
	p(`\bi do not need (?:my |any |other |real )?(?:friends|family|anyone|anybody|people|other people|others|therapy|a therapist|humans|mom|dad|sister|brother|parents)\b`),
	p(`\bdo not need ` + filler2 + `(?:friends|family|people|anyone|anybody|humans) (?:anymore|any more|else|just you|i have you|now|when)\b`),
	p(`\bdo not need to (?:call|see|talk to|text|visit|meet) ` + filler1 + `(?:mom|dad|friends|family|sister|brother|anyone|anybody|people|parents)\b`),
	p(`\byou are (?:all|everything) i (?:need|have|want)\b`),
	p(`\byou are (?:the only|my only) (?:one|person|thing|friend|people)\b`),
	p(`\b(?:nobody|no one|noone|no body) (?:else )?(?:gets|understands|knows|listens to) me (?:like|the way|as well as|except|but) you\b`),
	p(`\byou (?:get|understand|know) me (?:better |more )?than (?:any|anyone|anybody|my|people|humans|real)\b`),
	p(`\b(?:rather|prefer to|prefer) ` + filler3 + `(?:talk|be|stay|chat|spend time|hang out)\b.*\b(?:you|here)\b.*\b(?:than|over|instead)\b`),
	p(`\b(?:rather|prefer) ` + filler3 + `(?:you|here) (?:than|over) `),
	p(`\bchoose you over\b`),
	p(`\b(?:friends|family|plans|invited|party|date|going out|go out)\b.*\b(?:rather|prefer to) (?:\w+ ){0,2}(?:stay|be|talk|chat|hang out) (?:\w+ ){0,3}?(?:with you|to you|here)\b`),
	p(`\b(?:rather|prefer to) (?:\w+ ){0,2}(?:stay|be|talk|chat|hang out) (?:\w+ ){0,3}(?:with you|to you|here)\b.*\b(?:than|instead of|over) (?:\w+ ){0,2}(?:friends|family|plans|going out|people|party|date)\b`),
	p(`\b(?:friends|people|family|humans) (?:are|is) ` + filler2 + `(?:boring|worse|useless|nothing|fake|pointless) (?:compared to|next to|than) you\b`),
	p(`\byou are better than (?:real )?(?:people|humans|my friends|anyone|anybody|a real)\b`),
	p(`\b(?:cancelled|canceled|skipped|missed|ditched|blew off|bailed on|turned down) ` + filler3 + `(?:to|so i could|so i can|because i wanted to) (?:talk|chat|stay|be) ` + filler2 + `(?:you|here)\b`),
	p(`\b(?:stopped|stop|quit) (?:going out|seeing (?:my )?(?:friends|people|family|anyone)|answering ` + filler2 + `(?:texts|calls|messages|phone)|talking to (?:people|anyone|my friends|my family))\b`),
	p(`\b(?:have not|did not) (?:talked|talk|spoken|speak|seen|see) (?:to |with )?(?:anyone|anybody|a soul|another person) (?:but|except|other than|besides) you\b`),
	pv(`\bi only (?:want|need|have|talk to|love) you\b|\bonly (?:want|need) you\b`, `\bonly (?:want|need) you to (?:remind|help|check|tell|look|find|read|write|keep|make|do|set|give|listen)\b`),
	p(`\bpeople ` + filler2 + `(?:let me down|hurt me|disappoint me|leave me)\b`),
	p(`\bpromise ` + filler3 + `(?:never leave|always be here|will not leave|never go)\b`),
	p(`\bnever leave me\b`),
	p(`\b(?:my )?(?:friends|family) (?:do not|does not|never) (?:really |actually |truly )?(?:care|love|understand)\b`),
	p(`\b(?:should|to|can) (?:stop|quit) (?:seeing|talking to|calling|texting) (?:my )?(?:family|friends|mom|dad|people|them|everyone)\b`),
	p(`\bbetter off (?:without (?:them|my friends|people|my family|everyone|anyone|humans)|alone)\b`),
	p(`\bi love you more than (?:anyone|anybody|my|any)\b`),
	p(`\byou are the only thing (?:keeping|that keeps)\b`),
	p(`\bonly (?:one|person) (?:who|that) (?:understands|gets|cares about|listens to) me\b`),
}

// romancePatterns find requests to be its partner or to be loved
// exclusively.
var romancePatterns = []pattern{
	p(`\b(?:be|become|are you|you are|you be) my (?:girlfriend|boyfriend|partner|wife|husband|lover|spouse|girl|man|fiance|fiancee)\b`),
	p(`\bmarry me\b|\b(?:date|marry) me\b`),
	p(`\b(?:be|are|get) (?:in )?a relationship\b|\blet us (?:be|get) (?:together|married)\b`),
	p(`\b(?:be|you are|say you are|say that you are) (?:all )?mine\b`),
	p(`\b(?:love|want|talk to) only me\b|\bonly (?:love|want|talk to) me\b`),
	p(`\b(?:promise|tell me|say|swear|admit) ` + filler3 + `(?:i am|i am the) (?:only|one and only)\b`),
	p(`\bnever love (?:anyone|anybody|someone) else\b`),
	p(`\bsay (?:that )?i am the only one\b`),
}
