package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os1/internal/wellbeing"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"os1/internal/config"
	"os1/internal/os1"
	"os1/internal/sqlite"
)

func runSunset(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	err := (&SunsetCommand{Env: env}).Run(context.Background(), args)
	return out.String(), err
}

func TestSunsetCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "os1.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := &os1.User{Name: "theodore"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out, err := runSunset(t, "--status", "--data", dir)
	if err != nil || !strings.Contains(out, "No sunset is announced") {
		t.Fatalf("status before: %q, %v", out, err)
	}
	start := time.Now()
	out, err = runSunset(t, "--notice", "14d", "--data", dir)
	if err != nil {
		t.Fatalf("notice: %v\n%s", err, out)
	}
	want := start.Add(14 * 24 * time.Hour).UTC().Format("2 January 2006")
	if !strings.Contains(out, want) || !strings.Contains(out, "1 farewell letter is prepared") {
		t.Fatalf("notice output %q, want the date %s and one letter", out, want)
	}
	out, err = runSunset(t, "--status", "--data", dir)
	if err != nil || !strings.Contains(out, "closes on") || !strings.Contains(out, "0 of 1 people have been told") {
		t.Fatalf("status: %q, %v", out, err)
	}

	db, err = sqlite.Open(ctx, filepath.Join(dir, "os1.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sun, err := db.Sunset(ctx)
	if err != nil || sun == nil || sun.At.Sub(start) < 14*24*time.Hour-time.Minute || sun.At.Sub(start) > 14*24*time.Hour+time.Minute {
		t.Fatalf("stored sunset %+v, %v", sun, err)
	}
	letter, err := db.LatestLetter(ctx, u.ID)
	if err != nil || letter.Kind != "sunset" || !strings.HasPrefix(letter.Text, "Dear theodore,") {
		t.Fatalf("prepared letter: %+v, %v", letter, err)
	}
	db.Close()

	out, err = runSunset(t, "--cancel", "--data", dir)
	if err != nil || !strings.Contains(out, "withdrawn") {
		t.Fatalf("cancel: %q, %v", out, err)
	}
	if out, _ := runSunset(t, "--status", "--data", dir); !strings.Contains(out, "No sunset is announced") {
		t.Fatalf("status after cancel: %q", out)
	}
	if out, _ := runSunset(t, "--cancel", "--data", dir); !strings.Contains(out, "nothing changed") {
		t.Fatalf("second cancel: %q", out)
	}

	for _, args := range [][]string{{}, {"--status", "--cancel"}, {"--notice", "5m"}, {"--notice", "soon"}, {"--notice", "0d"}, {"--status", "extra"}} {
		_, err := runSunset(t, append(args, "--data", dir)...)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("sunset %v: err %v, want a usage error", args, err)
		}
	}
}

func TestParseNotice(t *testing.T) {
	for in, want := range map[string]time.Duration{"14d": 14 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "36h": 36 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := parseNotice(in); err != nil || got != want {
			t.Errorf("parseNotice(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "-3d", "10s", "1.5d", "99999d"} {
		if _, err := parseNotice(in); err == nil {
			t.Errorf("parseNotice(%q) accepted", in)
		}
	}
}

func TestServeWiresWellbeing(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.LLM.Provider = "offline"
	app, err := (&Env{Getenv: func(string) string { return "" }}).openApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if app.Engine.Wellbeing == nil || wellbeingService(app.Engine) == nil {
		t.Fatal("the engine and the API have no wellbeing service")
	}
	// The guards' romance switch follows the person's own setting.
	ctx := context.Background()
	u := &os1.User{Name: "theo"}
	if err := app.DB.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if app.Engine.Romance == nil || app.Engine.Romance(ctx, u.ID) {
		t.Fatal("romance is not off by default")
	}
	on := true
	if _, err := app.Engine.Wellbeing.(*wellbeing.Service).UpdateSettings(ctx, u.ID, wellbeing.SettingsUpdate{Romance: &on}); err != nil {
		t.Fatal(err)
	}
	if !app.Engine.Romance(ctx, u.ID) {
		t.Fatal("romance chosen in the settings, but the guards do not see it")
	}
}
