package ollama_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"os1/internal/llm/llmtest"
	"os1/internal/llm/ollama"
	"os1/internal/os1"
)

func newClient(t testing.TB, url string, s llmtest.Settings) *ollama.Client {
	t.Helper()
	c, err := ollama.New(ollama.Config{
		Host:       url,
		Model:      s.Model,
		EmbedModel: "fake-embed",
		Timeout:    s.Timeout,
		MaxRetries: s.MaxRetries,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestChatModel(t *testing.T) {
	llmtest.RunChatModelTests(t, llmtest.Provider{
		Fake: llmtest.NewOllama,
		New: func(t testing.TB, url string, s llmtest.Settings) os1.ChatModel {
			return newClient(t, url, s)
		},
	})
}

func TestChatSendsOptions(t *testing.T) {
	srv := llmtest.NewOllama(llmtest.Options{Chunks: []string{`{"mood":`, `"calm"}`}, PromptTokens: 42, ReplyTokens: 7})
	defer srv.Close()
	c := newClient(t, srv.URL, llmtest.Settings{Model: "llama3.2"})
	temp := 0.5
	resp, err := c.Chat(context.Background(), os1.ChatRequest{
		Messages:    []os1.ChatMessage{{Role: os1.RoleSystem, Content: "sys"}, {Role: os1.RoleUser, Content: "mood?"}},
		Temperature: &temp,
		MaxTokens:   64,
		JSON:        true,
	}, func(os1.Chunk) error { return nil })
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if resp.Content != `{"mood":"calm"}` || resp.PromptTokens != 42 || resp.ReplyTokens != 7 || resp.Model != "llama3.2" {
		t.Errorf("response = %+v", resp)
	}
	r, _ := srv.LastChat()
	if !r.JSON {
		t.Errorf(`format "json" not sent: %s`, r.Body)
	}
	if r.Temperature == nil || *r.Temperature != 0.5 || r.MaxTokens != 64 {
		t.Errorf("options sent: temperature %v, num_predict %d", r.Temperature, r.MaxTokens)
	}
	want := []os1.ChatMessage{{Role: "system", Content: "sys"}, {Role: "user", Content: "mood?"}}
	if !reflect.DeepEqual(r.Messages, want) {
		t.Errorf("messages = %+v", r.Messages)
	}
}

func TestMissingModelSaysHowToPull(t *testing.T) {
	srv := llmtest.NewOllama(llmtest.Options{StrictModels: true, Models: []string{"llama3.2:latest"}})
	defer srv.Close()
	c := newClient(t, srv.URL, llmtest.Settings{Model: "qwen3:8b"})
	_, err := c.Chat(context.Background(), os1.ChatRequest{Messages: []os1.ChatMessage{{Role: "user", Content: "hi"}}},
		func(os1.Chunk) error { return nil })
	if os1.ErrorCode(err) != os1.EUNAVAILABLE || !strings.Contains(os1.ErrorMessage(err), "ollama pull qwen3:8b") {
		t.Fatalf("err = %v, want EUNAVAILABLE with `ollama pull qwen3:8b`", err)
	}
}

func TestUnreachableSaysHowToStart(t *testing.T) {
	c := newClient(t, llmtest.Unreachable(t), llmtest.Settings{Model: "m", MaxRetries: -1})
	_, err := c.Chat(context.Background(), os1.ChatRequest{Messages: []os1.ChatMessage{{Role: "user", Content: "hi"}}},
		func(os1.Chunk) error { return nil })
	if os1.ErrorCode(err) != os1.EUNAVAILABLE || !strings.Contains(os1.ErrorMessage(err), "ollama serve") {
		t.Fatalf("err = %v, want EUNAVAILABLE mentioning `ollama serve`", err)
	}
}

// An Ollama stream cut without its final "done" object is an error, even
// though the api client itself ends quietly on a broken body.
func TestStreamWithoutDoneIsAnError(t *testing.T) {
	srv := llmtest.NewOllama(llmtest.Options{Chunks: []string{"a", "b"}, BreakAfter: 2})
	defer srv.Close()
	c := newClient(t, srv.URL, llmtest.Settings{Model: "m"})
	fn, got := llmtest.Collect()
	_, err := c.Chat(context.Background(), os1.ChatRequest{Messages: []os1.ChatMessage{{Role: "user", Content: "hi"}}}, fn)
	if os1.ErrorCode(err) != os1.EUNAVAILABLE {
		t.Fatalf("err = %v, want EUNAVAILABLE", err)
	}
	if strings.Join(got(), "") != "ab" {
		t.Errorf("delivered %q", got())
	}
}

func TestEmbed(t *testing.T) {
	srv := llmtest.NewOllama(llmtest.Options{})
	defer srv.Close()
	c := newClient(t, srv.URL, llmtest.Settings{Model: "llama3.2"})
	texts := []string{"hello", "world"}
	vs, err := c.Embed(context.Background(), texts)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	for i, v := range vs {
		if want := llmtest.Vector(texts[i], llmtest.DefaultDim); !reflect.DeepEqual(v, want) {
			t.Errorf("vector %d = %v, want %v", i, v, want)
		}
	}
	rs := srv.Requests()
	last := rs[len(rs)-1]
	if last.Path != "/api/embed" || last.Model != "fake-embed" || !reflect.DeepEqual(last.Input, texts) {
		t.Errorf("embed request: path %q model %q input %q", last.Path, last.Model, last.Input)
	}
}

func TestListModels(t *testing.T) {
	srv := llmtest.NewOllama(llmtest.Options{Models: []string{"nomic-embed-text:latest", "llama3.2:latest"}})
	defer srv.Close()
	c := newClient(t, srv.URL, llmtest.Settings{})
	got, err := c.ListModels(context.Background())
	if err != nil {
		t.Fatalf("ListModels: %v", err)
	}
	if want := []string{"nomic-embed-text:latest", "llama3.2:latest"}; !reflect.DeepEqual(got, want) {
		t.Errorf("models = %q, want %q", got, want)
	}
}

func TestProbe(t *testing.T) {
	srv := llmtest.NewOllama(llmtest.Options{Models: []string{"mxbai-embed-large", "gemma3:4b"}})
	defer srv.Close()
	models, err := ollama.Probe(context.Background(), srv.URL)
	if err != nil {
		t.Fatalf("Probe of a running server: %v", err)
	}
	if !reflect.DeepEqual(models, []string{"mxbai-embed-large", "gemma3:4b"}) {
		t.Errorf("models = %q", models)
	}
	// A bare host:port, as OLLAMA_HOST is often written.
	if _, err := ollama.Probe(context.Background(), strings.TrimPrefix(srv.URL, "http://")); err != nil {
		t.Errorf("Probe of host:port: %v", err)
	}
}

func TestProbeNothingThere(t *testing.T) {
	url := llmtest.Unreachable(t)
	start := time.Now()
	_, err := ollama.Probe(context.Background(), url)
	if os1.ErrorCode(err) != os1.EUNAVAILABLE || !strings.Contains(os1.ErrorMessage(err), strings.TrimPrefix(url, "http://")) {
		t.Fatalf("err = %v, want EUNAVAILABLE naming the address", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Probe of a closed port took %v", d)
	}
}

func TestProbeHangingServer(t *testing.T) {
	// Accepts the connection, never answers.
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-block:
		}
	}))
	defer srv.Close()
	defer close(block)
	start := time.Now()
	_, err := ollama.Probe(context.Background(), srv.URL)
	d := time.Since(start)
	if os1.ErrorCode(err) != os1.EUNAVAILABLE {
		t.Fatalf("err = %v, want EUNAVAILABLE", err)
	}
	if d < ollama.ProbeTimeout-100*time.Millisecond || d > ollama.ProbeTimeout+time.Second {
		t.Errorf("Probe took %v, want about %v", d, ollama.ProbeTimeout)
	}
}

func TestProbeNotOllama(t *testing.T) {
	// Some other web server: answers, but 404 on /api/tags.
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if _, err := ollama.Probe(context.Background(), srv.URL); err == nil {
		t.Fatal("Probe accepted a server that is not Ollama")
	}
}

func TestPickModel(t *testing.T) {
	tests := []struct {
		name   string
		models []string
		chat   string
		embed  string
	}{
		{"empty", nil, "", ""},
		{"only embeddings", []string{"nomic-embed-text:latest", "bge-m3:latest", "all-minilm:l6-v2"}, "", "nomic-embed-text:latest"},
		{"embedding first", []string{"mxbai-embed-large:latest", "llama3.2:latest", "qwen3:8b"}, "llama3.2:latest", "mxbai-embed-large:latest"},
		{"chat only", []string{"gemma3:4b"}, "gemma3:4b", ""},
		{"case", []string{"Snowflake-Arctic-EMBED:22m", "mistral:7b"}, "mistral:7b", "Snowflake-Arctic-EMBED:22m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ollama.PickModel(tt.models); got != tt.chat {
				t.Errorf("PickModel = %q, want %q", got, tt.chat)
			}
			if got := ollama.PickEmbedModel(tt.models); got != tt.embed {
				t.Errorf("PickEmbedModel = %q, want %q", got, tt.embed)
			}
		})
	}
}

func TestHostForms(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "http://127.0.0.1:11434",
		"localhost":              "http://localhost:11434",
		"10.0.0.5:9999":          "http://10.0.0.5:9999",
		"https://ollama.example": "https://ollama.example",
	} {
		c, err := ollama.New(ollama.Config{Host: in, Model: "m"})
		if err != nil {
			t.Fatalf("New(%q): %v", in, err)
		}
		if got := c.Info().URL; got != want {
			t.Errorf("host %q → %q, want %q", in, got, want)
		}
	}
	if _, err := ollama.New(ollama.Config{Host: "ftp://x"}); os1.ErrorCode(err) != os1.EINVALID {
		t.Errorf("ftp host: err = %v, want EINVALID", err)
	}
}
