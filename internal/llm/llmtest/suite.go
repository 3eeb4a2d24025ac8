package llmtest

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"os1/internal/os1"
)

// Settings are what the suite varies in a client's configuration.
type Settings struct {
	Model      string
	APIKey     string
	Timeout    time.Duration // time to first chunk; 0: the client's default
	MaxRetries int           // 0: the client's default; negative: none
}

// Provider adapts a provider package to [RunChatModelTests].
type Provider struct {
	// Fake starts the provider's fake server (NewOpenAI, NewOllama, …).
	Fake func(Options) *Server
	// New returns a client for the server at url.
	New func(t testing.TB, url string, s Settings) os1.ChatModel
}

// Unreachable returns the URL of a local port where nothing listens, so
// that connecting fails at once with "connection refused".
func Unreachable(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// Collect returns a chunk function that records the chunks it gets, and a
// function returning them so far.
func Collect() (fn func(os1.Chunk) error, got func() []string) {
	var mu sync.Mutex
	var chunks []string
	return func(c os1.Chunk) error {
			mu.Lock()
			chunks = append(chunks, c.Content)
			mu.Unlock()
			return nil
		}, func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), chunks...)
		}
}

// RunChatModelTests checks the os1.ChatModel contract of a provider's client
// against its fake server over real HTTP: streaming in order, cancellation,
// retries before the first chunk only, the first-chunk timeout, and the
// errors for an unreachable server and a refused key.
func RunChatModelTests(t *testing.T, p Provider) {
	msgs := []os1.ChatMessage{
		{Role: os1.RoleSystem, Content: "You are kind."},
		{Role: os1.RoleUser, Content: "Hi"},
		{Role: os1.RoleAssistant, Content: "Hello!"},
		{Role: os1.RoleUser, Content: "How are you?"},
	}
	req := os1.ChatRequest{Model: "fake-chat", Messages: msgs}
	fast := Settings{Model: "fake-chat", Timeout: 5 * time.Second}

	t.Run("StreamsInOrder", func(t *testing.T) {
		srv := p.Fake(Options{Chunks: []string{"One", " two", " three", " four", " five."}, Delay: time.Millisecond})
		defer srv.Close()
		c := p.New(t, srv.URL, fast)
		fn, got := Collect()
		resp, err := c.Chat(context.Background(), req, fn)
		if err != nil {
			t.Fatalf("Chat: %v", err)
		}
		if g, w := strings.Join(got(), "|"), "One| two| three| four| five."; g != w {
			t.Errorf("chunks = %q, want %q", g, w)
		}
		if resp.Content != "One two three four five." {
			t.Errorf("content = %q", resp.Content)
		}
		if resp.Model != "fake-chat" {
			t.Errorf("model = %q, want fake-chat", resp.Model)
		}
		if resp.ReplyTokens != 5 {
			t.Errorf("reply tokens = %d, want 5 (as the server reported)", resp.ReplyTokens)
		}
		rs := srv.ChatRequests()
		if len(rs) != 1 {
			t.Fatalf("%d chat requests, want 1", len(rs))
		}
		if !rs[0].Stream || rs[0].Model != "fake-chat" {
			t.Errorf("request stream=%v model=%q, want true, fake-chat", rs[0].Stream, rs[0].Model)
		}
		all := rs[0].System
		for _, m := range rs[0].Messages {
			all += "|" + m.Role + ":" + m.Content
		}
		for _, w := range []string{"You are kind.", "user:Hi", "assistant:Hello!", "user:How are you?"} {
			if !strings.Contains(all, w) {
				t.Errorf("request lacks %q: %s", w, all)
			}
		}
	})

	t.Run("DefaultModel", func(t *testing.T) {
		srv := p.Fake(Options{})
		defer srv.Close()
		c := p.New(t, srv.URL, Settings{Model: "configured-model", Timeout: 5 * time.Second})
		if _, err := c.Chat(context.Background(), os1.ChatRequest{Messages: msgs[1:2]}, func(os1.Chunk) error { return nil }); err != nil {
			t.Fatalf("Chat: %v", err)
		}
		if r, _ := srv.LastChat(); r.Model != "configured-model" {
			t.Errorf("model sent = %q, want the configured one", r.Model)
		}
		if c.Info().Model != "configured-model" {
			t.Errorf("Info().Model = %q", c.Info().Model)
		}
	})

	t.Run("CancelMidStream", func(t *testing.T) {
		hold := make(chan struct{})
		defer close(hold)
		srv := p.Fake(Options{Hold: hold, HoldAfter: 2})
		defer srv.Close()
		c := p.New(t, srv.URL, fast)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		fn, got := Collect()
		done := make(chan error, 1)
		go func() {
			_, err := c.Chat(ctx, req, fn)
			done <- err
		}()
		select {
		case <-srv.Held():
		case <-time.After(5 * time.Second):
			t.Fatal("the stream never reached the hold point")
		}
		waitFor(t, func() bool { return len(got()) == 2 })
		start := time.Now()
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("Chat returned %v after the cancel", d)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("Chat did not return after the cancel")
		}
		if n := len(got()); n != 2 {
			t.Errorf("%d chunks delivered, want 2", n)
		}
	})

	t.Run("CancelBeforeAnswer", func(t *testing.T) {
		srv := p.Fake(Options{Hang: true})
		defer srv.Close()
		c := p.New(t, srv.URL, fast)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Chat(ctx, req, func(os1.Chunk) error { return nil })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Chat took %v", d)
		}
	})

	t.Run("RetriesBeforeFirstChunk", func(t *testing.T) {
		srv := p.Fake(Options{FailFirst: 2})
		defer srv.Close()
		c := p.New(t, srv.URL, fast)
		fn, got := Collect()
		resp, err := c.Chat(context.Background(), req, fn)
		if err != nil {
			t.Fatalf("Chat after two 503s: %v", err)
		}
		if resp.Content != srv.Reply() || strings.Join(got(), "") != srv.Reply() {
			t.Errorf("content = %q, chunks = %q, want %q", resp.Content, got(), srv.Reply())
		}
		if n := len(srv.ChatRequests()); n != 3 {
			t.Errorf("%d requests, want 3 (two failures, one success)", n)
		}
	})

	t.Run("GivesUpAfterRetries", func(t *testing.T) {
		srv := p.Fake(Options{FailFirst: 100})
		defer srv.Close()
		s := fast
		s.MaxRetries = 1
		c := p.New(t, srv.URL, s)
		_, err := c.Chat(context.Background(), req, func(os1.Chunk) error { return nil })
		t.Logf("error: %v", err)
		if os1.ErrorCode(err) != os1.EUNAVAILABLE {
			t.Fatalf("err = %v, want EUNAVAILABLE", err)
		}
		if msg := os1.ErrorMessage(err); !strings.Contains(msg, srv.URL) || !strings.Contains(msg, "503") {
			t.Errorf("message %q should name the server and the status", msg)
		}
		if n := len(srv.ChatRequests()); n != 2 {
			t.Errorf("%d requests, want 2 (MaxRetries 1)", n)
		}
	})

	t.Run("NoRetryAfterFirstChunk", func(t *testing.T) {
		srv := p.Fake(Options{Chunks: []string{"a", "b", "c", "d"}, BreakAfter: 2})
		defer srv.Close()
		c := p.New(t, srv.URL, fast)
		fn, got := Collect()
		_, err := c.Chat(context.Background(), req, fn)
		if err == nil {
			t.Fatal("Chat succeeded on a stream cut mid-way")
		}
		t.Logf("error: %v", err)
		if os1.ErrorCode(err) != os1.EUNAVAILABLE || !strings.Contains(os1.ErrorMessage(err), "middle of the reply") {
			t.Errorf("err = %v, want EUNAVAILABLE about the middle of the reply", err)
		}
		if g := strings.Join(got(), ""); g != "ab" {
			t.Errorf("delivered %q, want \"ab\"", g)
		}
		if n := len(srv.ChatRequests()); n != 1 {
			t.Errorf("%d requests, want 1 (no retry after a chunk)", n)
		}
	})

	t.Run("ErrorEventMidReply", func(t *testing.T) {
		srv := p.Fake(Options{Chunks: []string{"a", "b", "c"}, BreakAfter: 2, StreamError: "the model runner crashed"})
		defer srv.Close()
		c := p.New(t, srv.URL, fast)
		fn, got := Collect()
		_, err := c.Chat(context.Background(), req, fn)
		t.Logf("error: %v", err)
		if os1.ErrorCode(err) != os1.EUNAVAILABLE || !strings.Contains(os1.ErrorMessage(err), "the model runner crashed") {
			t.Errorf("err = %v, want EUNAVAILABLE with the server's message", err)
		}
		if g := strings.Join(got(), ""); g != "ab" {
			t.Errorf("delivered %q, want \"ab\"", g)
		}
		if n := len(srv.ChatRequests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})

	t.Run("ErrorEventFirst", func(t *testing.T) {
		srv := p.Fake(Options{StreamError: "the model runner crashed"})
		defer srv.Close()
		c := p.New(t, srv.URL, fast)
		fn, got := Collect()
		_, err := c.Chat(context.Background(), req, fn)
		t.Logf("error: %v", err)
		if os1.ErrorCode(err) != os1.EUNAVAILABLE || !strings.Contains(os1.ErrorMessage(err), "the model runner crashed") {
			t.Errorf("err = %v, want EUNAVAILABLE with the server's message", err)
		}
		if len(got()) != 0 {
			t.Errorf("delivered %q", got())
		}
	})

	t.Run("CallbackErrorStops", func(t *testing.T) {
		srv := p.Fake(Options{})
		defer srv.Close()
		c := p.New(t, srv.URL, fast)
		stop := errors.New("client went away")
		n := 0
		_, err := c.Chat(context.Background(), req, func(os1.Chunk) error {
			n++
			return stop
		})
		if !errors.Is(err, stop) {
			t.Errorf("err = %v, want the callback's error", err)
		}
		if n != 1 {
			t.Errorf("callback called %d times, want 1", n)
		}
		if n := len(srv.ChatRequests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})

	t.Run("Unreachable", func(t *testing.T) {
		url := Unreachable(t)
		s := fast
		s.MaxRetries = 1
		c := p.New(t, url, s)
		start := time.Now()
		_, err := c.Chat(context.Background(), req, func(os1.Chunk) error { return nil })
		t.Logf("error: %v", err)
		if os1.ErrorCode(err) != os1.EUNAVAILABLE {
			t.Fatalf("err = %v, want EUNAVAILABLE", err)
		}
		msg := os1.ErrorMessage(err)
		if !strings.Contains(msg, strings.TrimPrefix(url, "http://")) || !strings.Contains(msg, "not answering") {
			t.Errorf("message %q should name the server and say it is not answering", msg)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("took %v to give up on a refused connection", d)
		}
	})

	t.Run("FirstChunkTimeout", func(t *testing.T) {
		srv := p.Fake(Options{Hang: true})
		defer srv.Close()
		c := p.New(t, srv.URL, Settings{Model: "fake-chat", Timeout: 150 * time.Millisecond, MaxRetries: -1})
		start := time.Now()
		_, err := c.Chat(context.Background(), req, func(os1.Chunk) error { return nil })
		t.Logf("error: %v", err)
		if os1.ErrorCode(err) != os1.EUNAVAILABLE || !strings.Contains(os1.ErrorMessage(err), "not answering") {
			t.Fatalf("err = %v, want EUNAVAILABLE, not answering", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v, want about the 150ms timeout", d)
		}
	})

	t.Run("SlowStreamIsNotCut", func(t *testing.T) {
		// Each chunk comes within the timeout, the whole reply does not.
		srv := p.Fake(Options{Chunks: []string{"a", "b", "c", "d", "e", "f"}, Delay: 60 * time.Millisecond})
		defer srv.Close()
		c := p.New(t, srv.URL, Settings{Model: "fake-chat", Timeout: 200 * time.Millisecond})
		resp, err := c.Chat(context.Background(), req, func(os1.Chunk) error { return nil })
		if err != nil {
			t.Fatalf("Chat: %v", err)
		}
		if resp.Content != "abcdef" {
			t.Errorf("content = %q", resp.Content)
		}
	})

	t.Run("RefusedKey", func(t *testing.T) {
		srv := p.Fake(Options{Status: 401})
		defer srv.Close()
		c := p.New(t, srv.URL, Settings{Model: "fake-chat", APIKey: "wrong", Timeout: 5 * time.Second})
		_, err := c.Chat(context.Background(), req, func(os1.Chunk) error { return nil })
		t.Logf("error: %v", err)
		if os1.ErrorCode(err) != os1.EUNAVAILABLE || !strings.Contains(os1.ErrorMessage(err), "refused the API key") {
			t.Fatalf("err = %v, want EUNAVAILABLE, refused the API key", err)
		}
		if n := len(srv.ChatRequests()); n != 1 {
			t.Errorf("%d requests, want 1 (a refused key is not retried)", n)
		}
	})

	t.Run("MissingModel", func(t *testing.T) {
		srv := p.Fake(Options{StrictModels: true})
		defer srv.Close()
		c := p.New(t, srv.URL, fast)
		r := req
		r.Model = "no-such-model"
		_, err := c.Chat(context.Background(), r, func(os1.Chunk) error { return nil })
		if os1.ErrorCode(err) != os1.EUNAVAILABLE || !strings.Contains(os1.ErrorMessage(err), `"no-such-model"`) {
			t.Fatalf("err = %v, want EUNAVAILABLE naming the model", err)
		}
	})
}

// waitFor polls cond for up to 5 seconds.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
