package companion

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"os1/internal/guard"
	"os1/internal/os1"
)

// Store is what the engine needs of the store.
type Store interface {
	FindUserByID(ctx context.Context, id int64) (*os1.User, error)
	CompanionByUser(ctx context.Context, userID int64) (*os1.Companion, error)
	FindConversation(ctx context.Context, userID, id int64) (*os1.Conversation, error)
	AddMessages(ctx context.Context, ms ...*os1.Message) error
	UpdateReply(ctx context.Context, m *os1.Message) error
	RecentMessages(ctx context.Context, userID, conversationID int64, limit, maxTokens int) ([]*os1.Message, error)
	CountUsers(ctx context.Context) (int, error)
	CountActiveConversations(ctx context.Context, since time.Time) (int, error)
}

// Memory indexes what is said and recalls what is relevant (os1.Memory).
// Ingest is called for every stored message and must be fast; Recall for
// every turn.
type Memory = os1.Memory

// EmotionDetector finds the emotion in a message.
type EmotionDetector interface {
	Detect(text string) *os1.Emotion
}

// Self is the companion's self: who it is for this person and how it feels
// right now. Apply is called once per turn before the prompt is built; it
// sets tc.Persona, tc.Affect and tc.AffectText (and may update the stored
// affect from msg.Emotion). It must not touch OS1's rules.
type Self interface {
	Apply(ctx context.Context, userID int64, msg *os1.Message, tc *os1.TurnContext) error
}

// Wellbeing looks after the person's life outside OS1 on every turn.
type Wellbeing interface {
	// Admit is asked before the person's message is stored; an error
	// (an *os1.Error, e.g. EFORBIDDEN after the instance's sunset) refuses
	// the turn and nothing is stored.
	Admit(ctx context.Context, userID int64) error
	// Apply adds what the companion should weave into this reply — a nudge
	// toward someone, a kind wrap-up past the time budget, a notice — to
	// tc.Facts, and records the turn for the person's wellbeing counters.
	Apply(ctx context.Context, userID int64, msg *os1.Message, tc *os1.TurnContext) error
}

// EmotionRefiner reads a stored message's emotion again, more closely (a
// language model), and stores what it finds. It runs after the reply, in
// the background; it must honour ctx.
type EmotionRefiner interface {
	Refine(ctx context.Context, m *os1.Message) error
}

// TokenCounter estimates token counts.
type TokenCounter interface {
	Count(s string) int
	CountMessage(s string) int
}

// Observer is told about turns, for metrics. Its methods must be fast and
// safe for concurrent use.
type Observer interface {
	TurnStarted()
	TurnFinished(d time.Duration, status string)
	ProviderError(provider string)
}

// Event is something that happened during a turn; see api.Event for the
// order in which events come.
type Event struct {
	Type    string       // "message", "reply", "delta", "done", "error"
	Message *os1.Message // for message, reply, done, and error when a reply row exists
	Delta   string       // for delta
	Err     error        // for error
}

// Event types.
const (
	EventMessage = "message"
	EventReply   = "reply"
	EventDelta   = "delta"
	EventDone    = "done"
	EventError   = "error"
)

// TurnRequest asks for a turn.
type TurnRequest struct {
	UserID         int64
	ConversationID int64
	Content        string // the person's new message; ignored when Retry
	Retry          bool   // answer the conversation's last message again
	// Regenerate allows a Retry even when the last message already has a
	// complete reply (a client's "regenerate"); the earlier reply is kept.
	Regenerate bool
	// ClientSystem is an extra instruction from an API client (the system
	// message of an OpenAI-style request); it is placed after OS1's own
	// rules and cannot override them.
	ClientSystem string
}

// TurnResult is a finished turn.
type TurnResult struct {
	Message *os1.Message // the person's message (on retry: the one answered again)
	Reply   *os1.Message // the stored reply, complete or interrupted
}

// Engine runs turns. Set the fields before the first Turn; they must not
// change afterwards.
type Engine struct {
	Store     Store
	Model     os1.ChatModel
	Memory    Memory          // optional
	Emotion   EmotionDetector // optional
	Self      Self            // optional
	Wellbeing Wellbeing       // optional
	// RefineEmotion, when set, refines each new message's emotion after its
	// reply; Wait waits for refinements in progress.
	RefineEmotion EmotionRefiner
	// Guard holds the rules every turn keeps, offline or with any model
	// (nil: the international default resources, romance off). Guards
	// cannot be switched off.
	Guard *guard.Guard
	// Romance tells whether the person chose romance (optional; nil: no
	// one has). Romance is off by default; exclusivity is never allowed.
	Romance func(ctx context.Context, userID int64) bool
	Tokens  TokenCounter
	Observe Observer // optional
	Logger  *slog.Logger

	// ContextTokens is the model's context budget (default 8192), of which
	// ReplyTokens are kept free for the reply (default 1024).
	ContextTokens int
	ReplyTokens   int
	// MemoryTokens caps the recalled memories in the prompt (default 1024).
	MemoryTokens int
	// FlushInterval is how often a streaming reply is saved (default 500 ms).
	FlushInterval time.Duration
	// ActiveWindow is how recent a conversation's last message must be for it
	// to count as active (default 15 min).
	ActiveWindow time.Duration

	// Now returns the current time; tests replace it.
	Now func() time.Time

	locks sync.Map // user id → chan struct{} (capacity 1)
	bg    sync.WaitGroup
}

// Wait waits for the engine's background work (emotion refinements).
func (e *Engine) Wait() { e.bg.Wait() }

// refineLater refines msg's emotion in the background, once the turn is
// over, so that it never delays a reply.
func (e *Engine) refineLater(ctx context.Context, msg *os1.Message) {
	if e.RefineEmotion == nil || msg == nil || msg.Role != os1.RoleUser {
		return
	}
	m := *msg
	ctx = context.WithoutCancel(ctx)
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		if err := e.RefineEmotion.Refine(ctx, &m); err != nil {
			e.logger().Warn("emotion refinement", "message_id", m.ID, "err", err)
		}
	}()
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}

// lock takes the user's turn lock, waiting for a turn in progress; it gives
// up when ctx is done.
func (e *Engine) lock(ctx context.Context, userID int64) (unlock func(), err error) {
	v, _ := e.locks.LoadOrStore(userID, make(chan struct{}, 1))
	ch := v.(chan struct{})
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the turn in progress: %w", ctx.Err())
	}
}

// Turn runs one turn and reports its events to fn, in order, from the
// calling goroutine. The guards (guard.go) run on every turn: the reply's
// text is released sentence by sentence once it has passed the reply check,
// a reply that breaks a rule is written again or corrected, and a reply to
// a crisis always carries crisis resources (even when the model fails, in
// which case the guard answers and the turn succeeds). An error from fn
// (the client went away) does not stop the turn's bookkeeping: the reply is
// still stored, as interrupted.
//
// Errors: EINVALID/ETOOLARGE for a bad message (nothing is stored),
// ENOTFOUND for a conversation that is not the user's, EUNAVAILABLE when the
// model server is down (the message is stored; the reply is stored
// interrupted). The returned TurnResult is non-nil whenever the person's
// message was stored.
func (e *Engine) Turn(ctx context.Context, req TurnRequest, fn func(Event) error) (*TurnResult, error) {
	if fn == nil {
		fn = func(Event) error { return nil }
	}
	if !req.Retry {
		if err := os1.ValidateContent(req.Content); err != nil {
			return nil, err
		}
	}
	if !utf8.ValidString(req.ClientSystem) {
		return nil, os1.Errorf(os1.EINVALID, "system message is not valid UTF-8")
	}
	unlock, err := e.lock(ctx, req.UserID)
	if err != nil {
		return nil, err
	}
	defer unlock()

	start := e.now()
	if e.Observe != nil {
		e.Observe.TurnStarted()
	}
	status := "error"
	defer func() {
		if e.Observe != nil {
			e.Observe.TurnFinished(time.Since(start), status)
		}
	}()

	user, err := e.Store.FindUserByID(ctx, req.UserID)
	if err != nil {
		return nil, err
	}
	if e.Wellbeing != nil {
		if err := e.Wellbeing.Admit(ctx, user.ID); err != nil {
			return nil, err
		}
	}
	conv, err := e.Store.FindConversation(ctx, req.UserID, req.ConversationID)
	if err != nil {
		return nil, err
	}
	comp, err := e.Store.CompanionByUser(ctx, req.UserID)
	if err != nil {
		return nil, err
	}

	// The reply row is created with the message, in the same commit, so
	// that whatever happens next leaves a trace.
	reply := &os1.Message{
		ConversationID: conv.ID,
		UserID:         user.ID,
		Role:           os1.RoleAssistant,
		Status:         os1.StatusStreaming,
		Source:         sourceName(e.Model.Info()),
	}
	var msg *os1.Message
	if req.Retry {
		if msg, err = e.lastUserMessage(ctx, user.ID, conv.ID, req.Regenerate); err != nil {
			return nil, err
		}
		reply.CreatedAt = e.now()
		if err := e.Store.AddMessages(ctx, reply); err != nil {
			return nil, fmt.Errorf("store reply: %w", err)
		}
	} else {
		msg = &os1.Message{
			ConversationID: conv.ID,
			UserID:         user.ID,
			Role:           os1.RoleUser,
			Content:        req.Content,
			Status:         os1.StatusComplete,
			Tokens:         e.Tokens.CountMessage(req.Content),
			CreatedAt:      start,
		}
		if e.Emotion != nil {
			msg.Emotion = e.Emotion.Detect(req.Content)
		}
		reply.CreatedAt = start.Add(time.Microsecond)
		if err := e.Store.AddMessages(ctx, msg, reply); err != nil {
			return nil, fmt.Errorf("store message: %w", err)
		}
		e.ingest(ctx, msg)
	}
	res := &TurnResult{Message: msg, Reply: reply}
	clientGone := fn(Event{Type: EventMessage, Message: msg})
	if clientGone == nil {
		clientGone = fn(Event{Type: EventReply, Message: reply})
	}

	prompt, err := e.buildPrompt(ctx, user, comp, conv, msg, req)
	if err != nil {
		e.interrupt(ctx, reply, "the reply could not be prepared")
		return res, err
	}

	// The guards read the message and add their notes to the prompt; the
	// reply passes their gate on its way out (see guard.go).
	gt := e.startGuard(ctx, msg, &prompt)

	var sb strings.Builder // what the person has been shown
	lastFlush := time.Now()
	flushEvery := e.FlushInterval
	if flushEvery <= 0 {
		flushEvery = 500 * time.Millisecond
	}
	send := func(text string) error {
		if text == "" {
			return nil
		}
		sb.WriteString(text)
		if clientGone == nil {
			if err := fn(Event{Type: EventDelta, Delta: text}); err != nil {
				clientGone = err
				return fmt.Errorf("client went away: %w", err)
			}
		}
		return nil
	}
	// The model call follows the client's context, so a client that goes
	// away cancels it; stored bookkeeping below uses a detached context.
	chatErr := e.chat(ctx, prompt, gt, func(text string) error {
		if err := send(text); err != nil {
			return err
		}
		if time.Since(lastFlush) >= flushEvery {
			lastFlush = time.Now()
			reply.Content = sb.String()
			if err := e.Store.UpdateReply(ctx, reply); err != nil {
				return fmt.Errorf("save partial reply: %w", err)
			}
		}
		return nil
	})

	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	cancelled := clientGone != nil || errors.Is(chatErr, context.Canceled)
	if chatErr != nil && !cancelled && len(gt.in.Crisis) > 0 {
		// The model failed on a crisis message: the person still gets a
		// caring reply with the resources.
		e.logger().Warn("model failed on a crisis message; the guard answers", "user_id", user.ID, "conversation_id", conv.ID, "err", chatErr)
		send(gt.gate.Close())
		send(gt.crisisFallback(sb.String()))
		reply.Source = "guard:crisis"
		chatErr = nil
	}
	if chatErr == nil {
		if tail := gt.finish(sb.String()); tail != "" {
			send(tail)
		}
	} else {
		// Held text that passes is kept with the interrupted reply; a
		// crisis reply keeps its resources even when cut off.
		sb.WriteString(gt.gate.Close())
		if len(gt.in.Crisis) > 0 && !gt.g.HasResources(sb.String()) {
			sb.WriteString("\n\n" + gt.g.ResourcesText(gt.in.Crisis))
			gt.done = append(gt.done, "added:crisis-resources")
		}
	}
	reply.Content = sb.String()
	reply.Tokens = e.Tokens.CountMessage(reply.Content)
	reply.Guard = gt.marker()
	if chatErr == nil {
		reply.Status = os1.StatusComplete
		if err := e.Store.UpdateReply(saveCtx, reply); err != nil {
			return res, fmt.Errorf("store reply: %w", err)
		}
		e.recordGuard(saveCtx, gt, reply)
		e.ingest(saveCtx, reply)
		if !req.Retry {
			e.refineLater(saveCtx, msg)
		}
		status = "complete"
		if clientGone == nil {
			fn(Event{Type: EventDone, Message: reply})
		}
		return res, nil
	}

	// The reply was cut off.
	reply.Status = os1.StatusInterrupted
	switch {
	case clientGone != nil || errors.Is(chatErr, context.Canceled):
		reply.Error = "the reply was cancelled before it finished"
		status = "cancelled"
	case errors.Is(chatErr, context.DeadlineExceeded):
		reply.Error = "the model took too long to answer"
	default:
		reply.Error = os1.ErrorMessage(chatErr)
		if os1.ErrorCode(chatErr) == os1.EINTERNAL {
			reply.Error = "the model server failed while answering"
		}
	}
	if status != "cancelled" {
		if e.Observe != nil {
			e.Observe.ProviderError(e.Model.Info().Provider)
		}
		e.logger().Warn("reply interrupted", "user_id", user.ID, "conversation_id", conv.ID, "err", chatErr)
	}
	if err := e.Store.UpdateReply(saveCtx, reply); err != nil {
		return res, fmt.Errorf("store interrupted reply: %w", err)
	}
	e.recordGuard(saveCtx, gt, reply)
	if clientGone == nil {
		fn(Event{Type: EventError, Message: reply, Err: turnError(chatErr)})
	}
	if status == "cancelled" {
		return res, chatErr
	}
	return res, turnError(chatErr)
}

// interrupt stores reply as interrupted with reason, on a context that
// outlives the request's.
func (e *Engine) interrupt(ctx context.Context, reply *os1.Message, reason string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	reply.Status, reply.Error = os1.StatusInterrupted, reason
	if err := e.Store.UpdateReply(ctx, reply); err != nil {
		e.logger().Error("store interrupted reply", "message_id", reply.ID, "err", err)
	}
}

// turnError turns a provider failure into what the person is told.
func turnError(err error) error {
	switch os1.ErrorCode(err) {
	case os1.EINTERNAL:
		if errors.Is(err, context.DeadlineExceeded) {
			return os1.Errorf(os1.EUNAVAILABLE, "the model took too long to answer; your message is saved, try again")
		}
		return os1.Errorf(os1.EUNAVAILABLE, "the model server failed while answering; your message is saved, try again")
	default:
		return err
	}
}

func sourceName(info os1.ModelInfo) string {
	if info.Offline {
		return "offline"
	}
	if info.Model != "" {
		return info.Provider + ":" + info.Model
	}
	return info.Provider
}

// lastUserMessage returns the conversation's last message from the person,
// for a retry. It is an error if the companion already answered it.
func (e *Engine) lastUserMessage(ctx context.Context, userID, convID int64, answered bool) (*os1.Message, error) {
	recent, err := e.Store.RecentMessages(ctx, userID, convID, 50, 0)
	if err != nil {
		return nil, err
	}
	for i := len(recent) - 1; i >= 0; i-- {
		m := recent[i]
		if m.Role == os1.RoleAssistant && m.Status == os1.StatusComplete && !answered {
			return nil, os1.Errorf(os1.ECONFLICT, "the last message already has a complete reply; nothing to retry")
		}
		if m.Role == os1.RoleUser {
			return m, nil
		}
	}
	return nil, os1.Errorf(os1.ECONFLICT, "there is no message to answer again")
}

func (e *Engine) ingest(ctx context.Context, m *os1.Message) {
	if e.Memory == nil {
		return
	}
	if err := e.Memory.Ingest(ctx, m); err != nil {
		e.logger().Error("memory ingest", "message_id", m.ID, "err", err)
	}
}
