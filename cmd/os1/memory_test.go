package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"os1/internal/memory"
	"os1/internal/os1"
	"os1/internal/sqlite"
)

// cli runs os1 with args on its own data directory and returns the output.
type cli struct {
	t    *testing.T
	data string
	env  func(string) string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	cfg := t.TempDir()
	return &cli{t: t, data: t.TempDir(), env: func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return cfg
		}
		return ""
	}}
}

func (c *cli) run(args ...string) (string, error) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), append(args, "--data", c.data), strings.NewReader(""), &out, &errOut, c.env)
	return out.String() + errOut.String(), err
}

func (c *cli) ok(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("os1 %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// seedPerson adds a person and ingests a conversation of theirs.
func (c *cli) seedPerson(name string, lines ...string) {
	c.t.Helper()
	c.ok("user", "add", name)
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(c.data, "os1.db"), sqlite.Options{})
	if err != nil {
		c.t.Fatal(err)
	}
	defer db.Close()
	u, err := db.FindUserByName(ctx, name)
	if err != nil {
		c.t.Fatal(err)
	}
	conv := &os1.Conversation{Title: "first talk"}
	if err := db.CreateConversation(ctx, u.ID, conv); err != nil {
		c.t.Fatal(err)
	}
	mem := memory.New(db, memory.Options{ReflectAt: -1})
	for i, l := range lines {
		m := &os1.Message{UserID: u.ID, ConversationID: conv.ID, Role: os1.RoleUser, Content: l, CreatedAt: time.Date(2024, 5, 1+i, 10, 0, 0, 0, time.UTC)}
		if err := db.AddMessage(ctx, m); err != nil {
			c.t.Fatal(err)
		}
		if err := mem.Ingest(ctx, m); err != nil {
			c.t.Fatal(err)
		}
	}
}

func TestMemoryCommand(t *testing.T) {
	c := newCLI(t)
	if _, err := c.run("memory", "list"); err == nil || !strings.Contains(err.Error(), "nobody here") {
		t.Fatalf("list on an empty instance: %v", err)
	}
	c.seedPerson("theo", "My sister Anna lives far away.", "I work as a carpenter.", "I love woodworking and old jazz records.")
	c.seedPerson("bob", "I work as a pilot.")

	if _, err := c.run("memory", "list"); exitCode(err) != 2 || !strings.Contains(err.Error(), "--user NAME") {
		t.Fatalf("list with two people and no --user: %v", err)
	}
	list := c.ok("memory", "list", "--user", "theo")
	for _, want := range []string{"KIND", "fact", "works as a carpenter", "person", "Anna (sister)", "current"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}
	if strings.Contains(list, "pilot") {
		t.Fatalf("theo's list shows bob's memory:\n%s", list)
	}
	facts := c.ok("memory", "list", "--kind", "fact", "--user=theo")
	if strings.Contains(facts, "\nperson ") || !strings.Contains(facts, "\nfact ") {
		t.Errorf("--kind fact lists people:\n%s", facts)
	}
	if _, err := c.run("memory", "list", "--kind", "dreams", "--user", "theo"); err == nil || !strings.Contains(err.Error(), "unknown memory kind") {
		t.Errorf("bad kind: %v", err)
	}

	search := c.ok("memory", "search", "what", "does", "theo", "do", "for", "work", "--user", "theo")
	if !strings.Contains(search, "carpenter") || !strings.Contains(search, "FROM MESSAGES") {
		t.Fatalf("search:\n%s", search)
	}
	if _, err := c.run("memory", "search", "--user", "theo"); exitCode(err) != 2 {
		t.Errorf("search without a query: %v", err)
	}

	// Find the carpenter fact's id through the store, then show, edit, forget it.
	db, err := sqlite.Open(context.Background(), filepath.Join(c.data, "os1.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	theo, _ := db.FindUserByName(context.Background(), "theo")
	bob, _ := db.FindUserByName(context.Background(), "bob")
	var job, bobJob *os1.Fact
	for _, pair := range []struct {
		uid int64
		dst **os1.Fact
	}{{theo.ID, &job}, {bob.ID, &bobJob}} {
		fs, _ := db.Facts(context.Background(), pair.uid, false)
		for _, f := range fs {
			if f.Slot == "job" {
				*pair.dst = f
			}
		}
	}
	db.Close()
	if job == nil || bobJob == nil {
		t.Fatal("no job facts")
	}
	id := func(f *os1.Fact) string { return itoa(f.ID) }

	show := c.ok("memory", "show", "fact", id(job), "--user", "theo")
	if !strings.Contains(show, "works as a carpenter") || !strings.Contains(show, "From 1 message(s)") || !strings.Contains(show, "I work as a carpenter.") {
		t.Fatalf("show:\n%s", show)
	}
	if _, err := c.run("memory", "show", "fact", id(bobJob), "--user", "theo"); err == nil || !strings.Contains(err.Error(), "no such fact") {
		t.Fatalf("theo sees bob's fact: %v", err)
	}
	if _, err := c.run("memory", "show", "secret", "1", "--user", "theo"); exitCode(err) != 2 {
		t.Errorf("unknown kind: %v", err)
	}

	edit := c.ok("memory", "edit", id(job), "works as a furniture maker", "--user", "theo")
	if !strings.Contains(edit, "kept as history") {
		t.Fatalf("edit:\n%s", edit)
	}
	list = c.ok("memory", "list", "--kind", "fact", "--user", "theo")
	if !strings.Contains(list, "furniture maker") || !strings.Contains(list, "history") {
		t.Fatalf("after the edit:\n%s", list)
	}
	if _, err := c.run("memory", "edit", id(bobJob), "hacked", "--user", "theo"); err == nil {
		t.Fatal("theo edited bob's fact")
	}

	forget := c.ok("memory", "forget", "fact", id(job), "--user", "theo")
	if !strings.Contains(forget, "Forgot fact") {
		t.Fatalf("forget:\n%s", forget)
	}
	if _, err := c.run("memory", "forget", "fact", id(job), "--user", "theo"); err == nil || !strings.Contains(err.Error(), "no such fact") {
		t.Errorf("forgetting twice: %v", err)
	}
	if _, err := c.run("memory", "forget", "fact", id(bobJob), "--user", "theo"); err == nil {
		t.Fatal("theo forgot bob's fact")
	}
	fg := c.ok("memory", "forget", "conversation", "1", "--user", "theo")
	if !strings.Contains(fg, "Forgot conversation 1: 3 turn(s)") {
		t.Fatalf("forget conversation:\n%s", fg)
	}
	if out := c.ok("memory", "search", "jazz", "records", "--user", "theo"); !strings.Contains(out, "Nothing in theo's memory") {
		t.Fatalf("the forgotten conversation is still searchable:\n%s", out)
	}
	if out := c.ok("memory", "list", "--user", "bob"); !strings.Contains(out, "pilot") {
		t.Fatalf("bob's memory was touched:\n%s", out)
	}
	if _, err := c.run("memory", "dance"); exitCode(err) != 2 {
		t.Errorf("unknown subcommand: %v", err)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestExportImportCommands(t *testing.T) {
	c := newCLI(t)
	c.seedPerson("theo", "My sister Anna lives in Oslo.", "I work as a carpenter.", "I love old jazz records.")
	dir := t.TempDir()
	file := filepath.Join(dir, "theo.json")
	out := c.ok("export", "--user", "theo", file)
	if !strings.Contains(out, "Exported theo") || !strings.Contains(out, "theo.md") {
		t.Fatalf("export:\n%s", out)
	}
	md, err := os.ReadFile(filepath.Join(dir, "theo.md"))
	if err != nil || !strings.Contains(string(md), "| Anna | sister |") {
		t.Fatalf("markdown: %v\n%s", err, md)
	}
	if _, err := c.run("export", file); err != nil {
		t.Fatalf("export of the only person without --user: %v", err)
	}
	if _, err := c.run("export", "--user", "nobody", file); err == nil {
		t.Fatal("exported a missing person")
	}

	// Into a fresh instance.
	fresh := newCLI(t)
	out = fresh.ok("import", file)
	if !strings.Contains(out, "Imported theo") || !strings.Contains(out, "3 messages") || !strings.Contains(out, "os1 user key theo") {
		t.Fatalf("import:\n%s", out)
	}
	if s := fresh.ok("memory", "search", "jazz", "records"); !strings.Contains(s, "jazz") {
		t.Fatalf("imported memory not searchable:\n%s", s)
	}
	// A name clash is refused and changes nothing.
	if _, err := fresh.run("import", file); err == nil || !strings.Contains(err.Error(), "already exists") || !strings.Contains(err.Error(), "nothing was imported") {
		t.Fatalf("clash: %v", err)
	}
	if s := fresh.ok("user", "list"); strings.Count(s, "theo") != 1 {
		t.Fatalf("users after a clash:\n%s", s)
	}
	// A damaged archive is refused.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"format":"os1-archive","version":1,"person":{"user":{"name":"eve"},"messages":[{"id":1,"conversation_id":9,"role":"user"}]}}`), 0o600)
	if _, err := fresh.run("import", bad); err == nil || !strings.Contains(err.Error(), "not in the archive") {
		t.Fatalf("bad archive: %v", err)
	}
	if _, err := fresh.run("import"); exitCode(err) != 2 {
		t.Errorf("import without a file: %v", err)
	}
}
