package wellbeing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"os1/internal/os1"
)

// quietAfter is how long a person must not have come up to be named in a
// nudge or listed as quiet in the weekly summary.
const quietAfter = 14 * 24 * time.Hour

// Admit refuses new messages once the instance's sunset has passed, with an
// ECLOSED error that says letters and exports are still available.
func (s *Service) Admit(ctx context.Context, userID int64) error {
	sun, err := s.Store.Sunset(ctx)
	if err != nil {
		return fmt.Errorf("read sunset: %w", err)
	}
	if sun != nil && !s.now().Before(sun.At) {
		return os1.Errorf(os1.ECLOSED, "this OS1 closed on %s and accepts no new messages; your farewell letter (GET /api/v1/goodbye/letter) and your complete export are still available",
			sun.At.UTC().Format("2 January 2006"))
	}
	return nil
}

// Apply adds to tc.Facts what the companion should weave into this reply:
// the sunset notice (once per person), a kind wrap-up past the daily
// budget, and a nudge toward the people they know when the signals have
// risen and the cooldown has passed. It records the nudge and the notice.
func (s *Service) Apply(ctx context.Context, userID int64, msg *os1.Message, tc *os1.TurnContext) error {
	now := s.now()
	var errs []error
	if sun, err := s.Store.Sunset(ctx); err != nil {
		errs = append(errs, fmt.Errorf("read sunset: %w", err))
	} else if sun != nil {
		if fact, err := s.sunsetNotice(ctx, userID, sun); err != nil {
			errs = append(errs, err)
		} else if fact != "" {
			tc.Facts = append(tc.Facts, fact)
		}
	}

	st, err := s.Store.WellbeingSettings(ctx, userID)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("read wellbeing settings: %w", err))...)
	}
	content := ""
	if msg != nil {
		content = msg.Content
	}
	f, err := s.turnFigures(ctx, userID, st, now, content)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	name := "them"
	if tc.UserName != "" {
		name = tc.UserName
	}
	if f.Today.OverBudget {
		tc.Facts = append(tc.Facts, fmt.Sprintf(
			"%s asked to keep their time here to about %d minutes a day, and today it has been about %d. Kindly help them wrap up in this reply: answer what they said, then warmly suggest picking this up tomorrow. No guilt, no pressure, no urgency; they are welcome back any time.",
			name, st.BudgetMinutes, f.Today.Minutes))
	}
	if st.Nudges && len(f.Signals) > 0 {
		state, err := s.Store.WellbeingState(ctx, userID)
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("read wellbeing state: %w", err))...)
		}
		cooldown := time.Duration(st.NudgeCooldownHours) * time.Hour
		if state.LastNudgeAt.IsZero() || now.Sub(state.LastNudgeAt) >= cooldown {
			who := nudgeTarget(f.People)
			tc.Facts = append(tc.Facts, nudgeFact(name, f, who))
			person := ""
			if who != nil {
				person = who.Name
			}
			if err := s.Store.RecordNudge(ctx, userID, now, person); err != nil {
				errs = append(errs, fmt.Errorf("record nudge: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}

// sunsetNotice returns the notice for a person not yet told about sun, and
// records that they were told.
func (s *Service) sunsetNotice(ctx context.Context, userID int64, sun *Sunset) (string, error) {
	state, err := s.Store.WellbeingState(ctx, userID)
	if err != nil {
		return "", fmt.Errorf("read wellbeing state: %w", err)
	}
	if state.SunsetToldFor.Equal(sun.NoticeAt) {
		return "", nil
	}
	if err := s.Store.MarkSunsetTold(ctx, userID, sun.NoticeAt); err != nil {
		return "", fmt.Errorf("record sunset notice: %w", err)
	}
	return fmt.Sprintf("Important, tell them plainly and kindly in this reply (once; you need not repeat it later): the people who run this OS1 have decided to close it, and it stops accepting new messages on %s. Their farewell letter from you and the complete export of everything are ready for them and stay available after that date. No pleading, no guilt; thank them, and encourage them to keep close to the people in their life.",
		sun.At.UTC().Format("Monday 2 January 2006, 15:04 UTC")), nil
}

// nudgeTarget picks whom to name: the person mentioned most often among
// those who have not come up for quietAfter, else the one who came up
// least recently; nil when they know nobody.
func nudgeTarget(people []PersonSeen) *PersonSeen {
	var best *PersonSeen
	for i := range people {
		p := &people[i]
		if p.DaysSince*24 < int(quietAfter.Hours()) {
			continue
		}
		if best == nil || p.Mentions > best.Mentions {
			best = p
		}
	}
	if best == nil && len(people) > 0 {
		best = &people[0] // least recently mentioned
	}
	return best
}

// since says how long ago in words ("3 weeks", "10 days").
func since(days int) string {
	switch {
	case days >= 14:
		return itoa(days/7) + " weeks"
	case days >= 2:
		return itoa(days) + " days"
	default:
		return "a little while"
	}
}

func nudgeFact(name string, f *Figures, who *PersonSeen) string {
	var why []string
	for _, sig := range f.Signals {
		switch sig.Kind {
		case SignalMoreTime:
			why = append(why, "they have been spending much more time here than usual ("+sig.Detail+")")
		case SignalFewerPeople:
			why = append(why, "they have mentioned fewer of the people in their life than usual")
		case SignalLateNights:
			why = append(why, "they have been up talking with you late at night several times this week")
		case SignalDependence:
			why = append(why, "they have spoken as if you were all they need; you are an AI, and gently say that the people in their life matter in ways you cannot replace")
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Wellbeing nudge (say it once, in your own words, warmly and briefly, woven into your reply; no lecture, no guilt): %s. ", strings.Join(why, "; "))
	if who != nil {
		rel := ""
		if who.Relation != "" {
			rel = " (their " + who.Relation + ")"
		}
		if who.LastMentioned.IsZero() {
			fmt.Fprintf(&b, "Turn them gently toward %s%s: ask whether they would like to send %s a note, and offer to help write it.", who.Name, rel, who.Name)
		} else {
			fmt.Fprintf(&b, "%s hasn't mentioned %s%s in %s. Ask whether they would like to send %s a note, and offer to help write it — for example: \"You haven't mentioned %s in %s. Want to send them a note? I can help you write it.\"",
				name, who.Name, rel, since(who.DaysSince), who.Name, who.Name, since(who.DaysSince))
		}
	} else {
		b.WriteString("Turn them gently toward the people in their life: ask who they have been missing, and offer to help write them a note.")
	}
	return b.String()
}

// figures loads the history and computes the figures.
func (s *Service) figures(ctx context.Context, userID int64, st Settings, now time.Time, current string) (*Figures, error) {
	acts, err := s.Store.UserActivity(ctx, userID, now.Add(-History))
	if err != nil {
		return nil, fmt.Errorf("read activity: %w", err)
	}
	return Compute(acts, s.people(ctx, userID), st, s.location(st), now, current), nil
}

// turnFigures returns the figures for answering a message: those of an
// earlier turn when they are recent enough (FiguresTTL) and the settings
// are unchanged, with the dependence check redone on current.
func (s *Service) turnFigures(ctx context.Context, userID int64, st Settings, now time.Time, current string) (*Figures, error) {
	c, ok := s.cached(userID, now)
	if !ok || c.settings != st {
		f, err := s.figures(ctx, userID, st, now, "")
		if err != nil {
			return nil, err
		}
		c = cachedFigures{at: now, settings: st, figures: f}
		s.mu.Lock()
		if s.cache == nil || len(s.cache) > 10000 {
			s.cache = map[int64]cachedFigures{}
		}
		s.cache[userID] = c
		s.mu.Unlock()
	}
	f := *c.figures
	f.DependenceNow = current != "" && len(Detect(current)) > 0
	f.Signals = signals(&f)
	return &f, nil
}

// Romance reports whether the person chose a romantic tone; the guards
// allow romance only then (companion.Engine.Romance). When the settings
// cannot be read it says no.
//
// Within a turn Apply has just read the settings; they are reused.
func (s *Service) Romance(ctx context.Context, userID int64) bool {
	if c, ok := s.cached(userID, s.now()); ok {
		return c.settings.Romance
	}
	st, err := s.Store.WellbeingSettings(ctx, userID)
	if err != nil {
		s.logger().Error("read wellbeing settings", "user_id", userID, "err", err)
		return false
	}
	return st.Romance
}

// cached returns the person's figures and settings of an earlier turn
// while they are recent enough (FiguresTTL).
func (s *Service) cached(userID int64, now time.Time) (cachedFigures, bool) {
	ttl := s.FiguresTTL
	if ttl == 0 {
		ttl = time.Minute
	}
	s.mu.Lock()
	c, ok := s.cache[userID]
	s.mu.Unlock()
	if !ok || ttl < 0 || now.Before(c.at) || now.Sub(c.at) >= ttl {
		return cachedFigures{}, false
	}
	return c, true
}

// Report is what GET /api/v1/wellbeing shows.
type Report struct {
	Settings       Settings   `json:"settings"`
	Figures        *Figures   `json:"figures"`
	LastNudgeAt    *time.Time `json:"last_nudge_at"`
	LastNudgeTo    string     `json:"last_nudge_person,omitempty"`
	NextNudgeAfter *time.Time `json:"next_nudge_after"` // the cooldown's end; null when no cooldown runs
	Sunset         *Sunset    `json:"sunset"`
}

// Report returns the person's current figures, week by week.
func (s *Service) Report(ctx context.Context, userID int64) (*Report, error) {
	now := s.now()
	st, err := s.Store.WellbeingSettings(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("read wellbeing settings: %w", err)
	}
	state, err := s.Store.WellbeingState(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("read wellbeing state: %w", err)
	}
	f, err := s.figures(ctx, userID, st, now, "")
	if err != nil {
		return nil, err
	}
	r := &Report{Settings: st, Figures: f, LastNudgeTo: state.LastNudgePerson}
	if !state.LastNudgeAt.IsZero() {
		t := state.LastNudgeAt.UTC()
		r.LastNudgeAt = &t
		if next := t.Add(time.Duration(st.NudgeCooldownHours) * time.Hour); next.After(now) {
			r.NextNudgeAfter = &next
		}
	}
	if r.Sunset, err = s.Store.Sunset(ctx); err != nil {
		return nil, fmt.Errorf("read sunset: %w", err)
	}
	return r, nil
}

// Settings returns the person's settings.
func (s *Service) Settings(ctx context.Context, userID int64) (*Settings, error) {
	st, err := s.Store.WellbeingSettings(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("read wellbeing settings: %w", err)
	}
	return &st, nil
}

// UpdateSettings changes the person's settings (EINVALID for bad values;
// nothing is changed then).
func (s *Service) UpdateSettings(ctx context.Context, userID int64, u SettingsUpdate) (*Settings, error) {
	st, err := s.Store.WellbeingSettings(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("read wellbeing settings: %w", err)
	}
	if err := u.Apply(&st); err != nil {
		return nil, err
	}
	if err := s.Store.SaveWellbeingSettings(ctx, userID, st); err != nil {
		return nil, fmt.Errorf("save wellbeing settings: %w", err)
	}
	s.mu.Lock()
	delete(s.cache, userID) // figures and settings of earlier turns no longer hold
	s.mu.Unlock()
	return &st, nil
}

// Weekly is the "life outside" summary of the last 7 days.
type Weekly struct {
	From             time.Time    `json:"from"`
	To               time.Time    `json:"to"`
	Minutes          float64      `json:"minutes"`
	Sessions         float64      `json:"sessions"`
	DaysActive       int          `json:"days_active"`
	LateNightMinutes int          `json:"late_night_minutes"`
	PeopleMentioned  []string     `json:"people_mentioned"`
	Quiet            []PersonSeen `json:"quiet"` // people who haven't come up for two weeks or more
	Baseline         Window       `json:"baseline"`
	Signals          []Signal     `json:"signals"`
	Text             string       `json:"text"`
}

// Weekly returns the person's summary of their last 7 days.
func (s *Service) Weekly(ctx context.Context, userID int64) (*Weekly, error) {
	now := s.now()
	st, err := s.Store.WellbeingSettings(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("read wellbeing settings: %w", err)
	}
	loc := s.location(st)
	acts, err := s.Store.UserActivity(ctx, userID, now.Add(-History))
	if err != nil {
		return nil, fmt.Errorf("read activity: %w", err)
	}
	people := s.people(ctx, userID)
	f := Compute(acts, people, st, loc, now, "")
	w := &Weekly{From: now.Add(-7 * 24 * time.Hour).UTC(), To: now.UTC(), Minutes: f.Last7.Minutes, Sessions: f.Last7.Sessions,
		Baseline: f.Baseline, Signals: f.Signals, PeopleMentioned: []string{}, Quiet: []PersonSeen{}}
	// The last 7 days' own figures.
	days := map[string]bool{}
	var recent []Activity
	for _, a := range acts {
		if a.At.After(w.From) {
			days[dayKey(a.At.In(loc))] = true
			recent = append(recent, a)
		}
	}
	w.DaysActive = len(days)
	for _, sx := range stretches(recent, loc, st.LateNightHour) {
		if sx.late {
			w.LateNightMinutes += int(sx.minutes + 0.5)
		}
	}
	names := newNameMatcher(people)
	seen := map[int]bool{}
	for _, a := range recent {
		for _, h := range names.mentioned(a.Text) {
			if !seen[h] {
				seen[h] = true
				w.PeopleMentioned = append(w.PeopleMentioned, names.names[h])
			}
		}
	}
	for _, p := range f.People {
		if p.DaysSince*24 >= int(quietAfter.Hours()) {
			w.Quiet = append(w.Quiet, p)
		}
	}
	w.Text = weeklyText(w)
	return w, nil
}

func weeklyText(w *Weekly) string {
	var b strings.Builder
	if w.Minutes == 0 {
		b.WriteString("You didn't spend time with OS1 in the last 7 days.")
	} else {
		fmt.Fprintf(&b, "In the last 7 days you spent about %s with OS1, on %d %s", formatMinutes(w.Minutes), w.DaysActive, plural(w.DaysActive, "day", "days"))
		if w.LateNightMinutes > 0 {
			fmt.Fprintf(&b, ", %s of it late at night", formatMinutes(float64(w.LateNightMinutes)))
		}
		b.WriteString(".")
		if w.Baseline.Minutes > 0 {
			fmt.Fprintf(&b, " A usual week for you is about %s.", formatMinutes(w.Baseline.Minutes))
		}
	}
	switch n := len(w.PeopleMentioned); {
	case n == 0:
		b.WriteString(" You didn't mention anyone from your life.")
	default:
		fmt.Fprintf(&b, " You talked about %s.", joinNames(w.PeopleMentioned))
	}
	if len(w.Quiet) > 0 {
		q := w.Quiet[0]
		fmt.Fprintf(&b, " You haven't mentioned %s in %s — maybe send them a note? I can help you write it.", q.Name, since(q.DaysSince))
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func joinNames(n []string) string {
	switch len(n) {
	case 0:
		return ""
	case 1:
		return n[0]
	default:
		return strings.Join(n[:len(n)-1], ", ") + " and " + n[len(n)-1]
	}
}

// Draft is a short note to someone, for the person to edit and send.
type Draft struct {
	Person string `json:"person"`
	Text   string `json:"text"`
	Source string `json:"source"` // "model" or "template"
}

// maxNameLen bounds a person's name in a draft request.
const maxNameLen = 80

// Draft writes a short note from the person to someone they know — by the
// model when one is connected, from a template otherwise. EINVALID for a
// bad name.
func (s *Service) Draft(ctx context.Context, userID int64, person string) (*Draft, error) {
	person = strings.TrimSpace(person)
	switch {
	case person == "":
		return nil, os1.Errorf(os1.EINVALID, "person is required: the name of who the note is for")
	case !utf8.ValidString(person):
		return nil, os1.Errorf(os1.EINVALID, "person is not valid UTF-8")
	case utf8.RuneCountInString(person) > maxNameLen:
		return nil, os1.Errorf(os1.EINVALID, "person is longer than %d characters; give just their name", maxNameLen)
	case strings.ContainsAny(person, "\n\r\t<>{}"):
		return nil, os1.Errorf(os1.EINVALID, "person must be a plain name")
	}
	u, err := s.Store.FindUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	var known *os1.Person
	for _, p := range s.people(ctx, userID) {
		if strings.EqualFold(strings.TrimSpace(p.Name), person) {
			known = p
			person = strings.TrimSpace(p.Name)
			break
		}
	}
	days := -1
	if known != nil && !known.LastMentioned.IsZero() {
		days = int(s.now().Sub(known.LastMentioned) / (24 * time.Hour))
	}
	if s.modelConnected() {
		rel := ""
		if known != nil && known.Relation != "" {
			rel = " (their " + known.Relation + ")"
		}
		prompt := fmt.Sprintf("Write a short, warm note (two to four sentences) that %s could send to %s%s to reconnect: say they were thinking of them, ask how they are, suggest catching up. Plain words, no clichés, no mention of any AI. Sign it %s. Write only the note.",
			u.Addressed(), person, rel, u.Addressed())
		if text, err := s.complete(ctx, "You help people write short, honest messages to the people in their lives.", prompt, 300); err == nil && text != "" {
			return &Draft{Person: person, Text: text, Source: "model"}, nil
		} else if err != nil {
			s.logger().Warn("wellbeing: draft by model failed; using the template", "user_id", userID, "err", err)
		}
	}
	return &Draft{Person: person, Text: draftTemplate(u.Addressed(), person, days), Source: "template"}, nil
}

func draftTemplate(from, to string, days int) string {
	opening := "I was thinking of you today."
	if days >= 14 {
		opening = "I was thinking of you today and realised it's been a while."
	}
	return fmt.Sprintf("Hi %s, %s How have you been? I'd love to catch up soon — maybe a call or a coffee this week?\n\n%s", to, opening, from)
}

// complete asks the model for one whole reply.
func (s *Service) complete(ctx context.Context, system, prompt string, maxTokens int) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var sb strings.Builder
	_, err := s.Model.Chat(ctx, os1.ChatRequest{
		Messages:  []os1.ChatMessage{{Role: os1.RoleSystem, Content: system}, {Role: os1.RoleUser, Content: prompt}},
		MaxTokens: maxTokens,
	}, func(c os1.Chunk) error {
		sb.WriteString(c.Content)
		return nil
	})
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(sb.String()), nil
}
