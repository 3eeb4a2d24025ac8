package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"os1/api"
	"os1/internal/mock"
	"os1/internal/os1"
)

func TestPostMessage(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	conv := e.newConversation(key, "Evening")
	tr := e.postMessage(key, conv, "How was your day?")
	if tr.Message.ID == 0 || tr.Message.Role != os1.RoleUser || tr.Message.Content != "How was your day?" || tr.Message.ConversationID != conv {
		t.Fatalf("message %+v", tr.Message)
	}
	if tr.Reply.ID == 0 || tr.Reply.Role != os1.RoleAssistant || tr.Reply.Content != replyText() || tr.Reply.Status != api.StatusComplete {
		t.Fatalf("reply %+v", tr.Reply)
	}
	if got := roles(e.storedMessages(u.ID, conv)); got != "user:How was your day?|assistant:"+replyText() {
		t.Fatalf("stored %q", got)
	}
	// The list endpoint shows the same, and the conversation counts them.
	var ml api.MessageList
	e.json(req{method: "GET", path: convPath(conv, "/messages"), key: key}, http.StatusOK, &ml)
	if len(ml.Messages) != 2 || ml.Messages[0].ID != tr.Message.ID || ml.Messages[1].ID != tr.Reply.ID || ml.HasMore {
		t.Fatalf("listed %+v", ml)
	}
	var c api.Conversation
	e.json(req{method: "GET", path: convPath(conv, ""), key: key}, http.StatusOK, &c)
	if c.MessageCount != 2 || c.Title != "Evening" {
		t.Fatalf("conversation %+v", c)
	}
}

// TestModelDownThenRetry: a turn while the model server is down answers 503
// with a JSON error and keeps the message; the reply is stored interrupted
// with the reason; a retry answers without a second copy of the message.
func TestModelDownThenRetry(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	conv := e.newConversation(key, "")
	e.model.SetChat(mock.Fail(mock.Unavailable()))

	res := e.do(req{method: "POST", path: convPath(conv, "/messages"), key: key, body: api.MessageCreate{Content: "Hello?"}})
	body := apiErrorLoose(t, res, http.StatusServiceUnavailable, os1.EUNAVAILABLE)
	if !strings.Contains(body.Message, "not reachable") {
		t.Fatalf("error message %q does not say why", body.Message)
	}
	// The reply also carries the stored pair, for clients that show it.
	var tr api.TurnResponse
	if err := json.Unmarshal(res.body, &tr); err != nil || tr.Message.Content != "Hello?" || tr.Reply.Status != api.StatusInterrupted {
		t.Fatalf("body %s: %v", res.body, err)
	}
	stored := e.storedMessages(u.ID, conv)
	if len(stored) != 2 || stored[0].Content != "Hello?" || stored[1].Status != os1.StatusInterrupted ||
		!strings.Contains(stored[1].Error, "not reachable") {
		t.Fatalf("stored %+v", stored)
	}

	// Model back: retry answers the same message.
	e.model.SetChat(mock.Stream(0, replyChunks...))
	var rt api.TurnResponse
	e.json(req{method: "POST", path: convPath(conv, "/retry"), key: key}, http.StatusCreated, &rt)
	if rt.Message.ID != stored[0].ID || rt.Reply.Content != replyText() || rt.Reply.Status != api.StatusComplete {
		t.Fatalf("retry %+v", rt)
	}
	if got := roles(e.storedMessages(u.ID, conv)); got != "user:Hello?|assistant:|assistant:"+replyText() {
		t.Fatalf("stored after retry %q", got)
	}
	// A second retry has nothing to answer.
	apiError(t, e.do(req{method: "POST", path: convPath(conv, "/retry"), key: key}), http.StatusConflict, os1.ECONFLICT)
	// The model saw the message once in its last prompt, not twice.
	last, _ := e.model.LastCall()
	n := 0
	for _, m := range last.Messages {
		if m.Role == os1.RoleUser && m.Content == "Hello?" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the retried prompt holds the message %d times: %+v", n, last.Messages)
	}
}

// apiErrorLoose is apiError for bodies that carry more than the error.
func apiErrorLoose(t *testing.T, res resp, wantStatus int, wantCode string) api.ErrorBody {
	t.Helper()
	if res.status != wantStatus {
		t.Fatalf("status %d, want %d; body %s", res.status, wantStatus, res.body)
	}
	var er api.ErrorResponse
	if err := json.Unmarshal(res.body, &er); err != nil || er.Error.Code != wantCode || er.Error.Message == "" {
		t.Fatalf("body %s: want a JSON error with code %q (%v)", res.body, wantCode, err)
	}
	return er.Error
}

// TestConcurrentTurnsDoNotInterleave: two turns of one person sent at once
// are answered one after the other.
func TestConcurrentTurnsDoNotInterleave(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	conv := e.newConversation(key, "")
	e.model.SetChat(mock.Stream(15*time.Millisecond, "slow ", "reply ", "here"))

	var wg sync.WaitGroup
	errs := make(chan string, 2)
	for _, text := range []string{"first", "second"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hr := e.newRequest(req{method: "POST", path: convPath(conv, "/messages"), key: key, body: api.MessageCreate{Content: text},
				header: map[string]string{"Accept": "text/event-stream"}})
			res, err := e.client.Do(hr)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer res.Body.Close()
			sr := newSSEReader(t, res.Body)
			var got []string
			for {
				ev, err := sr.next()
				if err != nil {
					break
				}
				got = append(got, ev.ev.Type)
			}
			if strings.Join(got, " ") != "message reply delta delta delta done" {
				errs <- text + ": " + strings.Join(got, " ")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	got := roles(e.storedMessages(u.ID, conv))
	a := "user:first|assistant:slow reply here|user:second|assistant:slow reply here"
	b := "user:second|assistant:slow reply here|user:first|assistant:slow reply here"
	if got != a && got != b {
		t.Fatalf("turns interleaved: %s", got)
	}
	// Each prompt ended with its own message, and the second one saw the
	// first turn complete.
	calls := e.model.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d model calls", len(calls))
	}
	second := calls[1].Messages
	if len(second) != 4 || second[2].Role != os1.RoleAssistant || second[2].Content != "slow reply here" {
		t.Fatalf("second prompt %+v", second)
	}
}

// TestClientGoneCancelsTurn: a client that drops an SSE stream cancels the
// model call; the partial reply is kept as interrupted.
func TestClientGoneCancelsTurn(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	conv := e.newConversation(key, "")
	g := newGate()
	e.model.SetChat(g.chat("partial", " never sent"))
	ctx, cancel := context.WithCancel(context.Background())
	hr := e.newRequest(req{method: "POST", path: convPath(conv, "/messages"), key: key, body: api.MessageCreate{Content: "hi"},
		header: map[string]string{"Accept": "text/event-stream"}}).WithContext(ctx)
	res, err := e.client.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	sr := newSSEReader(t, res.Body)
	sr.next()
	sr.next()
	g.open(t)
	if ev, _ := sr.next(); ev.ev.Delta != "partial" {
		t.Fatalf("delta %+v", ev)
	}
	cancel()
	res.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		list := e.storedMessages(u.ID, conv)
		if len(list) == 2 && list[1].Status == os1.StatusInterrupted {
			if list[1].Content != "partial" {
				t.Fatalf("kept %q", list[1].Content)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not interrupted: %+v", list)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMessagePaging pages through a conversation backwards and forwards.
func TestMessagePaging(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	conv := e.newConversation(key, "")
	for i := range 5 {
		e.postMessage(key, conv, "message "+string(rune('A'+i)))
	}
	all := e.storedMessages(u.ID, conv)
	if len(all) != 10 {
		t.Fatalf("%d stored", len(all))
	}
	list := func(query string) api.MessageList {
		t.Helper()
		var ml api.MessageList
		e.json(req{method: "GET", path: convPath(conv, "/messages?"+query), key: key}, http.StatusOK, &ml)
		return ml
	}
	ids := func(ml api.MessageList) []int64 {
		var out []int64
		for _, m := range ml.Messages {
			out = append(out, m.ID)
		}
		return out
	}
	want := func(from, to int) []int64 {
		var out []int64
		for _, m := range all[from:to] {
			out = append(out, m.ID)
		}
		return out
	}
	// Newest page first, oldest first within it.
	p := list("limit=4")
	if got := ids(p); !slices.Equal(got, want(6, 10)) || !p.HasMore {
		t.Fatalf("newest page %v (has_more %v), want %v", got, p.HasMore, want(6, 10))
	}
	p = list("limit=4&before=" + strconv.FormatInt(all[6].ID, 10))
	if got := ids(p); !slices.Equal(got, want(2, 6)) || !p.HasMore {
		t.Fatalf("second page %v, want %v", got, want(2, 6))
	}
	p = list("limit=4&before=" + strconv.FormatInt(all[2].ID, 10))
	if got := ids(p); !slices.Equal(got, want(0, 2)) || p.HasMore {
		t.Fatalf("last page %v (has_more %v), want %v", got, p.HasMore, want(0, 2))
	}
	p = list("limit=3&after=" + strconv.FormatInt(all[4].ID, 10))
	if got := ids(p); !slices.Equal(got, want(5, 8)) {
		t.Fatalf("after page %v, want %v", got, want(5, 8))
	}
	if p = list("limit=10"); len(p.Messages) != 10 || p.HasMore {
		t.Fatalf("exact page: %d messages, has_more %v", len(p.Messages), p.HasMore)
	}
	// Conversations list with paging.
	second := e.newConversation(key, "second")
	var cl api.ConversationList
	e.json(req{method: "GET", path: "/api/v1/conversations?limit=1", key: key}, http.StatusOK, &cl)
	if len(cl.Conversations) != 1 || cl.Conversations[0].ID != second {
		t.Fatalf("first conversation page %+v", cl)
	}
	e.json(req{method: "GET", path: "/api/v1/conversations?limit=1&offset=1", key: key}, http.StatusOK, &cl)
	if len(cl.Conversations) != 1 || cl.Conversations[0].ID != conv || cl.Conversations[0].MessageCount != 10 {
		t.Fatalf("second conversation page %+v", cl)
	}
}

// TestAPIClientAgainstServer runs the project's own Go client against the
// real server: a turn, a failed turn (both the pair and the error come
// back), a streamed retry, and a WebSocket turn.
func TestAPIClientAgainstServer(t *testing.T) {
	e := newEnv(t)
	_, key := e.addUser("ada")
	c := api.NewClient(e.ts.URL, key)
	ctx := context.Background()
	conv, err := c.CreateConversation(ctx, api.ConversationCreate{Title: "client"})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := c.Turn(ctx, conv.ID, "hello")
	if err != nil || tr.Reply.Content != replyText() {
		t.Fatalf("turn: %+v, %v", tr, err)
	}
	e.model.SetChat(mock.Fail(mock.Unavailable()))
	tr, err = c.Turn(ctx, conv.ID, "anyone?")
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusServiceUnavailable || tr == nil ||
		tr.Message.Content != "anyone?" || tr.Reply.Status != api.StatusInterrupted {
		t.Fatalf("failed turn: %+v, %v", tr, err)
	}
	e.model.SetChat(mock.Stream(0, replyChunks...))
	var deltas []string
	reply, err := c.Retry(ctx, conv.ID, func(ev api.Event) error {
		if ev.Type == api.EventDelta {
			deltas = append(deltas, ev.Delta)
		}
		return nil
	})
	if err != nil || reply.Content != replyText() || !slices.Equal(deltas, replyChunks) {
		t.Fatalf("retry: %+v, %v, deltas %q", reply, err, deltas)
	}
	ws, err := c.Dial(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.SendMessage(ctx, "over the socket"); err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := ws.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == api.EventDone {
			if ev.Message.Content != replyText() {
				t.Fatalf("done %+v", ev.Message)
			}
			break
		}
		if ev.Type == api.EventError {
			t.Fatalf("error %+v", ev.Error)
		}
	}
	ml, err := c.Messages(ctx, conv.ID, 0, 50)
	if err != nil || len(ml.Messages) != 7 { // hello, reply, anyone?, interrupted, reply, socket, reply
		t.Fatalf("messages %d, %v", len(ml.Messages), err)
	}
}
