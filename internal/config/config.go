// Package config loads OS1's configuration: command-line flags override
// OS1_* environment variables, which override an optional TOML file. Only
// cmd/os1 imports it; it copies the values into the adapters.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"os1/internal/guard"
)

// Config is every setting of `os1 serve` (and the data directory for the
// other commands).
type Config struct {
	Data string `toml:"data"` // data directory
	Addr string `toml:"addr"` // listen address, host:port

	LLM LLM `toml:"llm"`

	Guard Guard `toml:"guard"`

	MaxBodyBytes  int64    `toml:"max_body_bytes"` // request body limit
	ContextTokens int      `toml:"context_tokens"` // the model's context budget
	ShutdownGrace Duration `toml:"shutdown_grace"` // how long in-flight replies may finish on SIGTERM
	LogLevel      string   `toml:"log_level"`      // debug, info, warn, error
	LogFormat     string   `toml:"log_format"`     // text or json
}

// LLM selects and configures the model provider.
type LLM struct {
	Provider   string   `toml:"provider"`    // "", ollama, openai, anthropic, offline ("": probe Ollama)
	Model      string   `toml:"model"`       // provider model name
	URL        string   `toml:"url"`         // base URL of the provider's API
	Key        string   `toml:"key"`         // API key (secret)
	EmbedModel string   `toml:"embed_model"` // embeddings model, when the provider has one
	Timeout    Duration `toml:"timeout"`     // time allowed until the first chunk of a reply
}

// Guard configures the crisis resources the guards give. The guards
// themselves always run and cannot be switched off.
type Guard struct {
	// Locale chooses the crisis lines by region: "en-GB", "en_US.UTF-8",
	// "de-DE"... (US, GB, IE, CA, AU, NZ, DE, FR are built in). Empty or
	// another region: an international default (local emergency number,
	// findahelpline.com, 988 for the US and Canada, Samaritans 116 123 for
	// the UK and Ireland).
	Locale string `toml:"locale"`
	// Emergency replaces what is said about the emergency number, e.g. "112".
	Emergency string `toml:"emergency"`
	// Resources replace the locale's crisis lines; findahelpline.com is
	// always listed after them.
	Resources []CrisisLine `toml:"resources"`
}

// CrisisLine is one crisis line of [Guard.Resources].
type CrisisLine struct {
	Name    string `toml:"name"`    // "Samaritans"
	Contact string `toml:"contact"` // what to call, text or visit: "116 123"
	Detail  string `toml:"detail"`  // optional: "free, 24/7"
}

// GuardOptions returns the guard configuration for guard.New.
func (g Guard) GuardOptions() guard.Options {
	o := guard.Options{Locale: g.Locale, Emergency: g.Emergency}
	for _, r := range g.Resources {
		o.Resources = append(o.Resources, guard.Resource{Name: r.Name, Contact: r.Contact, Detail: r.Detail})
	}
	return o
}

// Duration is a time.Duration that reads "30s" from TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses a duration such as "30s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	d.Duration = v
	return err
}

// MarshalText formats the duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Providers lists the valid values of LLM.Provider.
var Providers = []string{"ollama", "openai", "anthropic", "offline"}

// Default returns the defaults, with the data directory from XDG.
func Default() Config { return defaults(os.Getenv) }

func defaults(getenv func(string) string) Config {
	return Config{
		Data:          DefaultDataDir(getenv),
		Addr:          "127.0.0.1:7777",
		MaxBodyBytes:  1 << 20,
		ContextTokens: 8192,
		ShutdownGrace: Duration{30 * time.Second},
		LogLevel:      "info",
		LogFormat:     "text",
		LLM:           LLM{Timeout: Duration{60 * time.Second}},
	}
}

// DefaultDataDir is $XDG_DATA_HOME/os1, else ~/.local/share/os1.
func DefaultDataDir(getenv func(string) string) string {
	if x := getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "os1")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "os1-data"
	}
	return filepath.Join(home, ".local", "share", "os1")
}

// DefaultConfigFile is $XDG_CONFIG_HOME/os1/config.toml (~/.config/os1/…).
func DefaultConfigFile(getenv func(string) string) string {
	if x := getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "os1", "config.toml")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".config", "os1", "config.toml")
}

// Flags are the command-line values; a nil or empty value was not given.
type Flags struct {
	fs     *flag.FlagSet
	Config string
	values map[string]*string
}

// flagNames maps flag names to their environment variables.
var flagNames = []struct{ flag, env, usage string }{
	{"data", "OS1_DATA", "data directory (default $XDG_DATA_HOME/os1)"},
	{"addr", "OS1_ADDR", "listen address host:port (default 127.0.0.1:7777)"},
	{"llm", "OS1_LLM", "model provider: ollama, openai, anthropic or offline (default: Ollama if it answers, else offline)"},
	{"llm-model", "OS1_LLM_MODEL", "model name at the provider"},
	{"llm-url", "OS1_LLM_URL", "provider base URL (Ollama: http://127.0.0.1:11434; OpenAI-compatible: e.g. http://localhost:8000/v1)"},
	{"llm-key", "OS1_LLM_KEY", "provider API key (or OS1_LLM_KEY_FILE)"},
	{"llm-embed-model", "OS1_LLM_EMBED_MODEL", "embeddings model at the provider"},
	{"llm-timeout", "OS1_LLM_TIMEOUT", "time allowed until a reply's first chunk (default 60s)"},
	{"max-body", "OS1_MAX_BODY", "request body limit in bytes (default 1048576)"},
	{"context-tokens", "OS1_CONTEXT_TOKENS", "the model's context budget in tokens (default 8192)"},
	{"shutdown-grace", "OS1_SHUTDOWN_GRACE", "how long replies in flight may finish on SIGTERM (default 30s)"},
	{"log-level", "OS1_LOG_LEVEL", "debug, info, warn or error"},
	{"log-format", "OS1_LOG_FORMAT", "text or json"},
	{"guard-locale", "OS1_GUARD_LOCALE", "region of the crisis lines the guards give, e.g. en-GB (default: an international list)"},
}

// Register adds the configuration flags (those in names, or all when names
// is empty) to fs.
func Register(fs *flag.FlagSet, names ...string) *Flags {
	f := &Flags{fs: fs, values: map[string]*string{}}
	fs.StringVar(&f.Config, "config", "", "TOML config file (default $XDG_CONFIG_HOME/os1/config.toml if present; env OS1_CONFIG)")
	for _, n := range flagNames {
		if len(names) > 0 && !contains(names, n.flag) {
			continue
		}
		f.values[n.flag] = fs.String(n.flag, "", n.usage+" [env "+n.env+"]")
	}
	return f
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Load builds the configuration: defaults, then the file, then the
// environment (getenv), then the flags given on the command line.
func Load(f *Flags, getenv func(string) string) (Config, error) {
	cfg := defaults(getenv)
	path, explicit := f.Config, f.Config != ""
	if path == "" {
		if path = getenv("OS1_CONFIG"); path != "" {
			explicit = true
		} else {
			path = DefaultConfigFile(getenv)
		}
	}
	if path != "" {
		if _, err := os.Stat(path); err == nil || explicit {
			md, err := toml.DecodeFile(path, &cfg)
			if err != nil {
				return cfg, fmt.Errorf("read config file %s: %w", path, err)
			}
			if und := md.Undecoded(); len(und) > 0 {
				return cfg, fmt.Errorf("config file %s: unknown setting %q", path, und[0].String())
			}
		}
	}
	set := map[string]string{}
	for _, n := range flagNames {
		if v := getenv(n.env); v != "" {
			set[n.flag] = v
		}
	}
	if v := getenv("OS1_LLM_KEY_FILE"); v != "" && set["llm-key"] == "" {
		b, err := os.ReadFile(v)
		if err != nil {
			return cfg, fmt.Errorf("read OS1_LLM_KEY_FILE: %w", err)
		}
		set["llm-key"] = strings.TrimSpace(string(b))
	}
	if f.fs != nil {
		f.fs.Visit(func(fl *flag.Flag) {
			if p, ok := f.values[fl.Name]; ok {
				set[fl.Name] = *p
			}
		})
	}
	for name, v := range set {
		if err := apply(&cfg, name, v); err != nil {
			return cfg, err
		}
	}
	// Conventional variables of the providers, when nothing else names them.
	if cfg.LLM.Key == "" {
		switch cfg.LLM.Provider {
		case "openai":
			cfg.LLM.Key = getenv("OPENAI_API_KEY")
		case "anthropic":
			cfg.LLM.Key = getenv("ANTHROPIC_API_KEY")
		}
	}
	if cfg.LLM.URL == "" && (cfg.LLM.Provider == "ollama" || cfg.LLM.Provider == "") {
		if h := getenv("OLLAMA_HOST"); h != "" {
			cfg.LLM.URL = h
		}
	}
	return cfg, cfg.Validate()
}

func apply(cfg *Config, name, v string) error {
	var err error
	switch name {
	case "data":
		cfg.Data = v
	case "addr":
		cfg.Addr = v
	case "llm":
		cfg.LLM.Provider = strings.ToLower(v)
	case "llm-model":
		cfg.LLM.Model = v
	case "llm-url":
		cfg.LLM.URL = v
	case "llm-key":
		cfg.LLM.Key = v
	case "llm-embed-model":
		cfg.LLM.EmbedModel = v
	case "llm-timeout":
		cfg.LLM.Timeout.Duration, err = time.ParseDuration(v)
	case "max-body":
		cfg.MaxBodyBytes, err = strconv.ParseInt(v, 10, 64)
	case "context-tokens":
		cfg.ContextTokens, err = strconv.Atoi(v)
	case "shutdown-grace":
		cfg.ShutdownGrace.Duration, err = time.ParseDuration(v)
	case "log-level":
		cfg.LogLevel = v
	case "log-format":
		cfg.LogFormat = v
	case "guard-locale":
		cfg.Guard.Locale = v
	}
	if err != nil {
		return fmt.Errorf("setting %s=%q: %w", name, v, err)
	}
	return nil
}

// Validate reports the first setting that cannot work, saying what to do.
func (c *Config) Validate() error {
	var errs []error
	if c.Data == "" {
		errs = append(errs, errors.New("data directory is empty: pass --data DIR"))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q is not host:port (e.g. 127.0.0.1:7777)", c.Addr))
	}
	if c.LLM.Provider != "" && !contains(Providers, c.LLM.Provider) {
		errs = append(errs, fmt.Errorf("llm %q is not one of %s", c.LLM.Provider, strings.Join(Providers, ", ")))
	}
	if c.LLM.Provider == "openai" && c.LLM.URL == "" && c.LLM.Key == "" {
		errs = append(errs, errors.New("llm openai needs --llm-url (a local OpenAI-compatible server) or --llm-key (OpenAI itself)"))
	}
	if c.LLM.Provider == "anthropic" && c.LLM.Key == "" {
		errs = append(errs, errors.New("llm anthropic needs --llm-key or ANTHROPIC_API_KEY"))
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 1<<30 {
		errs = append(errs, fmt.Errorf("max body %d must be between 1024 and 1073741824 bytes", c.MaxBodyBytes))
	}
	if c.ContextTokens < 512 {
		errs = append(errs, fmt.Errorf("context tokens %d is below 512", c.ContextTokens))
	}
	if c.LLM.Timeout.Duration <= 0 || c.ShutdownGrace.Duration < 0 {
		errs = append(errs, errors.New("llm timeout must be positive and shutdown grace not negative"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log level %q is not debug, info, warn or error", c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log format %q is not text or json", c.LogFormat))
	}
	for i, r := range c.Guard.Resources {
		if strings.TrimSpace(r.Name) == "" || strings.TrimSpace(r.Contact) == "" {
			errs = append(errs, fmt.Errorf("guard resource %d needs both a name and a contact (a number to call or text, or an address)", i+1))
		}
	}
	return errors.Join(errs...)
}

// Masked returns the configuration as TOML with secrets replaced.
func (c Config) Masked() string {
	if c.LLM.Key != "" {
		k := c.LLM.Key
		if len(k) > 8 {
			c.LLM.Key = k[:3] + "…" + "(masked)"
		} else {
			c.LLM.Key = "(masked)"
		}
	}
	var b strings.Builder
	toml.NewEncoder(&b).Encode(c)
	return b.String()
}

// DBPath is the database file inside the data directory.
func (c *Config) DBPath() string { return filepath.Join(c.Data, "os1.db") }
