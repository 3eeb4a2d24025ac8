package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"os1/internal/os1"
	"os1/internal/sqlite"

	_ "modernc.org/sqlite"
)

// MustOpenDB opens a fresh database in a temporary directory.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "os1.db"), sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustUser creates a user.
func MustUser(tb testing.TB, db *sqlite.DB, name string) *os1.User {
	tb.Helper()
	u := &os1.User{Name: name}
	if err := db.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	return u
}

func TestOpenPragmasAndMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "os1.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mode string
	var fk int
	db.Reader().QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	db.Reader().QueryRow(`PRAGMA foreign_keys`).Scan(&fk)
	if mode != "wal" || fk != 1 {
		t.Fatalf("journal_mode=%q foreign_keys=%d, want wal and 1", mode, fk)
	}
	db.Close()

	// Reopening applies nothing twice.
	db, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	db.Reader().QueryRow(`SELECT count(*) FROM migrations`).Scan(&n)
	if n != len(sqlite.Migrations()) {
		t.Fatalf("migrations recorded = %d, want %d", n, len(sqlite.Migrations()))
	}
	db.Close()

	// A database from a newer version is refused.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO migrations (name, applied_at) VALUES ('9999_future.sql', 'x')`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if _, err := sqlite.Open(ctx, path, sqlite.Options{}); err == nil || !strings.Contains(err.Error(), "newer version") {
		t.Fatalf("Open on a newer schema: err = %v, want a 'newer version' error", err)
	}
}

func TestUsersKeysSessions(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := MustUser(t, db, "theodore")
	if err := db.CreateUser(ctx, &os1.User{Name: "Theodore"}); os1.ErrorCode(err) != os1.ECONFLICT {
		t.Fatalf("duplicate name (other case): err = %v, want conflict", err)
	}
	if err := db.CreateUser(ctx, &os1.User{Name: "bad name"}); os1.ErrorCode(err) != os1.EINVALID {
		t.Fatalf("invalid name: err = %v, want invalid", err)
	}
	if c, err := db.CompanionByUser(ctx, u.ID); err != nil || c.DisplayName() != os1.DefaultCompanionName {
		t.Fatalf("companion = %+v, %v", c, err)
	}

	key, info, err := db.CreateAPIKey(ctx, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "os1_") || !strings.HasPrefix(key, info.Prefix) {
		t.Fatalf("key %q, prefix %q", key, info.Prefix)
	}
	// Only the hash is stored.
	var stored int
	db.Reader().QueryRow(`SELECT count(*) FROM api_keys WHERE hash = ? OR prefix = ?`, key, key).Scan(&stored)
	if stored != 0 {
		t.Fatal("the key is stored in clear")
	}
	got, err := db.Authenticate(ctx, key)
	if err != nil || got.ID != u.ID {
		t.Fatalf("Authenticate = %v, %v", got, err)
	}
	if _, err := db.Authenticate(ctx, key+"x"); os1.ErrorCode(err) != os1.EUNAUTHORIZED {
		t.Fatalf("wrong key: err = %v", err)
	}
	if err := db.RevokeAPIKey(ctx, u.ID+1, info.ID); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Fatalf("revoke someone else's key: err = %v", err)
	}
	if err := db.RevokeAPIKey(ctx, u.ID, info.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, key); os1.ErrorCode(err) != os1.EUNAUTHORIZED {
		t.Fatalf("revoked key still works: %v", err)
	}

	tok, err := db.CreateSession(ctx, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.SessionUser(ctx, tok); err != nil || got.ID != u.ID {
		t.Fatalf("SessionUser = %v, %v", got, err)
	}
	db.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, err := db.SessionUser(ctx, tok); os1.ErrorCode(err) != os1.EUNAUTHORIZED {
		t.Fatalf("expired session: err = %v", err)
	}
	db.Now = time.Now
	db.DeleteSession(ctx, tok)
	if _, err := db.SessionUser(ctx, tok); os1.ErrorCode(err) != os1.EUNAUTHORIZED {
		t.Fatalf("deleted session: err = %v", err)
	}
}

func TestConversationsAndMessagesAreScoped(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	a, b := MustUser(t, db, "a"), MustUser(t, db, "b")
	ca := &os1.Conversation{Title: "a's"}
	if err := db.CreateConversation(ctx, a.ID, ca); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindConversation(ctx, b.ID, ca.ID); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Fatalf("b finds a's conversation: %v", err)
	}
	// b cannot write into a's conversation.
	if err := db.AddMessage(ctx, &os1.Message{ConversationID: ca.ID, UserID: b.ID, Role: os1.RoleUser, Content: "x"}); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Fatalf("b writes into a's conversation: %v", err)
	}
	for i := 0; i < 5; i++ {
		m := &os1.Message{ConversationID: ca.ID, UserID: a.ID, Role: os1.RoleUser, Content: "hello", Tokens: 10}
		if err := db.AddMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ListMessages(ctx, b.ID, ca.ID, os1.MessageFilter{}); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Fatalf("b lists a's messages: %v", err)
	}
	page, err := db.ListMessages(ctx, a.ID, ca.ID, os1.MessageFilter{Limit: 2})
	if err != nil || len(page) != 2 || page[0].ID >= page[1].ID {
		t.Fatalf("newest page = %v, %v", page, err)
	}
	older, _ := db.ListMessages(ctx, a.ID, ca.ID, os1.MessageFilter{BeforeID: page[0].ID, Limit: 10})
	if len(older) != 3 {
		t.Fatalf("older page has %d, want 3", len(older))
	}
	recent, _ := db.RecentMessages(ctx, a.ID, ca.ID, 100, 25)
	if len(recent) != 2 {
		t.Fatalf("RecentMessages within 25 tokens = %d messages, want 2", len(recent))
	}
	c, _ := db.FindConversation(ctx, a.ID, ca.ID)
	if c.MessageCount != 5 {
		t.Fatalf("message count = %d, want 5", c.MessageCount)
	}
	if list, _ := db.ListConversations(ctx, b.ID, 10, 0); len(list) != 0 {
		t.Fatalf("b lists %d conversations, want 0", len(list))
	}
}

func TestInterruptStreamingAndBackup(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := MustUser(t, db, "u")
	c := &os1.Conversation{}
	db.CreateConversation(ctx, u.ID, c)
	reply := &os1.Message{ConversationID: c.ID, UserID: u.ID, Role: os1.RoleAssistant, Status: os1.StatusStreaming, Content: "half a"}
	if err := db.AddMessage(ctx, reply); err != nil {
		t.Fatal(err)
	}
	n, err := db.InterruptStreaming(ctx, "crash")
	if err != nil || n != 1 {
		t.Fatalf("InterruptStreaming = %d, %v", n, err)
	}
	got, _ := db.FindMessage(ctx, u.ID, reply.ID)
	if got.Status != os1.StatusInterrupted || got.Content != "half a" || got.Error != "crash" {
		t.Fatalf("after interrupt: %+v", got)
	}

	path := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, path); os1.ErrorCode(err) != os1.ECONFLICT {
		t.Fatalf("backup over an existing file: %v", err)
	}
	copyDB, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	if got, err := copyDB.FindMessage(ctx, u.ID, reply.ID); err != nil || got.Content != "half a" {
		t.Fatalf("backup lacks the message: %v, %v", got, err)
	}
}
