package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"os1/api"
	"os1/internal/companion"
	"os1/internal/httpapi"
	"os1/internal/metrics"
	"os1/internal/mock"
	"os1/internal/os1"
	"os1/internal/sqlite"
	"os1/internal/tokens"
)

// env is one OS1 server on a fresh store, reached over real HTTP.
type env struct {
	t       testing.TB
	db      *sqlite.DB
	model   *mock.ChatModel
	engine  *companion.Engine
	metrics *metrics.Metrics
	srv     *httpapi.Server
	ts      *httptest.Server
	client  *http.Client
}

// reply is the fake model's default answer, streamed in these chunks.
var replyChunks = []string{"Hello", ", ", "it is ", "good to ", "hear from you."}

func replyText() string { return strings.Join(replyChunks, "") }

// newEnv starts a server whose model streams replyChunks. configure may
// change the server before it starts.
func newEnv(t testing.TB, configure ...func(*httpapi.Server)) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "os1.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	model := &mock.ChatModel{ChatFn: mock.Stream(0, replyChunks...)}
	m := metrics.New(func(ctx context.Context) (int, error) {
		return db.CountActiveConversations(ctx, time.Now().Add(-15*time.Minute))
	})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	engine := &companion.Engine{Store: db, Model: model, Tokens: tokens.Default, Observe: m, Logger: quiet}
	srv := &httpapi.Server{
		Store:   db,
		Engine:  engine,
		Model:   model.Info(),
		Metrics: m,
		Logger:  quiet,
		Version: "test",
	}
	for _, f := range configure {
		f(srv)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &env{t: t, db: db, model: model, engine: engine, metrics: m, srv: srv, ts: ts,
		client: &http.Client{Timeout: 20 * time.Second}}
}

// addUser creates a person and an API key for them.
func (e *env) addUser(name string) (*os1.User, string) {
	e.t.Helper()
	ctx := context.Background()
	u := &os1.User{Name: name, DisplayName: strings.ToUpper(name[:1]) + name[1:]}
	if err := e.db.CreateUser(ctx, u); err != nil {
		e.t.Fatalf("create user %s: %v", name, err)
	}
	key, _, err := e.db.CreateAPIKey(ctx, u.ID, "test")
	if err != nil {
		e.t.Fatalf("create key for %s: %v", name, err)
	}
	return u, key
}

// req is one HTTP request to the server.
type req struct {
	method, path, key string
	body              any // nil, string, []byte (sent as is) or a value sent as JSON
	header            map[string]string
	cookies           []*http.Cookie
}

// resp is a server reply, read in full.
type resp struct {
	status int
	header http.Header
	body   []byte
	resp   *http.Response
}

func (e *env) newRequest(r req) *http.Request {
	e.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("encode body: %v", err)
		}
		body = bytes.NewReader(data)
	}
	hr, err := http.NewRequest(r.method, e.ts.URL+r.path, body)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.key != "" {
		hr.Header.Set("Authorization", "Bearer "+r.key)
	}
	for k, v := range r.header {
		if strings.EqualFold(k, "Host") {
			hr.Host = v
			continue
		}
		hr.Header.Set(k, v)
	}
	for _, c := range r.cookies {
		hr.AddCookie(c)
	}
	return hr
}

// do sends r and reads the whole reply.
func (e *env) do(r req) resp {
	e.t.Helper()
	hr := e.newRequest(r)
	res, err := e.client.Do(hr)
	if err != nil {
		e.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", r.method, r.path, err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b, resp: res}
}

// json sends r, checks the status, and decodes the reply into out.
func (e *env) json(r req, wantStatus int, out any) resp {
	e.t.Helper()
	res := e.do(r)
	if res.status != wantStatus {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", r.method, r.path, res.status, wantStatus, res.body)
	}
	if out != nil {
		if err := json.Unmarshal(res.body, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", r.method, r.path, res.body, err)
		}
	}
	return res
}

// apiError checks that res is a JSON error with the given status and code.
func apiError(t testing.TB, res resp, wantStatus int, wantCode string) api.ErrorBody {
	t.Helper()
	if res.status != wantStatus {
		t.Fatalf("status %d, want %d; body %s", res.status, wantStatus, res.body)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error Content-Type %q, want JSON; body %s", ct, res.body)
	}
	var er api.ErrorResponse
	dec := json.NewDecoder(bytes.NewReader(res.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&er); err != nil {
		t.Fatalf("error body %s is not {\"error\":{\"code\",\"message\"}}: %v", res.body, err)
	}
	if er.Error.Code != wantCode || er.Error.Message == "" {
		t.Fatalf("error %+v, want code %q and a message", er.Error, wantCode)
	}
	return er.Error
}

// newConversation creates a conversation for the key's owner.
func (e *env) newConversation(key, title string) int64 {
	e.t.Helper()
	var c api.Conversation
	e.json(req{method: "POST", path: "/api/v1/conversations", key: key, body: api.ConversationCreate{Title: title}}, http.StatusCreated, &c)
	if c.ID == 0 {
		e.t.Fatalf("created conversation has no id")
	}
	return c.ID
}

// postMessage sends a message without streaming and returns the turn.
func (e *env) postMessage(key string, convID int64, content string) api.TurnResponse {
	e.t.Helper()
	var tr api.TurnResponse
	e.json(req{method: "POST", path: convPath(convID, "/messages"), key: key, body: api.MessageCreate{Content: content}}, http.StatusCreated, &tr)
	return tr
}

func convPath(id int64, suffix string) string {
	return fmt.Sprintf("/api/v1/conversations/%d%s", id, suffix)
}

// storedMessages returns a conversation's messages straight from the store.
func (e *env) storedMessages(userID, convID int64) []*os1.Message {
	e.t.Helper()
	list, err := e.db.ListMessages(context.Background(), userID, convID, os1.MessageFilter{Limit: 500})
	if err != nil {
		e.t.Fatalf("list stored messages: %v", err)
	}
	return list
}

// roles returns "user:text|assistant:text|…" for compact assertions.
func roles(list []*os1.Message) string {
	var parts []string
	for _, m := range list {
		parts = append(parts, m.Role+":"+m.Content)
	}
	return strings.Join(parts, "|")
}

// dump returns every row of the store's core tables (those a request could
// change), as text, for before/after comparisons. where, if set, is a
// per-table condition with one user id argument.
func (e *env) dump(userID int64) string {
	e.t.Helper()
	tables := []struct{ name, where string }{
		{"users", "id"},
		{"companions", "user_id"},
		{"conversations", "user_id"},
		{"messages", "user_id"},
		{"memory_turns", "user_id"},
	}
	var sb strings.Builder
	for _, tb := range tables {
		q := "SELECT * FROM " + tb.name
		var args []any
		if userID != 0 {
			q += " WHERE " + tb.where + " = ?"
			args = append(args, userID)
		}
		rows, err := e.db.Reader().Query(q+" ORDER BY rowid", args...)
		if err != nil {
			e.t.Fatalf("dump %s: %v", tb.name, err)
		}
		cols, _ := rows.Columns()
		n := 0
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.t.Fatalf("dump %s: %v", tb.name, err)
			}
			fmt.Fprintf(&sb, "%s%q\n", tb.name, fmt.Sprint(vals...))
			n++
		}
		rows.Close()
		fmt.Fprintf(&sb, "%s: %d rows\n", tb.name, n)
	}
	return sb.String()
}

// count returns the number of rows in a table.
func (e *env) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.db.Reader().QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		e.t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// sseEvent is one Server-Sent Event: its name and its data as an api.Event.
type sseEvent struct {
	name string
	ev   api.Event
	raw  string
}

// sseReader reads events from an SSE body line by line, as they arrive.
type sseReader struct {
	t  testing.TB
	br *bufio.Reader
}

func newSSEReader(t testing.TB, r io.Reader) *sseReader {
	return &sseReader{t: t, br: bufio.NewReader(r)}
}

// next returns the next event, or io.EOF at the end of the stream.
func (s *sseReader) next() (sseEvent, error) {
	var out sseEvent
	var data []string
	for {
		line, err := s.br.ReadString('\n')
		if err != nil {
			if err == io.EOF && line == "" && len(data) == 0 {
				return out, io.EOF
			}
			return out, fmt.Errorf("stream ended inside an event (%q): %w", line, err)
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if len(data) == 0 {
				continue
			}
			out.raw = strings.Join(data, "\n")
			if out.raw != "[DONE]" {
				if err := json.Unmarshal([]byte(out.raw), &out.ev); err != nil {
					return out, fmt.Errorf("event data %q: %w", out.raw, err)
				}
			}
			return out, nil
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event:"):
			out.name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
}

// all reads the remaining events.
func (s *sseReader) all() []sseEvent {
	s.t.Helper()
	var list []sseEvent
	for {
		ev, err := s.next()
		if err == io.EOF {
			return list
		}
		if err != nil {
			s.t.Fatalf("read SSE: %v", err)
		}
		list = append(list, ev)
	}
}

// eventTypes returns the events' types, joined by spaces.
func eventTypes(list []sseEvent) string {
	var parts []string
	for _, ev := range list {
		parts = append(parts, ev.ev.Type)
	}
	return strings.Join(parts, " ")
}

// gate is a fake model that sends each chunk only when the test lets it:
// the test proves that a chunk reached the client before the next one was
// even produced.
type gate struct {
	next chan struct{}
}

func newGate() *gate { return &gate{next: make(chan struct{})} }

func (g *gate) chat(chunks ...string) mock.ChatFunc {
	return func(ctx context.Context, _ os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
		for _, c := range chunks {
			select {
			case <-g.next:
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(10 * time.Second):
				return nil, fmt.Errorf("gate: the test never released the next chunk")
			}
			if err := fn(os1.Chunk{Content: c}); err != nil {
				return nil, err
			}
		}
		return &os1.ChatResponse{Content: strings.Join(chunks, "")}, nil
	}
}

// open lets the fake send one more chunk.
func (g *gate) open(t testing.TB) {
	t.Helper()
	select {
	case g.next <- struct{}{}:
	case <-time.After(10 * time.Second):
		t.Fatalf("the model was never asked for the next chunk")
	}
}
