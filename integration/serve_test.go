package integration

import (
	"bufio"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"os1/api"
	"os1/internal/llm/llmtest"
)

// A fresh data directory, no model server: the page and the API answer, and
// the offline mind replies honestly.
func TestFreshServeAnswersOffline(t *testing.T) {
	data := t.TempDir()
	s := serve(t, nil, "--data", data)
	if !strings.Contains(s.stderr.String(), "offline mind") {
		t.Fatalf("start-up does not say the offline mind is in use:\n%s", s.stderr.String())
	}
	var st api.Status
	if code := do(t, "GET", s.URL+"/api/v1/status", "", nil, &st); code != 200 || !st.Model.Offline || !st.SetupOpen {
		t.Fatalf("status %d: %+v", code, st)
	}
	resp, err := http.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var setup api.SetupResponse
	if code := do(t, "POST", s.URL+"/api/v1/setup", "", api.Setup{Name: "theodore", DisplayName: "Theodore"}, &setup); code != 201 || setup.Key == "" {
		t.Fatalf("setup: %d %+v", code, setup)
	}
	var conv api.Conversation
	do(t, "POST", s.URL+"/api/v1/conversations", setup.Key, api.ConversationCreate{}, &conv)
	var turn api.TurnResponse
	if code := do(t, "POST", fmt.Sprintf("%s/api/v1/conversations/%d/messages", s.URL, conv.ID), setup.Key, api.MessageCreate{Content: "Hi! Are you a real person?"}, &turn); code != 201 {
		t.Fatalf("post message: %d", code)
	}
	reply := strings.ToLower(turn.Reply.Content)
	if turn.Reply.Status != api.StatusComplete || !strings.Contains(reply, "theodore") || !strings.Contains(reply, "ai") {
		t.Fatalf("offline reply = %+v", turn.Reply)
	}
	if turn.Reply.Source != "offline" {
		t.Fatalf("reply source = %q, want offline", turn.Reply.Source)
	}
}

// SIGKILL while a reply streams: after a restart the person's message is
// there and the partial reply is marked interrupted.
func TestCrashWhileStreamingKeepsMessageAndMarksReplyInterrupted(t *testing.T) {
	data := t.TempDir()
	key := addUser(t, data, "theodore")
	hold := make(chan struct{})
	defer close(hold)
	// Plain words: the output guard releases them as they come.
	chunks := []string{"Waves ", "roll ", "over ", "the ", "sand ", "and ", "stones."}
	fake := llmtest.NewOpenAI(llmtest.Options{Chunks: chunks, Delay: 150 * time.Millisecond, Hold: hold, HoldAfter: 5})
	defer fake.Close()
	args := []string{"--data", data, "--llm", "openai", "--llm-url", fake.URL + "/v1", "--llm-model", "fake-chat"}
	s := serve(t, nil, args...)

	var conv api.Conversation
	do(t, "POST", s.URL+"/api/v1/conversations", key, api.ConversationCreate{}, &conv)
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/conversations/%d/messages", s.URL, conv.ID),
		strings.NewReader(`{"content":"Tell me something about the sea."}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Read events until a few deltas have come through.
	sc := bufio.NewScanner(resp.Body)
	deltas := 0
	for deltas < 5 && sc.Scan() {
		if sc.Text() == "event: delta" {
			deltas++
		}
	}
	if deltas < 5 {
		t.Fatalf("saw %d deltas before the stream ended", deltas)
	}
	time.Sleep(700 * time.Millisecond) // past the partial-save interval
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.done

	s2 := serve(t, nil, args...)
	if !strings.Contains(s2.stderr.String(), "interrupted") {
		t.Errorf("restart does not report the interrupted reply:\n%s", s2.stderr.String())
	}
	list := messages(t, s2.URL, key, conv.ID)
	if len(list) != 2 {
		t.Fatalf("after restart: %d messages, want 2: %+v", len(list), list)
	}
	if list[0].Role != "user" || list[0].Content != "Tell me something about the sea." {
		t.Fatalf("the person's message: %+v", list[0])
	}
	r := list[1]
	if r.Role != "assistant" || r.Status != api.StatusInterrupted || r.Error == "" {
		t.Fatalf("the reply: %+v", r)
	}
	if r.Content == "" || !strings.HasPrefix(strings.Join(chunks, ""), r.Content) {
		t.Fatalf("partial reply %q is not a non-empty prefix of the reply", r.Content)
	}
}

// SIGTERM lets a reply in flight finish within the grace period.
func TestGracefulShutdownFinishesReplyInFlight(t *testing.T) {
	data := t.TempDir()
	key := addUser(t, data, "amy")
	fake := llmtest.NewOpenAI(llmtest.Options{Chunks: []string{"one ", "two ", "three ", "four"}, Delay: 200 * time.Millisecond})
	defer fake.Close()
	s := serve(t, nil, "--data", data, "--llm", "openai", "--llm-url", fake.URL+"/v1", "--shutdown-grace", "10s")
	var conv api.Conversation
	do(t, "POST", s.URL+"/api/v1/conversations", key, api.ConversationCreate{}, &conv)
	result := make(chan api.TurnResponse, 1)
	go func() {
		var turn api.TurnResponse
		do(t, "POST", fmt.Sprintf("%s/api/v1/conversations/%d/messages", s.URL, conv.ID), key, api.MessageCreate{Content: "count for me"}, &turn)
		result <- turn
	}()
	waitFor(t, 5*time.Second, "the reply to start", func() bool { return len(fake.ChatRequests()) > 0 })
	time.Sleep(250 * time.Millisecond)
	s.cmd.Process.Signal(syscall.SIGTERM)
	turn := <-result
	if turn.Reply.Status != api.StatusComplete || turn.Reply.Content != "one two three four" {
		t.Fatalf("reply in flight at SIGTERM: %+v", turn.Reply)
	}
	if err := <-s.done; err != nil {
		t.Fatalf("os1 serve exited with %v:\n%s", err, s.stderr.String())
	}
}

func TestUserCommandsAndBackup(t *testing.T) {
	data := t.TempDir()
	key := addUser(t, data, "theodore")
	if !strings.HasPrefix(key, "os1_") {
		t.Fatalf("last line of user add = %q, want the key", key)
	}
	if _, err := run(t, nil, "user", "add", "theodore", "--data", data); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("adding a taken name: %v", err)
	}
	out, err := run(t, []string{"OS1_DATA=" + data}, "user", "list")
	if err != nil || !strings.Contains(out, "theodore") {
		t.Fatalf("user list (data from OS1_DATA): %q %v", out, err)
	}
	out, err = run(t, nil, "user", "key", "theodore", "--data", data)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || !strings.HasPrefix(lines[len(lines)-1], "os1_") || lines[len(lines)-1] == key {
		t.Fatalf("user key: %q %v", out, err)
	}
	if _, err := run(t, nil, "user", "key", "nobody", "--data", data); err == nil {
		t.Fatal("user key for an unknown name succeeded")
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if _, err := run(t, nil, "backup", backup, "--data", data); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, nil, "user", "list", "--data", filepath.Dir(backup)+"/nonexistent")
	if err != nil || !strings.Contains(out, "No people yet") {
		t.Fatalf("empty data dir: %q %v", out, err)
	}
	if out, err := run(t, nil, "version"); err != nil || !strings.HasPrefix(out, "os1 ") {
		t.Fatalf("version: %q %v", out, err)
	}
}

func TestServeRefusesOpenAddressWithoutPeople(t *testing.T) {
	_, err := run(t, nil, "serve", "--data", t.TempDir(), "--addr", "0.0.0.0:0")
	if err == nil || !strings.Contains(err.Error(), "os1 user add") {
		t.Fatalf("serving on 0.0.0.0 with nobody: %v", err)
	}
}

func TestPrintConfigMasksSecrets(t *testing.T) {
	out, err := run(t, []string{"OS1_LLM_KEY=sk-verysecretvalue"}, "serve", "--print-config", "--llm", "openai", "--llm-url", "http://x/v1", "--addr", "127.0.0.1:9999")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "verysecret") || !strings.Contains(out, "masked") || !strings.Contains(out, `addr = "127.0.0.1:9999"`) {
		t.Fatalf("print-config:\n%s", out)
	}
	if _, err := run(t, nil, "serve", "--llm", "nonsense"); err == nil || !strings.Contains(err.Error(), "not one of") {
		t.Fatalf("bad provider: %v", err)
	}
}

// With no --llm, os1 serve probes Ollama at OLLAMA_HOST and uses it.
func TestServeFindsOllamaAndStreamsThroughIt(t *testing.T) {
	data := t.TempDir()
	key := addUser(t, data, "theodore")
	fake := llmtest.NewOllama(llmtest.Options{Chunks: []string{"Good ", "morning, ", "Theodore."}, Models: []string{"nomic-embed-text", "llama3.2:latest"}})
	defer fake.Close()
	s := serve(t, []string{"OLLAMA_HOST=" + fake.URL}, "--data", data)
	var st api.Status
	do(t, "GET", s.URL+"/api/v1/status", "", nil, &st)
	if st.Model.Offline || st.Model.Provider != "ollama" || st.Model.Model != "llama3.2:latest" {
		t.Fatalf("model = %+v, want ollama llama3.2:latest", st.Model)
	}
	var conv api.Conversation
	do(t, "POST", s.URL+"/api/v1/conversations", key, api.ConversationCreate{}, &conv)
	client := api.NewClient(s.URL, key)
	var deltas []string
	reply, err := client.SendMessage(t.Context(), conv.ID, "good morning", func(ev api.Event) error {
		if ev.Type == api.EventDelta {
			deltas = append(deltas, ev.Delta)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(deltas, "|") != "Good |morning, |Theodore." || reply.Content != "Good morning, Theodore." {
		t.Fatalf("deltas %q, reply %+v", deltas, reply)
	}
	last, _ := fake.LastChat()
	if last.Model != "llama3.2:latest" || !last.Stream || last.Messages[0].Role != "system" {
		t.Fatalf("request to Ollama: %+v", last)
	}
}
