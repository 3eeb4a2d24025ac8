package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"os1/api"
)

// fakeAPI is a small OS1 server: one person, conversations in memory, and
// replies of "echo: <content>" streamed over SSE a word at a time. A
// message "fail" gets an error event.
type fakeAPI struct {
	mu      sync.Mutex
	convs   []api.Conversation
	msgs    map[int64][]api.Message
	nextID  int64
	creates int
}

func (f *fakeAPI) handler(t *testing.T) http.Handler {
	writeJSON := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/me", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, api.Me{Companion: api.Companion{Name: "Samantha"}, Model: api.Model{Provider: "offline", Offline: true}})
	})
	mux.HandleFunc("GET /api/v1/conversations", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		var list api.ConversationList
		for i := len(f.convs) - 1; i >= 0; i-- {
			list.Conversations = append(list.Conversations, f.convs[i])
		}
		if n, _ := strconv.Atoi(r.URL.Query().Get("limit")); n > 0 && n < len(list.Conversations) {
			list.Conversations = list.Conversations[:n]
		}
		writeJSON(w, 200, list)
	})
	mux.HandleFunc("POST /api/v1/conversations", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.nextID++
		f.creates++
		c := api.Conversation{ID: f.nextID}
		f.convs = append(f.convs, c)
		f.mu.Unlock()
		writeJSON(w, 201, c)
	})
	mux.HandleFunc("GET /api/v1/conversations/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		f.mu.Lock()
		ms := f.msgs[id]
		ms = ms[max(0, len(ms)-limit):]
		f.mu.Unlock()
		writeJSON(w, 200, api.MessageList{Messages: ms})
	})
	turn := func(w http.ResponseWriter, r *http.Request, retry bool) {
		if r.Header.Get("Accept") != "text/event-stream" {
			t.Errorf("turn without Accept: text/event-stream")
		}
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		var user api.Message
		if retry {
			f.mu.Lock()
			ms := f.msgs[id]
			for i := len(ms) - 1; i >= 0; i-- {
				if ms[i].Role == "user" {
					user = ms[i]
					break
				}
			}
			f.mu.Unlock()
		} else {
			var mc api.MessageCreate
			_ = json.NewDecoder(r.Body).Decode(&mc)
			user = f.add(api.Message{ConversationID: id, Role: "user", Content: mc.Content, Status: api.StatusComplete})
		}
		reply := f.add(api.Message{ConversationID: id, Role: "assistant", Status: api.StatusStreaming})
		w.Header().Set("Content-Type", "text/event-stream")
		send := func(ev api.Event) {
			b, _ := json.Marshal(ev)
			fmt.Fprintf(w, "event: %s\r\ndata: %s\r\n\r\n", ev.Type, b)
			w.(http.Flusher).Flush()
		}
		send(api.Event{Type: api.EventMessage, Message: &user})
		send(api.Event{Type: api.EventReply, Message: &reply})
		if user.Content == "fail" && !retry {
			reply.Status, reply.Error = api.StatusInterrupted, "no model"
			send(api.Event{Type: api.EventError, Message: &reply, Error: &api.ErrorBody{Code: "unavailable", Message: "the model is away"}})
			return
		}
		text := "echo: " + user.Content
		for i, word := range strings.SplitAfter(text, " ") {
			if i > 0 {
				fmt.Fprint(w, ": ping\n\n")
			}
			send(api.Event{Type: api.EventDelta, Delta: word})
		}
		reply.Content, reply.Status = text, api.StatusComplete
		f.update(reply)
		send(api.Event{Type: api.EventDone, Message: &reply})
	}
	mux.HandleFunc("POST /api/v1/conversations/{id}/messages", func(w http.ResponseWriter, r *http.Request) { turn(w, r, false) })
	mux.HandleFunc("POST /api/v1/conversations/{id}/retry", func(w http.ResponseWriter, r *http.Request) { turn(w, r, true) })
	return mux
}

func (f *fakeAPI) update(m api.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, old := range f.msgs[m.ConversationID] {
		if old.ID == m.ID {
			f.msgs[m.ConversationID][i] = m
		}
	}
}

func (f *fakeAPI) add(m api.Message) api.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	m.ID = f.nextID
	f.msgs[m.ConversationID] = append(f.msgs[m.ConversationID], m)
	return m
}

func TestRemoteBackendDrivesTheChat(t *testing.T) {
	f := &fakeAPI{msgs: map[int64][]api.Message{}}
	srv := httptest.NewServer(f.handler(t))
	defer srv.Close()
	ctx := context.Background()
	client := api.NewClient(srv.URL, "key")

	r := NewRemote(client, 0)
	me, err := r.Me(ctx)
	if err != nil || me.Companion.Name != "Samantha" {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	hist, err := r.History(ctx, 50)
	if err != nil || len(hist) != 0 {
		t.Fatalf("History on a new instance = %v, %v", hist, err)
	}
	if f.creates != 1 {
		t.Fatalf("conversations created = %d, want 1", f.creates)
	}
	convID, _ := r.Conversation(ctx)

	m := newModel(ctx, r, me, hist)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	if !strings.Contains(view(m), OfflineBanner) {
		t.Fatalf("offline banner missing:\n%s", view(m))
	}
	typeText(m, "good morning")
	finish(t, m, press(m, tea.KeyEnter))
	if v := view(m); !strings.Contains(v, "echo: good morning") {
		t.Fatalf("streamed reply not shown:\n%s", v)
	}

	typeText(m, "fail")
	finish(t, m, press(m, tea.KeyEnter))
	if v := view(m); !strings.Contains(v, "the model is away") || !strings.Contains(v, RetryHint) {
		t.Fatalf("error event not shown with the hint:\n%s", v)
	}
	finish(t, m, press(m, tea.KeyCtrlR))
	if v := view(m); !strings.Contains(v, "echo: fail") || strings.Contains(v, RetryHint) {
		t.Fatalf("retry over the server not shown:\n%s", v)
	}

	// A second chat picks the same, latest conversation and shows it.
	r2 := NewRemote(client, 0)
	hist, err = r2.History(ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := r2.Conversation(ctx); id != convID || f.creates != 1 {
		t.Fatalf("second chat on conversation %d (creates %d), want %d and no new one", id, f.creates, convID)
	}
	var contents []string
	for _, m := range hist {
		contents = append(contents, m.Content)
	}
	if got := strings.Join(contents, "|"); !strings.HasPrefix(got, "good morning|echo: good morning|fail|") {
		t.Fatalf("history = %q", got)
	}
}
