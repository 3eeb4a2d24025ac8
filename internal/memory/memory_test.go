package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"os1/internal/mock"
	"os1/internal/os1"
	"os1/internal/sqlite"
)

// fixture is a memory over a real SQLite store with one person and one
// conversation.
type fixture struct {
	t    *testing.T
	path string
	db   *sqlite.DB
	mem  *Service
	user int64
	conv int64
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := &fixture{t: t, path: filepath.Join(t.TempDir(), "os1.db")}
	f.open(opts)
	ctx := context.Background()
	u := &os1.User{Name: "theo"}
	if err := f.db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	c := &os1.Conversation{}
	if err := f.db.CreateConversation(ctx, u.ID, c); err != nil {
		t.Fatal(err)
	}
	f.user, f.conv = u.ID, c.ID
	return f
}

// open (re)opens the store and a fresh service over it.
func (f *fixture) open(opts Options) {
	f.t.Helper()
	db, err := sqlite.Open(context.Background(), f.path, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	f.db, f.mem = db, New(db, opts)
}

// say stores a message of the person's at a time and ingests it.
func (f *fixture) say(role, text string, at time.Time) *os1.Message {
	f.t.Helper()
	return f.sayIn(f.conv, role, text, at)
}

func (f *fixture) sayIn(conv int64, role, text string, at time.Time) *os1.Message {
	f.t.Helper()
	m := &os1.Message{UserID: f.user, ConversationID: conv, Role: role, Content: text, CreatedAt: at}
	if err := f.db.AddMessage(context.Background(), m); err != nil {
		f.t.Fatal(err)
	}
	if err := f.mem.Ingest(context.Background(), m); err != nil {
		f.t.Fatalf("ingest %q: %v", text, err)
	}
	return m
}

func (f *fixture) recall(text string, now time.Time) []os1.Recalled {
	f.t.Helper()
	res, err := f.mem.Recall(context.Background(), os1.RecallQuery{UserID: f.user, Text: text, Now: now, Limit: 5})
	if err != nil {
		f.t.Fatal(err)
	}
	return res.Items
}

func (f *fixture) facts(history bool) []*os1.Fact {
	f.t.Helper()
	list, err := f.mem.Facts(context.Background(), f.user, history)
	if err != nil {
		f.t.Fatal(err)
	}
	return list
}

func statements(list []*os1.Fact) string {
	var s []string
	for _, f := range list {
		s = append(s, f.Subject+"|"+f.Slot+"|"+f.Statement)
	}
	return strings.Join(s, "\n")
}

var day0 = time.Date(2024, 5, 20, 18, 0, 0, 0, time.UTC) // a Monday

func TestRulesExtractFactsOffline(t *testing.T) {
	cases := []struct {
		text      string
		slot      string
		statement string
	}{
		{"I had lunch with my sister Anna today.", "relation:anna", "Anna is the user's sister"},
		{"Honestly I really love hiking in the mountains.", "opinion:hiking in the mountains", "likes hiking in the mountains"},
		{"I can't stand mushrooms", "opinion:mushrooms", "dislikes mushrooms"},
		{"These days I work as a nurse at the city hospital.", "job", "works as a nurse at the city hospital"},
		{"I live in Lisbon now.", "lives_in", "lives in Lisbon now"},
		{"We broke up last night.", "relationship", "we broke up"},
		{"I love painting and I work as a nurse.", "opinion:painting", "likes painting"},
		{"I love painting and I work as a nurse.", "job", "works as a nurse"},
	}
	for _, c := range cases {
		ex := extract("user", c.text, day0, findTimeRef(strings.ToLower(c.text), day0))
		found := false
		for _, f := range ex.facts {
			if f.Slot == c.slot && f.Statement == c.statement && f.Origin == "rule" {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: facts %s, want %s|%s", c.text, statements(ex.facts), c.slot, c.statement)
		}
	}
	// A place after "moved to" is not one of the people.
	for _, p := range extract("user", "My sister Anna moved to Lisbon last May.", day0, nil).people {
		if p.Name == "Lisbon" {
			t.Errorf("Lisbon taken for a person")
		}
	}
	// "my sister Anna" also makes Anna one of the people.
	ex := extract("user", "I had lunch with my sister Anna today.", day0, nil)
	if len(ex.people) != 1 || ex.people[0].Name != "Anna" || ex.people[0].Relation != "sister" {
		t.Errorf("people = %+v, want Anna the sister", ex.people)
	}
	// A plan with a date holds from that date.
	text := "I'm going to fly to Rome next friday."
	ex = extract("user", text, day0, findTimeRef(strings.ToLower(text), day0))
	var plan *os1.Fact
	for _, f := range ex.facts {
		if strings.HasPrefix(f.Statement, "plans to fly to Rome") {
			plan = f
		}
	}
	if plan == nil {
		t.Fatalf("no plan in %s", statements(ex.facts))
	}
	if want := time.Date(2024, 5, 24, 0, 0, 0, 0, time.UTC); !plan.HoldsFrom.Equal(want) {
		t.Errorf("plan holds from %v, want %v", plan.HoldsFrom, want)
	}
	// Small talk yields nothing.
	if ex := extract("user", "ok, sounds good!", day0, nil); len(ex.facts)+len(ex.people) != 0 {
		t.Errorf("small talk gave %s %+v", statements(ex.facts), ex.people)
	}
}

func TestContradictionRetiresOlderFactAndKeepsHistory(t *testing.T) {
	f := newFixture(t, Options{ReflectAt: -1})
	f.say(os1.RoleUser, "I work at Acme as an engineer.", day0)
	f.say(os1.RoleUser, "Big news: I work at Globex now.", day0.AddDate(0, 1, 0))
	current := f.facts(false)
	var jobs []*os1.Fact
	for _, fc := range current {
		if fc.Slot == "job" {
			jobs = append(jobs, fc)
		}
	}
	if len(jobs) != 1 || !strings.Contains(jobs[0].Statement, "Globex") {
		t.Fatalf("current job facts: %s", statements(jobs))
	}
	var old *os1.Fact
	for _, fc := range f.facts(true) {
		if fc.Slot == "job" && strings.Contains(fc.Statement, "Acme") {
			old = fc
		}
	}
	if old == nil {
		t.Fatal("the older job fact is gone from history")
	}
	if old.Current() || old.ReplacedBy != jobs[0].ID || !old.HoldsUntil.Equal(day0.AddDate(0, 1, 0)) {
		t.Fatalf("old fact %+v: want retired on the day of the new one and replaced by %d", old, jobs[0].ID)
	}
	// Retired facts are not recalled; the current one is.
	for _, it := range f.recall("where does theo work", day0.AddDate(0, 2, 0)) {
		if it.Kind == os1.KindFact && strings.Contains(it.Text, "Acme") && !strings.Contains(it.Text, "until") {
			t.Errorf("retired fact recalled as current: %s", it.Text)
		}
	}
}

func TestDuplicateFactsMerge(t *testing.T) {
	f := newFixture(t, Options{ReflectAt: -1})
	a := f.say(os1.RoleUser, "I love hiking.", day0)
	b := f.say(os1.RoleUser, "Did I tell you? I love hiking!", day0.AddDate(0, 0, 3))
	var likes []*os1.Fact
	for _, fc := range f.facts(true) {
		if fc.Statement == "likes hiking" {
			likes = append(likes, fc)
		}
	}
	if len(likes) != 1 {
		t.Fatalf("got %d 'likes hiking' facts, want one merged", len(likes))
	}
	if fmt.Sprint(likes[0].Sources) != fmt.Sprint([]int64{a.ID, b.ID}) || likes[0].Confidence <= 0.6 {
		t.Fatalf("merged fact %+v: want sources of both messages and a higher confidence", likes[0])
	}
}

func TestPeopleList(t *testing.T) {
	f := newFixture(t, Options{ReflectAt: -1})
	first := day0
	f.say(os1.RoleUser, "My sister Anna called me.", first)
	f.say(os1.RoleUser, "I went hiking with Tom.", first.AddDate(0, 0, 1))
	last := first.AddDate(0, 0, 5)
	f.say(os1.RoleUser, "Dinner with Anna was lovely.", last)
	people, err := f.mem.People(context.Background(), f.user)
	if err != nil {
		t.Fatal(err)
	}
	if len(people) != 2 {
		t.Fatalf("people = %+v, want Anna and Tom", people)
	}
	anna := people[0]
	if anna.Name != "Anna" || anna.Relation != "sister" || anna.Mentions != 2 || !anna.FirstMentioned.Equal(first) || !anna.LastMentioned.Equal(last) {
		t.Fatalf("Anna = %+v: want the sister, 2 mentions, first %v, last %v", anna, first, last)
	}
	if people[1].Name != "Tom" || people[1].Mentions != 1 {
		t.Fatalf("Tom = %+v", people[1])
	}
}

// blockingModel never answers until released; it counts its calls.
func blockingModel(release <-chan struct{}, calls *atomic.Int32, reply string) *mock.ChatModel {
	return &mock.ChatModel{ChatFn: func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
		calls.Add(1)
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return &os1.ChatResponse{Content: reply}, nil
	}}
}

func TestReflectionsRunInBackgroundOnceAndSurviveRestart(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	model := blockingModel(release, &calls, `{"summaries":[],"reflections":[{"text":"Theo has been lonelier since the divorce.","sources":[SRC],"importance":0.9}]}`)
	f := newFixture(t, Options{ReflectAt: 1, Model: model})
	// Enough importance for a reflection: ingest must not wait for the
	// (blocked) model.
	start := time.Now()
	var last *os1.Message
	for i, text := range []string{"I feel so lonely since the divorce.", "My sister Anna says I should go out more.", "I cried a lot this week, I miss my wife."} {
		last = f.say(os1.RoleUser, text, day0.Add(time.Duration(i)*time.Minute))
	}
	if d := time.Since(start); d > 2*time.Second || calls.Load() != 0 {
		t.Fatalf("ingest took %v and called the model %d times; it must not wait for background work", d, calls.Load())
	}
	pending, err := f.db.PendingJobs(context.Background())
	if err != nil || pending == 0 {
		t.Fatalf("pending jobs = %d, %v; want a queued reflection", pending, err)
	}
	// Restart before any background work ran: the queue is persisted.
	f.db.Close()
	close(release)
	src := fmt.Sprint(last.ID)
	f.open(Options{ReflectAt: 1, Model: &mock.ChatModel{ChatFn: func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
		calls.Add(1)
		if strings.Contains(req.Messages[0].Content, "Reply with one JSON object:\n{\"summaries\"") {
			return &os1.ChatResponse{Content: strings.ReplaceAll(`{"summaries":[{"text":"Theo talked about his divorce and loneliness.","sources":[SRC]}],"reflections":[{"text":"Theo has been lonelier since the divorce.","sources":[SRC],"importance":0.9}]}`, "SRC", src)}, nil
		}
		return &os1.ChatResponse{Content: `{"facts":[],"people":[]}`}, nil
	}}})
	ctx := context.Background()
	n, err := f.mem.RunPending(ctx)
	if err != nil || n == 0 {
		t.Fatalf("RunPending after restart = %d, %v", n, err)
	}
	refl, err := f.mem.Summaries(ctx, f.user, os1.KindReflection)
	if err != nil {
		t.Fatal(err)
	}
	if len(refl) != 1 || refl[0].Text != "Theo has been lonelier since the divorce." || fmt.Sprint(refl[0].Sources) != "["+src+"]" {
		t.Fatalf("reflections = %+v", refl)
	}
	// Once: nothing more to run, now or after another restart.
	if n, _ := f.mem.RunPending(ctx); n != 0 {
		t.Fatalf("a second run did %d more jobs", n)
	}
	f.db.Close()
	f.open(Options{ReflectAt: 1})
	if n, _ := f.mem.RunPending(ctx); n != 0 {
		t.Fatalf("after a restart %d jobs ran again", n)
	}
	if refl, _ := f.mem.Summaries(ctx, f.user, os1.KindReflection); len(refl) != 1 {
		t.Fatalf("%d reflections after restart, want 1", len(refl))
	}
	// Reflections are recalled with their sources.
	found := false
	for _, it := range f.recall("is theo lonely after the divorce", day0.AddDate(0, 0, 1)) {
		found = found || it.Kind == os1.KindReflection
	}
	if !found {
		t.Error("the reflection is not recalled")
	}
}

func TestExtractiveReflectionOffline(t *testing.T) {
	f := newFixture(t, Options{ReflectAt: 1})
	for i, text := range []string{"I got divorced last year and I feel lonely.", "My sister Anna moved to Berlin.", "I miss Anna so much."} {
		f.say(os1.RoleUser, text, day0.Add(time.Duration(i)*time.Minute))
	}
	if _, err := f.mem.RunPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	sums, err := f.mem.Summaries(context.Background(), f.user, "")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, s := range sums {
		kinds = append(kinds, s.Kind+":"+s.Origin)
		if len(s.Sources) == 0 {
			t.Errorf("%s without sources", s.Kind)
		}
	}
	if !strings.Contains(strings.Join(kinds, " "), "summary:extractive") || !strings.Contains(strings.Join(kinds, " "), "reflection:extractive") {
		t.Fatalf("summaries = %v, want an extractive summary and reflection", kinds)
	}
}

func TestRecallUnderstandsTime(t *testing.T) {
	f := newFixture(t, Options{ReflectAt: -1})
	now := time.Date(2024, 6, 12, 12, 0, 0, 0, time.UTC) // a Wednesday
	may := f.say(os1.RoleUser, "I went to a pottery class and made a bowl.", time.Date(2024, 5, 8, 10, 0, 0, 0, time.UTC))
	f.say(os1.RoleUser, "Another pottery class today, I made a vase.", time.Date(2024, 3, 2, 10, 0, 0, 0, time.UTC))
	lastWeek := f.say(os1.RoleUser, "I had a pottery class, we glazed plates.", time.Date(2024, 6, 5, 10, 0, 0, 0, time.UTC))
	f.say(os1.RoleUser, "Pottery was fun again, I threw cups.", time.Date(2024, 6, 11, 10, 0, 0, 0, time.UTC))
	adopt := f.say(os1.RoleUser, "We adopted a dog from the shelter, his name is Rex.", time.Date(2024, 4, 14, 9, 0, 0, 0, time.UTC))

	top := func(q string) os1.Recalled {
		items := f.recall(q, now)
		if len(items) == 0 {
			t.Fatalf("%q: nothing recalled", q)
		}
		return items[0]
	}
	if it := top("what did I do at pottery last week?"); !has(it, lastWeek.ID) {
		t.Errorf("last week: top is %s", describe(it))
	}
	if it := top("what did I make at pottery in May?"); !has(it, may.ID) {
		t.Errorf("in May: top is %s", describe(it))
	}
	if it := top("When did we adopt the dog?"); !has(it, adopt.ID) || !it.When.Equal(adopt.CreatedAt) {
		t.Errorf("when did: top is %s at %v", describe(it), it.When)
	}
	res, err := f.mem.Recall(context.Background(), os1.RecallQuery{UserID: f.user, Text: "pottery last week", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 6, 3, 0, 0, 0, 0, time.UTC); !res.From.Equal(want) || !res.To.Equal(want.AddDate(0, 0, 7)) {
		t.Errorf("window = %v..%v, want the week from %v", res.From, res.To, want)
	}
}

func TestForgetRemovesFromRecallAndIndex(t *testing.T) {
	f := newFixture(t, Options{ReflectAt: -1})
	ctx := context.Background()
	secret := f.say(os1.RoleUser, "My therapist Helga says I should journal about my flamingo dreams.", day0)
	f.say(os1.RoleUser, "I had pasta for dinner.", day0.Add(time.Hour))
	if items := f.recall("flamingo dreams", day0); len(items) == 0 {
		t.Fatal("not recalled before forgetting")
	}
	if ids, _, _ := f.db.SearchTurns(ctx, f.user, "flamingo", 10); len(ids) != 1 {
		t.Fatalf("full-text index has %v before forgetting", ids)
	}
	if err := f.mem.Forget(ctx, f.user, os1.KindTurn, secret.ID); err != nil {
		t.Fatal(err)
	}
	for _, it := range f.recall("flamingo dreams therapist Helga journal", day0) {
		if strings.Contains(strings.ToLower(it.Text), "flamingo") || strings.Contains(it.Text, "Helga is") {
			t.Errorf("forgotten turn or its fact still recalled: %s", describe(it))
		}
	}
	if ids, _, _ := f.db.SearchTurns(ctx, f.user, "flamingo", 10); len(ids) != 0 {
		t.Errorf("full-text index still has %v", ids)
	}
	for _, fc := range f.facts(true) {
		if strings.Contains(fc.Statement, "Helga") {
			t.Errorf("fact derived from the forgotten turn survives: %s", fc.Statement)
		}
	}
	// It stays forgotten across a restart.
	f.db.Close()
	f.open(Options{ReflectAt: -1})
	for _, it := range f.recall("flamingo dreams", day0) {
		if strings.Contains(it.Text, "flamingo") {
			t.Errorf("forgotten turn is back after a restart: %s", describe(it))
		}
	}
	// Forgetting a fact by id.
	f.say(os1.RoleUser, "I love tango dancing.", day0.Add(2*time.Hour))
	var tango *os1.Fact
	for _, fc := range f.facts(false) {
		if strings.Contains(fc.Statement, "tango") {
			tango = fc
		}
	}
	if tango == nil {
		t.Fatal("no tango fact")
	}
	if err := f.mem.Forget(ctx, f.user, os1.KindFact, tango.ID); err != nil {
		t.Fatal(err)
	}
	for _, it := range f.recall("tango", day0) {
		if it.Kind == os1.KindFact {
			t.Errorf("forgotten fact recalled: %s", describe(it))
		}
	}
	if err := f.mem.Forget(ctx, f.user, os1.KindFact, tango.ID); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Errorf("forgetting twice: %v, want ENOTFOUND", err)
	}
}

func TestForgetConversationForgetsWhatWasDerived(t *testing.T) {
	f := newFixture(t, Options{ReflectAt: 1})
	ctx := context.Background()
	other := &os1.Conversation{Title: "other"}
	if err := f.db.CreateConversation(ctx, f.user, other); err != nil {
		t.Fatal(err)
	}
	f.say(os1.RoleUser, "I work as a zookeeper and I feel so proud.", day0)
	f.say(os1.RoleUser, "My brother Karl hates the zoo, I miss him.", day0.Add(time.Minute))
	keep := f.sayIn(other.ID, os1.RoleUser, "I love the zoo penguins.", day0.Add(3*time.Hour))
	if _, err := f.mem.RunPending(ctx); err != nil {
		t.Fatal(err)
	}
	if sums, _ := f.mem.Summaries(ctx, f.user, ""); len(sums) == 0 {
		t.Fatal("no summaries to forget")
	}
	n, err := f.mem.ForgetConversation(ctx, f.user, f.conv)
	if err != nil || n != 2 {
		t.Fatalf("ForgetConversation = %d, %v; want 2 turns", n, err)
	}
	for _, fc := range f.facts(true) {
		if strings.Contains(fc.Statement, "zookeeper") || strings.Contains(fc.Statement, "Karl") {
			t.Errorf("fact of the forgotten conversation survives: %s", fc.Statement)
		}
	}
	sums, _ := f.mem.Summaries(ctx, f.user, "")
	for _, s := range sums {
		for _, id := range s.Sources {
			if id != keep.ID {
				t.Errorf("summary from the forgotten conversation survives: %s", s.Text)
			}
		}
	}
	items := f.recall("zoo", day0)
	if len(items) == 0 {
		t.Fatal("the other conversation is forgotten too")
	}
	for _, it := range items {
		if strings.Contains(it.Text, "zookeeper") || strings.Contains(it.Text, "Karl") {
			t.Errorf("forgotten conversation recalled: %s", describe(it))
		}
	}
}

func TestControlListShowEdit(t *testing.T) {
	f := newFixture(t, Options{ReflectAt: -1})
	ctx := context.Background()
	m := f.say(os1.RoleUser, "I live in Porto.", day0)
	items, err := f.mem.List(ctx, f.user, os1.KindFact)
	if err != nil || len(items) != 1 {
		t.Fatalf("List = %+v, %v", items, err)
	}
	item, msgs, err := f.mem.Show(ctx, f.user, os1.KindFact, items[0].ID)
	if err != nil || len(msgs) != 1 || msgs[0].ID != m.ID || item.Text != "The person lives in Porto" {
		t.Fatalf("Show = %+v %v %v", item, msgs, err)
	}
	nf, err := f.mem.EditFact(ctx, f.user, items[0].ID, "lives in Braga")
	if err != nil || nf.Origin != "edit" {
		t.Fatalf("EditFact = %+v, %v", nf, err)
	}
	hist := f.facts(true)
	if len(hist) != 2 || hist[0].Current() || !hist[1].Current() || hist[1].Statement != "lives in Braga" {
		t.Fatalf("after the edit: %s", statements(hist))
	}
	if got := f.recall("where does the person live Braga", day0); len(got) == 0 || !strings.Contains(got[0].Text, "Braga") {
		t.Errorf("the correction is not recalled first: %v", got)
	}
	if _, err := f.mem.EditFact(ctx, f.user, items[0].ID+100, "x"); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Errorf("editing a missing fact: %v", err)
	}
	if _, err := f.mem.List(ctx, f.user, "bogus"); os1.ErrorCode(err) != os1.EINVALID {
		t.Errorf("unknown kind: %v", err)
	}
}

// jsonModel answers extraction requests with the replies in turn (the last
// one repeats) and reflection requests with nothing usable.
func jsonModel(calls *atomic.Int32, replies ...string) *mock.ChatModel {
	return &mock.ChatModel{ChatFn: func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
		n := int(calls.Add(1)) - 1
		if !req.JSON {
			return nil, fmt.Errorf("extraction must ask for JSON")
		}
		return &os1.ChatResponse{Content: replies[min(n, len(replies)-1)]}, nil
	}}
}

func TestModelExtractsFactsInBackground(t *testing.T) {
	var calls atomic.Int32
	model := jsonModel(&calls, "Sure! Here you go:\n"+`{"facts":[{"subject":"user","slot":"job","statement":"works as a baker","holds_from":"2024-05-01","importance":0.8,"confidence":0.9},
		{"subject":"","statement":"   "},{"subject":"Mia","slot":"weird slot","statement":"is training for a marathon"}],
		"people":[{"name":"Mia","relation":"Best Friend"},{"name":"","relation":"x"}]}`)
	f := newFixture(t, Options{ReflectAt: -1, Model: model})
	m := f.say(os1.RoleUser, "Started at the bakery on the first of May; Mia is training for a marathon.", day0)
	if calls.Load() != 0 {
		t.Fatal("ingest called the model; extraction must run in the background")
	}
	if n, err := f.mem.RunPending(context.Background()); err != nil || n != 1 {
		t.Fatalf("RunPending = %d, %v", n, err)
	}
	var got []string
	for _, fc := range f.facts(false) {
		if fc.Origin == "model" {
			got = append(got, fc.Subject+"|"+fc.Slot+"|"+fc.Statement)
			if fmt.Sprint(fc.Sources) != fmt.Sprint([]int64{m.ID}) {
				t.Errorf("model fact sources %v, want [%d]", fc.Sources, m.ID)
			}
			if fc.Slot == "job" && !fc.HoldsFrom.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("holds_from = %v", fc.HoldsFrom)
			}
		}
	}
	if strings.Join(got, ";") != "user|job|works as a baker;Mia||is training for a marathon" {
		t.Fatalf("model facts = %q", got)
	}
	people, _ := f.mem.People(context.Background(), f.user)
	if len(people) != 1 || people[0].Name != "Mia" || people[0].Relation != "best friend" {
		t.Fatalf("people = %+v", people)
	}
	found := false
	for _, it := range f.recall("marathon training", day0) {
		found = found || it.Kind == os1.KindFact && it.Text == "Mia is training for a marathon"
	}
	if !found {
		t.Error("the model's fact is not recalled")
	}
}

func TestModelExtractionRetriesThenDropsGarbage(t *testing.T) {
	cases := []struct {
		name    string
		replies []string
		calls   int32
		facts   int
	}{
		{"garbage twice is dropped", []string{"I am not JSON", `{"facts": [ {"statement": 12}`}, 2, 0},
		{"garbage then good is retried", []string{"```nope", `{"facts":[{"statement":"keeps bees"}],"people":[]}`}, 2, 1},
		{"wrong shape is dropped", []string{`["a","b"]`, `{"something":"else"}`}, 2, 0},
		{"hostile sizes are refused", []string{`{"facts":[{"statement":"` + strings.Repeat("x", 5000) + `","subject":"` + strings.Repeat("y", 500) + `"}]}`}, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var calls atomic.Int32
			f := newFixture(t, Options{ReflectAt: -1, Model: jsonModel(&calls, c.replies...)})
			f.say(os1.RoleUser, "Hello there, I spent the day outside.", day0)
			n, err := f.mem.RunPending(context.Background())
			if err != nil || n != 1 {
				t.Fatalf("RunPending = %d, %v; the job must complete", n, err)
			}
			if calls.Load() != c.calls {
				t.Errorf("model called %d times, want %d", calls.Load(), c.calls)
			}
			model := 0
			for _, fc := range f.facts(true) {
				if fc.Origin == "model" {
					model++
				}
			}
			if model != c.facts {
				t.Errorf("%d model facts, want %d", model, c.facts)
			}
			if pending, _ := f.db.PendingJobs(context.Background()); pending != 0 {
				t.Errorf("%d jobs left pending", pending)
			}
		})
	}
}

func TestModelExtractionUnavailableRetriesLater(t *testing.T) {
	model := &mock.ChatModel{ChatFn: mock.Fail(mock.Unavailable())}
	f := newFixture(t, Options{ReflectAt: -1, Model: model})
	f.say(os1.RoleUser, "I keep bees on my roof.", day0)
	if n, err := f.mem.RunPending(context.Background()); err != nil || n != 0 {
		t.Fatalf("RunPending = %d, %v", n, err)
	}
	if pending, _ := f.db.PendingJobs(context.Background()); pending != 1 {
		t.Fatalf("pending = %d, want the job kept for later", pending)
	}
	// The rules' facts are there regardless.
	if !strings.Contains(statements(f.facts(false)), "keep") && len(f.recall("bees", day0)) == 0 {
		t.Error("nothing remembered without the model")
	}
}

func TestParseExtractionNeverPanics(t *testing.T) {
	for _, s := range []string{"", "{", "}", "{}", "null", `{"facts":null,"people":null}`, `{"facts":[null]}`, `{"people":[{"name":7}]}`,
		`{"facts":[{"holds_from":"9999-99-99","statement":"x","importance":1e309}]}`, "\x00\xff"} {
		_, _, _ = parseExtraction(s, "user", day0)
	}
	facts, _, err := parseExtraction(`{"facts":[{"statement":"likes tea","slot":"opinion:Tea!","importance":-3,"confidence":7}]}`, "user", day0)
	if err != nil || len(facts) != 1 || facts[0].Slot != "opinion:tea" || facts[0].Importance != 0.5 || facts[0].Confidence != 1 {
		t.Fatalf("facts = %+v, %v", facts, err)
	}
	var out extractOutput
	if json.Unmarshal([]byte(extractPrompt[strings.Index(extractPrompt, "{"):strings.Index(extractPrompt, "\nThe statement")]), &out) == nil {
		t.Log("prompt example parses")
	}
}

func TestModelReflectionGarbageFallsBackToExtractive(t *testing.T) {
	var calls atomic.Int32
	f := newFixture(t, Options{ReflectAt: 1, Model: jsonModel(&calls, "no JSON here, sorry")})
	for i, text := range []string{"I got divorced and I feel lonely.", "I miss my old life so much."} {
		f.say(os1.RoleUser, text, day0.Add(time.Duration(i)*time.Minute))
	}
	if _, err := f.mem.RunPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	sums, err := f.mem.Summaries(context.Background(), f.user, os1.KindReflection)
	if err != nil || len(sums) != 1 || sums[0].Origin != "extractive" {
		t.Fatalf("reflections = %+v, %v; want one extractive after the model's garbage", sums, err)
	}
	if pending, _ := f.db.PendingJobs(context.Background()); pending != 0 {
		t.Fatalf("%d jobs pending", pending)
	}
}

// TestIncrementalFactsMatchAReload: after a recall has loaded the facts,
// turns that add, merge and contradict facts update them in place; the
// result is the same set (with the same sources) as loading them afresh,
// and recall sees the change at once.
func TestIncrementalFactsMatchAReload(t *testing.T) {
	f := newFixture(t, Options{ReflectAt: -1})
	f.say(os1.RoleUser, "I work at Acme as an engineer.", day0)
	f.say(os1.RoleUser, "I love hiking in the mountains.", day0.Add(time.Hour))
	f.recall("where does theo work", day0.AddDate(0, 0, 1)) // loads the facts
	ix, err := f.mem.index(context.Background(), f.user)
	if err != nil {
		t.Fatal(err)
	}
	if ix.derivedStale {
		t.Fatal("facts not loaded by the recall")
	}
	f.say(os1.RoleUser, "Big news: I work at Globex now.", day0.AddDate(0, 1, 0)) // contradicts Acme
	f.say(os1.RoleUser, "I love hiking in the mountains.", day0.AddDate(0, 1, 1)) // merges
	f.say(os1.RoleUser, "My sister Anna lives in Porto.", day0.AddDate(0, 1, 2))  // new
	if ix.derivedStale {
		t.Fatal("ingest made the facts stale instead of updating them")
	}
	summary := func(list []derivedItem) map[vectorKey]string {
		out := map[vectorKey]string{}
		for _, d := range list {
			out[d.key] = fmt.Sprintf("%s %v", d.item.Text, d.item.Sources)
		}
		return out
	}
	incremental := summary(ix.derived)
	ix.derivedStale = true
	if err := f.mem.loadDerived(context.Background(), f.user, ix); err != nil {
		t.Fatal(err)
	}
	if reloaded := summary(ix.derived); !reflect.DeepEqual(incremental, reloaded) {
		t.Fatalf("incremental facts\n%v\ndiffer from a reload\n%v", incremental, reloaded)
	}
	for _, it := range f.recall("where does theo work", day0.AddDate(0, 2, 0)) {
		if it.Kind == os1.KindFact && strings.Contains(it.Text, "Acme") && !strings.Contains(it.Text, "until") {
			t.Errorf("retired fact still recalled as current: %s", it.Text)
		}
	}
}
