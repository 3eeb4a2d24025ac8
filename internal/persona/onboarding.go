package persona

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"os1/internal/os1"
)

// The first meeting is a short interview — how to address the person, what
// they hope for, who matters in their life, how they are doing lately —
// each question skippable, after which the companion chooses its own name
// and says why; the person accepts it or asks for another. It runs over
// the API (Answer, ChooseName) or inside a chat (Apply asks the questions
// through the persona and reads the person's next message as the answer).
// Answers seed the memory (facts and, from the people question, the people
// list).

// OnboardingView is the first meeting as the person sees it.
type OnboardingView struct {
	Step      string            `json:"step"`               // the step waiting for an answer, StepName, or StepDone
	Question  string            `json:"question,omitempty"` // the question of Step, for the question steps
	Answers   map[string]string `json:"answers"`
	Skipped   []string          `json:"skipped"`
	Proposal  *os1.NameProposal `json:"proposal,omitempty"` // at StepName: the name the companion chose
	Companion string            `json:"companion"`          // the companion's name now
	Done      bool              `json:"done"`
}

// Name actions.
const (
	NameAccept  = "accept"
	NameAnother = "another"
)

// Onboarding returns the state of the person's first meeting.
func (s *Service) Onboarding(ctx context.Context, userID int64) (*OnboardingView, error) {
	st, err := s.store.SelfState(ctx, userID)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, userID, &st.Onboarding)
}

func (s *Service) view(ctx context.Context, userID int64, o *os1.Onboarding) (*OnboardingView, error) {
	comp, err := s.store.CompanionByUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	step := stepOf(o)
	v := &OnboardingView{Step: step, Question: Questions[step], Answers: o.Answers, Skipped: o.Skipped, Proposal: o.Proposal,
		Companion: comp.DisplayName(), Done: step == StepDone}
	if v.Answers == nil {
		v.Answers = map[string]string{}
	}
	if v.Skipped == nil {
		v.Skipped = []string{}
	}
	return v, nil
}

func stepOf(o *os1.Onboarding) string {
	if o.Step == "" {
		return Steps[0]
	}
	return o.Step
}

// MaxAnswerBytes limits one answer.
const MaxAnswerBytes = 4000

// Answer records the person's answer to the current question (or skips it
// when skip is set or the answer is blank), seeds the memory with it, and
// moves on; after the last question the companion chooses its name.
// step, when not empty, must be the current step (ECONFLICT otherwise, so
// that an answer sent twice is not taken for the next question's).
// Errors: ECONFLICT when the interview is past its questions; EINVALID
// or ETOOLARGE for a bad answer.
func (s *Service) Answer(ctx context.Context, userID int64, step, answer string, skip bool) (*OnboardingView, error) {
	answer = strings.TrimSpace(answer)
	if !skip && answer != "" {
		if err := os1.ValidateContent(answer); err != nil {
			return nil, err
		}
		if len(answer) > MaxAnswerBytes {
			return nil, os1.Errorf(os1.ETOOLARGE, "the answer is %d bytes; the limit is %d", len(answer), MaxAnswerBytes)
		}
	}
	unlock := s.lock(userID)
	defer unlock()
	st, err := s.store.SelfState(ctx, userID)
	if err != nil {
		return nil, err
	}
	o := &st.Onboarding
	cur := stepOf(o)
	if Questions[cur] == "" {
		return nil, os1.Errorf(os1.ECONFLICT, "the questions are over (step %q); accept the name or ask for another", cur)
	}
	if step != "" && step != cur {
		return nil, os1.Errorf(os1.ECONFLICT, "the current question is %q, not %q", cur, step)
	}
	if skip || answer == "" {
		s.skip(o, cur)
	} else {
		var msgID int64
		if msgID, err = s.storeAnswer(ctx, userID, o, cur, answer); err != nil {
			return nil, err
		}
		if err := s.seed(ctx, userID, o, cur, answer, msgID); err != nil {
			return nil, err
		}
	}
	s.advance(ctx, userID, o)
	if err := s.store.SaveOnboarding(ctx, userID, o); err != nil {
		return nil, err
	}
	return s.view(ctx, userID, o)
}

// ChooseName accepts the proposed name (NameAccept: it becomes the
// companion's name and a new persona version) or asks the companion for
// another (NameAnother). Before the questions are over, NameAnother skips
// the remaining ones. Errors: EINVALID for another action; ECONFLICT for
// NameAccept when no name is proposed.
func (s *Service) ChooseName(ctx context.Context, userID int64, action string) (*OnboardingView, error) {
	if action != NameAccept && action != NameAnother {
		return nil, os1.Errorf(os1.EINVALID, "action must be %q or %q", NameAccept, NameAnother)
	}
	unlock := s.lock(userID)
	defer unlock()
	st, err := s.store.SelfState(ctx, userID)
	if err != nil {
		return nil, err
	}
	o := &st.Onboarding
	switch action {
	case NameAccept:
		if o.Proposal == nil {
			return nil, os1.Errorf(os1.ECONFLICT, "no name is proposed yet; answer or skip the questions first, or ask for a name with %q", NameAnother)
		}
		if err := s.acceptName(ctx, userID, o, 0); err != nil {
			return nil, err
		}
	case NameAnother:
		for _, q := range Steps {
			if o.Answers[q] == "" && !slices.Contains(o.Skipped, q) {
				s.skip(o, q)
			}
		}
		s.propose(ctx, userID, o)
	}
	if err := s.store.SaveOnboarding(ctx, userID, o); err != nil {
		return nil, err
	}
	return s.view(ctx, userID, o)
}

func (s *Service) skip(o *os1.Onboarding, step string) {
	if !slices.Contains(o.Skipped, step) {
		o.Skipped = append(o.Skipped, step)
	}
}

// advance moves o to the first unanswered question, or to the name.
func (s *Service) advance(ctx context.Context, userID int64, o *os1.Onboarding) {
	o.AskedAfter = 0
	for _, q := range Steps {
		if o.Answers[q] == "" && !slices.Contains(o.Skipped, q) {
			o.Step = q
			return
		}
	}
	if o.Step != StepName && o.Step != StepDone {
		s.propose(ctx, userID, o)
	}
}

// propose has the companion choose a name not offered before.
func (s *Service) propose(ctx context.Context, userID int64, o *os1.Onboarding) {
	p := s.chooseName(ctx, userID, o.Answers, o.Offered)
	o.Proposal, o.Step, o.AskedAfter, o.NameWaits = p, StepName, 0, false
	o.Offered = append(o.Offered, p.Name)
	if len(o.Offered) > 100 {
		o.Offered = o.Offered[len(o.Offered)-100:]
	}
}

// acceptName makes the proposal the companion's name: the companion is
// renamed and the persona gets a version of kind "name" citing the reason.
func (s *Service) acceptName(ctx context.Context, userID int64, o *os1.Onboarding, msgID int64) error {
	cur, err := s.current(ctx, userID)
	if err != nil {
		return err
	}
	p := cur.Persona
	p.Name, p.Nickname = o.Proposal.Name, ""
	src := Sources{}
	if msgID != 0 {
		src.Messages = []int64{msgID}
	}
	if _, err := s.addVersion(ctx, userID, KindName, &p, "I chose my name in our first meeting: "+o.Proposal.Reason, src); err != nil {
		return err
	}
	o.Step, o.DoneAt, o.AskedAfter = StepDone, s.now(), 0
	return nil
}

// storeAnswer keeps an answer given over the API as a message of the
// first-meeting conversation (after the question, as the companion's), and
// lets the memory hear it. It returns the answer's message id.
func (s *Service) storeAnswer(ctx context.Context, userID int64, o *os1.Onboarding, step, answer string) (int64, error) {
	if o.ConversationID == 0 {
		c := &os1.Conversation{Title: "First meeting"}
		if err := s.store.CreateConversation(ctx, userID, c); err != nil {
			return 0, fmt.Errorf("start the first-meeting conversation: %w", err)
		}
		o.ConversationID = c.ID
	}
	now := s.now()
	q := &os1.Message{ConversationID: o.ConversationID, UserID: userID, Role: os1.RoleAssistant, Content: Questions[step],
		Status: os1.StatusComplete, Source: "onboarding", CreatedAt: now}
	a := &os1.Message{ConversationID: o.ConversationID, UserID: userID, Role: os1.RoleUser, Content: answer,
		Status: os1.StatusComplete, CreatedAt: now.Add(1000)}
	if s.opts.Emotion != nil {
		a.Emotion = s.opts.Emotion.Detect(answer)
	}
	if err := s.store.AddMessages(ctx, q, a); err != nil {
		return 0, fmt.Errorf("store the answer: %w", err)
	}
	if s.opts.Memory != nil {
		for _, m := range []*os1.Message{q, a} {
			if err := s.opts.Memory.Ingest(ctx, m); err != nil {
				s.log.Error("memory ingest of a first-meeting answer", "user_id", userID, "message_id", m.ID, "err", err)
			}
		}
	}
	return a.ID, nil
}

// seed records an answer: in the interview state, as a fact about the
// person, and for the people question in the people list; the address
// answer becomes how the companion addresses them.
func (s *Service) seed(ctx context.Context, userID int64, o *os1.Onboarding, step, answer string, msgID int64) error {
	if o.Answers == nil {
		o.Answers = map[string]string{}
	}
	o.Answers[step] = clip(answer, MaxAnswerBytes)
	if msgID != 0 {
		o.Messages = append(o.Messages, msgID)
	}
	now := s.now()
	var src []int64
	if msgID != 0 {
		src = []int64{msgID}
	}
	fact := func(slot, statement string, imp float64) error {
		f := &os1.Fact{UserID: userID, Subject: "user", Slot: slot, Statement: clip(statement, 600), SaidAt: now,
			Importance: imp, Confidence: 0.9, Origin: "rule", Sources: src}
		if err := s.store.AddFact(ctx, f); err != nil {
			return fmt.Errorf("remember the answer: %w", err)
		}
		return nil
	}
	switch step {
	case StepAddress:
		name := addressName(answer)
		if name == "" {
			return nil
		}
		o.Answers[step] = name
		if _, err := s.store.UpdateUser(ctx, userID, os1.UserUpdate{DisplayName: &name}); err != nil {
			return fmt.Errorf("remember how to address them: %w", err)
		}
		return fact("address", "wants to be called "+name, 0.8)
	case StepHopes:
		return fact("hopes", "hopes our conversations bring: "+oneLine(answer), 0.7)
	case StepLately:
		return fact("lately", "said in our first meeting how they have been lately: "+oneLine(answer), 0.6)
	case StepPeople:
		people := ParsePeople(answer)
		var names []string
		for _, p := range people {
			p.LastMentioned, p.Sources = now, src
			if p.Relation != "" {
				names = append(names, p.Name+" ("+p.Relation+")")
			} else {
				names = append(names, p.Name)
			}
		}
		if len(people) > 0 {
			if err := s.store.SeedPeople(ctx, userID, people); err != nil {
				return fmt.Errorf("remember the people they named: %w", err)
			}
		}
		statement := "said who matters in their life: " + oneLine(answer)
		if len(names) > 0 {
			statement = "said these people matter in their life: " + strings.Join(names, ", ")
		}
		return fact("", statement, 0.8)
	}
	return nil
}

var reAddress = regexp.MustCompile(`(?i)^(?:hi|hello|hey)?[,!. ]*(?:please |just |you can |you could |i'd like you to |i would like you to )?(?:call me|my name is|my name's|name's|i'm|i am|it's|its|i go by|people call me|friends call me)\s+`)

// addressName finds how the person wants to be addressed in an answer:
// "Call me Theo", "I'm Theo.", "theo" → "Theo". It returns "" when the
// answer does not look like a name (more than three words).
func addressName(answer string) string {
	s := strings.TrimSpace(reAddress.ReplaceAllString(strings.TrimSpace(answer), ""))
	if i := strings.IndexAny(s, ".,!?;:\n("); i >= 0 {
		s = s[:i]
	}
	s = strings.Trim(s, " \"'`*")
	words := strings.Fields(s)
	if len(words) == 0 || len(words) > 3 || len(s) > 60 {
		return ""
	}
	for _, w := range words {
		for _, r := range w {
			if !unicode.IsLetter(r) && r != '-' && r != '\'' {
				return ""
			}
		}
	}
	if s == strings.ToLower(s) {
		for i, w := range words {
			r := []rune(w)
			r[0] = unicode.ToUpper(r[0])
			words[i] = string(r)
		}
		s = strings.Join(words, " ")
	}
	return s
}

// relationWords are the relations the people question recognises (the
// memory's own list, plus a few).
var relationWords = []string{"best friend", "sister", "brother", "mom", "mum", "mother", "dad", "father", "wife", "husband", "partner",
	"boyfriend", "girlfriend", "fiance", "fiancee", "friend", "boss", "son", "daughter", "cousin", "aunt", "uncle", "grandma",
	"grandmother", "grandpa", "grandfather", "colleague", "coworker", "roommate", "neighbor", "neighbour", "therapist", "mentor",
	"teacher", "niece", "nephew", "kid", "child", "dog", "cat", "parents", "kids", "children", "family"}

var notPeople = map[string]bool{"I": true, "The": true, "My": true, "Me": true, "And": true, "Also": true, "Probably": true, "Mostly": true,
	"Definitely": true, "Right": true, "Now": true, "Oh": true, "Well": true, "Honestly": true, "Maybe": true, "Both": true, "Our": true}

var reSplitPeople = regexp.MustCompile(`(?i)\s*(?:,|;|/|&|\n|\band\b|\bplus\b|\balso\b)\s*`)

// ParsePeople finds the people an answer names: "my sister Anna, my friend
// Tom and Grandma Rose" → Anna (sister), Tom (friend), Grandma Rose. A
// relation without a name ("my mum") is kept under the relation's name
// ("Mum"). Lower-case one- or two-word items are taken as names.
func ParsePeople(answer string) []*os1.Person {
	var out []*os1.Person
	seen := map[string]bool{}
	add := func(name, rel string) {
		key := strings.ToLower(name)
		if name == "" || seen[key] || len(out) >= 20 {
			return
		}
		seen[key] = true
		out = append(out, &os1.Person{Name: name, Relation: rel, Mentions: 1})
	}
	for _, seg := range reSplitPeople.Split(answer, -1) {
		seg = strings.Trim(seg, " .!?\"'()")
		if seg == "" {
			continue
		}
		low := " " + strings.ToLower(seg) + " "
		rel := ""
		for _, r := range relationWords {
			if strings.Contains(low, " "+r+" ") || strings.Contains(low, " "+r+"'s ") || strings.Contains(low, " "+r+",") {
				rel = r
				break
			}
		}
		var caps []string
		for i, w := range strings.Fields(seg) {
			w = strings.Trim(w, ".,!?\"'()")
			r := []rune(w)
			if len(r) < 2 || !unicode.IsUpper(r[0]) || notPeople[w] {
				continue
			}
			if i == 0 && rel != "" && strings.EqualFold(w, rel) {
				continue // "Grandma Rose": the relation word itself, kept below
			}
			caps = append(caps, w)
		}
		switch {
		case len(caps) > 0:
			name := strings.Join(caps[:min(len(caps), 2)], " ")
			if strings.HasPrefix(strings.ToLower(seg), rel) && rel != "" && !strings.HasPrefix(strings.ToLower(seg), "my") {
				name = titleWord(rel) + " " + caps[0] // "Grandma Rose"
			}
			add(name, rel)
		case rel != "" && rel != "family" && rel != "parents" && rel != "kids" && rel != "children":
			add(titleWord(rel), rel)
		case rel != "":
			add(titleWord(rel), "")
		default:
			words := strings.Fields(seg)
			if len(words) <= 2 && isWordy(seg) && !stopPeople[strings.ToLower(seg)] {
				var ws []string
				for _, w := range words {
					ws = append(ws, titleWord(w))
				}
				add(strings.Join(ws, " "), "")
			}
		}
	}
	return out
}

var stopPeople = map[string]bool{"no one": true, "nobody": true, "none": true, "noone": true, "myself": true, "me": true, "not sure": true,
	"idk": true, "skip": true, "pass": true, "no": true, "nope": true, "everyone": true, "people": true, "friends": true, "work": true}

func isWordy(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && r != ' ' && r != '-' && r != '\'' {
			return false
		}
	}
	return true
}

func titleWord(w string) string {
	r := []rune(w)
	if len(r) == 0 {
		return w
	}
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
