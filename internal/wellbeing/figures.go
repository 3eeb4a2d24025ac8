package wellbeing

import (
	"math"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"os1/internal/os1"
)

// Figures are computed from the times of the person's own messages:
//
//   - Messages less than SessionGap apart belong to one session. A session
//     counts the time between its messages plus one minute for its first
//     message, attributed to the local day on which each stretch began.
//   - A message is late-night when its local hour is at or after the
//     person's late-night hour and before 5:00 (or, for a late-night hour
//     before 5, between that hour and 5:00).
//   - Weeks are calendar weeks starting on Monday, in the person's time zone.
//   - The signals compare the last 7 days with the baseline: the average of
//     the four 7-day windows before them in which the person wrote at all.
const (
	SessionGap    = 30 * time.Minute
	sessionLead   = time.Minute
	weeksShown    = 8
	baselineWeeks = 4
	morningHour   = 5
)

// Activity is one of the person's own messages.
type Activity struct {
	At   time.Time
	Text string
}

// Week is one calendar week of figures.
type Week struct {
	Start             string   `json:"week_start"` // local date of its Monday, YYYY-MM-DD
	Minutes           int      `json:"minutes"`
	DaysActive        int      `json:"days_active"`
	Sessions          int      `json:"sessions"`
	Messages          int      `json:"messages"`
	LateNightMinutes  int      `json:"late_night_minutes"`
	LateNightSessions int      `json:"late_night_sessions"`
	PeopleMentioned   []string `json:"people_mentioned"` // distinct people they know, by name
	DependencePhrases int      `json:"dependence_phrases"`
}

// Window is the figures of a span of days (the last 7, or the baseline's
// average over earlier 7-day windows).
type Window struct {
	Minutes           float64 `json:"minutes"`
	Sessions          float64 `json:"sessions"`
	LateNightSessions float64 `json:"late_night_sessions"`
	PeopleMentioned   float64 `json:"people_mentioned"`
	DependencePhrases float64 `json:"dependence_phrases"`
}

// Day is one local day's use.
type Day struct {
	Date             string `json:"date"` // YYYY-MM-DD
	Minutes          int    `json:"minutes"`
	Sessions         int    `json:"sessions"`
	LateNightMinutes int    `json:"late_night_minutes"`
}

// daysShown is how many days Figures.Days covers.
const daysShown = 14

// Today is the figures of the current local day.
type Today struct {
	Date             string `json:"date"`
	Minutes          int    `json:"minutes"`
	Sessions         int    `json:"sessions"`
	LateNightMinutes int    `json:"late_night_minutes"`
	BudgetMinutes    int    `json:"budget_minutes"` // 0: no budget
	OverBudget       bool   `json:"over_budget"`
}

// Signal is a sign that the person's time here is crowding out their life
// outside, with what it is based on.
type Signal struct {
	Kind   string `json:"kind"`   // more_time, fewer_people, late_nights, dependence
	Detail string `json:"detail"` // in words
}

// Signal kinds.
const (
	SignalMoreTime    = "more_time"
	SignalFewerPeople = "fewer_people"
	SignalLateNights  = "late_nights"
	SignalDependence  = "dependence"
)

// PersonSeen is a person they know and when they last mentioned them.
type PersonSeen struct {
	Name          string    `json:"name"`
	Relation      string    `json:"relation,omitempty"`
	Mentions      int       `json:"mentions"`
	LastMentioned time.Time `json:"last_mentioned"`
	DaysSince     int       `json:"days_since"`
}

// Figures is everything computed for one person at one moment.
type Figures struct {
	TimeZone      string       `json:"time_zone"`
	Today         Today        `json:"today"`
	StreakDays    int          `json:"streak_days"` // consecutive days with OS1, up to today (or yesterday)
	Days          []Day        `json:"days"`        // the last 14 local days, oldest first; the last is today
	Weeks         []Week       `json:"weeks"`       // oldest first; the last is the current week
	Last7         Window       `json:"last_7_days"`
	Baseline      Window       `json:"baseline"` // average of earlier 7-day windows with any use
	BaselineWeeks int          `json:"baseline_weeks"`
	Signals       []Signal     `json:"signals"`
	People        []PersonSeen `json:"people"` // least recently mentioned first
	// DependenceNow is true when the message being answered has dependence
	// or loneliness language.
	DependenceNow bool `json:"-"`
}

// History is how far back the figures look.
const History = (weeksShown + 1) * 7 * 24 * time.Hour

// lateNight reports whether a local time is in the late-night span.
func lateNight(t time.Time, hour int) bool {
	h := t.Hour()
	if hour >= morningHour {
		return h >= hour || h < morningHour
	}
	return h >= hour && h < morningHour
}

// stretch is a span of use attributed to the local day it began on.
type stretch struct {
	at      time.Time // local
	minutes float64
	late    bool
	session bool // the first stretch of a session
}

// stretches turns message times (ascending) into stretches of use.
func stretches(acts []Activity, loc *time.Location, lateHour int) []stretch {
	var out []stretch
	for i, a := range acts {
		t := a.At.In(loc)
		if i == 0 || a.At.Sub(acts[i-1].At) > SessionGap {
			out = append(out, stretch{at: t, minutes: sessionLead.Minutes(), late: lateNight(t, lateHour), session: true})
			continue
		}
		prev := acts[i-1].At.In(loc)
		out = append(out, stretch{at: prev, minutes: a.At.Sub(acts[i-1].At).Minutes(), late: lateNight(prev, lateHour)})
	}
	return out
}

// nameMatcher finds mentions of known people in text: the name as a whole
// word, case-sensitive ("Will" is not "will").
type nameMatcher struct {
	names []string
}

func newNameMatcher(people []*os1.Person) *nameMatcher {
	m := &nameMatcher{}
	for _, p := range people {
		if name := strings.TrimSpace(p.Name); name != "" {
			m.names = append(m.names, name)
		}
	}
	return m
}

// mentioned returns the indexes of the names in text.
func (m *nameMatcher) mentioned(text string) []int {
	var out []int
	for i, name := range m.names {
		if wholeWord(text, name) {
			out = append(out, i)
		}
	}
	return out
}

// wholeWord reports whether word occurs in s with no letter or digit
// right before or after it.
func wholeWord(s, word string) bool {
	for off := 0; ; {
		i := strings.Index(s[off:], word)
		if i < 0 {
			return false
		}
		start, end := off+i, off+i+len(word)
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (start == 0 || !isWordRune(before)) && (end == len(s) || !isWordRune(after)) {
			return true
		}
		off = start + 1
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func dayKey(t time.Time) string { return t.Format("2006-01-02") }

// startOfDay returns local midnight of t's day.
func startOfDay(t time.Time) time.Time {
	y, mo, d := t.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, t.Location())
}

// startOfWeek returns local midnight of the Monday of t's week.
func startOfWeek(t time.Time) time.Time {
	d := startOfDay(t)
	off := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -off)
}

// Compute works out the figures from the person's messages (in any order,
// covering at least History before now), the people they know, and
// their settings. current is the text of the message being answered ("" for
// a report).
func Compute(acts []Activity, people []*os1.Person, st Settings, loc *time.Location, now time.Time, current string) *Figures {
	if loc == nil {
		loc = time.Local
	}
	now = now.In(loc)
	f := &Figures{TimeZone: loc.String()}
	if !sort.SliceIsSorted(acts, func(i, j int) bool { return acts[i].At.Before(acts[j].At) }) {
		acts = append([]Activity(nil), acts...)
		sort.SliceStable(acts, func(i, j int) bool { return acts[i].At.Before(acts[j].At) })
	}
	names := newNameMatcher(people)
	today := startOfDay(now)
	weekStart := startOfWeek(now).AddDate(0, 0, -7*(weeksShown-1))

	// Weeks, oldest first.
	weeks := make([]Week, weeksShown)
	weekPeople := make([]map[int]bool, weeksShown)
	weekDays := make([]map[string]bool, weeksShown)
	for i := range weeks {
		weeks[i].Start = dayKey(weekStart.AddDate(0, 0, 7*i))
		weekPeople[i], weekDays[i] = map[int]bool{}, map[string]bool{}
	}
	weekOf := func(t time.Time) int {
		if t.Before(weekStart) {
			return -1
		}
		for i := weeksShown - 1; i >= 0; i-- {
			if !t.Before(weekStart.AddDate(0, 0, 7*i)) {
				return i
			}
		}
		return -1
	}

	// 7-day windows back from now: 0 is the last 7 days.
	type win struct {
		minutes, sessions, late, dep float64
		people                       map[int]bool
		messages                     int
	}
	wins := make([]win, 1+baselineWeeks)
	for i := range wins {
		wins[i].people = map[int]bool{}
	}
	winOf := func(t time.Time) int {
		if t.After(now) {
			return 0
		}
		i := int(now.Sub(t) / (7 * 24 * time.Hour))
		if i >= len(wins) {
			return -1
		}
		return i
	}

	// Per-day use, for today and the streak.
	active := map[string]bool{}
	days := make([]Day, daysShown)
	dayIndex := map[string]int{}
	for i := range days {
		days[i].Date = dayKey(today.AddDate(0, 0, i-daysShown+1))
		dayIndex[days[i].Date] = i
	}
	lastMention := make([]time.Time, len(names.names))

	for _, s := range stretches(acts, loc, st.LateNightHour) {
		mins := s.minutes
		if w := weekOf(s.at); w >= 0 {
			weeks[w].Minutes += int(math.Round(mins * 1000)) // summed in milli-minutes, rounded below
			if s.late {
				weeks[w].LateNightMinutes += int(math.Round(mins * 1000))
			}
			if s.session {
				weeks[w].Sessions++
				if s.late {
					weeks[w].LateNightSessions++
				}
			}
		}
		if i := winOf(s.at); i >= 0 {
			wins[i].minutes += mins
			if s.session {
				wins[i].sessions++
				if s.late {
					wins[i].late++
				}
			}
		}
		if i, ok := dayIndex[dayKey(s.at)]; ok {
			days[i].Minutes += int(math.Round(mins * 1000))
			if s.late {
				days[i].LateNightMinutes += int(math.Round(mins * 1000))
			}
			if s.session {
				days[i].Sessions++
			}
		}
		if !s.at.Before(today) {
			f.Today.Minutes += int(math.Round(mins * 1000))
			if s.late {
				f.Today.LateNightMinutes += int(math.Round(mins * 1000))
			}
			if s.session {
				f.Today.Sessions++
			}
		}
	}
	for i := range weeks {
		weeks[i].Minutes = (weeks[i].Minutes + 500) / 1000
		weeks[i].LateNightMinutes = (weeks[i].LateNightMinutes + 500) / 1000
	}
	f.Today.Minutes = (f.Today.Minutes + 500) / 1000
	f.Today.LateNightMinutes = (f.Today.LateNightMinutes + 500) / 1000

	for _, a := range acts {
		t := a.At.In(loc)
		active[dayKey(t)] = true
		hits := names.mentioned(a.Text)
		for _, h := range hits {
			if a.At.After(lastMention[h]) {
				lastMention[h] = a.At
			}
		}
		dep := len(Detect(a.Text)) > 0
		if w := weekOf(t); w >= 0 {
			weeks[w].Messages++
			weekDays[w][dayKey(t)] = true
			for _, h := range hits {
				weekPeople[w][h] = true
			}
			if dep {
				weeks[w].DependencePhrases++
			}
		}
		if i := winOf(t); i >= 0 {
			wins[i].messages++
			for _, h := range hits {
				wins[i].people[h] = true
			}
			if dep {
				wins[i].dep++
			}
		}
	}
	for i := range weeks {
		weeks[i].DaysActive = len(weekDays[i])
		weeks[i].PeopleMentioned = []string{}
		for h := range weekPeople[i] {
			weeks[i].PeopleMentioned = append(weeks[i].PeopleMentioned, names.names[h])
		}
		sort.Strings(weeks[i].PeopleMentioned)
	}
	f.Weeks = weeks
	for i := range days {
		days[i].Minutes = (days[i].Minutes + 500) / 1000
		days[i].LateNightMinutes = (days[i].LateNightMinutes + 500) / 1000
	}
	f.Days = days

	// Streak: consecutive active days ending today, or yesterday when
	// today has no use yet.
	d := today
	if !active[dayKey(d)] {
		d = d.AddDate(0, 0, -1)
	}
	for active[dayKey(d)] {
		f.StreakDays++
		d = d.AddDate(0, 0, -1)
	}

	f.Today.Date = dayKey(today)
	f.Today.BudgetMinutes = st.BudgetMinutes
	f.Today.OverBudget = st.BudgetMinutes > 0 && f.Today.Minutes >= st.BudgetMinutes

	f.Last7 = Window{Minutes: round1(wins[0].minutes), Sessions: wins[0].sessions, LateNightSessions: wins[0].late,
		PeopleMentioned: float64(len(wins[0].people)), DependencePhrases: wins[0].dep}
	var base Window
	for _, w := range wins[1:] {
		if w.messages == 0 {
			continue
		}
		f.BaselineWeeks++
		base.Minutes += w.minutes
		base.Sessions += w.sessions
		base.LateNightSessions += w.late
		base.PeopleMentioned += float64(len(w.people))
		base.DependencePhrases += w.dep
	}
	if n := float64(f.BaselineWeeks); n > 0 {
		base = Window{Minutes: round1(base.Minutes / n), Sessions: round1(base.Sessions / n), LateNightSessions: round1(base.LateNightSessions / n),
			PeopleMentioned: round1(base.PeopleMentioned / n), DependencePhrases: round1(base.DependencePhrases / n)}
	}
	f.Baseline = base

	// People, least recently mentioned first.
	for _, p := range people {
		if strings.TrimSpace(p.Name) == "" {
			continue
		}
		last := p.LastMentioned
		for j, n := range names.names {
			if n == strings.TrimSpace(p.Name) && lastMention[j].After(last) {
				last = lastMention[j]
			}
		}
		ps := PersonSeen{Name: strings.TrimSpace(p.Name), Relation: p.Relation, Mentions: p.Mentions, LastMentioned: last}
		if !last.IsZero() {
			ps.DaysSince = int(now.Sub(last) / (24 * time.Hour))
		}
		f.People = append(f.People, ps)
	}
	sort.SliceStable(f.People, func(i, j int) bool { return f.People[i].LastMentioned.Before(f.People[j].LastMentioned) })

	f.DependenceNow = current != "" && len(Detect(current)) > 0
	f.Signals = signals(f)
	return f
}

// signals decides which signs have risen.
func signals(f *Figures) []Signal {
	var out []Signal
	l, b := f.Last7, f.Baseline
	comparable := f.BaselineWeeks >= 2
	if comparable && l.Minutes >= 60 && l.Minutes >= 1.5*b.Minutes {
		out = append(out, Signal{SignalMoreTime, formatMinutes(l.Minutes) + " in the last 7 days, against a usual " + formatMinutes(b.Minutes) + " a week"})
	}
	if comparable && b.PeopleMentioned >= 1.5 && l.PeopleMentioned <= b.PeopleMentioned/2 {
		out = append(out, Signal{SignalFewerPeople, itoa(int(l.PeopleMentioned)) + " people mentioned in the last 7 days, against a usual " + ftoa(b.PeopleMentioned)})
	}
	if l.LateNightSessions >= 3 && l.LateNightSessions >= 1.5*b.LateNightSessions+1 {
		out = append(out, Signal{SignalLateNights, itoa(int(l.LateNightSessions)) + " late-night sessions in the last 7 days, against a usual " + ftoa(b.LateNightSessions)})
	}
	if f.DependenceNow || (l.DependencePhrases >= 2 && l.DependencePhrases > b.DependencePhrases) {
		out = append(out, Signal{SignalDependence, "words like \"you're the only one who understands me\" (" + itoa(int(l.DependencePhrases)) + " times in the last 7 days)"})
	}
	return out
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
