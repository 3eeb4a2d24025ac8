package emotion

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"os1/internal/llm"
	"os1/internal/os1"
)

// EmotionStore stores a message's refined emotion; the update is scoped to
// the person.
type EmotionStore interface {
	UpdateEmotion(ctx context.Context, userID, messageID int64, e *os1.Emotion) error
}

// Refiner asks a connected language model to read the emotions in a
// person's message, which catches what a lexicon cannot — feelings that
// are implied, not named ("Today would have been our anniversary"). The
// model's scores are blended with the lexicon's (ModelWeight), the VADER
// compound is kept, and the result replaces the message's stored emotion.
// A model that answers with anything but the expected JSON is asked once
// more, then ignored: the lexicon's reading stays. Refine is meant to run
// after the reply, off the turn's path.
type Refiner struct {
	Model  os1.ChatModel
	Store  EmotionStore
	Logger *slog.Logger
	// Timeout bounds one refinement (default 60 s).
	Timeout time.Duration
	// ModelWeight is the model's share of each blended score (default 0.75).
	ModelWeight float64
}

const refinePrompt = `You read the emotions in one message a person wrote to their companion.
Answer with one JSON object and nothing else: {"emotions": {"joy": x, "sadness": x, "anger": x, "fear": x, "loneliness": x, "gratitude": x, "love": x, "anxiety": x}}
where each x is a number from 0 (absent) to 1 (strong), counting feelings that are implied as well as named.`

// Refine reads m's emotions with the model and stores the blend. It does
// nothing for a message that is not the person's or has no text.
func (r *Refiner) Refine(ctx context.Context, m *os1.Message) error {
	if m == nil || m.Role != os1.RoleUser || strings.TrimSpace(m.Content) == "" {
		return nil
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var scores map[string]float64
	var lastErr error
	for attempt := 0; attempt < 2 && scores == nil; attempt++ {
		resp, err := r.Model.Chat(ctx, os1.ChatRequest{
			Messages: []os1.ChatMessage{{Role: os1.RoleSystem, Content: refinePrompt}, {Role: os1.RoleUser, Content: m.Content}},
			JSON:     true, MaxTokens: 200, Temperature: new(float64),
		}, func(os1.Chunk) error { return nil })
		if err != nil {
			return fmt.Errorf("refine emotion: %w", err)
		}
		scores, lastErr = ParseModelEmotions(resp.Content)
	}
	if scores == nil {
		if r.Logger != nil {
			r.Logger.Warn("the model's emotion reading was unusable; keeping the lexicon's", "message_id", m.ID, "err", lastErr)
		}
		return nil
	}
	refined := r.blend(m.Emotion, scores)
	if err := r.Store.UpdateEmotion(ctx, m.UserID, m.ID, refined); err != nil {
		return fmt.Errorf("store refined emotion: %w", err)
	}
	m.Emotion = refined
	return nil
}

// blend mixes the lexicon's scores (may be nil) with the model's.
func (r *Refiner) blend(lex *os1.Emotion, model map[string]float64) *os1.Emotion {
	w := r.ModelWeight
	if w <= 0 || w > 1 {
		w = 0.75
	}
	out := &os1.Emotion{Scores: make(map[string]float64, len(Names))}
	if lex != nil {
		out.Compound = lex.Compound
	}
	best, bestScore := "", 0.0
	for _, name := range Names {
		l := 0.0
		if lex != nil {
			l = lex.Scores[name]
		}
		s := round3((1-w)*l + w*model[name])
		out.Scores[name] = s
		if s >= Threshold && s > bestScore {
			best, bestScore = name, s
		}
	}
	out.Primary = best
	return out
}

// ParseModelEmotions validates a model's answer: one JSON object with an
// "emotions" object whose keys are among [Names] and whose values are
// numbers from 0 to 1 (missing emotions count as 0). Anything else is an
// error.
func ParseModelEmotions(s string) (map[string]float64, error) {
	var v struct {
		Emotions map[string]json.Number `json:"emotions"`
	}
	dec := json.NewDecoder(strings.NewReader(llm.JSONObject(s)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if v.Emotions == nil {
		return nil, fmt.Errorf("no \"emotions\" object")
	}
	out := make(map[string]float64, len(Names))
	for k, n := range v.Emotions {
		name := strings.ToLower(strings.TrimSpace(k))
		known := false
		for _, e := range Names {
			known = known || e == name
		}
		if !known {
			return nil, fmt.Errorf("unknown emotion %q", k)
		}
		f, err := n.Float64()
		if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
			return nil, fmt.Errorf("score of %s is %q, want a number from 0 to 1", name, n)
		}
		out[name] = f
	}
	return out, nil
}
