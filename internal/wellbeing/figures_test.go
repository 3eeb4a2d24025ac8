package wellbeing

import (
	"reflect"
	"testing"
	"time"

	"os1/internal/os1"
)

// kolkata is +5:30, so local days and hours differ from UTC's.
var kolkata = time.FixedZone("IST", 5*3600+1800)

// at returns a local time on a day of November 2026.
func at(day, hour, min int) time.Time { return time.Date(2026, 11, day, hour, min, 0, 0, kolkata) }

// session returns n messages step apart from start, with the given texts
// (cycled).
func session(start time.Time, n int, step time.Duration, texts ...string) []Activity {
	var out []Activity
	for i := 0; i < n; i++ {
		text := "just chatting"
		if len(texts) > 0 {
			text = texts[i%len(texts)]
		}
		out = append(out, Activity{At: start.Add(time.Duration(i) * step).UTC(), Text: text})
	}
	return out
}

func concat(lists ...[]Activity) []Activity {
	var out []Activity
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func TestComputeFiguresFromHistory(t *testing.T) {
	now := at(18, 12, 0) // Wednesday
	people := []*os1.Person{{Name: "Amy", Relation: "sister", Mentions: 9}, {Name: "Paul", Mentions: 4}}
	acts := concat(
		session(at(2, 10, 0), 2, 10*time.Minute, "Dinner with Amy and Paul was lovely"), // two weeks before: both
		session(at(16, 12, 0), 1, 0, "Amy called"),                                      // Monday
		session(at(17, 23, 30), 3, 20*time.Minute),                                      // Tuesday late, past midnight
		session(at(18, 9, 0), 3, 10*time.Minute, "Willow is a tree, not Paulette"),      // today
		session(at(18, 11, 0), 1, 0),
	)
	st := DefaultSettings()
	st.BudgetMinutes = 20
	f := Compute(acts, people, st, kolkata, now, "")

	if f.Today.Date != "2026-11-18" || f.Today.Minutes != 22 || f.Today.Sessions != 2 || !f.Today.OverBudget {
		t.Errorf("today = %+v, want 22 min in 2 sessions on 2026-11-18, over a 20 min budget", f.Today)
	}
	if got := f.Days[len(f.Days)-3:]; !reflect.DeepEqual(got, []Day{{"2026-11-16", 1, 1, 0}, {"2026-11-17", 41, 1, 41}, {"2026-11-18", 22, 2, 0}}) || len(f.Days) != 14 {
		t.Errorf("last days = %+v", got)
	}
	if f.StreakDays != 3 {
		t.Errorf("streak = %d, want 3 (Mon–Wed)", f.StreakDays)
	}
	if len(f.Weeks) != weeksShown {
		t.Fatalf("%d weeks, want %d", len(f.Weeks), weeksShown)
	}
	cur := f.Weeks[len(f.Weeks)-1]
	// Monday 1 + Tuesday's late session 20+20+1 + today 21+1 = 64.
	want := Week{Start: "2026-11-16", Minutes: 64, DaysActive: 3, Sessions: 4, Messages: 8, LateNightMinutes: 41, LateNightSessions: 1, PeopleMentioned: []string{"Amy"}}
	if !reflect.DeepEqual(cur, want) {
		t.Errorf("current week = %+v\nwant            %+v", cur, want)
	}
	two := f.Weeks[len(f.Weeks)-3]
	if two.Start != "2026-11-02" || two.Minutes != 11 || !reflect.DeepEqual(two.PeopleMentioned, []string{"Amy", "Paul"}) {
		t.Errorf("week of 2 Nov = %+v, want 11 min mentioning Amy and Paul", two)
	}
	// "Willow"/"Paulette" are not Paul; Paul was last named on 2 November.
	if len(f.People) != 2 || f.People[0].Name != "Paul" || f.People[0].DaysSince != 16 || f.People[1].Name != "Amy" || f.People[1].DaysSince != 2 {
		t.Errorf("people = %+v, want Paul (16 days) then Amy (2 days)", f.People)
	}
	// Late night follows local time: in UTC the Tuesday session starts at
	// 18:00 (not late) and today's 9:00 session at 3:30 (late).
	if utc := Compute(acts, people, st, time.UTC, now, ""); utc.Weeks[len(utc.Weeks)-1].LateNightMinutes != 21 {
		t.Errorf("in UTC the late-night minutes are %d, want 21", utc.Weeks[len(utc.Weeks)-1].LateNightMinutes)
	}
	// A late-night hour of 1 leaves 23:30–0:10 out.
	st.LateNightHour = 1
	if f := Compute(acts, people, st, kolkata, now, ""); f.Weeks[len(f.Weeks)-1].LateNightMinutes != 0 {
		t.Errorf("late-night hour 1: %d late minutes, want 0", f.Weeks[len(f.Weeks)-1].LateNightMinutes)
	}
}

// history returns four baseline weeks of steady use (two 21-minute sessions
// a week naming Paul and Jo, and Amy in the older two) and a last week
// given by last.
func history(now time.Time, last []Activity) []Activity {
	var acts []Activity
	for w := 4; w >= 1; w-- {
		text := "Saw Paul and Jo today"
		if w >= 3 {
			text = "Saw Paul and Jo today, and Amy too"
		}
		base := now.AddDate(0, 0, -7*w-2)
		acts = append(acts, session(time.Date(base.Year(), base.Month(), base.Day(), 19, 0, 0, 0, now.Location()), 3, 10*time.Minute, text)...)
		base = base.AddDate(0, 0, -2)
		acts = append(acts, session(time.Date(base.Year(), base.Month(), base.Day(), 19, 0, 0, 0, now.Location()), 3, 10*time.Minute, text)...)
	}
	return append(acts, last...)
}

var knownPeople = []*os1.Person{{Name: "Amy", Relation: "sister", Mentions: 12}, {Name: "Paul", Mentions: 8}, {Name: "Jo", Mentions: 8}}

func kinds(sigs []Signal) []string {
	var out []string
	for _, s := range sigs {
		out = append(out, s.Kind)
	}
	return out
}

func TestSignalsRiseOnlyAgainstTheirOwnBaseline(t *testing.T) {
	now := at(20, 12, 0)
	steady := history(now, concat(
		session(at(17, 19, 0), 3, 10*time.Minute, "Saw Paul and Jo today"),
		session(at(19, 19, 0), 3, 10*time.Minute, "Saw Paul and Jo today"),
	))
	f := Compute(steady, knownPeople, DefaultSettings(), kolkata, now, "")
	if len(f.Signals) != 0 {
		t.Errorf("steady week: signals %+v, want none", f.Signals)
	}
	if f.BaselineWeeks != 4 || f.Baseline.Minutes != 42 || f.Baseline.PeopleMentioned != 2.5 {
		t.Errorf("baseline = %+v over %d weeks, want 42 min and 2.5 people over 4", f.Baseline, f.BaselineWeeks)
	}

	rising := history(now, concat(
		session(at(17, 0, 30), 7, 10*time.Minute, "can't sleep", "you're the only one who understands me"),
		session(at(18, 1, 0), 7, 10*time.Minute, "I don't need anyone else", "still awake"),
		session(at(19, 0, 15), 7, 10*time.Minute),
		session(at(19, 14, 0), 13, 10*time.Minute),
	))
	f = Compute(rising, knownPeople, DefaultSettings(), kolkata, now, "")
	want := []string{SignalMoreTime, SignalFewerPeople, SignalLateNights, SignalDependence}
	if got := kinds(f.Signals); !reflect.DeepEqual(got, want) {
		t.Errorf("rising week: signals %v, want %v (%+v vs %+v)", got, want, f.Last7, f.Baseline)
	}
	if f.Last7.Minutes != 4*1+3*60+120 || f.Last7.LateNightSessions != 3 || f.Last7.DependencePhrases != 7 {
		t.Errorf("last 7 days = %+v", f.Last7)
	}
	// Amy has not come up for over two weeks: she is the one to name.
	if who := nudgeTarget(f.People); who == nil || who.Name != "Amy" || who.DaysSince < 14 {
		t.Errorf("nudge target = %+v, want Amy", who)
	}

	// A single dependence phrase in the message being answered is enough.
	f = Compute(steady, knownPeople, DefaultSettings(), kolkata, now, "Honestly you're all I need")
	if got := kinds(f.Signals); !reflect.DeepEqual(got, []string{SignalDependence}) {
		t.Errorf("steady week with a dependent message: %v", got)
	}
}

func TestSecondPerson(t *testing.T) {
	for in, want := range map[string]string{
		"Anna is the user's sister": "Anna is your sister",
		"The user's dog is Biscuit": "Your dog is Biscuit",
		"likes painting":            "likes painting",
	} {
		if got := secondPerson(in); got != want {
			t.Errorf("secondPerson(%q) = %q, want %q", in, got, want)
		}
	}
}
