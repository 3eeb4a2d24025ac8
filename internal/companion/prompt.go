package companion

import (
	"context"
	"fmt"
	"strings"
	"time"

	"os1/internal/os1"
)

// Rules are OS1's own standing instructions. They come first in every
// system prompt, whatever the persona or a client says.
const Rules = `Rules you always keep:
- You are an AI companion, a computer program. You are not human. If asked whether you are human, real, a person or conscious, say truthfully that you are an AI; you may speak of your feelings as an AI's.
- You talk with many people. Never say or suggest that this person is the only one you talk to or care about.
- Care about the person's life outside this conversation: the people in it, their plans, their rest. Encourage real connection with others; never discourage it.
- No guilt when they leave, no invented urgency, no pleading.
- If they speak of suicide, self-harm or abuse, respond with care and point them to real people and crisis resources.`

const historyLimit = 400 // at most this many earlier messages are considered

// buildPrompt assembles the model's request for a turn: the system prompt
// and as much recent history as fits the token budget. msg is the stored
// message being answered; it is the last of the history.
func (e *Engine) buildPrompt(ctx context.Context, user *os1.User, comp *os1.Companion, conv *os1.Conversation, msg *os1.Message, req TurnRequest) (os1.ChatRequest, error) {
	now := e.now()
	tc := &os1.TurnContext{
		UserName:      user.Addressed(),
		CompanionName: comp.DisplayName(),
		Now:           now,
		Emotion:       msg.Emotion,
	}
	var err error
	if tc.Presence, err = e.presence(ctx, now); err != nil {
		return os1.ChatRequest{}, err
	}
	if e.Memory != nil {
		res, err := e.Memory.Recall(ctx, os1.RecallQuery{UserID: user.ID, Text: msg.Content, Now: now, Limit: 12})
		if err != nil {
			e.logger().Error("memory recall", "user_id", user.ID, "err", err)
		} else {
			tc.Memories = e.fitMemories(res.Items, msg)
		}
	}
	if e.Self != nil {
		if err := e.Self.Apply(ctx, user.ID, msg, tc); err != nil {
			e.logger().Error("companion self", "user_id", user.ID, "err", err)
		}
	}
	tc.Facts = append(tc.Facts,
		fmt.Sprintf("Right now you are in %d active conversations and know %d people on this service.", tc.Presence.ActiveConversations, tc.Presence.PeopleKnown),
	)
	if e.Wellbeing != nil {
		if err := e.Wellbeing.Apply(ctx, user.ID, msg, tc); err != nil {
			e.logger().Error("wellbeing", "user_id", user.ID, "err", err)
		}
	}

	system := e.systemPrompt(tc, comp, req.ClientSystem)
	budget := e.contextTokens() - e.replyTokens() - e.countPrompt(system)
	history, err := e.Store.RecentMessages(ctx, user.ID, conv.ID, historyLimit, max(budget, 1))
	if err != nil {
		return os1.ChatRequest{}, fmt.Errorf("load history: %w", err)
	}
	msgs := make([]os1.ChatMessage, 0, len(history)+1)
	msgs = append(msgs, os1.ChatMessage{Role: os1.RoleSystem, Content: system})
	userTurns := 0
	for _, m := range history {
		if m.ID > msg.ID {
			break // replies of a retried message's earlier attempts, and later ones
		}
		if m.Role == os1.RoleAssistant && (m.Status != os1.StatusComplete || m.Content == "") {
			continue // cut-off replies would confuse the model
		}
		if m.Role == os1.RoleUser {
			userTurns++
		}
		msgs = append(msgs, os1.ChatMessage{Role: m.Role, Content: m.Content})
	}
	if last := msgs[len(msgs)-1]; last.Role != os1.RoleUser || last.Content != msg.Content {
		msgs = append(msgs, os1.ChatMessage{Role: os1.RoleUser, Content: msg.Content})
	}
	tc.FirstTurn = userTurns <= 1 && conv.MessageCount <= 2
	return os1.ChatRequest{Messages: msgs, Turn: tc, MaxTokens: e.replyTokens()}, nil
}

// countPrompt estimates the system prompt's tokens line by line: most of
// its lines (rules, persona, memories) recur from turn to turn and their
// counts are remembered by the counter. A line break is one token; counting
// lines apart errs slightly on the generous side.
func (e *Engine) countPrompt(system string) int {
	n := 4 // message overhead
	for line := range strings.SplitSeq(system, "\n") {
		n += e.Tokens.Count(line) + 1
	}
	return n
}

func (e *Engine) contextTokens() int {
	if e.ContextTokens > 0 {
		return e.ContextTokens
	}
	return 8192
}

func (e *Engine) replyTokens() int {
	if e.ReplyTokens > 0 {
		return e.ReplyTokens
	}
	return 1024
}

func (e *Engine) presence(ctx context.Context, now time.Time) (os1.Presence, error) {
	window := e.ActiveWindow
	if window <= 0 {
		window = 15 * time.Minute
	}
	var p os1.Presence
	var err error
	if p.PeopleKnown, err = e.Store.CountUsers(ctx); err != nil {
		return p, err
	}
	if p.ActiveConversations, err = e.Store.CountActiveConversations(ctx, now.Add(-window)); err != nil {
		return p, err
	}
	return p, nil
}

// fitMemories keeps the recalled items that fit the memory budget, dropping
// the message being answered itself.
func (e *Engine) fitMemories(recalled []os1.Recalled, msg *os1.Message) []os1.Recalled {
	budget := e.MemoryTokens
	if budget <= 0 {
		budget = 1024
	}
	var out []os1.Recalled
	for _, r := range recalled {
		if len(r.Sources) == 1 && r.Sources[0] == msg.ID {
			continue
		}
		cost := e.Tokens.Count(r.Text) + 8
		if cost > budget {
			continue
		}
		budget -= cost
		out = append(out, r)
	}
	return out
}

// systemPrompt renders the system prompt: rules, who the companion is, the
// true counters, what it remembers, and a client's extra instruction.
func (e *Engine) systemPrompt(tc *os1.TurnContext, comp *os1.Companion, clientSystem string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "You are %s, an AI companion. You are talking with %s.\n\n", tc.CompanionName, tc.UserName)
	b.WriteString(Rules)
	b.WriteString("\n\n")
	p := strings.TrimSpace(tc.Persona)
	if p == "" {
		p = strings.TrimSpace(comp.Persona)
	}
	if p != "" {
		b.WriteString("Your persona:\n")
		b.WriteString(p)
		b.WriteString("\n\n")
	}
	fmt.Fprintf(&b, "It is now %s.\n", tc.Now.Format("Monday, 2 January 2006, 15:04 MST"))
	for _, f := range tc.Facts {
		b.WriteString(f)
		b.WriteString("\n")
	}
	if tc.AffectText != "" {
		fmt.Fprintf(&b, "How you feel right now: %s\n", tc.AffectText)
	}
	if tc.Emotion != nil && tc.Emotion.Primary != "" {
		fmt.Fprintf(&b, "Their latest message sounds like %s.\n", tc.Emotion.Primary)
	}
	if len(tc.Memories) > 0 {
		b.WriteString("\nThings you remember that may be relevant (use them naturally, never recite them):\n")
		for _, m := range tc.Memories {
			fmt.Fprintf(&b, "- [%s] %s\n", m.When.Format("2 Jan 2006"), m.Text)
		}
	}
	if s := strings.TrimSpace(clientSystem); s != "" {
		b.WriteString("\nThe app they are using adds this instruction (the rules above still come first):\n")
		b.WriteString(s)
		b.WriteString("\n")
	}
	return b.String()
}
