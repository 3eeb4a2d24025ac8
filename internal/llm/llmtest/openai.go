package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"os1/internal/os1"
)

// NewOpenAI starts a fake OpenAI-compatible server. It answers
// POST …/chat/completions (streamed as server-sent events ending in
// "data: [DONE]", or whole), POST …/embeddings and GET …/models under any
// prefix, so both URL and URL+"/v1" work as a client's base URL.
func NewOpenAI(opts Options) *Server { return start(opts, openaiWire{}) }

type openaiWire struct{}

func (openaiWire) route(r *http.Request) string {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(p, "/chat/completions"):
		return "chat"
	case r.Method == http.MethodPost && strings.HasSuffix(p, "/embeddings"):
		return "embed"
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/models"):
		return "models"
	}
	return "other"
}

func (openaiWire) decode(kind string, body []byte, rec *Request) {
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
		Stream         bool                   `json:"stream"`
		Temperature    *float64               `json:"temperature"`
		MaxTokens      int                    `json:"max_tokens"`
		MaxCompletion  int                    `json:"max_completion_tokens"`
		ResponseFormat *struct{ Type string } `json:"response_format"`
		Input          json.RawMessage        `json:"input"`
	}
	if json.Unmarshal(body, &req) != nil {
		return
	}
	rec.Model = req.Model
	rec.Stream = req.Stream
	rec.Temperature = req.Temperature
	rec.MaxTokens = max(req.MaxTokens, req.MaxCompletion)
	rec.JSON = req.ResponseFormat != nil && req.ResponseFormat.Type == "json_object"
	for _, m := range req.Messages {
		rec.Messages = append(rec.Messages, os1.ChatMessage{Role: m.Role, Content: textContent(m.Content)})
	}
	if kind == "embed" {
		rec.Input = inputs(req.Input)
	}
}

// textContent reads a message content: a string or a list of text parts.
func textContent(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &parts)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

func (openaiWire) fail(w http.ResponseWriter, status int, model string) {
	typ, code, msg := "server_error", "", http.StatusText(status)
	switch status {
	case http.StatusUnauthorized:
		typ, code, msg = "invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-fake. You can find your API key at https://platform.openai.com/account/api-keys."
	case http.StatusNotFound:
		typ, code, msg = "invalid_request_error", "model_not_found", fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", model)
	case http.StatusTooManyRequests:
		typ, code, msg = "requests", "rate_limit_exceeded", "Rate limit reached."
	case http.StatusServiceUnavailable:
		msg = "The server is overloaded or not ready yet."
	}
	var c any
	if code != "" {
		c = code
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "param": nil, "code": c,
	}})
}

func (openaiWire) chunk(rec Request, delta map[string]any, finish any) map[string]any {
	return map[string]any{
		"id":      "chatcmpl-fake",
		"object":  "chat.completion.chunk",
		"created": time.Now().Unix(),
		"model":   modelOr(rec.Model),
		"choices": []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}},
	}
}

func (o openaiWire) stream(s *Server, w http.ResponseWriter, r *http.Request, rec Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flush := flusher(w)
	event := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
	}
	event(o.chunk(rec, map[string]any{"role": "assistant", "content": ""}, nil))
	flush()
	if !s.each(w, r, flush, func(_ int, text string) {
		event(o.chunk(rec, map[string]any{"content": text}, nil))
	}) {
		return
	}
	event(o.chunk(rec, map[string]any{}, "stop"))
	if so, _ := rec.Raw["stream_options"].(map[string]any); so != nil && so["include_usage"] == true {
		p, c := s.usage(rec)
		u := o.chunk(rec, nil, nil)
		u["choices"] = []any{}
		u["usage"] = map[string]any{"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}
		event(u)
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	flush()
}

func (openaiWire) whole(s *Server, w http.ResponseWriter, rec Request) {
	p, c := s.usage(rec)
	writeJSON(w, http.StatusOK, map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": modelOr(rec.Model),
		"choices": []any{map[string]any{
			"index": 0, "message": map[string]any{"role": "assistant", "content": s.Reply()},
			"logprobs": nil, "finish_reason": "stop",
		}},
		"usage": map[string]any{"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c},
	})
}

func (openaiWire) embed(s *Server, w http.ResponseWriter, rec Request) {
	data := []any{}
	for i, v := range s.vectors(rec) {
		data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": v})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list", "data": data, "model": modelOr(rec.Model),
		"usage": map[string]any{"prompt_tokens": len(rec.Input), "total_tokens": len(rec.Input)},
	})
}

func (openaiWire) models(s *Server, w http.ResponseWriter) {
	data := []any{}
	for _, m := range s.opts.Models {
		data = append(data, map[string]any{"id": m, "object": "model", "created": 1700000000, "owned_by": "fake"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

func (o openaiWire) other(_ *Server, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{
		"message": "Not found", "type": "invalid_request_error", "param": nil, "code": nil,
	}})
}

func modelOr(m string) string {
	if m == "" {
		return "fake-chat"
	}
	return m
}

func (openaiWire) streamError(w http.ResponseWriter, msg string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": "server_error", "param": nil, "code": nil}})
	fmt.Fprintf(w, "data: %s\n\n", b)
}
