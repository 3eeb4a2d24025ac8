package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"os1/api"
	"os1/internal/mock"
	"os1/internal/os1"
)

// TestSSEStreamsChunkByChunk proves that a reply streams over SSE as it is
// produced: each of the model's chunks reaches the client as its own delta
// event before the model produces the next one.
func TestSSEStreamsChunkByChunk(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	conv := e.newConversation(key, "")
	g := newGate()
	chunks := []string{"One", " two", " three."}
	e.model.SetChat(g.chat(chunks...))

	hr := e.newRequest(req{method: "POST", path: convPath(conv, "/messages"), key: key, body: api.MessageCreate{Content: "Count for me"},
		header: map[string]string{"Accept": "text/event-stream"}})
	res, err := e.client.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d, Content-Type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	sr := newSSEReader(t, res.Body)
	next := func() sseEvent {
		t.Helper()
		ev, err := sr.next()
		if err != nil {
			t.Fatalf("read event: %v", err)
		}
		if ev.name != ev.ev.Type {
			t.Fatalf("SSE event name %q but data type %q", ev.name, ev.ev.Type)
		}
		return ev
	}

	msg := next()
	if msg.ev.Type != api.EventMessage || msg.ev.Message == nil || msg.ev.Message.Content != "Count for me" || msg.ev.Message.ID == 0 {
		t.Fatalf("first event %+v, want the stored message", msg.ev)
	}
	// The message is stored before the model says anything.
	if got := roles(e.storedMessages(u.ID, conv)); !strings.HasPrefix(got, "user:Count for me") {
		t.Fatalf("stored before the reply: %q", got)
	}
	rep := next()
	if rep.ev.Type != api.EventReply || rep.ev.Message == nil || rep.ev.Message.Status != api.StatusStreaming {
		t.Fatalf("second event %+v, want the streaming reply row", rep.ev)
	}
	for _, c := range chunks {
		g.open(t) // the model may now produce this chunk, and only this one
		d := next()
		if d.ev.Type != api.EventDelta || d.ev.Delta != c {
			t.Fatalf("event %+v, want delta %q", d.ev, c)
		}
	}
	done := next()
	if done.ev.Type != api.EventDone || done.ev.Message == nil || done.ev.Message.Content != "One two three." ||
		done.ev.Message.Status != api.StatusComplete || done.ev.Message.ID != rep.ev.Message.ID {
		t.Fatalf("last event %+v, want done with the complete reply", done.ev)
	}
	if _, err := sr.next(); err == nil {
		t.Fatalf("an event after done")
	}

	stored := e.storedMessages(u.ID, conv)
	if got := roles(stored); got != "user:Count for me|assistant:One two three." {
		t.Fatalf("stored %q", got)
	}
	if stored[1].Status != os1.StatusComplete {
		t.Fatalf("stored reply status %q", stored[1].Status)
	}
}

// TestSSEModelDown: the model fails before its first chunk; the stream says
// so in an error event that carries the interrupted reply.
func TestSSEModelDown(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	conv := e.newConversation(key, "")
	e.model.SetChat(mock.Fail(mock.Unavailable()))
	hr := e.newRequest(req{method: "POST", path: convPath(conv, "/messages?stream=true"), key: key, body: api.MessageCreate{Content: "Are you there?"}})
	res, err := e.client.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	evs := newSSEReader(t, res.Body).all()
	if got := eventTypes(evs); got != "message reply error" {
		t.Fatalf("events %q", got)
	}
	last := evs[2].ev
	if last.Error == nil || last.Error.Code != os1.EUNAVAILABLE || last.Message == nil || last.Message.Status != api.StatusInterrupted {
		t.Fatalf("error event %+v", last)
	}
	stored := e.storedMessages(u.ID, conv)
	if len(stored) != 2 || stored[1].Status != os1.StatusInterrupted || !strings.Contains(stored[1].Error, "not reachable") {
		t.Fatalf("stored %+v", stored)
	}
}

// wsConn is a test's WebSocket to a conversation.
type wsConn struct {
	t    *testing.T
	conn *websocket.Conn
}

func (e *env) dialWS(t *testing.T, key string, convID int64) *wsConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(e.ts.URL, "http") + convPath(convID, "/ws")
	conn, res, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + key}}})
	if err != nil {
		t.Fatalf("dial %s: %v (response %+v)", url, err, res)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return &wsConn{t: t, conn: conn}
}

func (c *wsConn) send(typ websocket.MessageType, data string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, typ, []byte(data)); err != nil {
		c.t.Fatalf("write frame: %v", err)
	}
}

func (c *wsConn) next() api.Event {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, data, err := c.conn.Read(ctx)
	if err != nil {
		c.t.Fatalf("read frame: %v", err)
	}
	if typ != websocket.MessageText {
		c.t.Fatalf("binary frame from the server")
	}
	var ev api.Event
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		c.t.Fatalf("frame %s: %v", data, err)
	}
	return ev
}

// turn reads the events of one turn, up to done or error.
func (c *wsConn) turn() []api.Event {
	c.t.Helper()
	var list []api.Event
	for {
		ev := c.next()
		list = append(list, ev)
		if ev.Type == api.EventDone || ev.Type == api.EventError {
			return list
		}
	}
}

func types(list []api.Event) string {
	var parts []string
	for _, ev := range list {
		parts = append(parts, ev.Type)
	}
	return strings.Join(parts, " ")
}

func TestWebSocket(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	conv := e.newConversation(key, "")
	ws := e.dialWS(t, key, conv)

	// A message streams chunk by chunk.
	g := newGate()
	e.model.SetChat(g.chat("Hi", " there", "!"))
	ws.send(websocket.MessageText, `{"type":"message","content":"Hello over WS"}`)
	if ev := ws.next(); ev.Type != api.EventMessage || ev.Message.Content != "Hello over WS" {
		t.Fatalf("first frame %+v", ev)
	}
	if ev := ws.next(); ev.Type != api.EventReply || ev.Message.Status != api.StatusStreaming {
		t.Fatalf("second frame %+v", ev)
	}
	for _, c := range []string{"Hi", " there", "!"} {
		g.open(t)
		if ev := ws.next(); ev.Type != api.EventDelta || ev.Delta != c {
			t.Fatalf("frame %+v, want delta %q", ev, c)
		}
	}
	if ev := ws.next(); ev.Type != api.EventDone || ev.Message.Content != "Hi there!" || ev.Message.Status != api.StatusComplete {
		t.Fatalf("last frame %+v", ev)
	}

	// Retrying a message that already has its reply is refused; the
	// connection stays usable.
	ws.send(websocket.MessageText, `{"type":"retry"}`)
	if ev := ws.next(); ev.Type != api.EventError || ev.Error == nil || ev.Error.Code != os1.ECONFLICT {
		t.Fatalf("retry of an answered message: %+v", ev)
	}

	// The model is down: the message is kept, the reply interrupted.
	e.model.SetChat(mock.Fail(mock.Unavailable()))
	ws.send(websocket.MessageText, `{"type":"message","content":"Still there?"}`)
	evs := ws.turn()
	if types(evs) != "message reply error" || evs[2].Error.Code != os1.EUNAVAILABLE {
		t.Fatalf("turn with the model down: %+v", evs)
	}
	// A retry frame answers the same message again, without a second copy.
	e.model.SetChat(mock.Stream(0, replyChunks...))
	ws.send(websocket.MessageText, `{"type":"retry"}`)
	evs = ws.turn()
	if types(evs) != "message reply delta delta delta delta delta done" {
		t.Fatalf("retry events %q", types(evs))
	}
	if evs[0].Message.Content != "Still there?" || evs[len(evs)-1].Message.Content != replyText() {
		t.Fatalf("retry answered %+v with %+v", evs[0].Message, evs[len(evs)-1].Message)
	}

	// Bad frames get error events; the connection stays usable.
	bad := []struct {
		typ  websocket.MessageType
		data string
	}{
		{websocket.MessageText, `not json`},
		{websocket.MessageText, `{"type":"message","content":5}`},
		{websocket.MessageText, `{"type":"message","content":"x","extra":1}`},
		{websocket.MessageText, `{"type":"dance"}`},
		{websocket.MessageText, `{"type":"message","content":"   "}`},
		{websocket.MessageText, "{\"type\":\"message\",\"content\":\"\xff\xfe\"}"},
		{websocket.MessageText, `{"type":"message","content":"a\u0000b"}`},
		{websocket.MessageText, `{"type":"message"} {"type":"message"}`},
		{websocket.MessageBinary, `{"type":"message","content":"binary"}`},
	}
	before := e.dump(0)
	for _, b := range bad {
		ws.send(b.typ, b.data)
		ev := ws.next()
		if ev.Type != api.EventError || ev.Error == nil || ev.Error.Code != os1.EINVALID || ev.Error.Message == "" {
			t.Fatalf("frame %q: %+v, want an invalid error", b.data, ev)
		}
	}
	if after := e.dump(0); after != before {
		t.Fatalf("bad frames changed the store:\n%s\nvs\n%s", before, after)
	}
	ws.send(websocket.MessageText, `{"content":"Good frame"}`)
	if evs := ws.turn(); evs[len(evs)-1].Type != api.EventDone {
		t.Fatalf("after bad frames: %q", types(evs))
	}

	got := roles(e.storedMessages(u.ID, conv))
	want := "user:Hello over WS|assistant:Hi there!|user:Still there?|assistant:|assistant:" + replyText() + "|user:Good frame|assistant:" + replyText()
	if got != want {
		t.Fatalf("stored\n%s\nwant\n%s", got, want)
	}
	ws.conn.Close(websocket.StatusNormalClosure, "")
}

// TestWebSocketCloseMidReply: closing the socket while a reply streams
// stores the partial reply as interrupted.
func TestWebSocketCloseMidReply(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	conv := e.newConversation(key, "")
	g := newGate()
	e.model.SetChat(g.chat("Part one", " and part two"))
	ws := e.dialWS(t, key, conv)
	ws.send(websocket.MessageText, `{"type":"message","content":"Tell me a story"}`)
	ws.next()
	ws.next()
	g.open(t)
	if ev := ws.next(); ev.Delta != "Part one" {
		t.Fatalf("delta %+v", ev)
	}
	ws.conn.Close(websocket.StatusGoingAway, "bye")
	deadline := time.Now().Add(5 * time.Second)
	for {
		list := e.storedMessages(u.ID, conv)
		if len(list) == 2 && list[1].Status == os1.StatusInterrupted {
			if list[1].Content != "Part one" {
				t.Fatalf("interrupted reply holds %q", list[1].Content)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("reply not interrupted after close: %+v", list[len(list)-1])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWebSocketStopsOnShutdown: when the server cancels its handlers (a
// graceful shutdown's last step), a WebSocket handler returns even while
// frames are queued behind a turn in progress.
func TestWebSocketStopsOnShutdown(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	conv := e.newConversation(key, "")
	g := newGate()
	e.model.SetChat(g.chat("never", "sent"))

	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	returned := make(chan struct{}, 1)
	handler := e.srv.Handler()
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
		if strings.HasSuffix(r.URL.Path, "/ws") {
			returned <- struct{}{}
		}
	}))
	ts.Config.BaseContext = func(net.Listener) context.Context { return base }
	ts.Start()
	defer ts.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + convPath(conv, "/ws")
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + key}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	// One turn waits on the model; more frames than the queue holds wait behind it.
	for i := range 12 {
		if err := conn.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf(`{"content":"frame %d"}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(e.model.Calls()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // let the reader fill the queue
	cancelBase()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatalf("the WebSocket handler did not return after its context was cancelled")
	}
	// The turn that was waiting is stored as interrupted.
	list := e.storedMessages(u.ID, conv)
	if len(list) < 2 || list[0].Content != "frame 0" || list[1].Status != os1.StatusInterrupted {
		t.Fatalf("stored %s", roles(list))
	}
}
