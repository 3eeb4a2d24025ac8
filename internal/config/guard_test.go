package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"os1/internal/guard"
)

func TestGuardSection(t *testing.T) {
	file := filepath.Join(t.TempDir(), "os1.toml")
	os.WriteFile(file, []byte(`
[guard]
locale = "en-US"
emergency = "112"
[[guard.resources]]
name = "Samaritans"
contact = "116 123"
detail = "free, 24/7"
`), 0o600)
	cfg, err := load(t, []string{"--config", file}, map[string]string{"OS1_GUARD_LOCALE": "en_GB.UTF-8"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Guard.Locale != "en_GB.UTF-8" || cfg.Guard.Emergency != "112" || len(cfg.Guard.Resources) != 1 {
		t.Fatalf("guard = %+v", cfg.Guard)
	}
	text := guard.New(cfg.Guard.GuardOptions()).ResourcesText([]string{guard.KindSuicide})
	if !strings.Contains(text, "call 112") || !strings.Contains(text, "Samaritans: 116 123") || !strings.Contains(text, "findahelpline.com") {
		t.Fatalf("resources = %q", text)
	}

	os.WriteFile(file, []byte("[guard]\n[[guard.resources]]\nname = \"No contact\"\n"), 0o600)
	if _, err := load(t, []string{"--config", file}, nil); err == nil || !strings.Contains(err.Error(), "guard resource 1 needs both a name and a contact") {
		t.Fatalf("err = %v", err)
	}
}
