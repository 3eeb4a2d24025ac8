package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"os1/api"
)

const testKey = "sk-test"

// fakeServer speaks OS1's /api/v1 wire format over an in-memory store.
// The reply to a message is "echo: <content>", sent in deltas of up to
// five bytes. Special contents: "fail" ends the turn with an error event
// after one delta; "hang" sends one delta and waits for the client to go.
type fakeServer struct {
	mu     sync.Mutex
	name   string
	convs  []api.Conversation
	msgs   map[int64][]api.Message
	nextID int64

	hanging chan struct{} // closed when a "hang" turn has sent its delta
	gone    chan struct{} // closed when the client of a "hang" turn went away
}

func newFakeServer(t *testing.T) (*fakeServer, *httptest.Server) {
	t.Helper()
	f := &fakeServer{
		name:    "Theo",
		msgs:    map[int64][]api.Message{},
		hanging: make(chan struct{}),
		gone:    make(chan struct{}),
	}
	srv := httptest.NewServer(f.handler())
	t.Cleanup(srv.Close)
	return f, srv
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, api.ErrorResponse{Error: api.ErrorBody{Code: code, Message: msg}})
}

func (f *fakeServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, api.Status{Version: "test", Model: api.Model{Provider: "offline", Offline: true}})
	})
	mux.HandleFunc("GET /api/v1/me", f.auth(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, f.me())
	}))
	mux.HandleFunc("PATCH /api/v1/me", f.auth(func(w http.ResponseWriter, r *http.Request) {
		var upd api.MeUpdate
		if err := json.NewDecoder(r.Body).Decode(&upd); err != nil {
			writeErr(w, 400, "invalid", "bad json")
			return
		}
		if upd.DisplayName != nil {
			f.mu.Lock()
			f.name = *upd.DisplayName
			f.mu.Unlock()
		}
		writeJSON(w, 200, f.me())
	}))
	mux.HandleFunc("GET /api/v1/conversations", f.auth(func(w http.ResponseWriter, r *http.Request) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		f.mu.Lock()
		defer f.mu.Unlock()
		var out []api.Conversation
		for i := len(f.convs) - 1; i >= 0; i-- { // newest first
			out = append(out, f.convs[i])
		}
		out = out[min(offset, len(out)):]
		if limit > 0 && limit < len(out) {
			out = out[:limit]
		}
		writeJSON(w, 200, api.ConversationList{Conversations: out})
	}))
	mux.HandleFunc("POST /api/v1/conversations", f.auth(func(w http.ResponseWriter, r *http.Request) {
		var cc api.ConversationCreate
		_ = json.NewDecoder(r.Body).Decode(&cc)
		f.mu.Lock()
		f.nextID++
		c := api.Conversation{ID: f.nextID, Title: cc.Title, CreatedAt: time.Now()}
		f.convs = append(f.convs, c)
		f.mu.Unlock()
		writeJSON(w, 201, c)
	}))
	mux.HandleFunc("GET /api/v1/conversations/{id}", f.auth(func(w http.ResponseWriter, r *http.Request) {
		c, ok := f.conv(r)
		if !ok {
			writeErr(w, 404, "not_found", "no such conversation")
			return
		}
		writeJSON(w, 200, c)
	}))
	mux.HandleFunc("GET /api/v1/conversations/{id}/messages", f.auth(func(w http.ResponseWriter, r *http.Request) {
		c, ok := f.conv(r)
		if !ok {
			writeErr(w, 404, "not_found", "no such conversation")
			return
		}
		q := r.URL.Query()
		before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
		after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit <= 0 {
			limit = 50
		}
		f.mu.Lock()
		var sel []api.Message
		for _, m := range f.msgs[c.ID] {
			if (before == 0 || m.ID < before) && m.ID > after {
				sel = append(sel, m)
			}
		}
		f.mu.Unlock()
		var page []api.Message
		hasMore := false
		if after > 0 {
			page = sel[:min(limit, len(sel))]
		} else {
			page = sel[max(0, len(sel)-limit):]
			hasMore = len(sel) > limit
		}
		writeJSON(w, 200, api.MessageList{Messages: page, HasMore: hasMore})
	}))
	mux.HandleFunc("POST /api/v1/conversations/{id}/messages", f.auth(func(w http.ResponseWriter, r *http.Request) {
		var mc api.MessageCreate
		if err := json.NewDecoder(r.Body).Decode(&mc); err != nil || strings.TrimSpace(mc.Content) == "" {
			writeErr(w, 400, "invalid", "message is empty")
			return
		}
		f.turn(w, r, mc.Content, false)
	}))
	mux.HandleFunc("POST /api/v1/conversations/{id}/retry", f.auth(func(w http.ResponseWriter, r *http.Request) {
		f.turn(w, r, "", true)
	}))
	mux.HandleFunc("GET /api/v1/conversations/{id}/ws", f.auth(func(w http.ResponseWriter, r *http.Request) {
		c, ok := f.conv(r)
		if !ok {
			writeErr(w, 404, "not_found", "no such conversation")
			return
		}
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		for {
			var req api.WSRequest
			if err := wsjson.Read(r.Context(), ws, &req); err != nil {
				return
			}
			content := req.Content
			if req.Type == "retry" {
				content = f.lastUser(c.ID).Content
			}
			for _, ev := range f.events(c.ID, content, req.Type == "retry") {
				if err := wsjson.Write(r.Context(), ws, ev); err != nil {
					return
				}
			}
		}
	}))
	return mux
}

func (f *fakeServer) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testKey {
			writeErr(w, 401, "unauthorized", "a valid API key is required")
			return
		}
		h(w, r)
	}
}

func (f *fakeServer) me() api.Me {
	f.mu.Lock()
	defer f.mu.Unlock()
	return api.Me{
		User:      api.User{ID: 1, Name: "theo", DisplayName: f.name},
		Companion: api.Companion{ID: 1, Name: "Samantha"},
		Model:     api.Model{Provider: "ollama", Model: "llama3"},
	}
}

func (f *fakeServer) conv(r *http.Request) (api.Conversation, bool) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.convs {
		if c.ID == id {
			return c, true
		}
	}
	return api.Conversation{}, false
}

func (f *fakeServer) add(m api.Message) api.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	m.ID = f.nextID
	m.CreatedAt = time.Now()
	f.msgs[m.ConversationID] = append(f.msgs[m.ConversationID], m)
	return m
}

func (f *fakeServer) update(m api.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ms := f.msgs[m.ConversationID]
	for i := range ms {
		if ms[i].ID == m.ID {
			ms[i] = m
		}
	}
}

func (f *fakeServer) lastUser(convID int64) api.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	ms := f.msgs[convID]
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Role == "user" {
			return ms[i]
		}
	}
	return api.Message{}
}

// events runs a turn and returns all its events (the "hang" case is
// handled by turn).
func (f *fakeServer) events(convID int64, content string, retry bool) []api.Event {
	var user api.Message
	if retry {
		user = f.lastUser(convID)
	} else {
		user = f.add(api.Message{ConversationID: convID, Role: "user", Content: content, Status: api.StatusComplete})
	}
	reply := f.add(api.Message{ConversationID: convID, Role: "assistant", Status: api.StatusStreaming})
	evs := []api.Event{{Type: api.EventMessage, Message: &user}, {Type: api.EventReply, Message: ptr(reply)}}
	text := "echo: " + user.Content
	if user.Content == "fail" && !retry {
		evs = append(evs, api.Event{Type: api.EventDelta, Delta: "ec"})
		reply.Content, reply.Status, reply.Error = "ec", api.StatusInterrupted, "model server went away"
		f.update(reply)
		return append(evs, api.Event{Type: api.EventError, Message: ptr(reply), Error: &api.ErrorBody{Code: "unavailable", Message: "the model server is not reachable"}})
	}
	for i := 0; i < len(text); i += 5 {
		evs = append(evs, api.Event{Type: api.EventDelta, Delta: text[i:min(i+5, len(text))]})
	}
	reply.Content, reply.Status = text, api.StatusComplete
	f.update(reply)
	return append(evs, api.Event{Type: api.EventDone, Message: ptr(reply)})
}

func ptr[T any](v T) *T { return &v }

func (f *fakeServer) turn(w http.ResponseWriter, r *http.Request, content string, retry bool) {
	c, ok := f.conv(r)
	if !ok {
		writeErr(w, 404, "not_found", "no such conversation")
		return
	}
	if retry && f.lastUser(c.ID).ID == 0 {
		writeErr(w, 409, "conflict", "nothing to retry")
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		evs := f.events(c.ID, content, retry)
		status := 201
		if evs[len(evs)-1].Type == api.EventError {
			status = 503 // the pair is stored; the reply is interrupted
		}
		writeJSON(w, status, api.TurnResponse{Message: *evs[0].Message, Reply: *evs[len(evs)-1].Message})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
	fl := w.(http.Flusher)
	send := func(ev api.Event) {
		b, _ := json.Marshal(ev)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Type, b)
		fl.Flush()
	}
	if content == "hang" {
		evs := f.events(c.ID, content, retry)
		send(evs[0])
		send(evs[1])
		send(api.Event{Type: api.EventDelta, Delta: "thinking"})
		close(f.hanging)
		<-r.Context().Done()
		close(f.gone)
		return
	}
	fmt.Fprint(w, ": ping\n\n")
	for _, ev := range f.events(c.ID, content, retry) {
		send(ev)
	}
}

func newTestClient(t *testing.T) (*fakeServer, *api.Client) {
	f, srv := newFakeServer(t)
	return f, api.NewClient(srv.URL+"/", testKey)
}

func TestClientMeStatusUpdate(t *testing.T) {
	_, c := newTestClient(t)
	ctx := context.Background()

	me, err := c.Me(ctx)
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	if me.Companion.Name != "Samantha" || me.Model.Model != "llama3" || me.User.DisplayName != "Theo" {
		t.Fatalf("Me = %+v", me)
	}
	name := "Theodore"
	me, err = c.UpdateMe(ctx, api.MeUpdate{DisplayName: &name})
	if err != nil {
		t.Fatalf("UpdateMe: %v", err)
	}
	if me.User.DisplayName != "Theodore" {
		t.Fatalf("UpdateMe display name = %q, want Theodore", me.User.DisplayName)
	}

	anon := api.NewClient(c.BaseURL, "")
	st, err := anon.Status(ctx)
	if err != nil {
		t.Fatalf("Status without key: %v", err)
	}
	if !st.Model.Offline || st.Version != "test" {
		t.Fatalf("Status = %+v", st)
	}
}

func TestClientErrors(t *testing.T) {
	_, c := newTestClient(t)
	ctx := context.Background()

	_, err := api.NewClient(c.BaseURL, "wrong").Me(ctx)
	var ae *api.Error
	if !errors.As(err, &ae) {
		t.Fatalf("Me with a wrong key: got %T %v, want *api.Error", err, err)
	}
	if ae.Status != 401 || ae.Code != "unauthorized" || ae.Message != "a valid API key is required" {
		t.Fatalf("error = %+v", ae)
	}
	if !strings.Contains(ae.Error(), "unauthorized") {
		t.Fatalf("Error() = %q, want the code in it", ae.Error())
	}

	_, err = c.Conversation(ctx, 999)
	if !errors.As(err, &ae) || ae.Status != 404 || ae.Code != "not_found" {
		t.Fatalf("Conversation(999): got %v, want a 404 not_found *api.Error", err)
	}

	// A reply with a body that is not an ErrorResponse (a proxy's page).
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream down", http.StatusBadGateway)
	}))
	defer proxy.Close()
	_, err = api.NewClient(proxy.URL, testKey).Me(ctx)
	if !errors.As(err, &ae) || ae.Status != 502 || ae.Code != "unavailable" || ae.Message != "upstream down" {
		t.Fatalf("proxy error: got %+v (%v)", ae, err)
	}

	// A stream request refused with an error body.
	conv, err := c.CreateConversation(ctx, api.ConversationCreate{})
	if err != nil {
		t.Fatal(err)
	}
	called := false
	_, err = c.SendMessage(ctx, conv.ID, "   ", func(api.Event) error { called = true; return nil })
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Code != "invalid" {
		t.Fatalf("SendMessage(blank): got %v, want 400 invalid", err)
	}
	if called {
		t.Fatal("fn called for a refused request")
	}
	_, err = c.Retry(ctx, conv.ID, nil)
	if !errors.As(err, &ae) || ae.Status != 409 || ae.Code != "conflict" {
		t.Fatalf("Retry on an empty conversation: got %v, want 409 conflict", err)
	}
}

func TestClientConversationsAndMessages(t *testing.T) {
	_, c := newTestClient(t)
	ctx := context.Background()

	a, err := c.CreateConversation(ctx, api.ConversationCreate{Title: "first"})
	if err != nil {
		t.Fatalf("CreateConversation: %v", err)
	}
	b, err := c.CreateConversation(ctx, api.ConversationCreate{Title: "second"})
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.ListConversations(ctx, 1, 0)
	if err != nil {
		t.Fatalf("ListConversations: %v", err)
	}
	if len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("ListConversations(1,0) = %+v, want only %d", list, b.ID)
	}
	list, err = c.ListConversations(ctx, 10, 1)
	if err != nil || len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("ListConversations(10,1) = %+v, %v; want only %d", list, err, a.ID)
	}
	got, err := c.Conversation(ctx, a.ID)
	if err != nil || got.Title != "first" {
		t.Fatalf("Conversation = %+v, %v", got, err)
	}

	for i := range 3 {
		tr, err := c.Turn(ctx, a.ID, fmt.Sprintf("m%d", i))
		if err != nil {
			t.Fatalf("Turn: %v", err)
		}
		if tr.Message.Content != fmt.Sprintf("m%d", i) || tr.Reply.Content != fmt.Sprintf("echo: m%d", i) || tr.Reply.Status != api.StatusComplete {
			t.Fatalf("Turn = %+v", tr)
		}
	}
	tr, err := c.Turn(ctx, b.ID, "fail")
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != 503 || ae.Code != "unavailable" || ae.Message != "model server went away" {
		t.Fatalf("failing Turn: err %v, want a 503 unavailable *api.Error", err)
	}
	if tr == nil || tr.Message.Content != "fail" || tr.Reply.Status != api.StatusInterrupted || tr.Reply.Content != "ec" {
		t.Fatalf("failing Turn: response %+v, want the stored pair", tr)
	}

	page, err := c.Messages(ctx, a.ID, 0, 4)
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	if len(page.Messages) != 4 || !page.HasMore || page.Messages[3].Content != "echo: m2" || page.Messages[0].Content != "m1" {
		t.Fatalf("newest page = %+v", page)
	}
	older, err := c.Messages(ctx, a.ID, page.Messages[0].ID, 4)
	if err != nil || len(older.Messages) != 2 || older.HasMore || older.Messages[0].Content != "m0" {
		t.Fatalf("older page = %+v, %v", older, err)
	}
	newer, err := c.MessagesAfter(ctx, a.ID, older.Messages[1].ID, 2)
	if err != nil || len(newer.Messages) != 2 || newer.Messages[0].Content != "m1" {
		t.Fatalf("page after = %+v, %v", newer, err)
	}
}

func TestClientSendMessageStreams(t *testing.T) {
	_, c := newTestClient(t)
	ctx := context.Background()
	conv, err := c.CreateConversation(ctx, api.ConversationCreate{})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	var text strings.Builder
	reply, err := c.SendMessage(ctx, conv.ID, "hello there", func(ev api.Event) error {
		types = append(types, ev.Type)
		text.WriteString(ev.Delta)
		return nil
	})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if reply.Content != "echo: hello there" || reply.Status != api.StatusComplete {
		t.Fatalf("reply = %+v", reply)
	}
	if text.String() != "echo: hello there" {
		t.Fatalf("deltas joined = %q", text.String())
	}
	want := "message reply delta delta delta delta done"
	if got := strings.Join(types, " "); got != want {
		t.Fatalf("event types = %q, want %q", got, want)
	}

	// A failing turn: fn sees the error event with the interrupted reply,
	// the call returns an *api.Error with Status 0.
	var last api.Event
	_, err = c.SendMessage(ctx, conv.ID, "fail", func(ev api.Event) error { last = ev; return nil })
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != 0 || ae.Code != "unavailable" {
		t.Fatalf("failing turn: got %v, want an unavailable *api.Error", err)
	}
	if last.Type != api.EventError || last.Message == nil || last.Message.Status != api.StatusInterrupted {
		t.Fatalf("last event = %+v", last)
	}

	// Retry answers "fail" again, this time successfully.
	reply, err = c.Retry(ctx, conv.ID, nil)
	if err != nil || reply.Content != "echo: fail" {
		t.Fatalf("Retry = %+v, %v", reply, err)
	}

	// fn's error stops the stream and comes back unchanged.
	stop := errors.New("stop")
	n := 0
	_, err = c.SendMessage(ctx, conv.ID, "again", func(ev api.Event) error {
		n++
		if ev.Type == api.EventDelta {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Fatalf("fn error: got %v after %d events, want stop after 3", err, n)
	}
}

func TestClientSendMessageCancelMidStream(t *testing.T) {
	f, c := newTestClient(t)
	conv, err := c.CreateConversation(context.Background(), api.ConversationCreate{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	deltas := make(chan string, 10)
	errc := make(chan error, 1)
	go func() {
		_, err := c.SendMessage(ctx, conv.ID, "hang", func(ev api.Event) error {
			if ev.Type == api.EventDelta {
				deltas <- ev.Delta
			}
			return nil
		})
		errc <- err
	}()
	select {
	case d := <-deltas:
		if d != "thinking" {
			t.Fatalf("delta = %q, want thinking", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no delta from the hanging turn")
	}
	<-f.hanging
	cancel() // the client now waits in a read of the open stream
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("SendMessage after cancel: got %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("SendMessage did not return after cancel")
	}
	if len(deltas) != 0 {
		t.Fatalf("more deltas after cancel: %q", <-deltas)
	}
	select {
	case <-f.gone:
	case <-time.After(5 * time.Second):
		t.Fatal("server did not see the client go away")
	}
}

// rawStream serves a fixed byte stream in the given chunks, flushing
// between them, so that CR and LF can land in different reads.
func rawStream(t *testing.T, chunks ...string) *api.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, ch := range chunks {
			io.WriteString(w, ch)
			w.(http.Flusher).Flush()
			time.Sleep(2 * time.Millisecond)
		}
	}))
	t.Cleanup(srv.Close)
	return api.NewClient(srv.URL, testKey)
}

func TestClientStreamEdgeCases(t *testing.T) {
	done := `{"type":"done","message":{"id":2,"role":"assistant","content":"hi","status":"complete"}}`
	t.Run("crlf split across reads, comments, retry and id fields", func(t *testing.T) {
		c := rawStream(t,
			": ping\r\n\r", "\n",
			"retry: 1000\r\nid: 1\r\nevent: delta\r\ndata: {\"type\":\"delta\",\"delta\":\"h\"}\r", "\n\r\n",
			"event: delta\rdata:{\"type\":\"delta\",\r", "\ndata: \"delta\":\"i\"}\r\r",
			": keepalive\n\n",
			"event: done\ndata: "+done+"\n\n")
		var got string
		reply, err := c.SendMessage(context.Background(), 1, "x", func(ev api.Event) error { got += ev.Delta; return nil })
		if err != nil || reply.Content != "hi" || got != "hi" {
			t.Fatalf("got %q, reply %+v, err %v", got, reply, err)
		}
	})
	t.Run("data split over lines", func(t *testing.T) {
		c := rawStream(t,
			"event: delta\ndata: {\"type\":\"delta\",\ndata: \"delta\":\"a\\nb\"}\n\n",
			"event: done\ndata: "+done+"\n\n")
		var got string
		_, err := c.SendMessage(context.Background(), 1, "x", func(ev api.Event) error { got += ev.Delta; return nil })
		if err != nil || got != "a\nb" {
			t.Fatalf("got %q, err %v", got, err)
		}
	})
	t.Run("type taken from the event name", func(t *testing.T) {
		c := rawStream(t, "event: delta\ndata: {\"delta\":\"z\"}\n\nevent: done\ndata: "+done+"\n\n")
		var types []string
		_, err := c.SendMessage(context.Background(), 1, "x", func(ev api.Event) error { types = append(types, ev.Type); return nil })
		if err != nil || strings.Join(types, ",") != "delta,done" {
			t.Fatalf("types %v, err %v", types, err)
		}
	})
	t.Run("stream cut before done", func(t *testing.T) {
		c := rawStream(t, "event: delta\ndata: {\"type\":\"delta\",\"delta\":\"h\"}\n\n")
		_, err := c.SendMessage(context.Background(), 1, "x", nil)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("got %v, want io.ErrUnexpectedEOF", err)
		}
	})
	t.Run("stream cut inside an event", func(t *testing.T) {
		c := rawStream(t, "event: done\ndata: "+done)
		_, err := c.SendMessage(context.Background(), 1, "x", nil)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("got %v, want io.ErrUnexpectedEOF", err)
		}
	})
	t.Run("data that is not JSON", func(t *testing.T) {
		c := rawStream(t, "event: delta\ndata: not json\n\n")
		_, err := c.SendMessage(context.Background(), 1, "x", nil)
		if err == nil || !strings.Contains(err.Error(), "decode") {
			t.Fatalf("got %v, want a decode error", err)
		}
	})
	t.Run("error event without a body", func(t *testing.T) {
		c := rawStream(t, "event: error\ndata: {\"type\":\"error\"}\n\n")
		_, err := c.SendMessage(context.Background(), 1, "x", nil)
		var ae *api.Error
		if !errors.As(err, &ae) || ae.Code != "internal" {
			t.Fatalf("got %v, want an internal *api.Error", err)
		}
	})
}

func TestEventReaderLongLine(t *testing.T) {
	long := strings.Repeat("é", 200_000) // 400 KB, longer than bufio's default buffer
	b, _ := json.Marshal(api.Event{Type: api.EventDelta, Delta: long})
	r := api.NewEventReader(strings.NewReader("data: " + string(b) + "\n\n"))
	ev, err := r.Next()
	if err != nil || ev.Delta != long {
		t.Fatalf("Next: len %d, err %v", len(ev.Delta), err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next at end: %v, want io.EOF", err)
	}
}

func TestClientStreamFallsBackToJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 201, api.TurnResponse{
			Message: api.Message{ID: 1, Role: "user", Content: "x"},
			Reply:   api.Message{ID: 2, Role: "assistant", Content: "whole", Status: api.StatusComplete},
		})
	}))
	defer srv.Close()
	var types []string
	reply, err := api.NewClient(srv.URL, testKey).SendMessage(context.Background(), 1, "x", func(ev api.Event) error {
		types = append(types, ev.Type)
		return nil
	})
	if err != nil || reply.Content != "whole" || strings.Join(types, ",") != "message,reply,delta,done" {
		t.Fatalf("reply %+v, types %v, err %v", reply, types, err)
	}
}

func TestClientWebSocket(t *testing.T) {
	_, c := newTestClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conv, err := c.CreateConversation(ctx, api.ConversationCreate{})
	if err != nil {
		t.Fatal(err)
	}

	_, err = api.NewClient(c.BaseURL, "wrong").Dial(ctx, conv.ID)
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Code != "unauthorized" {
		t.Fatalf("Dial with a wrong key: got %v, want a 401 *api.Error", err)
	}

	conn, err := c.Dial(ctx, conv.ID)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer conn.Close()

	turn := func() (string, api.Event) {
		var text string
		for {
			ev, err := conn.Next(ctx)
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			text += ev.Delta
			if ev.Type == api.EventDone || ev.Type == api.EventError {
				return text, ev
			}
		}
	}
	if err := conn.SendMessage(ctx, "over the wire"); err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	text, last := turn()
	if text != "echo: over the wire" || last.Type != api.EventDone || last.Message.Content != text {
		t.Fatalf("turn: text %q, last %+v", text, last)
	}
	if err := conn.SendMessage(ctx, "fail"); err != nil {
		t.Fatal(err)
	}
	if _, last = turn(); last.Type != api.EventError || last.Error.Code != "unavailable" {
		t.Fatalf("failing turn ended with %+v", last)
	}
	if err := conn.Retry(ctx); err != nil {
		t.Fatal(err)
	}
	if text, last = turn(); last.Type != api.EventDone || text != "echo: fail" {
		t.Fatalf("retry: text %q, last %+v", text, last)
	}
}
