package companion_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"os1/internal/companion"
	"os1/internal/os1"
	"os1/internal/sqlite"
	"os1/internal/tokens"
)

// fakeModel streams Chunks, or runs ChatFn when set.
type fakeModel struct {
	Chunks []string
	Delay  time.Duration
	ChatFn func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error)

	mu   sync.Mutex
	reqs []os1.ChatRequest
}

func (m *fakeModel) Info() os1.ModelInfo { return os1.ModelInfo{Provider: "fake", Model: "fake-1"} }

func (m *fakeModel) Chat(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
	m.mu.Lock()
	m.reqs = append(m.reqs, req)
	m.mu.Unlock()
	if m.ChatFn != nil {
		return m.ChatFn(ctx, req, fn)
	}
	var sb strings.Builder
	for _, c := range m.Chunks {
		if m.Delay > 0 {
			select {
			case <-time.After(m.Delay):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if err := fn(os1.Chunk{Content: c}); err != nil {
			return nil, err
		}
		sb.WriteString(c)
	}
	return &os1.ChatResponse{Content: sb.String()}, nil
}

func (m *fakeModel) last() os1.ChatRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reqs[len(m.reqs)-1]
}

type fixture struct {
	db     *sqlite.DB
	engine *companion.Engine
	model  *fakeModel
	user   *os1.User
	conv   *os1.Conversation
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "os1.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u := &os1.User{Name: "theodore", DisplayName: "Theodore"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	c := &os1.Conversation{}
	if err := db.CreateConversation(ctx, u.ID, c); err != nil {
		t.Fatal(err)
	}
	m := &fakeModel{Chunks: []string{"Hello", ", ", "Theodore", "."}}
	e := &companion.Engine{Store: db, Model: m, Tokens: tokens.Default, FlushInterval: time.Millisecond}
	return &fixture{db: db, engine: e, model: m, user: u, conv: c}
}

func (f *fixture) messages(t testing.TB) []*os1.Message {
	t.Helper()
	list, err := f.db.ListMessages(context.Background(), f.user.ID, f.conv.ID, os1.MessageFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestTurnStoresMessageFirstAndStreamsReply(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var storedBeforeModel bool
	f.model.ChatFn = func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
		list := f.messages(t)
		storedBeforeModel = len(list) == 2 && list[0].Content == "I miss Catherine." && list[1].Status == os1.StatusStreaming
		for _, c := range []string{"That ", "sounds ", "hard."} {
			if err := fn(os1.Chunk{Content: c}); err != nil {
				return nil, err
			}
		}
		return &os1.ChatResponse{}, nil
	}
	var types []string
	var deltas []string
	res, err := f.engine.Turn(ctx, companion.TurnRequest{UserID: f.user.ID, ConversationID: f.conv.ID, Content: "I miss Catherine."}, func(ev companion.Event) error {
		types = append(types, ev.Type)
		if ev.Type == companion.EventDelta {
			deltas = append(deltas, ev.Delta)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !storedBeforeModel {
		t.Fatal("the person's message was not committed before the model was called")
	}
	if got := strings.Join(types, ","); got != "message,reply,delta,delta,delta,done" {
		t.Fatalf("events = %s", got)
	}
	if strings.Join(deltas, "|") != "That |sounds |hard." {
		t.Fatalf("deltas = %q", deltas)
	}
	list := f.messages(t)
	if len(list) != 2 || list[1].Content != "That sounds hard." || list[1].Status != os1.StatusComplete || list[1].Source != "fake:fake-1" {
		t.Fatalf("stored = %+v", list[1])
	}
	if res.Reply.ID != list[1].ID || list[0].Tokens == 0 {
		t.Fatalf("result %+v / tokens %d", res.Reply, list[0].Tokens)
	}
	// The prompt: system first with the rules and the person's name, the message last.
	req := f.model.last()
	if req.Messages[0].Role != os1.RoleSystem || !strings.Contains(req.Messages[0].Content, "Theodore") ||
		!strings.Contains(req.Messages[0].Content, "You are not human") {
		t.Fatalf("system prompt = %q", req.Messages[0].Content)
	}
	if last := req.Messages[len(req.Messages)-1]; last.Content != "I miss Catherine." || last.Role != os1.RoleUser {
		t.Fatalf("last prompt message = %+v", last)
	}
	if req.Turn == nil || req.Turn.UserName != "Theodore" || req.Turn.Presence.PeopleKnown != 1 || req.Turn.Presence.ActiveConversations != 1 || !req.Turn.FirstTurn {
		t.Fatalf("turn context = %+v", req.Turn)
	}
}

func TestInvalidMessageStoresNothing(t *testing.T) {
	f := newFixture(t)
	for _, content := range []string{"", "   ", "bad \xff utf8", "nul \x00", strings.Repeat("x", os1.MaxMessageBytes+1)} {
		_, err := f.engine.Turn(context.Background(), companion.TurnRequest{UserID: f.user.ID, ConversationID: f.conv.ID, Content: content}, nil)
		if c := os1.ErrorCode(err); c != os1.EINVALID && c != os1.ETOOLARGE {
			t.Fatalf("content %.20q: err = %v", content, err)
		}
	}
	if n := len(f.messages(t)); n != 0 {
		t.Fatalf("%d messages stored", n)
	}
	// Another person's conversation is not found, and nothing is stored there.
	_, err := f.engine.Turn(context.Background(), companion.TurnRequest{UserID: f.user.ID, ConversationID: f.conv.ID + 100, Content: "hi"}, nil)
	if os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Fatalf("unknown conversation: %v", err)
	}
}

func TestProviderDownKeepsMessageAndRetryAnswersIt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	down := os1.Errorf(os1.EUNAVAILABLE, "the model server at http://x is not answering")
	f.model.ChatFn = func(context.Context, os1.ChatRequest, func(os1.Chunk) error) (*os1.ChatResponse, error) {
		return nil, down
	}
	var evErr error
	res, err := f.engine.Turn(ctx, companion.TurnRequest{UserID: f.user.ID, ConversationID: f.conv.ID, Content: "are you there?"}, func(ev companion.Event) error {
		if ev.Type == companion.EventError {
			evErr = ev.Err
		}
		return nil
	})
	if os1.ErrorCode(err) != os1.EUNAVAILABLE || os1.ErrorCode(evErr) != os1.EUNAVAILABLE {
		t.Fatalf("err = %v, event err = %v", err, evErr)
	}
	if res == nil || res.Message.ID == 0 {
		t.Fatal("no stored message in the result")
	}
	list := f.messages(t)
	if len(list) != 2 || list[0].Content != "are you there?" || list[1].Status != os1.StatusInterrupted || !strings.Contains(list[1].Error, "not answering") {
		t.Fatalf("after failure: %+v %+v", list[0], list[1])
	}

	f.model.ChatFn = nil
	if _, err := f.engine.Turn(ctx, companion.TurnRequest{UserID: f.user.ID, ConversationID: f.conv.ID, Retry: true}, nil); err != nil {
		t.Fatal(err)
	}
	list = f.messages(t)
	users := 0
	for _, m := range list {
		if m.Role == os1.RoleUser {
			users++
		}
	}
	if users != 1 || len(list) != 3 || list[2].Status != os1.StatusComplete {
		t.Fatalf("after retry: %d user messages, %d in all, last %+v", users, len(list), list[len(list)-1])
	}
	// The interrupted reply is not shown to the model.
	for _, m := range f.model.last().Messages {
		if m.Role == os1.RoleAssistant {
			t.Fatalf("interrupted reply in the prompt: %+v", m)
		}
	}
	// Nothing left to retry.
	if _, err := f.engine.Turn(ctx, companion.TurnRequest{UserID: f.user.ID, ConversationID: f.conv.ID, Retry: true}, nil); os1.ErrorCode(err) != os1.ECONFLICT {
		t.Fatalf("retry of an answered message: %v", err)
	}
}

func TestCancelMidStreamStoresPartialReply(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	f.model.ChatFn = func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
		fn(os1.Chunk{Content: "I was "})
		fn(os1.Chunk{Content: "saying"})
		close(release)
		<-ctx.Done()
		return nil, fmt.Errorf("stream: %w", ctx.Err())
	}
	go func() { <-release; time.Sleep(10 * time.Millisecond); cancel() }()
	_, err := f.engine.Turn(ctx, companion.TurnRequest{UserID: f.user.ID, ConversationID: f.conv.ID, Content: "tell me"}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	list := f.messages(t)
	if len(list) != 2 || list[1].Content != "I was saying" || list[1].Status != os1.StatusInterrupted {
		t.Fatalf("stored reply = %+v", list[1])
	}
}

func TestPartialReplyIsSavedWhileStreaming(t *testing.T) {
	f := newFixture(t)
	seen := make(chan string, 1)
	f.model.ChatFn = func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
		fn(os1.Chunk{Content: "first "})
		time.Sleep(5 * time.Millisecond)
		fn(os1.Chunk{Content: "second "})
		list := f.messages(t)
		seen <- list[len(list)-1].Content
		fn(os1.Chunk{Content: "third"})
		return &os1.ChatResponse{}, nil
	}
	if _, err := f.engine.Turn(context.Background(), companion.TurnRequest{UserID: f.user.ID, ConversationID: f.conv.ID, Content: "go"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := <-seen; got != "first second " {
		t.Fatalf("stored while streaming = %q, want the partial reply", got)
	}
}

func TestOneTurnAtATimePerPerson(t *testing.T) {
	f := newFixture(t)
	f.model.Delay = 5 * time.Millisecond
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := f.engine.Turn(context.Background(), companion.TurnRequest{UserID: f.user.ID, ConversationID: f.conv.ID, Content: fmt.Sprintf("message %d", i)}, nil); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	list := f.messages(t)
	if len(list) != 8 {
		t.Fatalf("%d messages, want 8", len(list))
	}
	for i, m := range list {
		want := os1.RoleUser
		if i%2 == 1 {
			want = os1.RoleAssistant
		}
		if m.Role != want {
			t.Fatalf("message %d is %s, want %s: turns interleaved", i, m.Role, want)
		}
	}
}

func TestContextFitsTheTokenBudget(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		role := os1.RoleUser
		if i%2 == 1 {
			role = os1.RoleAssistant
		}
		text := fmt.Sprintf("earlier message number %d about the weather and the city at night", i)
		if err := f.db.AddMessage(ctx, &os1.Message{ConversationID: f.conv.ID, UserID: f.user.ID, Role: role, Content: text, Tokens: tokens.Default.CountMessage(text)}); err != nil {
			t.Fatal(err)
		}
	}
	f.engine.ContextTokens = 2048
	f.engine.ReplyTokens = 512
	if _, err := f.engine.Turn(ctx, companion.TurnRequest{UserID: f.user.ID, ConversationID: f.conv.ID, Content: "and now?"}, nil); err != nil {
		t.Fatal(err)
	}
	req := f.model.last()
	total := 0
	for _, m := range req.Messages {
		total += tokens.Default.CountMessage(m.Content)
	}
	if total > 2048-512 {
		t.Fatalf("prompt is %d tokens, over the budget of %d", total, 2048-512)
	}
	if len(req.Messages) < 20 {
		t.Fatalf("only %d messages in the prompt; the budget allows far more", len(req.Messages))
	}
	if req.Messages[len(req.Messages)-1].Content != "and now?" || !strings.Contains(req.Messages[len(req.Messages)-2].Content, "number 999") {
		t.Fatalf("the newest history is missing: %+v", req.Messages[len(req.Messages)-2:])
	}
	if req.Turn.FirstTurn {
		t.Fatal("FirstTurn set on the 501st message")
	}
}
