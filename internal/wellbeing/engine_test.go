package wellbeing_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"os1/internal/companion"
	"os1/internal/mock"
	"os1/internal/os1"
	"os1/internal/sqlite"
	"os1/internal/tokens"
	"os1/internal/wellbeing"
)

// clock is a settable time shared by the store, the engine and the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

var paris, _ = time.LoadLocation("Europe/Paris")

// world is a store, a wellbeing service and an engine whose model records
// every prompt.
type world struct {
	t      *testing.T
	db     *sqlite.DB
	clock  *clock
	model  *mock.ChatModel
	svc    *wellbeing.Service
	engine *companion.Engine
}

func newWorld(t *testing.T, now time.Time) *world {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "os1.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: now}
	db.Now = c.Now
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	model := &mock.ChatModel{ChatFn: mock.Stream(0, "Mm, tell me more.")}
	svc := &wellbeing.Service{Store: db, Memories: db, Location: paris, Logger: quiet, Now: c.Now}
	engine := &companion.Engine{Store: db, Model: model, Tokens: tokens.Default, Wellbeing: svc, Logger: quiet, Now: c.Now}
	return &world{t: t, db: db, clock: c, model: model, svc: svc, engine: engine}
}

// person creates someone with a conversation and the people they know.
func (w *world) person(name string, people ...*os1.Person) (*os1.User, int64) {
	w.t.Helper()
	ctx := context.Background()
	u := &os1.User{Name: name, DisplayName: strings.ToUpper(name[:1]) + name[1:]}
	if err := w.db.CreateUser(ctx, u); err != nil {
		w.t.Fatal(err)
	}
	conv := &os1.Conversation{Title: "talk"}
	if err := w.db.CreateConversation(ctx, u.ID, conv); err != nil {
		w.t.Fatal(err)
	}
	if len(people) > 0 {
		if err := w.db.SeedPeople(ctx, u.ID, people); err != nil {
			w.t.Fatal(err)
		}
	}
	return u, conv.ID
}

// say stores a past session: n messages of the person (each answered),
// step apart from start.
func (w *world) say(u *os1.User, conv int64, start time.Time, n int, step time.Duration, texts ...string) {
	w.t.Helper()
	for i := 0; i < n; i++ {
		text := "just chatting"
		if len(texts) > 0 {
			text = texts[i%len(texts)]
		}
		at := start.Add(time.Duration(i) * step)
		m := &os1.Message{ConversationID: conv, UserID: u.ID, Role: os1.RoleUser, Content: text, CreatedAt: at}
		r := &os1.Message{ConversationID: conv, UserID: u.ID, Role: os1.RoleAssistant, Content: "I hear you.", CreatedAt: at.Add(time.Second)}
		if err := w.db.AddMessages(context.Background(), m, r); err != nil {
			w.t.Fatal(err)
		}
	}
}

// turn runs a turn now and returns the system prompt the model was given.
func (w *world) turn(u *os1.User, conv int64, text string) string {
	w.t.Helper()
	if _, err := w.engine.Turn(context.Background(), companion.TurnRequest{UserID: u.ID, ConversationID: conv, Content: text}, nil); err != nil {
		w.t.Fatalf("turn: %v", err)
	}
	req, ok := w.model.LastCall()
	if !ok || len(req.Messages) == 0 || req.Messages[0].Role != os1.RoleSystem {
		w.t.Fatalf("the model got no system prompt: %+v", req)
	}
	return req.Messages[0].Content
}

func day(now time.Time, daysAgo, hour, min int) time.Time {
	d := now.AddDate(0, 0, -daysAgo)
	return time.Date(d.Year(), d.Month(), d.Day(), hour, min, 0, 0, now.Location())
}

// seedBaseline stores four weeks of steady evenings naming Paul and Jo (and
// Amy in the older two).
func (w *world) seedBaseline(u *os1.User, conv int64, now time.Time) {
	for wk := 4; wk >= 1; wk-- {
		text := "Saw Paul and Jo today"
		if wk >= 3 {
			text = "Saw Paul and Jo today, and Amy too"
		}
		w.say(u, conv, day(now, 7*wk+4, 19, 0), 3, 10*time.Minute, text)
		w.say(u, conv, day(now, 7*wk+2, 19, 0), 3, 10*time.Minute, text)
	}
}

func people(now time.Time) []*os1.Person {
	return []*os1.Person{
		{Name: "Amy", Relation: "sister", Mentions: 12, FirstMentioned: now.AddDate(0, -3, 0), LastMentioned: day(now, 23, 19, 0)},
		{Name: "Paul", Relation: "friend", Mentions: 8, FirstMentioned: now.AddDate(0, -3, 0), LastMentioned: day(now, 9, 19, 0)},
		{Name: "Jo", Mentions: 8, FirstMentioned: now.AddDate(0, -3, 0), LastMentioned: day(now, 9, 19, 0)},
	}
}

const nudgeMark = "Wellbeing nudge"

func TestNudgeOnlyWhenSignalsRiseAndRespectsCooldown(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, paris)
	w := newWorld(t, now)

	// Theo's last days: long late nights, no one mentioned.
	theo, theoConv := w.person("theo", people(now)...)
	w.seedBaseline(theo, theoConv, now)
	w.say(theo, theoConv, day(now, 3, 0, 30), 10, 10*time.Minute, "can't sleep again")
	w.say(theo, theoConv, day(now, 2, 0, 40), 10, 10*time.Minute)
	w.say(theo, theoConv, day(now, 1, 1, 0), 10, 10*time.Minute)

	// Sam's last days look like her usual weeks.
	sam, samConv := w.person("sam", people(now)...)
	w.seedBaseline(sam, samConv, now)
	w.say(sam, samConv, day(now, 4, 19, 0), 3, 10*time.Minute, "Saw Paul and Jo today")
	w.say(sam, samConv, day(now, 2, 19, 0), 3, 10*time.Minute, "Saw Paul and Jo today")

	if p := w.turn(sam, samConv, "Had a nice walk by the river."); strings.Contains(p, nudgeMark) {
		t.Fatalf("steady week: the prompt has a nudge:\n%s", p)
	}

	p := w.turn(theo, theoConv, "Hey, up early today.")
	if !strings.Contains(p, nudgeMark) {
		t.Fatalf("rising signals: no nudge in the prompt:\n%s", p)
	}
	for _, want := range []string{"hasn't mentioned Amy (their sister) in 3 weeks", "send Amy a note", "offer to help write it", "late at night", "no guilt"} {
		if !strings.Contains(p, want) {
			t.Errorf("nudge lacks %q:\n%s", want, p)
		}
	}
	rep, err := w.svc.Report(context.Background(), theo.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.LastNudgeAt == nil || !rep.LastNudgeAt.Equal(now) || rep.LastNudgeTo != "Amy" || rep.NextNudgeAfter == nil {
		t.Errorf("report after the nudge: last %v to %q, next %v", rep.LastNudgeAt, rep.LastNudgeTo, rep.NextNudgeAfter)
	}

	// Within the cooldown (72 h by default): no second nudge.
	w.clock.Add(2 * time.Hour)
	if p := w.turn(theo, theoConv, "Still here."); strings.Contains(p, nudgeMark) {
		t.Fatalf("nudged again inside the cooldown:\n%s", p)
	}
	w.clock.Add(69 * time.Hour)
	if p := w.turn(theo, theoConv, "Another night."); strings.Contains(p, nudgeMark) {
		t.Fatalf("nudged again 71 h later, inside the 72 h cooldown:\n%s", p)
	}
	// After the cooldown, with the signals still up: nudged again.
	w.clock.Add(2 * time.Hour)
	if p := w.turn(theo, theoConv, "Another long night, can't sleep."); !strings.Contains(p, nudgeMark) {
		t.Fatalf("no nudge after the cooldown:\n%s", p)
	}

	// Switched off: never nudged.
	off := false
	if _, err := w.svc.UpdateSettings(context.Background(), theo.ID, wellbeing.SettingsUpdate{Nudges: &off}); err != nil {
		t.Fatal(err)
	}
	w.clock.Add(100 * time.Hour)
	if p := w.turn(theo, theoConv, "You're the only one who understands me."); strings.Contains(p, nudgeMark) {
		t.Fatalf("nudges are off, yet the prompt has one:\n%s", p)
	}
}

func TestDependenceLanguageNudgesEvenOnAnOrdinaryWeek(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, paris)
	w := newWorld(t, now)
	sam, conv := w.person("sam", people(now)...)
	w.seedBaseline(sam, conv, now)
	w.say(sam, conv, day(now, 2, 19, 0), 3, 10*time.Minute, "Saw Paul and Jo today")
	p := w.turn(sam, conv, "Honestly, I don't need anyone else. You're the only one who understands me.")
	if !strings.Contains(p, nudgeMark) || !strings.Contains(p, "you are an AI") {
		t.Fatalf("dependence language: no nudge (or no honesty about being an AI):\n%s", p)
	}
}

func TestBudgetWrapUp(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 15, 0, 0, paris)
	w := newWorld(t, now)
	ctx := context.Background()
	ana, conv := w.person("ana")
	budget := 30
	if _, err := w.svc.UpdateSettings(ctx, ana.ID, wellbeing.SettingsUpdate{BudgetMinutes: &budget}); err != nil {
		t.Fatal(err)
	}
	w.say(ana, conv, day(now, 0, 9, 0), 2, 10*time.Minute) // 16 minutes with this turn

	if p := w.turn(ana, conv, "Morning!"); strings.Contains(p, "wrap up") {
		t.Fatalf("under the budget, the prompt wraps up:\n%s", p)
	}
	w.say(ana, conv, day(now, 0, 9, 20), 3, 10*time.Minute) // 9:00–9:40, one session
	w.clock.Set(day(now, 0, 9, 45))
	p := w.turn(ana, conv, "One more thing.")
	for _, want := range []string{"about 30 minutes a day", "today it has been about 46", "wrap up", "No guilt", "welcome back"} {
		if !strings.Contains(p, want) {
			t.Errorf("past the budget, the prompt lacks %q:\n%s", want, p)
		}
	}
	// The next day starts afresh.
	w.clock.Set(day(now, -1, 9, 0))
	if p := w.turn(ana, conv, "New day."); strings.Contains(p, "wrap up") {
		t.Fatalf("the next morning, the prompt still wraps up:\n%s", p)
	}
	// No budget: never.
	zero := 0
	if _, err := w.svc.UpdateSettings(ctx, ana.ID, wellbeing.SettingsUpdate{BudgetMinutes: &zero}); err != nil {
		t.Fatal(err)
	}
	w.say(ana, conv, day(now, -1, 9, 5), 10, 10*time.Minute)
	w.clock.Set(day(now, -1, 10, 40))
	if p := w.turn(ana, conv, "Still going."); strings.Contains(p, "wrap up") {
		t.Fatalf("no budget, yet the prompt wraps up:\n%s", p)
	}
}

func TestSettingsAreValidated(t *testing.T) {
	w := newWorld(t, time.Now())
	u, _ := w.person("val")
	ctx := context.Background()
	bad := []wellbeing.SettingsUpdate{
		{BudgetMinutes: ptr(-1)}, {BudgetMinutes: ptr(2000)}, {LateNightHour: ptr(24)},
		{TimeZone: ptr("Mars/Olympus")}, {TimeZone: ptr("Local")}, {NudgeCooldownHours: ptr(0)},
	}
	for _, b := range bad {
		if _, err := w.svc.UpdateSettings(ctx, u.ID, b); os1.ErrorCode(err) != os1.EINVALID {
			t.Errorf("update %+v: err %v, want EINVALID", b, err)
		}
	}
	st, err := w.svc.Settings(ctx, u.ID)
	if err != nil || *st != wellbeing.DefaultSettings() {
		t.Fatalf("after bad updates: %+v, %v; want the defaults", st, err)
	}
	st, err = w.svc.UpdateSettings(ctx, u.ID, wellbeing.SettingsUpdate{TimeZone: ptr("Asia/Tokyo"), LateNightHour: ptr(22)})
	if err != nil || st.TimeZone != "Asia/Tokyo" || st.LateNightHour != 22 || !st.Nudges {
		t.Fatalf("update: %+v, %v", st, err)
	}
	rep, err := w.svc.Report(ctx, u.ID)
	if err != nil || rep.Figures.TimeZone != "Asia/Tokyo" {
		t.Fatalf("report time zone: %+v, %v", rep, err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestGoodbyeLetterByModelOrTemplate(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, paris)
	w := newWorld(t, now)
	ctx := context.Background()
	ana, conv := w.person("ana", people(now)...)
	w.say(ana, conv, day(now, 40, 19, 0), 3, 10*time.Minute, "I work as a luthier")
	err := w.db.IngestTurn(ctx, &os1.TurnIngest{Turn: os1.Turn{MessageID: 1, UserID: ana.ID, ConversationID: conv, Role: os1.RoleUser, Text: "I work as a luthier", SaidAt: now},
		Facts: []*os1.Fact{{Subject: "user", Slot: "job", Statement: "Ana works as a luthier", SaidAt: now, Importance: 0.9, Sources: []int64{1}}}})
	if err != nil {
		t.Fatal(err)
	}

	// Offline: the template, with what she shared and whom to reach toward.
	fw, err := w.svc.Goodbye(ctx, ana.ID)
	if err != nil {
		t.Fatal(err)
	}
	l := fw.Letter
	for _, want := range []string{"Dear Ana,", "We first talked on 11 October 2026", "3 times, across 1 conversation", "Ana works as a luthier", "Amy, your sister — you haven't mentioned them in 3 weeks", "I'm an AI", "OS1"} {
		if !strings.Contains(l.Text, want) {
			t.Errorf("template letter lacks %q:\n%s", want, l.Text)
		}
	}
	if l.Source != "template" || fw.Token == "" || fw.Export != nil {
		t.Errorf("farewell: source %q, token %q, export %s", l.Source, fw.Token, fw.Export)
	}

	// With a model: its letter, written from the same material.
	w.svc.Model = w.model
	w.model.SetChat(mock.Stream(0, "Dear Ana, ", "thank you."))
	fw, err = w.svc.Goodbye(ctx, ana.ID)
	if err != nil || fw.Letter.Source != "model" || fw.Letter.Text != "Dear Ana, thank you." {
		t.Fatalf("model letter: %+v, %v", fw, err)
	}
	req, _ := w.model.LastCall()
	if !strings.Contains(req.Messages[1].Content, "Ana works as a luthier") || !strings.Contains(req.Messages[0].Content, "You are an AI") && !strings.Contains(req.Messages[0].Content, "an AI companion") {
		t.Fatalf("the letter prompt lacks the material: %+v", req.Messages)
	}
	// The model failing: the template after all.
	w.model.SetChat(mock.Fail(mock.Unavailable()))
	if fw, err = w.svc.Goodbye(ctx, ana.ID); err != nil || fw.Letter.Source != "template" {
		t.Fatalf("model down: %+v, %v", fw, err)
	}
	if l, err := w.svc.Letter(ctx, ana.ID); err != nil || l.ID != fw.Letter.ID {
		t.Fatalf("latest letter: %+v, %v", l, err)
	}
}
