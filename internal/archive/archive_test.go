package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"os1/internal/archive"
	"os1/internal/memory"
	"os1/internal/os1"
	"os1/internal/sqlite"
)

func openDB(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "os1.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var conversation = []string{
	"My sister Anna is visiting next week, I'm so excited.",
	"That sounds lovely! What are you planning to do together?",
	"I'm going to take her to the botanical garden. I love orchids.",
	"Orchids are beautiful. Does Anna like them too?",
	"She hates flowers actually, she prefers museums.",
	"I work as a librarian, so I know a lot about museums.",
	"Last month I moved to Utrecht and I adopted a cat called Miso.",
	"We broke up in March, and I have felt lonely since.",
	"I work at the university library now.",
}

// seed builds a person with a conversation, facts, people, a retired fact,
// an edit, summaries and a reflection.
func seed(t testing.TB, db *sqlite.DB) (*os1.User, *memory.Service) {
	t.Helper()
	ctx := context.Background()
	u := &os1.User{Name: "theo", DisplayName: "Theodore"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	name := "Samantha"
	persona := "Warm and curious."
	if _, err := db.UpdateCompanion(ctx, u.ID, os1.CompanionUpdate{Name: &name, Persona: &persona}); err != nil {
		t.Fatal(err)
	}
	mem := memory.New(db, memory.Options{ReflectAt: 1})
	for ci := range 2 {
		c := &os1.Conversation{Title: fmt.Sprintf("chat %d", ci)}
		if err := db.CreateConversation(ctx, u.ID, c); err != nil {
			t.Fatal(err)
		}
		for i, text := range conversation {
			role := os1.RoleUser
			if i%2 == 1 && i < 4 {
				role = os1.RoleAssistant
			}
			m := &os1.Message{UserID: u.ID, ConversationID: c.ID, Role: role, Content: text,
				CreatedAt: time.Date(2024, 4+time.Month(ci), 10+i, 9, 0, 0, 0, time.UTC)}
			if err := db.AddMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
			if err := mem.Ingest(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := mem.RunPending(ctx); err != nil {
		t.Fatal(err)
	}
	facts, _ := mem.Facts(ctx, u.ID, false)
	for _, f := range facts {
		if f.Slot == "lives_in" {
			if _, err := mem.EditFact(ctx, u.ID, f.ID, "lives in Utrecht, near the canal"); err != nil {
				t.Fatal(err)
			}
		}
	}
	return u, mem
}

var queries = []string{"what does Anna like", "where does theo work", "when did we break up", "orchids garden", "cat Miso", "lonely", "museums last month"}

// recallAll runs the queries and renders the results with the sources
// mapped through ids (nil: as they are).
func recallAll(t *testing.T, mem *memory.Service, userID int64, ids map[int64]int64) []string {
	t.Helper()
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	var out []string
	for _, q := range queries {
		res, err := mem.Recall(context.Background(), os1.RecallQuery{UserID: userID, Text: q, Now: now, Limit: 8})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Items {
			var src []int64
			for _, s := range it.Sources {
				if ids != nil {
					s = ids[s]
				}
				src = append(src, s)
			}
			out = append(out, fmt.Sprintf("%s | %s | %.6f | %s | %s | %v", q, it.Kind, it.Score, it.When.Format(time.RFC3339), it.Text, src))
		}
	}
	return out
}

func TestRoundTripKeepsRecall(t *testing.T) {
	ctx := context.Background()
	src := openDB(t)
	u, mem := seed(t, src)
	a, err := archive.Build(ctx, mem, u.ID, archive.Section{Name: "wellbeing", Export: func(ctx context.Context, userID int64) (any, error) {
		return map[string]int{"check_ins": 3}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	d := a.Person
	if len(d.Messages) != 2*len(conversation) || len(d.Turns) != len(d.Messages) || len(d.People) == 0 || len(d.Summaries) == 0 {
		t.Fatalf("archive holds %d messages, %d turns, %d people, %d summaries", len(d.Messages), len(d.Turns), len(d.People), len(d.Summaries))
	}
	retired := 0
	for _, f := range d.Facts {
		if !f.Current() {
			retired++
		}
	}
	if retired < 2 {
		t.Fatalf("archive has %d retired facts; want the job change and the edit as history", retired)
	}
	var buf bytes.Buffer
	if err := archive.WriteJSON(&buf, a); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"format": "os1-archive"`) || !strings.Contains(buf.String(), `"version": 1`) {
		t.Fatalf("archive head: %.200s", buf.String())
	}
	before := recallAll(t, mem, u.ID, nil)

	dst := openDB(t)
	back, err := archive.Decode(bytes.NewReader(buf.Bytes()), 0)
	if err != nil {
		t.Fatal(err)
	}
	var got json.RawMessage
	res, err := archive.Import(ctx, dst, back, archive.Section{Name: "wellbeing", Import: func(ctx context.Context, userID int64, data json.RawMessage, ids map[int64]int64) error {
		got = data
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	json.Compact(&compact, got)
	if compact.String() != `{"check_ins":3}` || len(res.Skipped) != 0 {
		t.Fatalf("extension section = %s, skipped %v", got, res.Skipped)
	}
	// Sources are mapped to the new message ids; map the originals forward.
	mem2 := memory.New(dst, memory.Options{ReflectAt: 1})
	after := recallAll(t, mem2, res.User.ID, nil)
	beforeMapped := recallAll(t, mem, u.ID, res.MessageIDs)
	if len(before) < len(queries) {
		t.Fatalf("too little recalled to compare: %v", before)
	}
	if strings.Join(beforeMapped, "\n") != strings.Join(after, "\n") {
		t.Fatalf("recall differs after import:\nbefore:\n%s\nafter:\n%s", strings.Join(beforeMapped, "\n"), strings.Join(after, "\n"))
	}
	// The same archive again: refused, nothing changed.
	if _, err := archive.Import(ctx, dst, back); os1.ErrorCode(err) != os1.ECONFLICT || !strings.Contains(os1.ErrorMessage(err), "already exists") {
		t.Fatalf("importing a clashing name: %v, want ECONFLICT", err)
	}
	users, _ := dst.ListUsers(ctx)
	if len(users) != 1 {
		t.Fatalf("%d users after a refused import", len(users))
	}
	// Everything came across: export of the import equals the original
	// but for ids and the export time.
	a2, err := archive.Build(ctx, dst, res.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(a2.Person.Facts) != len(d.Facts) || len(a2.Person.People) != len(d.People) || len(a2.Person.Summaries) != len(d.Summaries) ||
		a2.Person.Companion.Name != "Samantha" || a2.Person.User.DisplayName != "Theodore" || len(a2.Person.Conversations) != 2 {
		t.Fatalf("re-export differs: %+v", a2.Person)
	}
	for i, f := range a2.Person.Facts {
		o := d.Facts[i]
		if f.Statement != o.Statement || f.Current() != o.Current() || (f.ReplacedBy == 0) != (o.ReplacedBy == 0) || !f.SaidAt.Equal(o.SaidAt) {
			t.Errorf("fact %d: %+v, was %+v", i, f, o)
		}
	}
}

func TestMarkdown(t *testing.T) {
	db := openDB(t)
	u, mem := seed(t, db)
	a, err := archive.Build(context.Background(), mem, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := archive.WriteMarkdown(&buf, a); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{"# Everything OS1 holds about Theodore", "## Companion", "Samantha", "| Anna | sister |", "## What is remembered",
		"### No longer true (kept as history)", "You lives in Utrecht, near the canal", "corrected by you", "## Reflections", "## Conversations", "### chat 0",
		"> My sister Anna is visiting next week"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
}

func TestDecodeRefusesBadArchives(t *testing.T) {
	db := openDB(t)
	u, mem := seed(t, db)
	a, err := archive.Build(context.Background(), mem, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	archive.WriteJSON(&buf, a)
	good := buf.String()
	cases := map[string]string{
		"not json":        "hello",
		"other format":    `{"format":"zip","version":1}`,
		"newer version":   strings.Replace(good, `"version": 1`, `"version": 99`, 1),
		"bad name":        strings.Replace(good, `"name": "theo"`, `"name": ""`, 1),
		"orphan message":  strings.Replace(good, `"conversation_id": 1,`, `"conversation_id": 777,`, 1),
		"bad role":        strings.Replace(good, `"role": "assistant"`, `"role": "root"`, 1),
		"truncated":       good[:len(good)/2],
		"bad summary":     strings.Replace(good, `"kind": "reflection"`, `"kind": "dream"`, 1),
		"wrong types":     strings.Replace(good, `"messages": [`, `"messages": 5, "x": [`, 1),
		"empty statement": strings.Replace(good, `"statement": "likes orchids"`, `"statement": " "`, 1),
	}
	dst := openDB(t)
	for name, in := range cases {
		if in == good {
			t.Fatalf("%s: the case did not change the archive", name)
		}
		_, err := archive.Decode(strings.NewReader(in), 0)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if c := os1.ErrorCode(err); c != os1.EINVALID {
			t.Errorf("%s: code %s (%v), want EINVALID", name, c, err)
		}
	}
	if _, err := archive.Decode(strings.NewReader(good), int64(len(good)-1)); os1.ErrorCode(err) != os1.ETOOLARGE {
		t.Errorf("oversized: %v", err)
	}
	if users, _ := dst.ListUsers(context.Background()); len(users) != 0 {
		t.Errorf("refused archives stored %d people", len(users))
	}
}

// FuzzDecode feeds the decoder damaged and hostile archives (seeded with a
// real export in testdata): it must never panic, must refuse bad input with
// EINVALID or ETOOLARGE, and what it accepts must validate, render, and
// import as one more person or be refused with nothing stored.
func FuzzDecode(f *testing.F) {
	good, err := os.ReadFile("testdata/archive.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"format":"os1-archive","version":1,"person":{"user":{"name":"x"},"conversations":[{"id":1}],"messages":[{"id":1,"conversation_id":1,"role":"user","content":"hi"}],"turns":[{"message_id":1,"conversation_id":1}]}}`))
	f.Add([]byte(`{"format":"os1-archive","version":1,"person":{"user":{"name":"x"},"messages":[{"id":1,"conversation_id":2}]}}`))
	f.Add([]byte(`{"format":"os1-archive","version":1,"person":{"user":{"name":"x"},"people":[{"name":"A"},{"name":"a"}]}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"format":"os1-archive","version":0}`))
	dst := openDB(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := archive.Decode(bytes.NewReader(data), 1<<20)
		if err != nil {
			if c := os1.ErrorCode(err); c != os1.EINVALID && c != os1.ETOOLARGE {
				t.Fatalf("error %v has code %s", err, c)
			}
			return
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("a decoded archive does not validate: %v", err)
		}
		ctx := context.Background()
		before, _ := dst.CountUsers(ctx)
		_, err = archive.Import(ctx, dst, a)
		after, _ := dst.CountUsers(ctx)
		if err != nil && after != before {
			t.Fatalf("a failed import (%v) stored a person", err)
		}
		if err == nil && after != before+1 {
			t.Fatalf("an import stored %d people", after-before)
		}
		var md bytes.Buffer
		if err := archive.WriteMarkdown(&md, a); err != nil {
			t.Fatal(err)
		}
	})
}
