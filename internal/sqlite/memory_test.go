package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"os1/internal/os1"
	"os1/internal/sqlite"
)

// memFixture opens a database with two users and a conversation each.
func memFixture(t *testing.T) (*sqlite.DB, [2]int64, [2]int64) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "os1.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var users, convs [2]int64
	for i, name := range []string{"ann", "bob"} {
		u := &os1.User{Name: name}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		c := &os1.Conversation{}
		if err := db.CreateConversation(ctx, u.ID, c); err != nil {
			t.Fatal(err)
		}
		users[i], convs[i] = u.ID, c.ID
	}
	return db, users, convs
}

func addMsg(t *testing.T, db *sqlite.DB, user, conv int64, text string, at time.Time) *os1.Message {
	t.Helper()
	m := &os1.Message{UserID: user, ConversationID: conv, Role: os1.RoleUser, Content: text, CreatedAt: at}
	if err := db.AddMessage(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFactContradictionRetiresAndKeepsHistory(t *testing.T) {
	ctx := context.Background()
	db, users, _ := memFixture(t)
	day := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	old := &os1.Fact{UserID: users[0], Subject: "user", Slot: "job", Statement: "works at Acme", SaidAt: day, Sources: []int64{1}}
	if err := db.AddFact(ctx, old); err != nil {
		t.Fatal(err)
	}
	nw := &os1.Fact{UserID: users[0], Subject: "user", Slot: "job", Statement: "works at Globex", SaidAt: day.AddDate(0, 2, 0), Sources: []int64{2}}
	if err := db.AddFact(ctx, nw); err != nil {
		t.Fatal(err)
	}
	current, err := db.Facts(ctx, users[0], false)
	if err != nil {
		t.Fatal(err)
	}
	if len(current) != 1 || current[0].Statement != "works at Globex" {
		t.Fatalf("current facts = %+v, want only the new job", current)
	}
	all, err := db.Facts(ctx, users[0], true)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("got %d facts with history, want 2", len(all))
	}
	retired := all[0]
	if retired.Statement != "works at Acme" || retired.Current() || !retired.HoldsUntil.Equal(nw.SaidAt) || retired.ReplacedBy != nw.ID {
		t.Fatalf("old fact = %+v, want retired at %v and replaced by %d", retired, nw.SaidAt, nw.ID)
	}
	// A fact without a slot does not retire anything.
	if err := db.AddFact(ctx, &os1.Fact{UserID: users[0], Subject: "user", Statement: "likes tea", Sources: []int64{3}}); err != nil {
		t.Fatal(err)
	}
	if current, _ = db.Facts(ctx, users[0], false); len(current) != 2 {
		t.Fatalf("got %d current facts, want 2", len(current))
	}
}

func TestFactDuplicatesMerge(t *testing.T) {
	ctx := context.Background()
	db, users, _ := memFixture(t)
	a := &os1.Fact{UserID: users[0], Subject: "user", Statement: "Likes jazz!", Confidence: 0.5, Sources: []int64{1}}
	b := &os1.Fact{UserID: users[0], Subject: "user", Statement: "likes  jazz", Confidence: 0.5, Sources: []int64{7}}
	for _, f := range []*os1.Fact{a, b} {
		if err := db.AddFact(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if a.ID != b.ID {
		t.Fatalf("duplicate got id %d, want merged into %d", b.ID, a.ID)
	}
	all, _ := db.Facts(ctx, users[0], true)
	if len(all) != 1 {
		t.Fatalf("got %d facts, want 1", len(all))
	}
	if got := all[0].Sources; len(got) != 2 || got[0] != 1 || got[1] != 7 {
		t.Fatalf("sources = %v, want [1 7]", got)
	}
	if all[0].Confidence <= 0.5 {
		t.Fatalf("confidence = %v, want it raised by the repetition", all[0].Confidence)
	}
	// The same statement for another user is that user's own fact.
	c := &os1.Fact{UserID: users[1], Subject: "user", Statement: "likes jazz", Sources: []int64{9}}
	if err := db.AddFact(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c.ID == a.ID {
		t.Fatal("a fact of another user was merged across users")
	}
	if _, err := db.FindFact(ctx, users[1], a.ID); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Fatalf("another user's fact: err = %v, want ENOTFOUND", err)
	}
}

func TestEditFactKeepsHistory(t *testing.T) {
	ctx := context.Background()
	db, users, _ := memFixture(t)
	f := &os1.Fact{UserID: users[0], Subject: "user", Statement: "has a dog called Rex", Sources: []int64{4}}
	if err := db.AddFact(ctx, f); err != nil {
		t.Fatal(err)
	}
	nf, err := db.EditFact(ctx, users[0], f.ID, "has a dog called Max")
	if err != nil {
		t.Fatal(err)
	}
	if nf.Origin != "edit" || len(nf.Sources) != 1 || nf.Sources[0] != 4 {
		t.Fatalf("edited fact = %+v, want origin edit with the old sources", nf)
	}
	old, _ := db.FindFact(ctx, users[0], f.ID)
	if old.Current() || old.ReplacedBy != nf.ID {
		t.Fatalf("old fact = %+v, want retired and replaced by %d", old, nf.ID)
	}
	if _, err := db.EditFact(ctx, users[1], nf.ID, "x"); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Fatalf("edit of another user's fact: err = %v, want ENOTFOUND", err)
	}
}

func TestIngestTurnSearchAndForgetConversation(t *testing.T) {
	ctx := context.Background()
	db, users, convs := memFixture(t)
	at := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	m := addMsg(t, db, users[0], convs[0], "My sister Anna plays the cello", at)
	in := &os1.TurnIngest{
		Turn:   os1.Turn{MessageID: m.ID, UserID: users[0], ConversationID: convs[0], Role: m.Role, Text: m.Content, SaidAt: at},
		Facts:  []*os1.Fact{{Subject: "user", Slot: "relation:anna", Statement: "Anna is the user's sister", Sources: []int64{m.ID}}},
		People: []*os1.Person{{Name: "Anna", Relation: "sister", LastMentioned: at, Sources: []int64{m.ID}}},
	}
	if err := db.IngestTurn(ctx, in); err != nil {
		t.Fatal(err)
	}
	m2 := addMsg(t, db, users[0], convs[0], "Anna visited today", at.Add(time.Hour))
	if err := db.IngestTurn(ctx, &os1.TurnIngest{Turn: os1.Turn{MessageID: m2.ID, UserID: users[0], ConversationID: convs[0], Text: m2.Content, SaidAt: m2.CreatedAt},
		People: []*os1.Person{{Name: "anna", LastMentioned: m2.CreatedAt, Sources: []int64{m2.ID}}}}); err != nil {
		t.Fatal(err)
	}
	people, _ := db.People(ctx, users[0])
	if len(people) != 1 || people[0].Mentions != 2 || people[0].Relation != "sister" || !people[0].FirstMentioned.Equal(at) || !people[0].LastMentioned.Equal(m2.CreatedAt) {
		t.Fatalf("people = %+v, want Anna, sister, mentioned twice", people)
	}
	ids, _, err := db.SearchTurns(ctx, users[0], "cellos", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != m.ID {
		t.Fatalf("search = %v, want [%d] (stemmed match)", ids, m.ID)
	}
	if ids, _, _ := db.SearchTurns(ctx, users[1], "cello", 5); len(ids) != 0 {
		t.Fatalf("another user's search found %v", ids)
	}
	n, err := db.ForgetConversation(ctx, users[0], convs[0])
	if err != nil || n != 2 {
		t.Fatalf("forget conversation = %d, %v; want 2 turns", n, err)
	}
	if ids, _, _ := db.SearchTurns(ctx, users[0], "cello", 5); len(ids) != 0 {
		t.Fatalf("forgotten turn still found: %v", ids)
	}
	if facts, _ := db.Facts(ctx, users[0], true); len(facts) != 0 {
		t.Fatalf("facts derived from a forgotten conversation remain: %+v", facts)
	}
}

func TestJobsRunOnce(t *testing.T) {
	ctx := context.Background()
	db, users, _ := memFixture(t)
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	for i := 0; i < 2; i++ { // the same dedup key twice: one job
		if err := db.EnqueueJob(ctx, "reflect", users[0], "k1", `{}`); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := db.PendingJobs(ctx); n != 1 {
		t.Fatalf("pending = %d, want 1", n)
	}
	j, err := db.ClaimJob(ctx, time.Minute, "reflect")
	if err != nil || j == nil {
		t.Fatalf("claim = %v, %v", j, err)
	}
	if j2, _ := db.ClaimJob(ctx, time.Minute, "reflect"); j2 != nil {
		t.Fatal("a claimed job was claimed again within its lease")
	}
	now = now.Add(2 * time.Minute) // the first worker died
	j3, _ := db.ClaimJob(ctx, time.Minute, "reflect")
	if j3 == nil || j3.ID != j.ID || j3.Attempts != 2 {
		t.Fatalf("reclaim = %+v, want job %d on attempt 2", j3, j.ID)
	}
	res := []*os1.Summary{{UserID: users[0], Kind: os1.KindReflection, Text: "t", Sources: []int64{1}}}
	if err := db.CompleteJob(ctx, j3.ID, res); err != nil {
		t.Fatal(err)
	}
	if err := db.CompleteJob(ctx, j.ID, res); os1.ErrorCode(err) != os1.ECONFLICT {
		t.Fatalf("second completion: err = %v, want ECONFLICT", err)
	}
	if sums, _ := db.Summaries(ctx, users[0], ""); len(sums) != 1 {
		t.Fatalf("got %d summaries, want 1", len(sums))
	}
	if j4, _ := db.ClaimJob(ctx, time.Minute); j4 != nil {
		t.Fatal("a done job was claimed")
	}
}

func TestIngestTurnQueuesJobsOnce(t *testing.T) {
	ctx := context.Background()
	db, users, convs := memFixture(t)
	m := addMsg(t, db, users[0], convs[0], "I keep bees.", time.Now())
	in := &os1.TurnIngest{Turn: os1.Turn{MessageID: m.ID, UserID: users[0], ConversationID: convs[0], Role: os1.RoleUser, Text: m.Content, SaidAt: m.CreatedAt},
		Jobs: []os1.Job{{Kind: "extract", Payload: `{"message":1}`}, {Kind: "embed", Payload: "{}"}}}
	if err := db.IngestTurn(ctx, in); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.PendingJobs(ctx); n != 2 {
		t.Fatalf("pending = %d, want 2", n)
	}
	// The same jobs for the same message are not queued twice.
	if err := db.EnqueueJob(ctx, "extract", users[0], fmt.Sprint(m.ID), `{}`); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.PendingJobs(ctx); n != 2 {
		t.Fatalf("pending = %d after a duplicate, want 2", n)
	}
	job, err := db.ClaimJob(ctx, time.Minute, "extract")
	if err != nil || job == nil || job.Kind != "extract" || job.UserID != users[0] {
		t.Fatalf("claim = %+v, %v", job, err)
	}
}

func TestVectorsStoredPerModelAndForgotten(t *testing.T) {
	ctx := context.Background()
	db, users, convs := memFixture(t)
	a := addMsg(t, db, users[0], convs[0], "I bought a sedan.", time.Now())
	b := addMsg(t, db, users[1], convs[1], "Bob's secret turn.", time.Now())
	for i, m := range []*os1.Message{a, b} {
		in := &os1.TurnIngest{Turn: os1.Turn{MessageID: m.ID, UserID: users[i], ConversationID: m.ConversationID, Role: os1.RoleUser, Text: m.Content, SaidAt: m.CreatedAt},
			Facts: []*os1.Fact{{Subject: "user", Statement: "owns a car", Sources: []int64{m.ID}}}}
		if err := db.IngestTurn(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	missing, err := db.MissingVectors(ctx, users[0], "m1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 2 || missing[0].Kind != os1.KindTurn || missing[0].ID != a.ID || missing[1].Kind != os1.KindFact || missing[1].Text != "user owns a car" {
		t.Fatalf("missing = %+v", missing)
	}
	for i := range missing {
		missing[i].Vector = []float32{1, float32(i), -0.5}
	}
	if err := db.SaveVectors(ctx, users[0], "m1", missing); err != nil {
		t.Fatal(err)
	}
	if m, _ := db.MissingVectors(ctx, users[0], "m1", 10); len(m) != 0 {
		t.Fatalf("still missing %+v", m)
	}
	if m, _ := db.MissingVectors(ctx, users[0], "m2", 10); len(m) != 2 {
		t.Fatalf("another model needs its own vectors; missing %+v", m)
	}
	vecs, err := db.Vectors(ctx, users[0], "m1")
	if err != nil || len(vecs) != 2 || fmt.Sprint(vecs[1].Vector) != "[1 1 -0.5]" {
		t.Fatalf("vectors = %+v, %v", vecs, err)
	}
	if v, _ := db.Vectors(ctx, users[1], "m1"); len(v) != 0 {
		t.Fatalf("bob sees %d of ann's vectors", len(v))
	}
	if err := db.ForgetItem(ctx, users[0], os1.KindTurn, a.ID); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.Vectors(ctx, users[0], "m1"); len(v) != 0 {
		t.Fatalf("vectors of forgotten items remain: %+v", v)
	}
}

func TestPersonDataImportMapsEverything(t *testing.T) {
	ctx := context.Background()
	db, users, convs := memFixture(t)
	at := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	m1 := addMsg(t, db, users[0], convs[0], "I work at Acme.", at)
	m2 := addMsg(t, db, users[0], convs[0], "I work at Globex.", at.Add(time.Hour))
	for _, m := range []*os1.Message{m1, m2} {
		job := "works at " + m.Content[len("I work at "):len(m.Content)-1]
		in := &os1.TurnIngest{Turn: os1.Turn{MessageID: m.ID, UserID: users[0], ConversationID: convs[0], Role: os1.RoleUser, Text: m.Content, SaidAt: m.CreatedAt, Session: m1.ID},
			Facts: []*os1.Fact{{Subject: "user", Slot: "job", Statement: job, SaidAt: m.CreatedAt, Sources: []int64{m.ID}}}, People: []*os1.Person{{Name: "Anna", Relation: "sister", LastMentioned: m.CreatedAt}},
			Reflect: m == m2}
		if err := db.IngestTurn(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	d, err := db.PersonData(ctx, users[0])
	if err != nil {
		t.Fatal(err)
	}
	if d.User.Name != "ann" || len(d.Messages) != 2 || len(d.Turns) != 2 || len(d.Facts) != 2 || len(d.People) != 1 || d.ReflectedUpTo != m2.ID {
		t.Fatalf("person data = %+v", d)
	}
	// Into another database.
	dst, _, _ := memFixture(t)
	d.User.Name = "ann2"
	ids, err := dst.ImportPersonData(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	back, err := dst.PersonData(ctx, d.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Messages) != 2 || back.Messages[1].Content != "I work at Globex." || back.Conversations[0].MessageCount != 2 {
		t.Fatalf("messages = %+v", back.Messages)
	}
	if back.Turns[1].Session != ids[m1.ID] || back.Turns[1].MessageID != ids[m2.ID] {
		t.Fatalf("turns = %+v, ids %v", back.Turns, ids)
	}
	old, cur := back.Facts[0], back.Facts[1]
	if old.Current() || old.ReplacedBy != cur.ID || fmt.Sprint(cur.Sources) != fmt.Sprint([]int64{ids[m2.ID]}) {
		t.Fatalf("facts = %+v %+v", old, cur)
	}
	if back.People[0].Mentions != 2 || back.People[0].Relation != "sister" || back.ReflectedUpTo != ids[m2.ID] {
		t.Fatalf("people = %+v, reflected %d", back.People[0], back.ReflectedUpTo)
	}
	// A name clash changes nothing.
	before, _ := dst.CountUsers(ctx)
	if _, err := dst.ImportPersonData(ctx, d); os1.ErrorCode(err) != os1.ECONFLICT {
		t.Fatalf("clash: %v", err)
	}
	if after, _ := dst.CountUsers(ctx); after != before {
		t.Fatalf("users %d → %d after a refused import", before, after)
	}
}

func TestNotePeopleFillsRelationWithoutCounting(t *testing.T) {
	ctx := context.Background()
	db, users, _ := memFixture(t)
	at := time.Now()
	if err := db.SeedPeople(ctx, users[0], []*os1.Person{{Name: "Mia", LastMentioned: at}}); err != nil {
		t.Fatal(err)
	}
	if err := db.NotePeople(ctx, users[0], []*os1.Person{{Name: "mia", Relation: "friend", LastMentioned: at}, {Name: "Karl", LastMentioned: at}}); err != nil {
		t.Fatal(err)
	}
	people, _ := db.People(ctx, users[0])
	if len(people) != 2 || people[0].Name != "Mia" || people[0].Relation != "friend" || people[0].Mentions != 1 || people[1].Name != "Karl" {
		t.Fatalf("people = %+v %+v", people[0], people[1])
	}
	if other, _ := db.People(ctx, users[1]); len(other) != 0 {
		t.Fatalf("bob got %+v", other)
	}
}
