package emotion_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"

	"os1/internal/companion"
	"os1/internal/emotion"
	"os1/internal/os1"
	"os1/internal/sqlite"
	"os1/internal/tokens"
)

// modelFn is a model whose replies depend on whether JSON is asked for.
type modelFn struct {
	json  func(attempt int) string
	calls atomic.Int32
}

func (m *modelFn) Info() os1.ModelInfo { return os1.ModelInfo{Provider: "fake", Model: "reader"} }

func (m *modelFn) Chat(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
	if req.JSON {
		out := m.json(int(m.calls.Add(1)))
		return &os1.ChatResponse{Content: out}, nil
	}
	if err := fn(os1.Chunk{Content: "I'm here with you."}); err != nil {
		return nil, err
	}
	return &os1.ChatResponse{Content: "I'm here with you."}, nil
}

// turnWith runs one turn through the engine with the refiner and returns
// the person's message as stored afterwards.
func turnWith(t *testing.T, model *modelFn, text string) *os1.Message {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "os1.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u := &os1.User{Name: "theo"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	conv := &os1.Conversation{}
	if err := db.CreateConversation(ctx, u.ID, conv); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := &companion.Engine{Store: db, Model: model, Emotion: emotion.MustNew(), Tokens: tokens.Default, Logger: quiet,
		RefineEmotion: &emotion.Refiner{Model: model, Store: db, Logger: quiet}}
	res, err := e.Turn(ctx, companion.TurnRequest{UserID: u.ID, ConversationID: conv.ID, Content: text}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reply.Content != "I'm here with you." {
		t.Fatalf("reply %q", res.Reply.Content)
	}
	e.Wait()
	m, err := db.FindMessage(ctx, u.ID, res.Message.ID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestModelRefinesImpliedEmotion: the lexicon reads nothing in a message
// whose sadness is implied; the connected model's reading, asked after the
// reply, is blended in and stored, and the compound stays VADER's.
func TestModelRefinesImpliedEmotion(t *testing.T) {
	text := "Today would have been our anniversary."
	lex := emotion.MustNew().Detect(text)
	if lex.Primary != "" {
		t.Fatalf("the lexicon already reads %q; the test needs an implied feeling", lex.Primary)
	}
	model := &modelFn{json: func(int) string {
		return `{"emotions": {"sadness": 0.9, "loneliness": 0.6, "love": 0.3}}`
	}}
	m := turnWith(t, model, text)
	if m.Emotion == nil || m.Emotion.Primary != "sadness" || m.Emotion.Scores["sadness"] < 0.6 || m.Emotion.Scores["loneliness"] < emotion.Threshold {
		t.Fatalf("stored emotion %+v, want sadness first and loneliness present", m.Emotion)
	}
	if m.Emotion.Compound != lex.Compound {
		t.Fatalf("compound %v, want VADER's %v", m.Emotion.Compound, lex.Compound)
	}
}

// TestGarbageKeepsLexicon: a model that answers twice with something else
// than the JSON asked for is ignored; the lexicon's reading stays.
func TestGarbageKeepsLexicon(t *testing.T) {
	text := "I'm so happy, thank you for listening!"
	lex := emotion.MustNew().Detect(text)
	model := &modelFn{json: func(int) string { return `{"emotions": {"joy": 7, "boredom": 1}}` }}
	m := turnWith(t, model, text)
	if model.calls.Load() != 2 {
		t.Fatalf("the model was asked %d times, want 2 (one retry)", model.calls.Load())
	}
	if m.Emotion == nil || m.Emotion.Primary != lex.Primary || m.Emotion.Scores["joy"] != lex.Scores["joy"] {
		t.Fatalf("stored %+v, want the lexicon's %+v", m.Emotion, lex)
	}
}

func TestParseModelEmotions(t *testing.T) {
	good := []string{`{"emotions": {}}`, "```json\n{\"emotions\": {\"Joy\": 0.5}}\n```", `{"emotions": {"anxiety": 1, "fear": 0}}`}
	for _, s := range good {
		if _, err := emotion.ParseModelEmotions(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	bad := []string{``, `[]`, `{"mood": "sad"}`, `{"emotions": {"joy": "high"}}`, `{"emotions": {"joy": -0.1}}`, `{"emotions": {"envy": 0.5}}`, `{"emotions": {"joy": 1.5}}`}
	for _, s := range bad {
		if _, err := emotion.ParseModelEmotions(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

// FuzzParseModelEmotions: no input makes the parser panic, and whatever it
// accepts holds only known emotions scored from 0 to 1.
func FuzzParseModelEmotions(f *testing.F) {
	f.Add(`{"emotions": {"joy": 0.5}}`)
	f.Add(`{"emotions": {"sadness": 1e-3, "love": 1}}`)
	f.Add("```json\n{}\n```")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := emotion.ParseModelEmotions(s)
		if err != nil {
			return
		}
		for k, v := range got {
			known := false
			for _, n := range emotion.Names {
				known = known || n == k
			}
			if !known || v < 0 || v > 1 {
				t.Fatalf("accepted %s=%v from %q", k, v, s)
			}
		}
	})
}
