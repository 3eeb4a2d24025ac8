package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"os1/internal/os1"
)

// NewOllama starts a fake Ollama server. It answers POST /api/chat (streamed
// as newline-delimited JSON ending in a "done": true object, or whole), POST
// /api/embed, GET /api/tags, GET /api/version and GET / ("Ollama is
// running").
func NewOllama(opts Options) *Server { return start(opts, ollamaWire{}) }

type ollamaWire struct{}

func (ollamaWire) route(r *http.Request) string {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/chat":
		return "chat"
	case r.Method == http.MethodPost && r.URL.Path == "/api/embed":
		return "embed"
	case r.Method == http.MethodGet && r.URL.Path == "/api/tags":
		return "models"
	}
	return "other"
}

func (ollamaWire) decode(kind string, body []byte, rec *Request) {
	var req struct {
		Model    string            `json:"model"`
		Messages []os1.ChatMessage `json:"messages"`
		Stream   *bool             `json:"stream"`
		Format   json.RawMessage   `json:"format"`
		Options  struct {
			Temperature *float64 `json:"temperature"`
			NumPredict  int      `json:"num_predict"`
		} `json:"options"`
		Input json.RawMessage `json:"input"`
	}
	if json.Unmarshal(body, &req) != nil {
		return
	}
	rec.Model = req.Model
	rec.Messages = req.Messages
	rec.Stream = req.Stream == nil || *req.Stream // Ollama streams unless told not to
	var f string
	rec.JSON = json.Unmarshal(req.Format, &f) == nil && f == "json"
	rec.Temperature = req.Options.Temperature
	rec.MaxTokens = req.Options.NumPredict
	if kind == "embed" {
		rec.Input = inputs(req.Input)
	}
}

func (ollamaWire) fail(w http.ResponseWriter, status int, model string) {
	msg := http.StatusText(status)
	switch status {
	case http.StatusUnauthorized:
		msg = "unauthorized"
	case http.StatusNotFound:
		msg = fmt.Sprintf("model %q not found, try pulling it first", model)
	case http.StatusServiceUnavailable:
		msg = "server busy, please try again.  maximum pending requests exceeded"
	}
	writeJSON(w, status, map[string]any{"error": msg})
}

func (ollamaWire) line(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Write(append(b, '\n'))
}

func (o ollamaWire) stream(s *Server, w http.ResponseWriter, r *http.Request, rec Request) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	flush := flusher(w)
	if !s.each(w, r, flush, func(_ int, text string) {
		o.line(w, map[string]any{
			"model": modelOr(rec.Model), "created_at": time.Now().UTC().Format(time.RFC3339Nano),
			"message": map[string]any{"role": "assistant", "content": text}, "done": false,
		})
	}) {
		return
	}
	o.line(w, o.final(s, rec, ""))
	flush()
}

func (ollamaWire) final(s *Server, rec Request, content string) map[string]any {
	p, c := s.usage(rec)
	return map[string]any{
		"model": modelOr(rec.Model), "created_at": time.Now().UTC().Format(time.RFC3339Nano),
		"message": map[string]any{"role": "assistant", "content": content},
		"done":    true, "done_reason": "stop",
		"total_duration": 1000000, "load_duration": 1000, "prompt_eval_count": p,
		"prompt_eval_duration": 1000, "eval_count": c, "eval_duration": 1000,
	}
}

func (o ollamaWire) whole(s *Server, w http.ResponseWriter, rec Request) {
	writeJSON(w, http.StatusOK, o.final(s, rec, s.Reply()))
}

func (ollamaWire) embed(s *Server, w http.ResponseWriter, rec Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"model": modelOr(rec.Model), "embeddings": s.vectors(rec),
		"total_duration": 1000, "load_duration": 1000, "prompt_eval_count": len(rec.Input),
	})
}

func (ollamaWire) models(s *Server, w http.ResponseWriter) {
	ms := []any{}
	for _, m := range s.opts.Models {
		ms = append(ms, map[string]any{
			"name": m, "model": m, "modified_at": "2025-01-01T00:00:00Z", "size": 1 << 30,
			"digest": fmt.Sprintf("%064x", len(m)),
			"details": map[string]any{
				"parent_model": "", "format": "gguf", "family": "llama", "families": []string{"llama"},
				"parameter_size": "1B", "quantization_level": "Q4_K_M",
			},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"models": ms})
}

func (ollamaWire) other(_ *Server, w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "Ollama is running")
	case r.URL.Path == "/api/version" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"version": "0.17.4"})
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "404 page not found")
	}
}

func (o ollamaWire) streamError(w http.ResponseWriter, msg string) {
	o.line(w, map[string]any{"error": msg})
}
