package anthropic_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"os1/internal/llm/anthropic"
	"os1/internal/llm/llmtest"
	"os1/internal/os1"
)

func newClient(t testing.TB, url string, s llmtest.Settings) *anthropic.Client {
	t.Helper()
	key := s.APIKey
	if key == "" {
		key = "sk-ant-test"
	}
	c, err := anthropic.New(anthropic.Config{
		BaseURL:    url,
		APIKey:     key,
		Model:      s.Model,
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
		Fake: llmtest.NewAnthropic,
		New: func(t testing.TB, url string, s llmtest.Settings) os1.ChatModel {
			return newClient(t, url, s)
		},
	})
}

func TestChatWire(t *testing.T) {
	srv := llmtest.NewAnthropic(llmtest.Options{PromptTokens: 31, ReplyTokens: 4})
	defer srv.Close()
	c := newClient(t, srv.URL, llmtest.Settings{Model: "claude-test", APIKey: "sk-ant-xyz"})
	temp := 0.7
	resp, err := c.Chat(context.Background(), os1.ChatRequest{
		Messages: []os1.ChatMessage{
			{Role: os1.RoleSystem, Content: "You are Samantha."},
			{Role: os1.RoleSystem, Content: "It is evening."},
			{Role: os1.RoleUser, Content: "hi"},
			{Role: os1.RoleUser, Content: "are you there?"},
			{Role: os1.RoleAssistant, Content: "I am."},
			{Role: os1.RoleUser, Content: "good"},
		},
		Temperature: &temp,
	}, func(os1.Chunk) error { return nil })
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if resp.Content != srv.Reply() || resp.PromptTokens != 31 || resp.ReplyTokens != 4 || resp.Model != "claude-test" {
		t.Errorf("response = %+v", resp)
	}
	r, _ := srv.LastChat()
	if r.Path != "/v1/messages" || !r.Stream {
		t.Errorf("path %q stream %v", r.Path, r.Stream)
	}
	if got := r.Header.Get("X-Api-Key"); got != "sk-ant-xyz" {
		t.Errorf("x-api-key = %q", got)
	}
	if !strings.Contains(r.System, "You are Samantha.") || !strings.Contains(r.System, "It is evening.") {
		t.Errorf("system = %q", r.System)
	}
	want := []os1.ChatMessage{
		{Role: "user", Content: "hi\n\nare you there?"},
		{Role: "assistant", Content: "I am."},
		{Role: "user", Content: "good"},
	}
	if !reflect.DeepEqual(r.Messages, want) {
		t.Errorf("messages = %+v, want %+v", r.Messages, want)
	}
	if r.MaxTokens != anthropic.DefaultMaxTokens {
		t.Errorf("max_tokens = %d, want the default %d", r.MaxTokens, anthropic.DefaultMaxTokens)
	}
	if r.Temperature == nil || *r.Temperature != 0.7 {
		t.Errorf("temperature = %v", r.Temperature)
	}
}

func TestChatMaxTokensAndJSON(t *testing.T) {
	srv := llmtest.NewAnthropic(llmtest.Options{})
	defer srv.Close()
	c := newClient(t, srv.URL, llmtest.Settings{Model: "claude-test"})
	_, err := c.Chat(context.Background(), os1.ChatRequest{
		Messages:  []os1.ChatMessage{{Role: os1.RoleUser, Content: "facts?"}},
		MaxTokens: 300,
		JSON:      true,
	}, func(os1.Chunk) error { return nil })
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	r, _ := srv.LastChat()
	if r.MaxTokens != 300 {
		t.Errorf("max_tokens = %d, want 300", r.MaxTokens)
	}
	if !strings.Contains(r.System, "JSON object") {
		t.Errorf("JSON instruction missing from system: %q", r.System)
	}
	if _, ok := r.Raw["temperature"]; ok {
		t.Errorf("temperature sent though unset")
	}
}

func TestOverloadedIsRetried(t *testing.T) {
	srv := llmtest.NewAnthropic(llmtest.Options{FailFirst: 1, FailStatus: 529})
	defer srv.Close()
	c := newClient(t, srv.URL, llmtest.Settings{Model: "claude-test"})
	resp, err := c.Chat(context.Background(), os1.ChatRequest{Messages: []os1.ChatMessage{{Role: "user", Content: "x"}}},
		func(os1.Chunk) error { return nil })
	if err != nil {
		t.Fatalf("Chat after one 529: %v", err)
	}
	if resp.Content != srv.Reply() || len(srv.ChatRequests()) != 2 {
		t.Errorf("content %q after %d requests", resp.Content, len(srv.ChatRequests()))
	}
}

func TestConvert(t *testing.T) {
	sys, msgs := anthropic.Convert([]os1.ChatMessage{
		{Role: os1.RoleAssistant, Content: "Hello, I'm here."},
		{Role: os1.RoleSystem, Content: "Be brief."},
		{Role: os1.RoleUser, Content: "  "},
		{Role: os1.RoleUser, Content: "hey"},
	})
	if !reflect.DeepEqual(sys, []string{"Be brief."}) {
		t.Errorf("system = %q", sys)
	}
	if len(msgs) != 3 || msgs[0].Role != "user" || msgs[1].Role != "assistant" || msgs[2] != (os1.ChatMessage{Role: "user", Content: "hey"}) {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestNewNeedsKey(t *testing.T) {
	if _, err := anthropic.New(anthropic.Config{Model: "m"}); os1.ErrorCode(err) != os1.EINVALID {
		t.Errorf("err = %v, want EINVALID", err)
	}
}

func TestListModels(t *testing.T) {
	srv := llmtest.NewAnthropic(llmtest.Options{Models: []string{"claude-a", "claude-b"}})
	defer srv.Close()
	c := newClient(t, srv.URL, llmtest.Settings{Model: "claude-a"})
	got, err := c.ListModels(context.Background())
	if err != nil {
		t.Fatalf("ListModels: %v", err)
	}
	if !reflect.DeepEqual(got, []string{"claude-a", "claude-b"}) {
		t.Errorf("models = %q", got)
	}
}
