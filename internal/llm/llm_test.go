package llm_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"os1/internal/llm"
	"os1/internal/os1"
)

var ep = llm.Endpoint{Provider: "test", URL: "http://model.test", Model: "m1", ModelHint: "pull it"}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want llm.Kind
	}{
		{"refused", fmt.Errorf("post: %w", syscall.ECONNREFUSED), llm.KindUnreachable},
		{"dns", &net.DNSError{Err: "no such host", Name: "x"}, llm.KindUnreachable},
		{"eof", io.ErrUnexpectedEOF, llm.KindUnreachable},
		{"deadline", context.DeadlineExceeded, llm.KindUnreachable},
		{"canceled", fmt.Errorf("x: %w", context.Canceled), llm.KindCanceled},
		{"429", &llm.StatusError{StatusCode: 429}, llm.KindBusy},
		{"502", &llm.StatusError{StatusCode: 502}, llm.KindBusy},
		{"503", &llm.StatusError{StatusCode: 503}, llm.KindBusy},
		{"504", &llm.StatusError{StatusCode: 504}, llm.KindBusy},
		{"529", &llm.StatusError{StatusCode: 529}, llm.KindBusy},
		{"500", &llm.StatusError{StatusCode: 500}, llm.KindServer},
		{"401", &llm.StatusError{StatusCode: 401}, llm.KindAuth},
		{"403", &llm.StatusError{StatusCode: 403}, llm.KindAuth},
		{"404", &llm.StatusError{StatusCode: 404}, llm.KindNotFound},
		{"400", &llm.StatusError{StatusCode: 400}, llm.KindRejected},
		{"other", errors.New("bad json"), llm.KindOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := llm.Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestFailMessages(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		mid      bool
		code     string
		contains []string
	}{
		{"unreachable", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), false, os1.EUNAVAILABLE,
			[]string{"http://model.test", "not answering"}},
		{"key", &llm.StatusError{StatusCode: 401, Message: "bad key"}, false, os1.EUNAVAILABLE,
			[]string{"refused the API key", "bad key"}},
		{"model", &llm.StatusError{StatusCode: 404, Message: "model not found"}, false, os1.EUNAVAILABLE,
			[]string{`"m1"`, "pull it"}},
		{"busy", &llm.StatusError{StatusCode: 503}, false, os1.EUNAVAILABLE, []string{"503"}},
		{"rate", &llm.StatusError{StatusCode: 429}, false, os1.EUNAVAILABLE, []string{"429", "limiting"}},
		{"rejected", &llm.StatusError{StatusCode: 400, Message: "context too long"}, false, os1.EINTERNAL,
			[]string{"rejected", "context too long"}},
		{"mid", io.ErrUnexpectedEOF, true, os1.EUNAVAILABLE, []string{"middle of the reply"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ep.Fail(tt.err, tt.mid)
			if got := os1.ErrorCode(err); got != tt.code {
				t.Errorf("code = %q, want %q (%v)", got, tt.code, err)
			}
			for _, w := range tt.contains {
				if !strings.Contains(os1.ErrorMessage(err), w) {
					t.Errorf("message %q lacks %q", os1.ErrorMessage(err), w)
				}
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("the cause is not in the chain of %v", err)
			}
		})
	}
	err := ep.Fail(fmt.Errorf("read: %w", context.Canceled), false)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v does not wrap context.Canceled", err)
	}
	var app *os1.Error
	if errors.As(err, &app) {
		t.Errorf("canceled became an application error: %v", err)
	}
}

func TestRetries(t *testing.T) {
	for in, want := range map[int]int{0: llm.DefaultMaxRetries, -1: 0, 5: 5} {
		if got := llm.Retries(in); got != want {
			t.Errorf("Retries(%d) = %d, want %d", in, got, want)
		}
	}
}

var quick = llm.Policy{MaxRetries: 3, Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}

func TestStreamRetriesTransientBeforeFirstChunk(t *testing.T) {
	tries := 0
	var got []string
	err := llm.Stream(context.Background(), quick, ep, func(ctx context.Context, emit func(os1.Chunk) error) error {
		tries++
		if tries < 3 {
			_ = emit(os1.Chunk{}) // an empty event does not count as delivered
			return &llm.StatusError{StatusCode: 503}
		}
		for _, s := range []string{"a", "b"} {
			if err := emit(os1.Chunk{Content: s}); err != nil {
				return err
			}
		}
		return nil
	}, func(c os1.Chunk) error { got = append(got, c.Content); return nil })
	if err != nil || tries != 3 || strings.Join(got, "") != "ab" {
		t.Errorf("err %v, tries %d, got %q", err, tries, got)
	}
}

func TestStreamNeverRetriesAfterAChunk(t *testing.T) {
	tries := 0
	var got []string
	err := llm.Stream(context.Background(), quick, ep, func(ctx context.Context, emit func(os1.Chunk) error) error {
		tries++
		if err := emit(os1.Chunk{Content: "partial"}); err != nil {
			return err
		}
		return io.ErrUnexpectedEOF
	}, func(c os1.Chunk) error { got = append(got, c.Content); return nil })
	if tries != 1 || len(got) != 1 {
		t.Errorf("tries %d, chunks %q; want 1 and 1", tries, got)
	}
	if os1.ErrorCode(err) != os1.EUNAVAILABLE || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("err = %v", err)
	}
}

func TestStreamDoesNotRetryPermanentFailures(t *testing.T) {
	for _, status := range []int{400, 401, 404, 500} {
		tries := 0
		err := llm.Stream(context.Background(), quick, ep, func(context.Context, func(os1.Chunk) error) error {
			tries++
			return &llm.StatusError{StatusCode: status}
		}, func(os1.Chunk) error { return nil })
		if tries != 1 || err == nil {
			t.Errorf("status %d: %d tries, err %v; want 1 try and an error", status, tries, err)
		}
	}
}

func TestStreamReturnsCallbackErrorAsIs(t *testing.T) {
	stop := errors.New("stop")
	err := llm.Stream(context.Background(), quick, ep, func(ctx context.Context, emit func(os1.Chunk) error) error {
		// An SDK may wrap what the callback returned.
		return fmt.Errorf("sdk: %w", emit(os1.Chunk{Content: "x"}))
	}, func(os1.Chunk) error { return stop })
	if err != stop {
		t.Errorf("err = %v, want the callback's error itself", err)
	}
}

func TestStreamBackoffEndsWithContext(t *testing.T) {
	slow := llm.Policy{MaxRetries: 5, Backoff: time.Hour, MaxBackoff: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := llm.Stream(ctx, slow, ep, func(context.Context, func(os1.Chunk) error) error {
		return &llm.StatusError{StatusCode: 503}
	}, func(os1.Chunk) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("waited %v in a backoff after the context ended", time.Since(start))
	}
}

func TestStreamHonoursRetryAfter(t *testing.T) {
	tries := 0
	var gap time.Duration
	last := time.Now()
	err := llm.Stream(context.Background(), quick, ep, func(ctx context.Context, emit func(os1.Chunk) error) error {
		tries++
		if tries == 2 {
			gap = time.Since(last)
			return nil
		}
		last = time.Now()
		return &llm.StatusError{StatusCode: 429, RetryAfter: 200 * time.Millisecond}
	}, func(os1.Chunk) error { return nil })
	if err != nil || gap < 190*time.Millisecond {
		t.Errorf("err %v, waited %v; want about the 200ms Retry-After", err, gap)
	}
	// A Retry-After far in the future is not waited for.
	start := time.Now()
	err = llm.Stream(context.Background(), quick, ep, func(context.Context, func(os1.Chunk) error) error {
		return &llm.StatusError{StatusCode: 429, RetryAfter: time.Hour}
	}, func(os1.Chunk) error { return nil })
	if os1.ErrorCode(err) != os1.EUNAVAILABLE || time.Since(start) > time.Second {
		t.Errorf("err %v after %v", err, time.Since(start))
	}
}

func TestStreamTimeoutBetweenChunks(t *testing.T) {
	p := llm.Policy{MaxRetries: -1, Timeout: 80 * time.Millisecond}
	var got []string
	err := llm.Stream(context.Background(), p, ep, func(ctx context.Context, emit func(os1.Chunk) error) error {
		if err := emit(os1.Chunk{Content: "first"}); err != nil {
			return err
		}
		<-ctx.Done() // the server stalls mid-reply
		return ctx.Err()
	}, func(c os1.Chunk) error {
		got = append(got, c.Content)
		time.Sleep(150 * time.Millisecond) // a slow consumer is not the server's fault
		return nil
	})
	if os1.ErrorCode(err) != os1.EUNAVAILABLE || !strings.Contains(os1.ErrorMessage(err), "middle of the reply") {
		t.Errorf("err = %v, want EUNAVAILABLE, middle of the reply", err)
	}
	if len(got) != 1 {
		t.Errorf("chunks %q", got)
	}
}

func TestHTTPClientTurnsStatusesIntoErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/openai":
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(429)
			io.WriteString(w, `{"error":{"message":"slow down","type":"requests"}}`)
		case "/ollama":
			w.WriteHeader(404)
			io.WriteString(w, `{"error":"model \"x\" not found, try pulling it first"}`)
		case "/text":
			w.WriteHeader(502)
			io.WriteString(w, "Bad Gateway\n")
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer srv.Close()
	c := llm.HTTPClient(nil)
	for path, want := range map[string]llm.StatusError{
		"/openai": {StatusCode: 429, Message: "slow down", RetryAfter: 3 * time.Second},
		"/ollama": {StatusCode: 404, Message: `model "x" not found, try pulling it first`},
		"/text":   {StatusCode: 502, Message: "Bad Gateway"},
	} {
		_, err := c.Get(srv.URL + path)
		var se *llm.StatusError
		if !errors.As(err, &se) || *se != want {
			t.Errorf("%s: err = %v, want %+v", path, err, want)
		}
	}
	res, err := c.Get(srv.URL + "/fine")
	if err != nil {
		t.Fatalf("200: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "ok" {
		t.Errorf("body %q", b)
	}
}

func TestJSONObject(t *testing.T) {
	for in, want := range map[string]string{
		"```json\n{\"a\": 1}\n```":                `{"a": 1}`,
		"Sure! {\"a\": {\"b\": 2}} Hope it helps": `{"a": {"b": 2}}`,
		"  [1, 2]  ":   "[1, 2]",
		"no json here": "no json here",
	} {
		if got := llm.JSONObject(in); got != want {
			t.Errorf("JSONObject(%q) = %q, want %q", in, got, want)
		}
	}
}
