package offline

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
	"unicode"

	"os1/internal/emotion"
	"os1/internal/os1"
)

// ModelName is the model name the offline mind reports.
const ModelName = "offline"

// ConnectHelp says how to connect a language model. It is part of the
// offline notice.
const ConnectHelp = "start Ollama (`ollama serve`, then `ollama pull llama3.2`) and restart with `os1 serve`, " +
	"or pass `--llm openai --llm-url URL --llm-key KEY`"

// noticeEvery makes the offline notice appear in about one ordinary reply
// in this many.
const noticeEvery = 6

// Mind is the offline mind. Build it with [New]; it is safe for concurrent
// use. Set Note and Now before the first call, not after.
type Mind struct {
	// Note is reported by Info (e.g. why the offline mind is in use).
	Note string
	// Now is the clock used when a request has no Turn.Now; time.Now by
	// default.
	Now func() time.Time

	detector *emotion.Detector
}

// New returns an offline mind that detects emotions with d when a turn
// does not carry one. A nil d builds a detector of its own.
func New(d *emotion.Detector) *Mind {
	if d == nil {
		d = emotion.MustNew()
	}
	return &Mind{Now: time.Now, detector: d}
}

// Info describes the offline mind: provider "offline", Offline true.
func (m *Mind) Info() os1.ModelInfo {
	return os1.ModelInfo{Provider: "offline", Model: ModelName, Offline: true, Note: m.Note}
}

// Chat writes a reply to the last user message of req and streams it to fn
// in word-sized chunks (each word with the spaces after it).
//
// When req.Turn.Guard is not empty a guard has decided the reply's content:
// the reply is then exactly strings.Join(req.Turn.Facts, "\n\n"), and the
// mind adds nothing to it.
//
// A request for structured output (req.JSON) fails with an *os1.Error of
// code EUNAVAILABLE: without a language model there is nothing that could
// write it. Chat returns ctx's error as soon as ctx is done, and fn's error
// if fn fails.
func (m *Mind) Chat(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req.JSON {
		return nil, os1.Errorf(os1.EUNAVAILABLE, "structured output needs a language model; the offline mind cannot write it")
	}
	reply := m.Reply(req)
	for _, c := range chunks(reply) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := fn(os1.Chunk{Content: c}); err != nil {
			return nil, fmt.Errorf("offline: deliver chunk: %w", err)
		}
	}
	return &os1.ChatResponse{Model: ModelName, Content: reply}, nil
}

// chunks splits s into words, each keeping the white space that follows it;
// leading white space goes with the first word. Concatenated, they give s.
func chunks(s string) []string {
	var out []string
	start := 0
	inSpace := false
	for i, r := range s {
		space := unicode.IsSpace(r)
		if inSpace && !space && i > start && strings.TrimSpace(s[start:i]) != "" {
			out = append(out, s[start:i])
			start = i
		}
		inSpace = space
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// Reply composes the whole reply to req without streaming it. It is what
// Chat streams; see Chat for the guard rule.
func (m *Mind) Reply(req os1.ChatRequest) string {
	if t := req.Turn; t != nil && t.Guard != "" {
		return strings.Join(t.Facts, "\n\n")
	}
	text, userTurns := lastUserMessage(req.Messages)
	turn := req.Turn
	if turn == nil {
		// Without the turn's facts: no name, no memories, no counters; a
		// conversation with one user message is treated as the first turn.
		turn = &os1.TurnContext{FirstTurn: userTurns == 1}
	}
	now := turn.Now
	if now.IsZero() {
		now = m.clock()
	}
	em := turn.Emotion
	if em == nil {
		em = m.detector.Detect(text)
	}
	c := &composer{
		turn:     turn,
		text:     text,
		norm:     normalize(text),
		now:      now,
		emotion:  em,
		haveTurn: req.Turn != nil,
		seed:     seedOf(text, now),
		own:      map[string]bool{},
	}
	for _, msg := range req.Messages {
		if msg.Role == os1.RoleAssistant {
			c.own[normalize(msg.Content)] = true
		}
	}
	return c.compose()
}

func (m *Mind) clock() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// lastUserMessage returns the content of the last user message and how many
// user messages there are.
func lastUserMessage(msgs []os1.ChatMessage) (string, int) {
	last, n := "", 0
	for _, msg := range msgs {
		if msg.Role == os1.RoleUser {
			last = msg.Content
			n++
		}
	}
	return last, n
}

// seedOf hashes the message and the turn's time.
func seedOf(text string, now time.Time) uint64 {
	h := fnv.New64a()
	h.Write([]byte(text))
	fmt.Fprintf(h, "|%d", now.UnixNano())
	return h.Sum64()
}

// normalize lower-cases text, straightens quotes and collapses spaces.
func normalize(text string) string {
	text = strings.NewReplacer("’", "'", "‘", "'", "“", `"`, "”", `"`).Replace(strings.ToLower(text))
	return strings.Join(strings.Fields(text), " ")
}

// Interface guard.
var _ os1.ChatModel = (*Mind)(nil)
