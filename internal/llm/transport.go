package llm

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// HTTPClient returns a client for talking to a model server: base's settings
// (nil: a plain client on a clone of http.DefaultTransport) with a transport
// that turns every answer with status 400 or above into a [*StatusError]
// returned from the round trip, so that all providers see the same errors
// whatever their SDK does with error bodies. The returned client has no
// total timeout unless base has one; timeouts are the [Policy]'s job.
func HTTPClient(base *http.Client) *http.Client {
	var c http.Client
	if base != nil {
		c = *base
	}
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport.(*http.Transport).Clone()
	}
	c.Transport = &statusTransport{base: rt}
	return &c
}

// statusTransport converts error answers into *StatusError.
type statusTransport struct {
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *statusTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.base.RoundTrip(req)
	if err != nil || res.StatusCode < 400 {
		return res, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	return nil, &StatusError{
		StatusCode: res.StatusCode,
		Message:    errorMessage(body),
		RetryAfter: retryAfter(res.Header.Get("Retry-After")),
	}
}

// ServerMessage extracts the explanation from a model server's error body;
// see errorMessage.
func ServerMessage(body []byte) string { return errorMessage(body) }

// errorMessage extracts the explanation from the error envelopes model
// servers use: {"error":{"message":…}} (OpenAI, Anthropic, vLLM),
// {"error":"…"} (Ollama), {"message":…} or {"detail":…} (others), or else
// the body's text.
func errorMessage(body []byte) string {
	var env struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &env) == nil {
		var s string
		var obj struct {
			Message string `json:"message"`
		}
		switch {
		case len(env.Error) > 0 && json.Unmarshal(env.Error, &obj) == nil && obj.Message != "":
			return clip(obj.Message)
		case len(env.Error) > 0 && json.Unmarshal(env.Error, &s) == nil && s != "":
			return clip(s)
		case env.Message != "":
			return clip(env.Message)
		case len(env.Detail) > 0 && json.Unmarshal(env.Detail, &s) == nil && s != "":
			return clip(s)
		}
	}
	return clip(strings.TrimSpace(string(body)))
}

// clip bounds a server message for display.
func clip(s string) string {
	if len(s) > 500 {
		return s[:500] + "…"
	}
	return s
}

// retryAfter parses a Retry-After header (seconds or an HTTP date).
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
