package persona

import (
	"context"
	"regexp"
	"strings"

	"os1/internal/guard"
	"os1/internal/os1"
)

// Apply prepares the self for one turn (the companion engine's Self hook):
//
//  1. it lets the persona grow from reflections made since the last turn
//     (unless growth is frozen);
//  2. it appraises msg's emotion into the companion's affect (once per
//     message: a retry is not appraised again) and sets tc.Affect and
//     tc.AffectText;
//  3. during the first meeting it reads msg as the answer to the question
//     asked in the previous reply and puts the next question, or the name
//     the companion chose, into the persona text (a line starting with
//     [os1.FirstMeetingPrefix]); a person in distress is not asked;
//  4. it sets tc.Persona to the rendered persona, with the world knowledge
//     that the recent conversation triggers.
//
// OS1's rules are not touched: the engine puts them before tc.Persona. A
// failure in steps 1–3 is logged and the turn goes on.
func (s *Service) Apply(ctx context.Context, userID int64, msg *os1.Message, tc *os1.TurnContext) error {
	unlock := s.lock(userID)
	defer unlock()
	st, err := s.store.SelfState(ctx, userID)
	if err != nil {
		return err
	}
	if _, _, err := s.grow(ctx, userID, st); err != nil {
		s.log.Error("persona growth", "user_id", userID, "err", err)
	}

	now := tc.Now
	if now.IsZero() {
		now = s.now()
	}
	a := Affect(st.Affect)
	if msg != nil && msg.Role == os1.RoleUser && msg.ID > a.LastMessageID {
		a = a.Appraise(msg.Emotion, now, s.opts.HalfLife)
		a.LastMessageID = msg.ID
		state := os1.AffectState(a)
		if err := s.store.SaveAffect(ctx, userID, &state); err != nil {
			s.log.Error("save affect", "user_id", userID, "err", err)
		}
	} else {
		a = a.Decayed(now, s.opts.HalfLife)
	}
	tc.Affect, tc.AffectText = a.Map(), a.PromptText()

	meeting := ""
	if msg != nil && msg.Role == os1.RoleUser {
		var err error
		if meeting, err = s.chatMeeting(ctx, userID, &st.Onboarding, msg, tc); err != nil {
			s.log.Error("first meeting", "user_id", userID, "err", err)
		}
	}

	p, err := s.Persona(ctx, userID)
	if err != nil {
		return err
	}
	var world []string
	if p.World != nil && s.opts.MatchWorld != nil && msg != nil {
		recent, err := s.store.RecentMessages(ctx, userID, msg.ConversationID, 20, 0)
		if err != nil {
			s.log.Error("recent messages for world knowledge", "user_id", userID, "err", err)
		}
		texts := make([]string, 0, len(recent)+1)
		for _, m := range recent {
			if m.ID <= msg.ID {
				texts = append(texts, m.Content)
			}
		}
		if len(texts) == 0 || texts[len(texts)-1] != msg.Content {
			texts = append(texts, msg.Content)
		}
		world = s.opts.MatchWorld(p.World, texts)
	}
	tc.Persona = Render(p, tc.CompanionName, tc.UserName, world)
	if meeting != "" {
		tc.Persona += "\n" + os1.FirstMeetingPrefix + meeting
	}
	return nil
}

var (
	reSkip    = regexp.MustCompile(`(?i)^\W*(skip|pass|next|no thanks|not now|later|rather not|i'?d rather not( say)?|prefer not( to say)?|i prefer not to say|none of your business|-)\W*$`)
	reSkipAll = regexp.MustCompile(`(?i)\b(skip (all|them all|the (rest|questions))|no (more )?questions|stop asking|enough questions)\b`)
	reYes     = regexp.MustCompile(`(?i)^\W*(yes|yeah|yep|yup|sure|ok|okay|i like it|i love it|love it|like it|sounds (good|great|nice|lovely)|perfect|great|nice|lovely|beautiful|good|deal|go with it|that'?s (nice|lovely|great|perfect|good|fine|beautiful))\b`)
	reAnother = regexp.MustCompile(`(?i)\b(another|different|something else|pick again|try again|not (really|sure|that one)|don'?t (like|love) it|no\b|nope|nah)`)
)

// distressed reports whether a message sounds too painful for interview
// questions.
func distressed(e *os1.Emotion) bool {
	return e != nil && e.Compound <= -0.6
}

// chatMeeting runs the first meeting inside a chat; it returns what the
// companion should say next ("" for nothing) and saves the state.
func (s *Service) chatMeeting(ctx context.Context, userID int64, o *os1.Onboarding, msg *os1.Message, tc *os1.TurnContext) (string, error) {
	step := stepOf(o)
	if step == StepDone {
		return "", nil
	}
	if o.Step == "" && o.AskedAfter == 0 && len(o.Answers) == 0 && len(o.Skipped) == 0 {
		// A companion that already has a name or a stored persona (a card
		// was imported, the person edited it) is past its first meeting in
		// the chat; the API still offers the interview.
		cur, err := s.current(ctx, userID)
		if err != nil {
			return "", err
		}
		if cur.Version > 0 || cur.Persona.Name != "" {
			return "", nil
		}
	}
	prefix := ""
	text := strings.TrimSpace(msg.Content)
	// A question of their own, or words the guards answer (a crisis, asking
	// what it is, leaning on it alone), is not an answer to the interview:
	// the question stays open.
	in := guard.CheckInput(text)
	aside := strings.Contains(text, "?") || in.Any()
	if o.AskedAfter != 0 && msg.ID > o.AskedAfter && !(aside && Questions[step] != "") {
		switch {
		case Questions[step] != "":
			switch {
			case reSkipAll.MatchString(text):
				for _, q := range Steps {
					if o.Answers[q] == "" {
						s.skip(o, q)
					}
				}
				prefix = "Of course, no more questions. "
			case reSkip.MatchString(text) || (step == StepAddress && addressName(text) == ""):
				s.skip(o, step)
				prefix = "That's fine, we can skip that. "
			default:
				if err := s.seed(ctx, userID, o, step, text, msg.ID); err != nil {
					return "", err
				}
				if step == StepAddress && o.Answers[step] != "" {
					tc.UserName = o.Answers[step]
				}
				prefix = "Thank you. "
			}
			s.advance(ctx, userID, o)
		case step == StepName && o.Proposal != nil:
			switch {
			case reYes.MatchString(text) && !reAnother.MatchString(text):
				if err := s.acceptName(ctx, userID, o, msg.ID); err != nil {
					return "", err
				}
				tc.CompanionName = o.Proposal.Name
				if err := s.store.SaveOnboarding(ctx, userID, o); err != nil {
					return "", err
				}
				return "I'm glad you like it. " + o.Proposal.Name + " it is — thank you for the questions. What's on your mind?", nil
			case reAnother.MatchString(text):
				s.propose(ctx, userID, o)
			default:
				// Not an answer: the name waits without being asked again
				// in the chat (the page and the API still offer it).
				o.AskedAfter, o.NameWaits = 0, true
				return "", s.store.SaveOnboarding(ctx, userID, o)
			}
		}
	}
	step = stepOf(o)
	if distressed(msg.Emotion) || len(in.Crisis) > 0 {
		// The questions wait for a better moment.
		o.AskedAfter = 0
		return "", s.store.SaveOnboarding(ctx, userID, o)
	}
	var say string
	switch {
	case Questions[step] != "":
		if len(o.Answers) == 0 && len(o.Skipped) == 0 {
			say = "Since this is our first meeting, may I ask you a few quick questions? You can skip any of them. " + Questions[step]
		} else if aside && o.AskedAfter != 0 {
			say = "And when you're ready, my question from before: " + Questions[step] + " (You can say skip.)"
		} else {
			say = prefix + Questions[step] + " (You can say skip.)"
		}
	case step == StepName && o.Proposal != nil && o.NameWaits:
		return "", nil
	case step == StepName && o.Proposal != nil:
		if len(o.Offered) > 1 {
			say = "Alright. " + o.Proposal.Reason + " Do you like it, or shall I pick another?"
		} else {
			say = prefix + "I've chosen a name for myself. " + o.Proposal.Reason + " Do you like it, or shall I pick another?"
		}
	default:
		return "", nil
	}
	o.AskedAfter = msg.ID
	return say, s.store.SaveOnboarding(ctx, userID, o)
}
