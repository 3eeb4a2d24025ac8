package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"os1/internal/config"
	"os1/internal/httpapi"
	"os1/internal/llm/llmtest"
	"os1/internal/llm/openai"
	"os1/internal/os1"
	"os1/internal/persona"
)

// stampModel records when each prompt is handed to it and answers at once.
type stampModel struct {
	mu     sync.Mutex
	handed []time.Time
}

func (m *stampModel) Info() os1.ModelInfo { return os1.ModelInfo{Provider: "bench", Model: "stamp"} }

func (m *stampModel) Chat(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
	m.mu.Lock()
	m.handed = append(m.handed, time.Now())
	m.mu.Unlock()
	if err := fn(os1.Chunk{Content: "Mm."}); err != nil {
		return nil, err
	}
	return &os1.ChatResponse{Content: "Mm."}, nil
}

// benchServer wires the app as `os1 serve` does, on a temporary data
// directory, with model as the provider.
func benchServer(b *testing.B, model os1.ChatModel) (*App, string, string, int64) {
	b.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Data = b.TempDir()
	cfg.LLM.Provider = "offline"
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	app, err := (&Env{Getenv: func(string) string { return "" }}).openApp(ctx, cfg, logger)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { app.Close() })
	app.Engine.Model = model
	u := &os1.User{Name: "theodore"}
	if err := app.DB.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	// A person with a long history has long had their first meeting: the
	// companion has its name.
	if self, ok := app.Engine.Self.(*persona.Service); ok {
		p, err := self.Persona(ctx, u.ID)
		if err != nil {
			b.Fatal(err)
		}
		p.Name = "Samantha"
		if _, err := self.SetPersona(ctx, u.ID, p, "named at the first meeting"); err != nil {
			b.Fatal(err)
		}
	}
	key, _, _ := app.DB.CreateAPIKey(ctx, u.ID, "")
	conv := &os1.Conversation{}
	app.DB.CreateConversation(ctx, u.ID, conv)
	srv := &httpapi.Server{Store: app.DB, Engine: app.Engine, Model: model.Info(), Logger: logger}
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(hs.Close)
	return app, hs.URL, key, conv.ID
}

func seedHistory(b *testing.B, app *App, userID, convID int64, n int) {
	b.Helper()
	ctx := context.Background()
	topics := []string{"my sister Anna", "the letters I write at work", "Amy's documentary", "the divorce papers", "a walk on the beach", "the video game", "my friend Paul", "the city at night"}
	for i := 0; i < n; i++ {
		role := os1.RoleUser
		if i%2 == 1 {
			role = os1.RoleAssistant
		}
		text := fmt.Sprintf("Message %d: I keep thinking about %s and what it means for me this week.", i, topics[i%len(topics)])
		m := &os1.Message{ConversationID: convID, UserID: userID, Role: role, Content: text, Tokens: app.Engine.Tokens.CountMessage(text)}
		if err := app.DB.AddMessage(ctx, m); err != nil {
			b.Fatal(err)
		}
		if app.Engine.Memory != nil {
			app.Engine.Memory.Ingest(ctx, m)
		}
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// BenchmarkTurnOverhead measures the companion's own work per turn — from
// the HTTP request sent to the prompt handed to the provider — with 1,000
// earlier messages in the conversation.
func BenchmarkTurnOverhead(b *testing.B) {
	model := &stampModel{}
	app, url, key, convID := benchServer(b, model)
	seedHistory(b, app, 1, convID, 1000)
	client := &http.Client{}
	post := func(i int) time.Duration {
		body := fmt.Sprintf(`{"content":"How was your day? I went to see my sister Anna (%d)."}`, i)
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/conversations/%d/messages", url, convID), strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		model.mu.Lock()
		handed := model.handed[len(model.handed)-1]
		model.mu.Unlock()
		return handed.Sub(start)
	}
	for i := 0; i < 20; i++ { // warm up: token encoder, connections, caches
		post(i)
	}
	var d []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d = append(d, post(i))
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(d, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(d, 0.99).Microseconds())/1000, "p99-ms")
}

// BenchmarkStreamingOverhead streams a fake OpenAI-compatible server's
// reply (200 chunks, 1 ms apart) once directly through the provider client
// and once through OS1's SSE endpoint, and reports the ratio of the times to
// the last token.
func BenchmarkStreamingOverhead(b *testing.B) {
	chunks := make([]string, 200)
	for i := range chunks {
		chunks[i] = fmt.Sprintf("word%d ", i)
	}
	fake := llmtest.NewOpenAI(llmtest.Options{Chunks: chunks, Delay: time.Millisecond})
	defer fake.Close()
	client, err := openai.New(openai.Config{BaseURL: fake.URL + "/v1", Model: "fake-chat"})
	if err != nil {
		b.Fatal(err)
	}
	_, url, key, convID := benchServer(b, client)
	ctx := context.Background()

	direct := func() time.Duration {
		start := time.Now()
		var last time.Time
		_, err := client.Chat(ctx, os1.ChatRequest{Messages: []os1.ChatMessage{{Role: "user", Content: "hi"}}}, func(os1.Chunk) error {
			last = time.Now()
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		return last.Sub(start)
	}
	throughOS1 := func(i int) time.Duration {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/conversations/%d/messages", url, convID), strings.NewReader(fmt.Sprintf(`{"content":"tell me a story %d"}`, i)))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Accept", "text/event-stream")
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var last time.Time
		sc := bufio.NewScanner(resp.Body)
		deltas := 0
		for sc.Scan() {
			if sc.Text() == "event: delta" {
				deltas++
				last = time.Now()
			}
		}
		if deltas != len(chunks) {
			b.Fatalf("%d deltas, want %d", deltas, len(chunks))
		}
		return last.Sub(start)
	}
	direct()
	throughOS1(-1)
	var dd, od []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dd = append(dd, direct())
		od = append(od, throughOS1(i))
	}
	b.StopTimer()
	pd, po := percentile(dd, 0.5), percentile(od, 0.5)
	b.ReportMetric(float64(pd.Microseconds())/1000, "direct-p50-ms")
	b.ReportMetric(float64(po.Microseconds())/1000, "os1-p50-ms")
	b.ReportMetric(float64(po)/float64(pd), "ratio")
}
