package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"os1/internal/card"
	"os1/internal/os1"
)

// fakePersonas is an in-memory cardPersonaStore.
type fakePersonas struct {
	mu       sync.Mutex
	personas map[int64]*os1.Persona
	reasons  map[int64][]string
}

func (f *fakePersonas) Persona(ctx context.Context, userID int64) (*os1.Persona, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.personas[userID]
	if !ok {
		return nil, os1.Errorf(os1.ENOTFOUND, "no persona")
	}
	return p, nil
}

func (f *fakePersonas) SetPersona(ctx context.Context, userID int64, p *os1.Persona, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.personas[userID] = p
	f.reasons[userID] = append(f.reasons[userID], reason)
	return nil
}

// cardCLI runs os1 on its own data directory with the card command's
// persona store replaced by a fake.
type cardCLI struct {
	t    *testing.T
	data string
	env  func(string) string
	fake *fakePersonas
}

func newCardCLI(t *testing.T) *cardCLI {
	t.Helper()
	cfg := t.TempDir()
	fake := &fakePersonas{personas: map[int64]*os1.Persona{}, reasons: map[int64][]string{}}
	old := cardStore
	cardStore = func(app *App) cardPersonaStore {
		if app == nil || app.DB == nil {
			t.Errorf("the card command passed no store")
		}
		return fake
	}
	t.Cleanup(func() { cardStore = old })
	return &cardCLI{t: t, data: t.TempDir(), fake: fake, env: func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return cfg
		}
		return ""
	}}
}

func (c *cardCLI) run(args ...string) (string, error) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), append(args, "--data", c.data), strings.NewReader(""), &out, &errOut, c.env)
	return out.String() + errOut.String(), err
}

func (c *cardCLI) ok(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("os1 %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func cardTestdata(name string) string {
	return filepath.Join("..", "..", "internal", "card", "testdata", name)
}

func TestCardImportExport(t *testing.T) {
	c := newCardCLI(t)
	c.ok("user", "add", "theodore")
	c.ok("user", "add", "amy")

	out := c.ok("card", "import", cardTestdata("librarian_v2.json"), "--user", "theodore")
	if !strings.Contains(out, "Imported Wren (Character Card V2, JSON) as theodore's companion persona.") || !strings.Contains(out, "5 lorebook entries") {
		t.Fatalf("import said:\n%s", out)
	}
	if len(c.fake.personas) != 1 {
		t.Fatalf("stored for %d people, want only theodore", len(c.fake.personas))
	}
	var theo int64
	for id := range c.fake.personas {
		theo = id
	}
	if r := c.fake.reasons[theo]; len(r) != 1 || !strings.Contains(r[0], `"librarian_v2.json"`) {
		t.Fatalf("reason %q", r)
	}
	want := c.fake.personas[theo]

	dir := t.TempDir()
	for _, tc := range []struct{ file, format, spec string }{
		{"wren.json", "json", "v2"},
		{"wren3.json", "json", "v3"},
		{"wren.png", "png", "v2"},
		{"wren3.png", "png", ""},
		{"wren.charx", "charx", ""},
	} {
		path := filepath.Join(dir, tc.file)
		args := []string{"card", "export", "--user", "theodore", "--format", tc.format, path}
		if tc.spec != "" {
			args = append(args, "--spec", tc.spec)
		}
		if out := c.ok(args...); !strings.Contains(out, "Wrote theodore's companion Wren to "+path) {
			t.Fatalf("export said %q", out)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		im, err := card.Import(data, path)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if !reflect.DeepEqual(im.Persona, want) {
			t.Fatalf("%s: the exported card imports to a different persona", tc.file)
		}
		// And back in through the command, for amy.
		c.ok("card", "import", path, "--user", "amy")
	}
	if len(c.fake.reasons) != 2 || !reflect.DeepEqual(c.fake.personas[theo], want) {
		t.Fatalf("importing for amy touched theodore's persona")
	}

	// The person's own avatar.
	avatar := filepath.Join(dir, "me.png")
	img, _ := card.Placeholder("Q")
	os.WriteFile(avatar, img, 0o644)
	c.ok("card", "export", "--user", "theodore", "--format", "png", "--avatar", avatar, filepath.Join(dir, "own.png"))
	data, _ := os.ReadFile(filepath.Join(dir, "own.png"))
	if im, err := card.Import(data, ""); err != nil || !bytes.Equal(im.Card.Avatar, img) {
		t.Fatalf("own avatar not used: %v", err)
	}

	// A card that asks to pretend: imported, with warnings printed.
	out = c.ok("card", "import", cardTestdata("pretender_v2.json"), "--user", "amy")
	if strings.Count(out, "warning: ") < 5 || !strings.Contains(out, "Never admit you are an AI") {
		t.Fatalf("no honesty warnings:\n%s", out)
	}
}

func TestCardCommandErrors(t *testing.T) {
	c := newCardCLI(t)
	c.ok("user", "add", "theodore")
	c.ok("user", "add", "amy")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.png")
	os.WriteFile(bad, []byte("\x89PNG\r\n\x1a\nnot really"), 0o644)
	traversal := filepath.Join(dir, "evil.json")
	os.WriteFile(traversal, []byte(`{"spec":"chara_card_v9","data":{}}`), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"card"}, "usage: os1 card import"},
		{[]string{"card", "frobnicate", "x"}, `unknown card command "frobnicate"`},
		{[]string{"card", "import", bad, "--user", "amy"}, "bad.png: the PNG is truncated"},
		{[]string{"card", "import", traversal, "--user", "amy"}, `unsupported card spec "chara_card_v9"`},
		{[]string{"card", "import", filepath.Join(dir, "missing.json"), "--user", "amy"}, "no such file"},
		{[]string{"card", "import", cardTestdata("librarian_v2.json")}, "several people here"},
		{[]string{"card", "import", cardTestdata("librarian_v2.json"), "--user", "nobody"}, "os1 user list"},
		{[]string{"card", "import", cardTestdata("librarian_v2.json"), "--user", "amy", "--format", "png"}, "--format is for card export"},
		{[]string{"card", "export", "--user", "amy", "--format", "json", filepath.Join(dir, "x.json")}, "amy's companion has no persona yet"},
		{[]string{"card", "export", "--user", "amy", filepath.Join(dir, "x.txt")}, "choose a format"},
		{[]string{"card", "export", "--user", "amy", "--format", "json", "--spec", "v9", filepath.Join(dir, "x.json")}, "use v2 or v3"},
	}
	for _, tc := range cases {
		out, err := c.run(tc.args...)
		if err == nil {
			t.Errorf("os1 %v succeeded:\n%s", tc.args, out)
			continue
		}
		if !strings.Contains(err.Error()+out, tc.want) {
			t.Errorf("os1 %v: %v\n%s\nwant %q", tc.args, err, out, tc.want)
		}
	}
	if len(c.fake.personas) != 0 {
		t.Fatalf("a failed import stored something: %v", c.fake.personas)
	}
}
