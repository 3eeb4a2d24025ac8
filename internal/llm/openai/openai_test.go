package openai_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"os1/internal/llm/llmtest"
	"os1/internal/llm/openai"
	"os1/internal/os1"
)

func newClient(t testing.TB, url string, s llmtest.Settings) *openai.Client {
	t.Helper()
	c, err := openai.New(openai.Config{
		BaseURL:    url + "/v1",
		APIKey:     s.APIKey,
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
		Fake: llmtest.NewOpenAI,
		New: func(t testing.TB, url string, s llmtest.Settings) os1.ChatModel {
			return newClient(t, url, s)
		},
	})
}

func TestChatSendsOptionsAndKey(t *testing.T) {
	srv := llmtest.NewOpenAI(llmtest.Options{Chunks: []string{`{"ok":`, ` true}`}})
	defer srv.Close()
	c := newClient(t, srv.URL, llmtest.Settings{Model: "fake-chat", APIKey: "sk-test"})
	temp := 0.25
	resp, err := c.Chat(context.Background(), os1.ChatRequest{
		Messages:    []os1.ChatMessage{{Role: os1.RoleUser, Content: "Answer in JSON"}},
		Temperature: &temp,
		MaxTokens:   77,
		JSON:        true,
	}, func(os1.Chunk) error { return nil })
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if resp.Content != `{"ok": true}` {
		t.Errorf("content = %q", resp.Content)
	}
	r, _ := srv.LastChat()
	if !r.JSON {
		t.Errorf("response_format json_object not sent: %s", r.Body)
	}
	if r.Temperature == nil || *r.Temperature != 0.25 {
		t.Errorf("temperature = %v, want 0.25", r.Temperature)
	}
	if r.MaxTokens != 77 {
		t.Errorf("max_tokens = %d, want 77", r.MaxTokens)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer sk-test" {
		t.Errorf("Authorization = %q", got)
	}
	if r.Path != "/v1/chat/completions" {
		t.Errorf("path = %q", r.Path)
	}
}

func TestChatOmitsUnsetOptions(t *testing.T) {
	srv := llmtest.NewOpenAI(llmtest.Options{})
	defer srv.Close()
	c := newClient(t, srv.URL, llmtest.Settings{Model: "fake-chat"})
	if _, err := c.Chat(context.Background(), os1.ChatRequest{
		Messages: []os1.ChatMessage{{Role: os1.RoleUser, Content: "hi"}},
	}, func(os1.Chunk) error { return nil }); err != nil {
		t.Fatalf("Chat: %v", err)
	}
	r, _ := srv.LastChat()
	for _, k := range []string{"temperature", "max_tokens", "response_format"} {
		if _, ok := r.Raw[k]; ok {
			t.Errorf("%s sent though unset: %s", k, r.Body)
		}
	}
	if r.Header.Get("Authorization") != "" {
		t.Errorf("Authorization sent without a key: %q", r.Header.Get("Authorization"))
	}
}

func TestBareHostGetsV1(t *testing.T) {
	srv := llmtest.NewOpenAI(llmtest.Options{})
	defer srv.Close()
	c, err := openai.New(openai.Config{BaseURL: srv.URL, Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Chat(context.Background(), os1.ChatRequest{Messages: []os1.ChatMessage{{Role: "user", Content: "x"}}},
		func(os1.Chunk) error { return nil }); err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if r, _ := srv.LastChat(); r.Path != "/v1/chat/completions" {
		t.Errorf("path = %q, want /v1/chat/completions", r.Path)
	}
	if got := c.Info(); got.Provider != "openai" || got.URL != srv.URL+"/v1" || got.Offline {
		t.Errorf("Info = %+v", got)
	}
	if _, err := openai.New(openai.Config{BaseURL: "localhost:8000"}); os1.ErrorCode(err) != os1.EINVALID {
		t.Errorf("New with a URL without scheme: err = %v, want EINVALID", err)
	}
}

func TestEmbed(t *testing.T) {
	srv := llmtest.NewOpenAI(llmtest.Options{Dim: 16})
	defer srv.Close()
	c := newClient(t, srv.URL, llmtest.Settings{Model: "fake-chat"})
	texts := []string{"I love the sea", "my dog is called Rex", "I love the sea"}
	vs, err := c.Embed(context.Background(), texts)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if len(vs) != 3 {
		t.Fatalf("%d vectors, want 3", len(vs))
	}
	for i, v := range vs {
		if want := llmtest.Vector(texts[i], 16); !reflect.DeepEqual(v, want) {
			t.Errorf("vector %d = %v, want %v", i, v, want)
		}
	}
	if reflect.DeepEqual(vs[0], vs[1]) {
		t.Error("different texts gave equal vectors")
	}
	rs := srv.Requests()
	last := rs[len(rs)-1]
	if last.Kind != "embed" || last.Model != "fake-embed" || !reflect.DeepEqual(last.Input, texts) {
		t.Errorf("embed request = kind %q model %q input %q", last.Kind, last.Model, last.Input)
	}
}

func TestListModels(t *testing.T) {
	srv := llmtest.NewOpenAI(llmtest.Options{Models: []string{"qwen2.5-7b", "text-embedding-3-small"}})
	defer srv.Close()
	c := newClient(t, srv.URL, llmtest.Settings{Model: "qwen2.5-7b"})
	got, err := c.ListModels(context.Background())
	if err != nil {
		t.Fatalf("ListModels: %v", err)
	}
	if want := []string{"qwen2.5-7b", "text-embedding-3-small"}; !reflect.DeepEqual(got, want) {
		t.Errorf("models = %q, want %q", got, want)
	}
}

func TestListModelsUnreachable(t *testing.T) {
	c := newClient(t, llmtest.Unreachable(t), llmtest.Settings{MaxRetries: -1})
	_, err := c.ListModels(context.Background())
	if os1.ErrorCode(err) != os1.EUNAVAILABLE || !strings.Contains(os1.ErrorMessage(err), "not answering") {
		t.Errorf("err = %v, want EUNAVAILABLE, not answering", err)
	}
}

// BenchmarkChatChunk measures the client's cost per streamed chunk: a
// 200-chunk reply from the fake over loopback HTTP, reported per chunk.
func BenchmarkChatChunk(b *testing.B) {
	chunks := make([]string, 200)
	for i := range chunks {
		chunks[i] = " word"
	}
	srv := llmtest.NewOpenAI(llmtest.Options{Chunks: chunks})
	defer srv.Close()
	c := newClient(b, srv.URL, llmtest.Settings{Model: "fake-chat", Timeout: 10 * time.Second})
	req := os1.ChatRequest{Messages: []os1.ChatMessage{{Role: "user", Content: "go"}}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		if _, err := c.Chat(context.Background(), req, func(os1.Chunk) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != len(chunks) {
			b.Fatalf("%d chunks", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(chunks)), "ns/chunk")
}
