package config_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"os1/internal/config"
)

func load(t *testing.T, args []string, env map[string]string) (config.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	f := config.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["XDG_CONFIG_HOME"]; !ok {
		env["XDG_CONFIG_HOME"] = t.TempDir()
	}
	return config.Load(f, func(k string) string { return env[k] })
}

func TestPrecedenceFlagsOverEnvOverFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "os1.toml")
	os.WriteFile(file, []byte(`
addr = "127.0.0.1:1111"
data = "/from/file"
[llm]
provider = "ollama"
model = "file-model"
timeout = "5s"
`), 0o600)
	cfg, err := load(t, []string{"--config", file, "--llm-model", "flag-model"}, map[string]string{"OS1_ADDR": "127.0.0.1:2222", "OS1_LLM_MODEL": "env-model"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:2222" || cfg.Data != "/from/file" || cfg.LLM.Model != "flag-model" || cfg.LLM.Provider != "ollama" || cfg.LLM.Timeout.Duration != 5*time.Second {
		t.Fatalf("cfg = %+v", cfg)
	}
}

func TestDefaultsAndXDG(t *testing.T) {
	cfg, err := load(t, nil, map[string]string{"XDG_DATA_HOME": "/xdg"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:7777" || cfg.Data != "/xdg/os1" || cfg.MaxBodyBytes != 1<<20 || cfg.DBPath() != "/xdg/os1/os1.db" {
		t.Fatalf("defaults = %+v", cfg)
	}
}

func TestValidationSaysWhatIsWrong(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--llm", "gpt"}, nil, "not one of"},
		{[]string{"--addr", "nonsense"}, nil, "host:port"},
		{[]string{"--llm", "anthropic"}, nil, "ANTHROPIC_API_KEY"},
		{[]string{"--llm", "openai"}, nil, "--llm-url"},
		{[]string{"--max-body", "10"}, nil, "max body"},
		{[]string{"--llm-timeout", "soon"}, nil, "llm-timeout"},
		{nil, map[string]string{"OS1_LOG_LEVEL": "loud"}, "log level"},
	} {
		_, err := load(t, tc.args, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: err = %v, want it to mention %q", tc.args, tc.env, err, tc.want)
		}
	}
	// A provider's conventional key variable is honoured.
	cfg, err := load(t, []string{"--llm", "anthropic"}, map[string]string{"ANTHROPIC_API_KEY": "sk-ant-x"})
	if err != nil || cfg.LLM.Key != "sk-ant-x" {
		t.Fatalf("ANTHROPIC_API_KEY: %v %q", err, cfg.LLM.Key)
	}
}

func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("addr = [broken"), 0o600)
	if _, err := load(t, []string{"--config", bad}, nil); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("broken file: %v", err)
	}
	unknown := filepath.Join(dir, "unknown.toml")
	os.WriteFile(unknown, []byte("adr = \"x:1\""), 0o600)
	if _, err := load(t, []string{"--config", unknown}, nil); err == nil || !strings.Contains(err.Error(), "unknown setting") {
		t.Fatalf("unknown key: %v", err)
	}
	if _, err := load(t, []string{"--config", filepath.Join(dir, "missing.toml")}, nil); err == nil {
		t.Fatal("a named config file that does not exist was accepted")
	}
}

func TestKeyFileAndMasking(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	os.WriteFile(keyFile, []byte("sk-secret-from-file\n"), 0o600)
	cfg, err := load(t, []string{"--llm", "openai", "--llm-url", "http://x/v1"}, map[string]string{"OS1_LLM_KEY_FILE": keyFile})
	if err != nil || cfg.LLM.Key != "sk-secret-from-file" {
		t.Fatalf("key file: %v %q", err, cfg.LLM.Key)
	}
	if out := cfg.Masked(); strings.Contains(out, "secret") || !strings.Contains(out, "masked") {
		t.Fatalf("masked dump leaks the key:\n%s", out)
	}
}
