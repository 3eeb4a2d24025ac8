// Package httpapi serves OS1 over HTTP: the JSON API under /api/v1 (with
// replies streamed over Server-Sent Events and WebSocket), the
// OpenAI-compatible endpoints under /v1, health and readiness checks,
// Prometheus metrics, and the web page (handed in as a handler).
//
// Application error codes become HTTP statuses here and only here
// ([Error]). Every handler that touches stored data works on the signed-in
// user's id: another user's conversation is reported as not found.
package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"os1/internal/archive"
	"os1/internal/companion"
	"os1/internal/os1"
)

// Store is what the HTTP layer needs of the store.
type Store interface {
	os1.UserService
	os1.CompanionService
	os1.ConversationService
	os1.MessageService
	Ping(ctx context.Context) error
}

// TurnRunner runs conversation turns (companion.Engine).
type TurnRunner interface {
	Turn(ctx context.Context, req companion.TurnRequest, fn func(companion.Event) error) (*companion.TurnResult, error)
}

// Metrics records HTTP requests and serves the metrics page.
type Metrics interface {
	HTTPRequest(status int)
	Handler() http.Handler
}

// Server is OS1's HTTP handler. Set the fields, then call Handler.
type Server struct {
	Store   Store
	Engine  TurnRunner
	Model   os1.ModelInfo
	Metrics Metrics      // optional
	Page    http.Handler // the web page and its assets, served at /; optional
	Logger  *slog.Logger
	Version string

	// The services behind the optional route groups; a nil service leaves
	// its routes out. Their interfaces are declared beside their handlers.
	Memory    MemoryService    // memory.go: /api/v1/memory, export, import
	Self      SelfService      // self.go: onboarding, persona, growth, cards, mood
	Wellbeing WellbeingService // wellbeing.go: wellbeing, nudges, goodbye
	Cards     CardService      // card.go: character card import/export
	// ArchiveSections are the parts beyond memory that GET /api/v1/export
	// carries (the persona's versions, wellbeing settings).
	ArchiveSections []archive.Section

	// MaxBodyBytes limits request bodies (default 1 MiB).
	MaxBodyBytes int64
	// Loopback is true when the server listens only on a loopback address;
	// it enables the first-person setup and, with exactly one person,
	// signing that person in without a key.
	Loopback bool
	// SessionTTL is how long a web session lasts (default 30 days).
	SessionTTL time.Duration
	// Ready reports whether the server is ready for traffic (default: the
	// store answers).
	Ready func(ctx context.Context) error
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Server) maxBody() int64 {
	if s.MaxBodyBytes > 0 {
		return s.MaxBodyBytes
	}
	return 1 << 20
}

// Handler returns the server's routes wrapped in its middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.handleReady)
	if s.Metrics != nil {
		mux.Handle("GET /metrics", s.Metrics.Handler())
	}

	mux.HandleFunc("GET /api/v1/status", s.handleStatus)
	mux.HandleFunc("POST /api/v1/setup", s.handleSetup)
	mux.HandleFunc("POST /api/v1/session", s.handleSignIn)
	mux.HandleFunc("DELETE /api/v1/session", s.handleSignOut)

	mux.Handle("GET /api/v1/me", s.auth(s.handleMe))
	mux.Handle("PATCH /api/v1/me", s.auth(s.handleUpdateMe))
	mux.Handle("GET /api/v1/conversations", s.auth(s.handleListConversations))
	mux.Handle("POST /api/v1/conversations", s.auth(s.handleCreateConversation))
	mux.Handle("GET /api/v1/conversations/{id}", s.auth(s.handleConversation))
	mux.Handle("GET /api/v1/conversations/{id}/messages", s.auth(s.handleListMessages))
	mux.Handle("POST /api/v1/conversations/{id}/messages", s.auth(s.handlePostMessage))
	mux.Handle("POST /api/v1/conversations/{id}/retry", s.auth(s.handleRetry))
	mux.Handle("GET /api/v1/conversations/{id}/ws", s.auth(s.handleWebSocket))
	s.memoryRoutes(mux)
	s.selfRoutes(mux)
	s.cardRoutes(mux)
	s.wellbeingRoutes(mux)
	s.keyRoutes(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, os1.Errorf(os1.ENOTFOUND, "no API endpoint %s %s", r.Method, r.URL.Path))
	})

	mux.Handle("GET /v1/models", s.bearer(s.handleOpenAIModels))
	mux.Handle("POST /v1/chat/completions", s.bearer(s.handleChatCompletions))
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeOpenAIError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", "no endpoint "+r.Method+" "+r.URL.Path)
	})

	if s.Page != nil {
		mux.Handle("/", s.Page)
	}
	return s.middleware(mux)
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	ready := s.Ready
	if ready == nil {
		ready = s.Store.Ping
	}
	if err := ready(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// statusRecorder remembers the status code written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and Hijack.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger().Error("panic in handler", "method", r.Method, "path", r.URL.Path, "panic", v)
				if rec.status == 0 {
					s.Error(rec, r, os1.Errorf(os1.EINTERNAL, "internal error"))
				}
			}
			if s.Metrics != nil {
				s.Metrics.HTTPRequest(max(rec.status, 200))
			}
		}()
		if r.Body != nil {
			r.Body = http.MaxBytesReader(rec, r.Body, s.maxBody())
		}
		rec.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(rec, r)
	})
}

// IsLoopback reports whether addr (host:port) names only a loopback address.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
