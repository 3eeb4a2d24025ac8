// Package llmtest provides fake model servers for tests: httptest servers
// that speak the real wire formats of OpenAI-compatible servers
// ([NewOpenAI]), Ollama ([NewOllama]) and Anthropic ([NewAnthropic]), so that
// the real clients run over a real HTTP transport.
//
// Each fake streams a scripted reply ([Options.Chunks]) and can be told to
// wait between chunks, fail the first requests with 503, hang, refuse the
// API key, cut the connection mid-reply, or hold the stream at a point until
// the test releases it. Every request is recorded for assertions
// ([Server.Requests]). The OpenAI and Ollama fakes also serve embeddings
// (deterministic vectors, see [Vector]) and a model list.
package llmtest

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"os1/internal/os1"
)

// DefaultChunks is the reply streamed when Options.Chunks is empty.
var DefaultChunks = []string{"Hello", " there,", " my", " friend."}

// DefaultModels is the model list served when Options.Models is empty.
var DefaultModels = []string{"fake-chat", "fake-embed"}

// DefaultDim is the embedding size when Options.Dim is 0.
const DefaultDim = 8

// Options script a fake server. The zero value streams DefaultChunks at once.
type Options struct {
	// Chunks is the reply, streamed one piece per event. Empty:
	// DefaultChunks.
	Chunks []string
	// Delay is waited before each chunk.
	Delay time.Duration
	// FailFirst makes the first FailFirst chat requests fail with
	// FailStatus (default 503) before anything is streamed.
	FailFirst  int
	FailStatus int
	// Status, when set, makes every request (chat, embeddings, models)
	// fail with this status and the provider's error body; 401 reads as a
	// refused API key, 404 as a missing model.
	Status int
	// Hang makes chat requests send nothing at all (not even headers) until
	// the client goes away or the server is closed.
	Hang bool
	// BreakAfter, when > 0, cuts the connection after that many chunks,
	// without the end-of-stream event: a server dying mid-reply.
	BreakAfter int
	// StreamError, when set, makes the stream break after BreakAfter chunks
	// (0: before the first) with an error event
	// in the provider's format (OpenAI: data: {"error":…}; Ollama:
	// {"error":"…"}; Anthropic: event: error, overloaded_error) carrying
	// this message, after which the stream ends; the connection stays up.
	StreamError string
	// Hold, when non-nil, pauses every chat stream after HoldAfter chunks
	// were sent (and flushed) until Hold is closed (or yields a value), the
	// client goes away or the server is closed. [Server.Held] tells when a
	// stream reached the pause.
	Hold      <-chan struct{}
	HoldAfter int
	// OnChunk, when set, is called before chunk i (0-based) is written,
	// with the request's context; it may block (and should return when ctx
	// is done).
	OnChunk func(ctx context.Context, i int)
	// Models is the served model list. Empty: DefaultModels.
	Models []string
	// StrictModels makes chat and embedding requests for a model that is
	// not in Models fail with the provider's 404 "model not found".
	StrictModels bool
	// Dim is the embedding size. 0: DefaultDim.
	Dim int
	// PromptTokens and ReplyTokens are the usage reported at the end of a
	// reply. 0: the number of messages and of chunks.
	PromptTokens, ReplyTokens int
}

// Request is one request a fake received.
type Request struct {
	Kind        string // "chat", "embed", "models", "other"
	Method      string
	Path        string
	Header      http.Header
	Body        []byte            // the raw body
	Model       string            // the model asked for
	Messages    []os1.ChatMessage // chat messages as sent (Anthropic: without the system prompt)
	System      string            // Anthropic's system parameter
	Stream      bool              // the stream flag
	JSON        bool              // JSON output asked for (response_format json_object, format "json")
	Temperature *float64          // as sent
	MaxTokens   int               // max_tokens, num_predict
	Input       []string          // embedding input
	Raw         map[string]any    // the body decoded, for anything else
}

// Server is a running fake. URL is its base URL (http://127.0.0.1:port);
// the embedded httptest.Server also offers CloseClientConnections to
// simulate a crash.
type Server struct {
	*httptest.Server
	opts Options
	wire wire

	done      chan struct{}
	closeOnce sync.Once
	held      chan struct{}
	heldOnce  sync.Once

	mu    sync.Mutex
	reqs  []Request
	chats int
}

// wire is one provider's protocol.
type wire interface {
	// route tells what kind of request r is ("chat", "embed", "models",
	// "other").
	route(r *http.Request) string
	// decode fills rec from the body of a chat or embed request.
	decode(kind string, body []byte, rec *Request)
	// fail writes an error answer with the provider's body.
	fail(w http.ResponseWriter, status int, model string)
	// stream writes a streamed chat reply using s.chunks.
	stream(s *Server, w http.ResponseWriter, r *http.Request, rec Request)
	// whole writes a non-streamed chat reply.
	whole(s *Server, w http.ResponseWriter, rec Request)
	// embed writes an embeddings answer.
	embed(s *Server, w http.ResponseWriter, rec Request)
	// models writes the model list.
	models(s *Server, w http.ResponseWriter)
	// streamError writes an in-stream error event.
	streamError(w http.ResponseWriter, msg string)
	// other answers anything else.
	other(s *Server, w http.ResponseWriter, r *http.Request)
}

func start(opts Options, wr wire) *Server {
	if len(opts.Chunks) == 0 {
		opts.Chunks = DefaultChunks
	}
	if len(opts.Models) == 0 {
		opts.Models = DefaultModels
	}
	if opts.Dim == 0 {
		opts.Dim = DefaultDim
	}
	if opts.FailStatus == 0 {
		opts.FailStatus = http.StatusServiceUnavailable
	}
	s := &Server{opts: opts, wire: wr, done: make(chan struct{}), held: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close stops the server: streams and hangs in progress end at once (their
// connections are cut), then it waits for the handlers to return.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.Server.CloseClientConnections()
		s.Server.Close()
	})
}

// Requests returns a copy of the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// ChatRequests returns the chat requests received so far, in order.
func (s *Server) ChatRequests() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Kind == "chat" {
			out = append(out, r)
		}
	}
	return out
}

// LastChat returns the last chat request, and false when there was none.
func (s *Server) LastChat() (Request, bool) {
	rs := s.ChatRequests()
	if len(rs) == 0 {
		return Request{}, false
	}
	return rs[len(rs)-1], true
}

// Held is closed when a chat stream first reaches the Options.Hold pause.
func (s *Server) Held() <-chan struct{} { return s.held }

// Reply returns the whole scripted reply (the chunks joined).
func (s *Server) Reply() string {
	var n []byte
	for _, c := range s.opts.Chunks {
		n = append(n, c...)
	}
	return string(n)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	rec := Request{
		Kind:   s.wire.route(r),
		Method: r.Method,
		Path:   r.URL.Path,
		Header: r.Header.Clone(),
		Body:   body,
	}
	if len(body) > 0 {
		_ = json.Unmarshal(body, &rec.Raw)
		s.wire.decode(rec.Kind, body, &rec)
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, rec)
	n := 0
	if rec.Kind == "chat" {
		s.chats++
		n = s.chats
	}
	s.mu.Unlock()

	if s.opts.Status != 0 && rec.Kind != "other" {
		s.wire.fail(w, s.opts.Status, rec.Model)
		return
	}
	switch rec.Kind {
	case "chat":
		if n <= s.opts.FailFirst {
			s.wire.fail(w, s.opts.FailStatus, rec.Model)
			return
		}
		if s.opts.Hang {
			select {
			case <-r.Context().Done():
			case <-s.done:
			}
			panic(http.ErrAbortHandler)
		}
		if s.opts.StrictModels && !slices.Contains(s.opts.Models, rec.Model) {
			s.wire.fail(w, http.StatusNotFound, rec.Model)
			return
		}
		if rec.Stream {
			s.wire.stream(s, w, r, rec)
		} else {
			s.wire.whole(s, w, rec)
		}
	case "embed":
		if s.opts.StrictModels && !slices.Contains(s.opts.Models, rec.Model) {
			s.wire.fail(w, http.StatusNotFound, rec.Model)
			return
		}
		s.wire.embed(s, w, rec)
	case "models":
		s.wire.models(s, w)
	default:
		s.wire.other(s, w, r)
	}
}

// each drives a chat stream: for every chunk it applies the scripted
// pauses, then calls send; flush pushes what was written. It returns false
// when the stream must end without its final event (client gone, server
// closed, or BreakAfter reached, in which case the connection is cut).
func (s *Server) each(w http.ResponseWriter, r *http.Request, flush func(), send func(i int, text string)) bool {
	ctx := r.Context()
	for i, c := range s.opts.Chunks {
		if (s.opts.BreakAfter > 0 || s.opts.StreamError != "") && i == s.opts.BreakAfter {
			s.breakStream(w, flush)
			return false
		}
		if s.opts.Hold != nil && i == s.opts.HoldAfter {
			flush()
			s.heldOnce.Do(func() { close(s.held) })
			select {
			case <-s.opts.Hold:
			case <-ctx.Done():
				return false
			case <-s.done:
				panic(http.ErrAbortHandler)
			}
		}
		if s.opts.OnChunk != nil {
			s.opts.OnChunk(ctx, i)
		}
		if s.opts.Delay > 0 {
			t := time.NewTimer(s.opts.Delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return false
			case <-s.done:
				t.Stop()
				panic(http.ErrAbortHandler)
			}
		}
		if ctx.Err() != nil {
			return false
		}
		send(i, c)
		flush()
	}
	if (s.opts.BreakAfter > 0 || s.opts.StreamError != "") && s.opts.BreakAfter >= len(s.opts.Chunks) {
		s.breakStream(w, flush)
		return false
	}
	return true
}

// breakStream ends a stream early: with an error event when StreamError is
// set, else by cutting the connection.
func (s *Server) breakStream(w http.ResponseWriter, flush func()) {
	if s.opts.StreamError != "" {
		s.wire.streamError(w, s.opts.StreamError)
		flush()
		return
	}
	flush()
	panic(http.ErrAbortHandler) // cut the connection, no end of stream
}

func (s *Server) usage(rec Request) (prompt, reply int) {
	prompt, reply = s.opts.PromptTokens, s.opts.ReplyTokens
	if prompt == 0 {
		prompt = len(rec.Messages)
		if rec.System != "" {
			prompt++
		}
	}
	if reply == 0 {
		reply = len(s.opts.Chunks)
	}
	return prompt, reply
}

func (s *Server) vectors(rec Request) [][]float32 {
	out := make([][]float32, len(rec.Input))
	for i, t := range rec.Input {
		out[i] = Vector(t, s.opts.Dim)
	}
	return out
}

// Vector is the deterministic unit vector of size dim the fakes return as
// the embedding of text: equal texts give equal vectors, different texts
// (almost surely) different ones.
func Vector(text string, dim int) []float32 {
	v := make([]float32, dim)
	var norm float64
	for i := range v {
		h := fnv.New64a()
		h.Write([]byte{byte(i), byte(i >> 8)})
		h.Write([]byte(text))
		x := float64(h.Sum64()%20001)/10000 - 1 // -1..1
		v[i] = float32(x)
		norm += x * x
	}
	if norm == 0 {
		return v
	}
	n := float32(math.Sqrt(norm))
	for i := range v {
		v[i] /= n
	}
	return v
}

// writeJSON writes v as a JSON answer with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// flusher returns a function flushing w.
func flusher(w http.ResponseWriter) func() {
	f, _ := w.(http.Flusher)
	return func() {
		if f != nil {
			f.Flush()
		}
	}
}

// inputs decodes an embedding input: a string or a list of strings.
func inputs(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return many
}
