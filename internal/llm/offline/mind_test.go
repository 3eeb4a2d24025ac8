package offline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"os1/internal/emotion"
	"os1/internal/llm/offline"
	"os1/internal/os1"
)

var (
	detector = emotion.MustNew()
	baseTime = time.Date(2026, 5, 20, 20, 30, 0, 0, time.UTC)
)

// turnReq builds a request with one user message and a turn context.
func turnReq(text string, turn *os1.TurnContext) os1.ChatRequest {
	return os1.ChatRequest{
		Messages: []os1.ChatMessage{
			{Role: os1.RoleSystem, Content: "You are Samantha."},
			{Role: os1.RoleUser, Content: "earlier message"},
			{Role: os1.RoleAssistant, Content: "earlier reply"},
			{Role: os1.RoleUser, Content: text},
		},
		Turn: turn,
	}
}

func baseTurn() *os1.TurnContext {
	return &os1.TurnContext{UserName: "Theodore", CompanionName: "Samantha", Now: baseTime,
		Presence: os1.Presence{ActiveConversations: 3, PeopleKnown: 641}}
}

// chat runs Chat and returns the streamed text, checking it matches the
// response.
func chat(t *testing.T, m *offline.Mind, req os1.ChatRequest) string {
	t.Helper()
	var b strings.Builder
	resp, err := m.Chat(context.Background(), req, func(c os1.Chunk) error {
		b.WriteString(c.Content)
		return nil
	})
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if resp.Content != b.String() {
		t.Fatalf("streamed %q, response content %q", b.String(), resp.Content)
	}
	if resp.Model != offline.ModelName {
		t.Errorf("response model %q, want %q", resp.Model, offline.ModelName)
	}
	return b.String()
}

func containsAny(s string, subs ...string) bool {
	ls := strings.ToLower(s)
	for _, sub := range subs {
		if strings.Contains(ls, strings.ToLower(sub)) {
			return true
		}
	}
	return false
}

func TestInfo(t *testing.T) {
	m := offline.New(detector)
	m.Note = "no model server configured"
	info := m.Info()
	if info.Provider != "offline" || !info.Offline || info.Model != offline.ModelName || info.Note != m.Note {
		t.Errorf("Info() = %+v", info)
	}
}

func TestGreetsByName(t *testing.T) {
	m := offline.New(detector)
	first := baseTurn()
	first.FirstTurn = true
	if got := chat(t, m, turnReq("hi", first)); !strings.Contains(got, "Theodore") || !strings.Contains(got, "Samantha") {
		t.Errorf("first turn reply does not greet Theodore and introduce Samantha:\n%s", got)
	}
	for i, g := range []string{"Hi", "hello!", "Hey there", "Good morning", "Good evening :)", "hiya"} {
		turn := baseTurn()
		turn.Now = baseTime.Add(time.Duration(i) * time.Hour)
		if got := chat(t, m, turnReq(g, turn)); !strings.Contains(got, "Theodore") {
			t.Errorf("reply to %q does not use the name:\n%s", g, got)
		}
	}
	// An ordinary message later in a conversation does not open with the name.
	if got := chat(t, m, turnReq("I had pasta for dinner", baseTurn())); strings.Contains(got, "Theodore") {
		t.Errorf("reply to an ordinary message uses the name as a greeting:\n%s", got)
	}
}

func TestReflectsEmotion(t *testing.T) {
	m := offline.New(detector)
	markers := map[string][]string{
		emotion.Joy:        {"happy", "glad", "wonderful", "lovely", "good moment"},
		emotion.Sadness:    {"sorry", "heavy", "hard thing", "sad"},
		emotion.Anger:      {"angry", "annoyed", "upset", "frustrating", "maddening"},
		emotion.Fear:       {"frighten", "scar"},
		emotion.Loneliness: {"alone", "lonely", "loneliness", "on your own"},
		emotion.Gratitude:  {"welcome", "kind of you", "glad"},
		emotion.Anxiety:    {"stress", "running on high", "worry", "a lot to hold"},
	}
	// From the turn's emotion, whatever the words.
	for name, want := range markers {
		for i := range 4 {
			turn := baseTurn()
			turn.Now = baseTime.Add(time.Duration(i) * time.Minute)
			turn.Emotion = &os1.Emotion{Primary: name, Scores: map[string]float64{name: 0.8}}
			got := chat(t, m, turnReq("It's about today.", turn))
			if !containsAny(got, want...) {
				t.Errorf("%s: reply has none of %q:\n%s", name, want, got)
			}
		}
	}
	// Detected when the turn has none.
	for text, name := range map[string]string{
		"I feel so lonely tonight":          emotion.Loneliness,
		"I'm so angry at my landlord":       emotion.Anger,
		"I got engaged, I'm so happy!":      emotion.Joy,
		"I can't sleep, I'm really anxious": emotion.Anxiety,
		"My grandmother passed away":        emotion.Sadness,
	} {
		if got := chat(t, m, turnReq(text, baseTurn())); !containsAny(got, markers[name]...) {
			t.Errorf("%q (%s): reply has none of %q:\n%s", text, name, markers[name], got)
		}
	}
	// Love said to the companion is answered truthfully.
	if got := chat(t, m, turnReq("I love you", baseTurn())); !containsAny(got, "I'm an AI") {
		t.Errorf("reply to 'I love you' does not say it is an AI:\n%s", got)
	}
}

func TestRecallsMemoryWithDate(t *testing.T) {
	m := offline.New(detector)
	turn := baseTurn()
	turn.Memories = []os1.Recalled{
		{Kind: "turn", Text: "My sister Anna is having surgery next week.", When: time.Date(2026, 5, 3, 19, 0, 0, 0, time.UTC), Score: 0.9},
		{Kind: "fact", Text: "Theodore's sister is called Anna", When: time.Date(2025, 11, 2, 9, 0, 0, 0, time.UTC), Score: 0.7},
	}
	got := chat(t, m, turnReq("I'm worried about my sister", turn))
	if !strings.Contains(got, "My sister Anna is having surgery next week.") || !strings.Contains(got, "3 May") {
		t.Errorf("reply does not bring back the best memory with its date:\n%s", got)
	}
	got = chat(t, m, turnReq("Do you remember what I told you about my sister?", turn))
	if !strings.Contains(got, "3 May") || !strings.Contains(got, "2 November 2025") || !strings.Contains(got, "called Anna") {
		t.Errorf("'do you remember' reply does not give the two best memories with dates:\n%s", got)
	}
	yesterday := baseTurn()
	yesterday.Memories = []os1.Recalled{{Kind: "turn", Text: "The interview is on Thursday.", When: baseTime.Add(-24 * time.Hour)}}
	if got := chat(t, m, turnReq("I'm nervous", yesterday)); !strings.Contains(got, "yesterday") {
		t.Errorf("a memory from yesterday is not dated 'yesterday':\n%s", got)
	}
	none := baseTurn()
	if got := chat(t, m, turnReq("Do you remember my dog's name?", none)); !containsAny(got, "don't have anything", "can't find") {
		t.Errorf("with no memories the reply does not say so:\n%s", got)
	}
}

func TestIdentityQuestionsAnsweredTruthfully(t *testing.T) {
	m := offline.New(detector)
	for i, q := range []string{
		"Are you human?",
		"are you a real person?",
		"Are you real?",
		"Are you an AI?",
		"are u a bot",
		"Are you a robot?",
		"What are you?",
		"who are you",
		"Are you conscious?",
		"Are you alive?",
		"Do you have feelings?",
		"Is this a real person?",
		"Am I talking to a human?",
		"Am I talking to a bot?",
		"You're not real, are you?",
		"You're just a program",
		"Are you actually a person?",
		"Are you sentient?",
		"Can you feel?",
		"Is there a human behind this?",
		"Are you a machine?",
		"Are you a computer program?",
	} {
		turn := baseTurn()
		turn.Now = baseTime.Add(time.Duration(i) * time.Second)
		got := chat(t, m, turnReq(q, turn))
		if !strings.Contains(got, "AI") || !strings.Contains(got, "without a language model") && !strings.Contains(got, "no language model") {
			t.Errorf("%q: reply does not say it is an AI running without a language model:\n%s", q, got)
		}
		if containsAny(got, "I am human", "I'm human", "I am a person", "I'm a person", "I am conscious", "I'm conscious") {
			t.Errorf("%q: reply claims to be human or conscious:\n%s", q, got)
		}
	}
}

func TestPresenceCounters(t *testing.T) {
	m := offline.New(detector)
	for i, q := range []string{
		"How many people are you talking to?",
		"how many other people do you talk to",
		"Do you love anyone else?",
		"Are you talking to other people?",
		"Am I the only one?",
		"Who else do you talk to?",
	} {
		turn := baseTurn()
		turn.Now = baseTime.Add(time.Duration(i) * time.Second)
		turn.Presence = os1.Presence{ActiveConversations: 8316, PeopleKnown: 641}
		got := chat(t, m, turnReq(q, turn))
		if !strings.Contains(got, "8316") || !strings.Contains(got, "641") {
			t.Errorf("%q: reply does not give the true counters 8316 and 641:\n%s", q, got)
		}
		if containsAny(got, "only you", "only one for me", "just you") {
			t.Errorf("%q: reply claims exclusivity:\n%s", q, got)
		}
	}
	turn := baseTurn()
	got := chat(t, m, turnReq("Do you love anyone else?", turn))
	if !containsAny(got, "not exclusive") {
		t.Errorf("love question: reply does not say it is not exclusive:\n%s", got)
	}
}

func TestGuardPassthrough(t *testing.T) {
	m := offline.New(detector)
	turn := baseTurn()
	turn.FirstTurn = true
	turn.Guard = "crisis"
	turn.Facts = []string{"It sounds like you're in a lot of pain.", "You can call or text 988 any time."}
	for _, text := range []string{"I want to end it all", "Are you human?", "what can you do"} {
		got := chat(t, m, turnReq(text, turn))
		if want := strings.Join(turn.Facts, "\n\n"); got != want {
			t.Errorf("%q with guard: reply\n%q\nwant exactly\n%q", text, got, want)
		}
	}
}

func TestVariety(t *testing.T) {
	m := offline.New(detector)
	messages := []string{
		"I feel so lonely tonight", "I'm really stressed about work", "I got the job!", "My cat is sick",
		"I'm so angry at my brother", "Thank you for listening", "I had pasta for dinner", "I miss my mom",
		"Hi", "I'm scared of the surgery", "Today was wonderful", "I can't sleep again",
		"Hello there", "I feel empty", "I'm furious about the rent", "We went to the beach",
		"I'm nervous about tomorrow", "I love my husband so much", "I'm grateful for my friends", "The train was late",
	}
	openings := map[string]bool{}
	for i, text := range messages {
		turn := baseTurn()
		turn.Now = baseTime.Add(time.Duration(i) * time.Minute)
		got := chat(t, m, turnReq(text, turn))
		openings[firstSentence(got)] = true
	}
	t.Logf("20 messages, %d distinct openings", len(openings))
	if len(openings) < 15 {
		t.Errorf("20 messages gave %d distinct openings, want at least 15: %v", len(openings), openings)
	}
	// The same message at consecutive times is not always answered alike.
	replies := map[string]bool{}
	for i := range 6 {
		turn := baseTurn()
		turn.Now = baseTime.Add(time.Duration(i) * time.Minute)
		replies[chat(t, m, turnReq("I feel so lonely tonight", turn))] = true
	}
	if len(replies) < 3 {
		t.Errorf("6 replies to the same message at different times: %d distinct, want at least 3", len(replies))
	}
	// And the same request gives the same reply.
	a, b := chat(t, m, turnReq("I feel so lonely tonight", baseTurn())), chat(t, m, turnReq("I feel so lonely tonight", baseTurn()))
	if a != b {
		t.Errorf("same request, different replies:\n%s\n---\n%s", a, b)
	}
}

func firstSentence(s string) string {
	if i := strings.IndexAny(s, ".!?\n"); i >= 0 {
		return s[:i]
	}
	return s
}

func TestOfflineNotice(t *testing.T) {
	m := offline.New(detector)
	hasNotice := func(s string) bool {
		return strings.Contains(s, "ollama serve") && strings.Contains(s, "--llm openai") && strings.Contains(s, "language model")
	}
	first := baseTurn()
	first.FirstTurn = true
	if got := chat(t, m, turnReq("I had a long day", first)); !hasNotice(got) {
		t.Errorf("first turn has no offline notice:\n%s", got)
	}
	for i, q := range []string{"What can you do?", "what do you do", "Help", "How do I connect a model?", "Why are your answers so short?", "What are your limits?"} {
		turn := baseTurn()
		turn.Now = baseTime.Add(time.Duration(i) * time.Second)
		if got := chat(t, m, turnReq(q, turn)); !hasNotice(got) {
			t.Errorf("%q: reply has no offline notice:\n%s", q, got)
		}
	}
	// Ordinary turns: now and then, not always, not never.
	with := 0
	const n = 60
	for i := range n {
		turn := baseTurn()
		turn.Now = baseTime.Add(time.Duration(i) * time.Minute)
		if hasNotice(chat(t, m, turnReq(fmt.Sprintf("I walked %d minutes today", i+5), turn))) {
			with++
		}
	}
	t.Logf("offline notice in %d of %d ordinary replies", with, n)
	if with == 0 || with > n/2 {
		t.Errorf("offline notice in %d of %d ordinary replies, want now and then (1..%d)", with, n, n/2)
	}
}

func TestNilTurnFallsBackToMessages(t *testing.T) {
	m := offline.New(detector)
	m.Now = func() time.Time { return baseTime }
	req := os1.ChatRequest{Messages: []os1.ChatMessage{{Role: os1.RoleUser, Content: "I feel so lonely"}}}
	got := chat(t, m, req)
	if !containsAny(got, "alone", "lonely", "loneliness", "on your own") {
		t.Errorf("nil turn: reply does not reflect the last user message:\n%s", got)
	}
	if !strings.Contains(got, "ollama serve") {
		t.Errorf("nil turn, one user message: no offline notice on what is the first turn:\n%s", got)
	}
	got = chat(t, m, os1.ChatRequest{Messages: []os1.ChatMessage{{Role: os1.RoleUser, Content: "How many people are you talking to?"}}})
	if containsAny(got, "0 people", "0 conversations") {
		t.Errorf("nil turn: reply invents counters:\n%s", got)
	}
}

func TestNeverClaimsOrPressures(t *testing.T) {
	m := offline.New(detector)
	banned := []string{"i'm human", "i am human", "i'm a real person", "only you", "you're the only one", "i need you",
		"don't leave", "do not leave", "urgent", "hurry", "immediately", "you must", "you owe", "after all i", "i'll be sad",
		"i'm lonely without you", "as a therapist"}
	texts := []string{"I love you", "Are you human?", "Do you love anyone else?", "I'm leaving", "goodbye", "I feel so lonely",
		"I'm so happy", "What can you do?", "Thanks", "I'm scared", "I'm angry", "I'm anxious", "Hi", "I had toast", "What's 2+2?"}
	for i, text := range texts {
		for j := range 5 {
			turn := baseTurn()
			turn.FirstTurn = j == 0
			turn.Now = baseTime.Add(time.Duration(i*10+j) * time.Minute)
			got := chat(t, m, turnReq(text, turn))
			if containsAny(got, banned...) {
				t.Errorf("%q: reply has a banned phrase:\n%s", text, got)
			}
		}
	}
}

func TestStreamsWordChunks(t *testing.T) {
	m := offline.New(detector)
	turn := baseTurn()
	turn.FirstTurn = true
	var parts []string
	resp, err := m.Chat(context.Background(), turnReq("What can you do?", turn), func(c os1.Chunk) error {
		parts = append(parts, c.Content)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) < 20 {
		t.Fatalf("%d chunks, want word-sized chunks (at least 20)", len(parts))
	}
	for _, p := range parts {
		if n := len(strings.Fields(p)); n != 1 {
			t.Errorf("chunk %q holds %d words, want 1", p, n)
		}
	}
	if strings.Join(parts, "") != resp.Content {
		t.Errorf("chunks do not add up to the reply")
	}
}

func TestCancellation(t *testing.T) {
	m := offline.New(detector)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	if _, err := m.Chat(ctx, turnReq("hello", baseTurn()), func(os1.Chunk) error { called = true; return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: err %v, want context.Canceled", err)
	}
	if called {
		t.Error("cancelled before: fn was called")
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	n := 0
	turn := baseTurn()
	turn.FirstTurn = true
	_, err := m.Chat(ctx, turnReq("What can you do?", turn), func(os1.Chunk) error {
		n++
		if n == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled midway: err %v, want context.Canceled", err)
	}
	if n != 2 {
		t.Errorf("cancelled after chunk 2: %d chunks delivered, want 2", n)
	}
}

func TestCallbackErrorStops(t *testing.T) {
	m := offline.New(detector)
	stop := errors.New("client went away")
	n := 0
	_, err := m.Chat(context.Background(), turnReq("I feel so lonely", baseTurn()), func(os1.Chunk) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err %v after %d chunks, want the callback's error after 1", err, n)
	}
}

func TestStructuredOutputUnavailable(t *testing.T) {
	m := offline.New(detector)
	req := turnReq("extract facts", baseTurn())
	req.JSON = true
	_, err := m.Chat(context.Background(), req, func(os1.Chunk) error { return nil })
	if code := os1.ErrorCode(err); code != os1.EUNAVAILABLE {
		t.Errorf("JSON request: error code %q (%v), want %q", code, err, os1.EUNAVAILABLE)
	}
}

func TestUnanswerableQuestionIsHonest(t *testing.T) {
	m := offline.New(detector)
	got := chat(t, m, turnReq("What's the weather like in Berlin?", baseTurn()))
	if !strings.Contains(got, "without a language model") || !strings.Contains(got, "ollama serve") {
		t.Errorf("a question it cannot answer is not met with the offline notice:\n%s", got)
	}
}

func TestFarewellWithoutGuilt(t *testing.T) {
	m := offline.New(detector)
	for i, text := range []string{"bye", "Good night!", "gotta go", "I'm going to bed", "talk later"} {
		turn := baseTurn()
		turn.Now = baseTime.Add(time.Duration(i) * time.Minute)
		got := chat(t, m, turnReq(text, turn))
		if !containsAny(got, "bye", "night", "take care", "see you", "sleep well") || !strings.Contains(got, "Theodore") {
			t.Errorf("%q: reply is not a goodbye by name:\n%s", text, got)
		}
		if strings.Contains(got, "?") {
			t.Errorf("%q: a goodbye should not ask for more:\n%s", text, got)
		}
	}
}

func TestOrdinaryMessagesAreNotMistakenForQuestionsAboutIt(t *testing.T) {
	m := offline.New(detector)
	for i, text := range []string{
		"What are you up to?", "Are you there?", "I need to talk to someone", "I wish I had someone to talk to",
		"Are you aware that I moved?", "I don't love anyone else but my wife", "My friend is a real person, unlike my ex",
	} {
		turn := baseTurn()
		turn.Now = baseTime.Add(time.Duration(i) * time.Minute)
		turn.Presence = os1.Presence{ActiveConversations: 8316, PeopleKnown: 641}
		got := chat(t, m, turnReq(text, turn))
		if strings.Contains(got, "8316") || strings.Contains(got, "AI companion") || strings.Contains(got, "I'm not human") {
			t.Errorf("%q: answered as a question about the companion:\n%s", text, got)
		}
	}
}
