package llmtest_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"os1/internal/llm/llmtest"
)

func post(t *testing.T, ctx context.Context, url, body string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return http.DefaultClient.Do(req)
}

const ollamaChat = `{"model":"m","messages":[{"role":"user","content":"hi"}]}`

// The crash test's pattern: hold the stream mid-way, then kill the server;
// the reader must see the stream end, and Close must not wait for it.
func TestHoldThenClose(t *testing.T) {
	hold := make(chan struct{}) // never released
	srv := llmtest.NewOllama(llmtest.Options{Hold: hold, HoldAfter: 2})
	res, err := post(t, context.Background(), srv.URL+"/api/chat", ollamaChat)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for i := 0; i < 2; i++ {
		if !sc.Scan() {
			t.Fatalf("line %d: %v", i, sc.Err())
		}
		if !strings.Contains(sc.Text(), `"done":false`) {
			t.Errorf("line %d = %s", i, sc.Text())
		}
	}
	select {
	case <-srv.Held():
	case <-time.After(5 * time.Second):
		t.Fatal("Held not signalled")
	}
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(3 * time.Second):
		t.Fatal("Close blocked on a held stream")
	}
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"done":true`) {
			t.Fatal("the stream completed after the server was closed")
		}
	}
}

func TestReleaseCompletesTheStream(t *testing.T) {
	hold := make(chan struct{})
	srv := llmtest.NewOllama(llmtest.Options{Hold: hold, HoldAfter: 1})
	defer srv.Close()
	go func() {
		<-srv.Held()
		close(hold)
	}()
	res, err := post(t, context.Background(), srv.URL+"/api/chat", ollamaChat)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if n := strings.Count(string(b), "\n"); n != len(llmtest.DefaultChunks)+1 {
		t.Errorf("%d lines, want %d chunks and the final one:\n%s", n, len(llmtest.DefaultChunks), b)
	}
}

func TestCloseDuringHang(t *testing.T) {
	srv := llmtest.NewOpenAI(llmtest.Options{Hang: true})
	errc := make(chan error, 1)
	go func() {
		res, err := post(t, context.Background(), srv.URL+"/v1/chat/completions", `{"model":"m","stream":true,"messages":[]}`)
		if err == nil {
			res.Body.Close()
		}
		errc <- err
	}()
	for len(srv.Requests()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	srv.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	if err := <-errc; err == nil {
		t.Error("the hanging request got an answer after Close")
	}
}

func TestOnChunkAndRecording(t *testing.T) {
	var mu sync.Mutex
	var seen []int
	srv := llmtest.NewAnthropic(llmtest.Options{
		Chunks: []string{"x", "y"},
		OnChunk: func(_ context.Context, i int) {
			mu.Lock()
			seen = append(seen, i)
			mu.Unlock()
		},
	})
	defer srv.Close()
	res, err := post(t, context.Background(), srv.URL+"/v1/messages",
		`{"model":"c","max_tokens":10,"stream":true,"system":"be kind","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, ev := range []string{"event: message_start", "event: content_block_delta", "event: message_stop"} {
		if !strings.Contains(string(b), ev) {
			t.Errorf("stream lacks %q", ev)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0] != 0 || seen[1] != 1 {
		t.Errorf("OnChunk saw %v", seen)
	}
	r, ok := srv.LastChat()
	if !ok || r.Model != "c" || r.System != "be kind" || r.MaxTokens != 10 || !r.Stream ||
		len(r.Messages) != 1 || r.Messages[0].Content != "hi" {
		t.Errorf("recorded %+v", r)
	}
}

func TestVectorIsDeterministicUnit(t *testing.T) {
	a, b := llmtest.Vector("same", 12), llmtest.Vector("same", 12)
	var norm float32
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("not deterministic")
		}
		norm += a[i] * a[i]
	}
	if norm < 0.999 || norm > 1.001 {
		t.Errorf("norm² = %v", norm)
	}
	if c := llmtest.Vector("other", 12); c[0] == a[0] && c[1] == a[1] {
		t.Error("different texts gave the same vector")
	}
}
