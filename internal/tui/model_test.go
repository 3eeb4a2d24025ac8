package tui

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"os1/api"
)

// fakeBackend answers turns from scripts. Each script is the events one
// turn sends, then the error the turn returns. A turn with block set waits
// for ctx to end after its events.
type fakeBackend struct {
	me      *api.Me
	history []api.Message

	mu      sync.Mutex
	sent    []string
	retries int
	turns   []script
	started chan struct{} // gets a value when a turn starts
	ended   chan error    // gets a blocked turn's ctx error
}

type script struct {
	events []api.Event
	err    error
	block  bool
}

func newFake(turns ...script) *fakeBackend {
	return &fakeBackend{
		me: &api.Me{
			User:      api.User{ID: 1, Name: "theo", DisplayName: "Theo"},
			Companion: api.Companion{ID: 1, Name: "Samantha"},
			Model:     api.Model{Provider: "ollama", Model: "llama3"},
		},
		turns:   turns,
		started: make(chan struct{}, 10),
		ended:   make(chan error, 10),
	}
}

func (f *fakeBackend) Me(context.Context) (*api.Me, error) { return f.me, nil }

func (f *fakeBackend) History(_ context.Context, limit int) ([]api.Message, error) {
	return f.history[max(0, len(f.history)-limit):], nil
}

func (f *fakeBackend) Send(ctx context.Context, content string, fn func(api.Event) error) error {
	f.mu.Lock()
	f.sent = append(f.sent, content)
	f.mu.Unlock()
	return f.play(ctx, fn)
}

func (f *fakeBackend) Retry(ctx context.Context, fn func(api.Event) error) error {
	f.mu.Lock()
	f.retries++
	f.mu.Unlock()
	return f.play(ctx, fn)
}

func (f *fakeBackend) play(ctx context.Context, fn func(api.Event) error) error {
	f.started <- struct{}{}
	f.mu.Lock()
	if len(f.turns) == 0 {
		f.mu.Unlock()
		return errors.New("fake: no turn scripted")
	}
	s := f.turns[0]
	f.turns = f.turns[1:]
	f.mu.Unlock()
	for _, ev := range s.events {
		if err := fn(ev); err != nil {
			return err
		}
	}
	if s.block {
		<-ctx.Done()
		f.ended <- ctx.Err()
		return ctx.Err()
	}
	return s.err
}

func (f *fakeBackend) sentCopy() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

func msg(id int64, role, content, status string) *api.Message {
	return &api.Message{ID: id, ConversationID: 1, Role: role, Content: content, Status: status}
}

// okTurn is a turn answering user message id with the deltas.
func okTurn(id int64, user string, deltas ...string) script {
	evs := []api.Event{
		{Type: api.EventMessage, Message: msg(id, "user", user, api.StatusComplete)},
		{Type: api.EventReply, Message: msg(id+1, "assistant", "", api.StatusStreaming)},
	}
	for _, d := range deltas {
		evs = append(evs, api.Event{Type: api.EventDelta, Delta: d})
	}
	evs = append(evs, api.Event{Type: api.EventDone, Message: msg(id+1, "assistant", strings.Join(deltas, ""), api.StatusComplete)})
	return script{events: evs}
}

func newTestModel(t *testing.T, b *fakeBackend) *model {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m := newModel(ctx, b, b.me, b.history)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	return m
}

func view(m *model) string { return ansi.Strip(m.View()) }

func typeText(m *model, s string) {
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)})
}

func press(m *model, k tea.KeyType) tea.Cmd {
	_, cmd := m.Update(tea.KeyMsg{Type: k})
	return cmd
}

// step runs cmd (a wait for the turn's next message), feeds the message to
// Update and returns the message and the next command.
func step(t *testing.T, m *model, cmd tea.Cmd) (tea.Msg, tea.Cmd) {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command to run")
	}
	got := make(chan tea.Msg, 1)
	go func() { got <- cmd() }()
	select {
	case msg := <-got:
		_, next := m.Update(msg)
		return msg, next
	case <-time.After(5 * time.Second):
		t.Fatal("the turn sent nothing for 5s")
		return nil, nil
	}
}

// finish steps until the turn has ended.
func finish(t *testing.T, m *model, cmd tea.Cmd) {
	t.Helper()
	for {
		msg, next := step(t, m, cmd)
		if _, ok := msg.(turnEndMsg); ok {
			return
		}
		cmd = next
	}
}

func TestEnterSendsAndReplyStreams(t *testing.T) {
	b := newFake(okTurn(10, "hi there", "Hello", ", Theo.", " How are you?"))
	m := newTestModel(t, b)

	v := view(m)
	if !strings.Contains(v, "Samantha · ollama/llama3") {
		t.Fatalf("status line missing companion and model:\n%s", v)
	}
	if strings.Contains(v, "offline mind") {
		t.Fatalf("offline banner shown for a real model:\n%s", v)
	}

	typeText(m, "hi there")
	if !strings.Contains(view(m), "hi there") {
		t.Fatalf("typed text not in the input:\n%s", view(m))
	}
	cmd := press(m, tea.KeyEnter)
	if m.input.Value() != "" {
		t.Fatalf("input after Enter = %q, want empty", m.input.Value())
	}

	// message, reply, first delta.
	for range 3 {
		_, cmd = step(t, m, cmd)
	}
	v = view(m)
	if !strings.Contains(v, "Hello") || strings.Contains(v, "Hello, Theo.") {
		t.Fatalf("after the first delta want exactly it shown:\n%s", v)
	}
	if !strings.Contains(v, "writing…") {
		t.Fatalf("no writing indicator while streaming:\n%s", v)
	}
	_, cmd = step(t, m, cmd)
	if !strings.Contains(view(m), "Hello, Theo.") {
		t.Fatalf("second delta not shown:\n%s", view(m))
	}
	finish(t, m, cmd)

	v = view(m)
	if !strings.Contains(v, "Hello, Theo. How are you?") {
		t.Fatalf("whole reply not shown:\n%s", v)
	}
	if strings.Contains(v, "writing…") || strings.Contains(v, RetryHint) {
		t.Fatalf("finished turn still shows writing or an error:\n%s", v)
	}
	if got := b.sentCopy(); len(got) != 1 || got[0] != "hi there" {
		t.Fatalf("backend got %q, want [hi there]", got)
	}
	if n := strings.Count(v, "hi there"); n != 1 {
		t.Fatalf("the message shows %d times, want 1:\n%s", n, v)
	}
}

func TestEmptyInputAndNewlineKeysDoNotSend(t *testing.T) {
	b := newFake()
	m := newTestModel(t, b)
	if cmd := press(m, tea.KeyEnter); cmd != nil {
		t.Fatal("Enter on an empty input started something")
	}
	typeText(m, "one")
	m.Update(tea.KeyMsg{Type: tea.KeyEnter, Alt: true})
	typeText(m, "two")
	press(m, tea.KeyCtrlJ)
	typeText(m, "three")
	if got := m.input.Value(); got != "one\ntwo\nthree" {
		t.Fatalf("input = %q, want three lines", got)
	}
	if len(b.sentCopy()) != 0 {
		t.Fatal("a newline key sent the message")
	}
}

func TestErrorShowsRetryHintAndCtrlRRetries(t *testing.T) {
	failing := script{
		events: []api.Event{
			{Type: api.EventMessage, Message: msg(10, "user", "are you there?", api.StatusComplete)},
			{Type: api.EventReply, Message: msg(11, "assistant", "", api.StatusStreaming)},
			{Type: api.EventDelta, Delta: "I am"},
			{Type: api.EventError,
				Message: &api.Message{ID: 11, Role: "assistant", Content: "I am", Status: api.StatusInterrupted, Error: "model server went away"},
				Error:   &api.ErrorBody{Code: "unavailable", Message: "the model server is not reachable"}},
		},
		err: &api.Error{Code: "unavailable", Message: "the model server is not reachable"},
	}
	retried := script{events: []api.Event{
		{Type: api.EventMessage, Message: msg(10, "user", "are you there?", api.StatusComplete)},
		{Type: api.EventReply, Message: msg(12, "assistant", "", api.StatusStreaming)},
		{Type: api.EventDelta, Delta: "Yes, here now."},
		{Type: api.EventDone, Message: msg(12, "assistant", "Yes, here now.", api.StatusComplete)},
	}}
	b := newFake(failing, retried)
	m := newTestModel(t, b)

	typeText(m, "are you there?")
	finish(t, m, press(m, tea.KeyEnter))
	v := view(m)
	for _, want := range []string{"the model server is not reachable", RetryHint, "I am", "(interrupted: model server went away)"} {
		if !strings.Contains(v, want) {
			t.Fatalf("after the failure the view lacks %q:\n%s", want, v)
		}
	}

	finish(t, m, press(m, tea.KeyCtrlR))
	if cmd := press(m, tea.KeyCtrlR); cmd != nil {
		t.Fatal("Ctrl+R after a complete reply started a turn")
	}
	if b.retries != 1 {
		t.Fatalf("Retry called %d times, want 1", b.retries)
	}
	v = view(m)
	if !strings.Contains(v, "Yes, here now.") {
		t.Fatalf("retried reply not shown:\n%s", v)
	}
	if strings.Contains(v, RetryHint) {
		t.Fatalf("retry hint still shown after a good retry:\n%s", v)
	}
	if n := strings.Count(v, "are you there?"); n != 1 {
		t.Fatalf("the message shows %d times after retry, want 1:\n%s", n, v)
	}
	if len(b.sentCopy()) != 1 {
		t.Fatalf("Ctrl+R sent a new message: %q", b.sentCopy())
	}
}

func TestBackendErrorWithoutEvents(t *testing.T) {
	b := newFake(script{err: errors.New("dial tcp 127.0.0.1:8080: connection refused")})
	m := newTestModel(t, b)
	typeText(m, "hello")
	finish(t, m, press(m, tea.KeyEnter))
	v := view(m)
	if !strings.Contains(v, "connection refused") || !strings.Contains(v, RetryHint) {
		t.Fatalf("error not shown with the retry hint:\n%s", v)
	}
	if !strings.Contains(v, "hello") {
		t.Fatalf("the unsent message vanished:\n%s", v)
	}
}

func TestStaleTurnMessagesIgnored(t *testing.T) {
	b := newFake()
	m := newTestModel(t, b)
	m.Update(eventMsg{turn: 7, ev: api.Event{Type: api.EventDelta, Delta: "ghost text"}})
	if strings.Contains(view(m), "ghost text") {
		t.Fatal("an event of a turn that is not running was shown")
	}
}

func TestOfflineBannerAndHistory(t *testing.T) {
	b := newFake()
	b.me.Model = api.Model{Provider: "offline", Offline: true}
	b.history = []api.Message{
		*msg(1, "user", "an old question", api.StatusComplete),
		{ID: 2, Role: "assistant", Content: "half an ans", Status: api.StatusInterrupted, Error: "server restarted"},
	}
	m := newTestModel(t, b)
	v := view(m)
	for _, want := range []string{OfflineBanner, "an old question", "half an ans", "(interrupted: server restarted)", "Samantha · offline"} {
		if !strings.Contains(v, want) {
			t.Fatalf("view lacks %q:\n%s", want, v)
		}
	}
}

func TestWordWrapFitsWidth(t *testing.T) {
	long := strings.Repeat("warm words wrap gently ", 12)
	b := newFake(okTurn(10, "wrap please", long))
	m := newTestModel(t, b)
	m.Update(tea.WindowSizeMsg{Width: 32, Height: 40})
	typeText(m, "wrap please")
	finish(t, m, press(m, tea.KeyEnter))
	v := view(m)
	for _, line := range strings.Split(v, "\n") {
		if w := lipgloss.Width(line); w > 32 {
			t.Fatalf("line of width %d > 32: %q", w, line)
		}
		if strings.Contains(line, "wor ") || strings.HasSuffix(strings.TrimSpace(line), "wa") {
			t.Fatalf("a word was broken: %q", line)
		}
	}
	if c := strings.Count(v, "gently"); c < 6 {
		t.Fatalf("wrapped reply shows %d words 'gently', want the reply's tail visible:\n%s", c, v)
	}
}

func TestQuitCancelsRunningTurn(t *testing.T) {
	b := newFake(script{block: true, events: []api.Event{{Type: api.EventDelta, Delta: "thinking about"}}})
	m := newTestModel(t, b)
	typeText(m, "a long question")
	cmd := press(m, tea.KeyEnter)
	_, _ = step(t, m, cmd)
	if !strings.Contains(view(m), "thinking about") {
		t.Fatalf("delta not shown:\n%s", view(m))
	}
	quit := press(m, tea.KeyEsc)
	if quit == nil || quit() != tea.Quit() {
		t.Fatal("Esc did not quit")
	}
	select {
	case err := <-b.ended:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("turn ended with %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("quitting did not cancel the running turn")
	}
	if cmd := press(m, tea.KeyCtrlC); cmd == nil || cmd() != tea.Quit() {
		t.Fatal("Ctrl+C did not quit")
	}
}

func TestSanitizeDropsTerminalEscapes(t *testing.T) {
	got := sanitize("plain\x1b[2Jclear\ttab\nline\x07\u009b")
	if got != "plain[2Jclear tab\nline" {
		t.Fatalf("sanitize = %q", got)
	}
}

func TestRunEndToEnd(t *testing.T) {
	b := newFake(okTurn(10, "hi", "hello"))
	in, feed := io.Pipe()
	defer feed.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, b, Options{Input: in, Output: io.Discard, Inline: true}) }()

	if _, err := io.WriteString(feed, "hi\r"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.started:
	case <-time.After(5 * time.Second):
		t.Fatal("Enter typed into Run did not start a turn")
	}
	if got := b.sentCopy(); len(got) != 1 || got[0] != "hi" {
		t.Fatalf("sent %q, want [hi]", got)
	}
	if _, err := io.WriteString(feed, "\x03"); err != nil { // Ctrl+C
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil after Ctrl+C", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after Ctrl+C")
	}
}

type failingBackend struct{ *fakeBackend }

func (failingBackend) Me(context.Context) (*api.Me, error) {
	return nil, &api.Error{Status: 401, Code: "unauthorized", Message: "a valid API key is required"}
}

func TestRunFailsEarlyWhenBackendRefuses(t *testing.T) {
	err := Run(context.Background(), failingBackend{newFake()}, Options{Input: strings.NewReader(""), Output: io.Discard})
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Code != "unauthorized" {
		t.Fatalf("Run = %v, want the unauthorized *api.Error", err)
	}
}
