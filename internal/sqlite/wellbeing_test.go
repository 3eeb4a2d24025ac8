package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"os1/internal/os1"
	"os1/internal/sqlite"
	"os1/internal/wellbeing"
)

func TestWellbeingStoreIsPerPerson(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	a, b := MustUser(t, db, "alice"), MustUser(t, db, "bob")

	if st, err := db.WellbeingSettings(ctx, a.ID); err != nil || st != wellbeing.DefaultSettings() {
		t.Fatalf("settings before any change: %+v, %v", st, err)
	}
	want := wellbeing.Settings{Nudges: false, BudgetMinutes: 45, LateNightHour: 22, TimeZone: "Europe/Paris", NudgeCooldownHours: 24}
	if err := db.SaveWellbeingSettings(ctx, a.ID, want); err != nil {
		t.Fatal(err)
	}
	if st, _ := db.WellbeingSettings(ctx, a.ID); st != want {
		t.Fatalf("settings = %+v, want %+v", st, want)
	}
	if st, _ := db.WellbeingSettings(ctx, b.ID); st != wellbeing.DefaultSettings() {
		t.Fatalf("bob's settings changed with alice's: %+v", st)
	}

	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	if err := db.RecordNudge(ctx, a.ID, at, "Amy"); err != nil {
		t.Fatal(err)
	}
	if st, _ := db.WellbeingState(ctx, a.ID); !st.LastNudgeAt.Equal(at) || st.LastNudgePerson != "Amy" {
		t.Fatalf("state = %+v", st)
	}
	if st, _ := db.WellbeingState(ctx, b.ID); !st.LastNudgeAt.IsZero() {
		t.Fatalf("bob's state changed: %+v", st)
	}

	// Goodbye tokens: only the owner's, once, before expiry.
	hash := []byte("0123456789abcdef0123456789abcdef")
	if err := db.SetGoodbyeToken(ctx, a.ID, hash, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.TakeGoodbyeToken(ctx, b.ID, hash, at); os1.ErrorCode(err) != os1.EFORBIDDEN {
		t.Fatalf("bob took alice's token: %v", err)
	}
	if err := db.TakeGoodbyeToken(ctx, a.ID, []byte("wrong"), at); os1.ErrorCode(err) != os1.EFORBIDDEN {
		t.Fatalf("wrong token: %v", err)
	}
	if err := db.TakeGoodbyeToken(ctx, a.ID, hash, at.Add(time.Hour)); os1.ErrorCode(err) != os1.EFORBIDDEN {
		t.Fatalf("expired token: %v", err)
	}
	if err := db.TakeGoodbyeToken(ctx, a.ID, hash, at.Add(time.Minute)); err != nil {
		t.Fatalf("valid token: %v", err)
	}
	if err := db.TakeGoodbyeToken(ctx, a.ID, hash, at.Add(time.Minute)); os1.ErrorCode(err) != os1.EFORBIDDEN {
		t.Fatalf("token used twice: %v", err)
	}

	// Letters and activity are the person's own.
	if err := db.SaveLetter(ctx, &wellbeing.Letter{UserID: a.ID, Kind: wellbeing.LetterSunset, Text: "Dear Alice", Source: "template"}); err != nil {
		t.Fatal(err)
	}
	if l, err := db.LatestLetter(ctx, a.ID); err != nil || l.Text != "Dear Alice" {
		t.Fatalf("alice's letter: %+v, %v", l, err)
	}
	if _, err := db.LatestLetter(ctx, b.ID); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Fatalf("bob's letter: %v, want ENOTFOUND", err)
	}
	conv := &os1.Conversation{Title: "x"}
	db.CreateConversation(ctx, a.ID, conv)
	db.AddMessages(ctx,
		&os1.Message{ConversationID: conv.ID, UserID: a.ID, Role: os1.RoleUser, Content: "old", CreatedAt: at.Add(-48 * time.Hour)},
		&os1.Message{ConversationID: conv.ID, UserID: a.ID, Role: os1.RoleUser, Content: "new", CreatedAt: at},
		&os1.Message{ConversationID: conv.ID, UserID: a.ID, Role: os1.RoleAssistant, Content: "reply", CreatedAt: at.Add(time.Second)})
	acts, err := db.UserActivity(ctx, a.ID, at.Add(-time.Hour))
	if err != nil || len(acts) != 1 || acts[0].Text != "new" || !acts[0].At.Equal(at) {
		t.Fatalf("activity = %+v, %v; want only the person's own newer message", acts, err)
	}
	if acts, _ := db.UserActivity(ctx, b.ID, time.Time{}); len(acts) != 0 {
		t.Fatalf("bob sees activity %+v", acts)
	}
	if st, _ := db.MessageStats(ctx, a.ID); st.Messages != 2 || st.Conversations != 1 || !st.First.Equal(at.Add(-48*time.Hour)) {
		t.Fatalf("stats = %+v", st)
	}

	// The instance's sunset.
	if s, err := db.Sunset(ctx); err != nil || s != nil {
		t.Fatalf("sunset before any: %+v, %v", s, err)
	}
	sun := &wellbeing.Sunset{At: at.Add(14 * 24 * time.Hour), NoticeAt: at}
	if err := db.SetSunset(ctx, sun); err != nil {
		t.Fatal(err)
	}
	if s, _ := db.Sunset(ctx); s == nil || !s.At.Equal(sun.At) || !s.NoticeAt.Equal(at) {
		t.Fatalf("sunset = %+v", s)
	}
	db.MarkSunsetTold(ctx, a.ID, at)
	if n, _ := db.CountSunsetTold(ctx, at); n != 1 {
		t.Fatalf("told = %d, want 1", n)
	}
	if ok, err := db.CancelSunset(ctx); !ok || err != nil {
		t.Fatalf("cancel: %v %v", ok, err)
	}
	if ok, _ := db.CancelSunset(ctx); ok {
		t.Fatal("cancelled a sunset twice")
	}
}

// secrets are distinctive strings of Alice's that must vanish from the
// files; bobSecret must stay.
var secrets = []string{
	"zanzibarquux",        // her name
	"pelicanmarmalade",    // a message
	"quokkafactoid",       // a fact
	"narwhalfriendly",     // a person she knows
	"obsidianreflection",  // a reflection
	"velociraptorpersona", // a persona version
	"gondolaletter",       // a letter
	"latervellum",         // a table added after this code was written
	"ftsnebula",           // a full-text table with its own content
}

const bobSecret = "bobskeepsakebadger"

// fileHas reports which needles occur (case-insensitively) in the database
// files: the database, its -wal and its -shm.
func fileHas(t *testing.T, path string, needles ...string) []string {
	t.Helper()
	var found []string
	var all []byte
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, bytes.ToLower(b)...)
		all = append(all, 0)
	}
	for _, n := range needles {
		if bytes.Contains(all, []byte(strings.ToLower(n))) {
			found = append(found, n)
		}
	}
	return found
}

func TestDeleteUserLeavesNoTraceInTheFiles(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	alice := &os1.User{Name: "zanzibarquux", DisplayName: "Alice"}
	if err := db.CreateUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	bob := MustUser(t, db, "bob")

	// A table and a full-text index that a later migration might add.
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`CREATE TABLE later_notes (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES users (id), note TEXT)`,
			`CREATE VIRTUAL TABLE later_fts USING fts5 (user_id UNINDEXED, body)`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	seed := func(u *os1.User, secret string, extra bool) {
		conv := &os1.Conversation{Title: "talk " + secret}
		if err := db.CreateConversation(ctx, u.ID, conv); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 40; i++ {
			m := &os1.Message{ConversationID: conv.ID, UserID: u.ID, Role: os1.RoleUser, Content: "my word is " + secret + " again and again"}
			if err := db.AddMessages(ctx, m); err != nil {
				t.Fatal(err)
			}
			in := &os1.TurnIngest{Turn: os1.Turn{MessageID: m.ID, UserID: u.ID, ConversationID: conv.ID, Role: os1.RoleUser, Text: m.Content, SaidAt: time.Now()},
				Reflect: i == 39, Jobs: []os1.Job{{Kind: "extract", Payload: `{"text":"` + secret + `"}`}}}
			if i == 0 && extra {
				in.Facts = []*os1.Fact{{Subject: "user", Statement: "They collect quokkafactoid stamps", SaidAt: time.Now(), Sources: []int64{m.ID}}}
				in.People = []*os1.Person{{Name: "Narwhalfriendly", Relation: "friend", FirstMentioned: time.Now(), LastMentioned: time.Now(), Mentions: 1}}
			}
			if err := db.IngestTurn(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := db.CreateAPIKey(ctx, u.ID, "key "+secret); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateSession(ctx, u.ID, time.Hour); err != nil {
			t.Fatal(err)
		}
		if !extra {
			return
		}
		now := sqlite.FormatTime(time.Now())
		err := db.WriteTx(ctx, func(tx *sql.Tx) error {
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO memory_summaries (user_id, kind, text, from_at, to_at, created_at) VALUES (?, 'reflection', 'They value obsidianreflection deeply', ?, ?, ?)`, []any{u.ID, now, now, now}},
				{`INSERT INTO memory_embeddings (user_id, kind, item_id, vector) VALUES (?, 'turn', 999, ?)`, []any{u.ID, []byte("pelicanmarmalade-vector")}},
				{`INSERT INTO persona_versions (user_id, version, kind, persona, created_at) VALUES (?, 1, 'seed', '{"name":"velociraptorpersona"}', ?)`, []any{u.ID, now}},
				{`INSERT INTO later_notes (owner, note) VALUES (?, 'latervellum')`, []any{u.ID}},
				{`INSERT INTO later_fts (user_id, body) VALUES (?, 'ftsnebula shines')`, []any{u.ID}},
			} {
				if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		db.SaveWellbeingSettings(ctx, u.ID, wellbeing.Settings{Nudges: true, BudgetMinutes: 30, LateNightHour: 23, NudgeCooldownHours: 72})
		db.RecordNudge(ctx, u.ID, time.Now(), "Narwhalfriendly")
		db.SetGoodbyeToken(ctx, u.ID, []byte("hash"), time.Now().Add(time.Hour))
		if err := db.SaveLetter(ctx, &wellbeing.Letter{UserID: u.ID, Kind: wellbeing.LetterGoodbye, Text: "Dear Alice, gondolaletter", Source: "template"}); err != nil {
			t.Fatal(err)
		}
	}
	seed(alice, "pelicanmarmalade", true)
	seed(bob, bobSecret, false)

	// The scan finds the secrets before the deletion (it can see them).
	if found := fileHas(t, db.Path(), secrets...); len(found) != len(secrets) {
		t.Fatalf("before deletion the files hold %v of %v: the scan is blind", found, secrets)
	}

	n, err := db.DeleteUser(ctx, alice.ID)
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	if n < 40 {
		t.Fatalf("deleted %d rows, want at least her 40 messages", n)
	}
	if found := fileHas(t, db.Path(), secrets...); len(found) > 0 {
		t.Fatalf("after deletion the database files still hold %v", found)
	}
	if found := fileHas(t, db.Path(), bobSecret); len(found) != 1 {
		t.Fatal("bob's data is gone from the files too")
	}

	// Nothing of hers in any table; the database is sound; bob's is whole.
	rows, err := db.Reader().Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	for _, tb := range tables {
		for _, col := range []string{"user_id", "owner"} {
			var c int
			if err := db.Reader().QueryRow(`SELECT count(*) FROM "`+tb+`" WHERE "`+col+`" = ?`, alice.ID).Scan(&c); err == nil && c > 0 {
				t.Errorf("%s still has %d rows of hers", tb, c)
			}
		}
	}
	var c int
	db.Reader().QueryRow(`SELECT count(*) FROM users WHERE id = ?`, alice.ID).Scan(&c)
	if c != 0 {
		t.Error("her users row is still there")
	}
	db.Reader().QueryRow(`SELECT count(*) FROM memory_turns_fts WHERE memory_turns_fts MATCH 'pelicanmarmalade'`).Scan(&c)
	if c != 0 {
		t.Errorf("the full-text index still finds her words (%d)", c)
	}
	db.Reader().QueryRow(`SELECT count(*) FROM memory_turns_fts WHERE memory_turns_fts MATCH ?`, bobSecret).Scan(&c)
	if c != 40 {
		t.Errorf("the full-text index finds bob's words %d times, want 40", c)
	}
	var check string
	db.Reader().QueryRow(`PRAGMA integrity_check`).Scan(&check)
	if check != "ok" {
		t.Errorf("integrity_check: %s", check)
	}
	var fkRows int
	db.Reader().QueryRow(`SELECT count(*) FROM pragma_foreign_key_check`).Scan(&fkRows)
	if fkRows != 0 {
		t.Errorf("%d foreign key violations", fkRows)
	}
	if _, err := db.Authenticate(ctx, "os1_nothing"); err == nil {
		t.Error("authenticated a made-up key")
	}
	if _, err := db.FindUserByID(ctx, alice.ID); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Errorf("find her: %v, want ENOTFOUND", err)
	}
	db.Reader().QueryRow(`SELECT count(*) FROM messages WHERE user_id = ?`, bob.ID).Scan(&c)
	if c != 40 {
		t.Errorf("bob has %d messages left, want 40", c)
	}

	// And after closing, the files still hold nothing of hers.
	path := db.Path()
	db.Close()
	if found := fileHas(t, path, secrets...); len(found) > 0 {
		t.Fatalf("after close the database files hold %v", found)
	}
}
