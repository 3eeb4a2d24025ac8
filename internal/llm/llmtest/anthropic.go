package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"os1/internal/os1"
)

// NewAnthropic starts a fake Anthropic Messages API server. It answers POST
// …/v1/messages (streamed as the named server-sent events message_start,
// content_block_start, ping, content_block_delta…, content_block_stop,
// message_delta, message_stop; or whole) and GET …/v1/models.
func NewAnthropic(opts Options) *Server { return start(opts, anthropicWire{}) }

type anthropicWire struct{}

func (anthropicWire) route(r *http.Request) string {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(p, "/messages"):
		return "chat"
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/models"):
		return "models"
	}
	return "other"
}

func (anthropicWire) decode(_ string, body []byte, rec *Request) {
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
		System      json.RawMessage `json:"system"`
		Stream      bool            `json:"stream"`
		Temperature *float64        `json:"temperature"`
		MaxTokens   int             `json:"max_tokens"`
	}
	if json.Unmarshal(body, &req) != nil {
		return
	}
	rec.Model = req.Model
	rec.Stream = req.Stream
	rec.Temperature = req.Temperature
	rec.MaxTokens = req.MaxTokens
	rec.System = textContent(req.System)
	for _, m := range req.Messages {
		rec.Messages = append(rec.Messages, os1.ChatMessage{Role: m.Role, Content: textContent(m.Content)})
	}
}

func (anthropicWire) fail(w http.ResponseWriter, status int, model string) {
	typ, msg := "api_error", http.StatusText(status)
	switch status {
	case http.StatusUnauthorized:
		typ, msg = "authentication_error", "invalid x-api-key"
	case http.StatusForbidden:
		typ, msg = "permission_error", "Your API key does not have permission to use the specified resource."
	case http.StatusNotFound:
		typ, msg = "not_found_error", "model: "+model
	case http.StatusTooManyRequests:
		typ, msg = "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"
	case http.StatusServiceUnavailable, 529:
		typ, msg = "overloaded_error", "Overloaded"
	}
	writeJSON(w, status, map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}})
}

func (anthropicWire) message(s *Server, rec Request, text string, outTokens int) map[string]any {
	p, _ := s.usage(rec)
	content := []any{}
	var stop any
	if text != "" {
		content = append(content, map[string]any{"type": "text", "text": text})
		stop = "end_turn"
	}
	return map[string]any{
		"id": "msg_fake", "type": "message", "role": "assistant", "model": modelOr(rec.Model),
		"content": content, "stop_reason": stop, "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": p, "output_tokens": outTokens},
	}
}

func (a anthropicWire) stream(s *Server, w http.ResponseWriter, r *http.Request, rec Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flush := flusher(w)
	event := func(name string, v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
	}
	event("message_start", map[string]any{"type": "message_start", "message": a.message(s, rec, "", 1)})
	event("content_block_start", map[string]any{"type": "content_block_start", "index": 0,
		"content_block": map[string]any{"type": "text", "text": ""}})
	event("ping", map[string]any{"type": "ping"})
	flush()
	if !s.each(w, r, flush, func(_ int, text string) {
		event("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "text_delta", "text": text}})
	}) {
		return
	}
	_, c := s.usage(rec)
	event("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	event("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": "end_turn", "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": c}})
	event("message_stop", map[string]any{"type": "message_stop"})
	flush()
}

func (a anthropicWire) whole(s *Server, w http.ResponseWriter, rec Request) {
	_, c := s.usage(rec)
	writeJSON(w, http.StatusOK, a.message(s, rec, s.Reply(), c))
}

func (anthropicWire) embed(_ *Server, w http.ResponseWriter, _ Request) {
	anthropicWire{}.fail(w, http.StatusNotFound, "")
}

func (anthropicWire) models(s *Server, w http.ResponseWriter) {
	data := []any{}
	for _, m := range s.opts.Models {
		data = append(data, map[string]any{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"})
	}
	var first, last any
	if len(s.opts.Models) > 0 {
		first, last = s.opts.Models[0], s.opts.Models[len(s.opts.Models)-1]
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "has_more": false, "first_id": first, "last_id": last})
}

func (anthropicWire) other(_ *Server, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]any{"type": "error",
		"error": map[string]any{"type": "not_found_error", "message": "Not Found"}})
}

func (anthropicWire) streamError(w http.ResponseWriter, msg string) {
	b, _ := json.Marshal(map[string]any{"type": "error", "error": map[string]any{"type": "overloaded_error", "message": msg}})
	fmt.Fprintf(w, "event: error\ndata: %s\n\n", b)
}
