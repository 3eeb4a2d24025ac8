package companion

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"os1/internal/guard"
	"os1/internal/os1"
)

// GuardRecorder stores what the guards did on a turn and the reply's guard
// marker. The store may implement it (sqlite.DB does); without it the
// guards' events are only logged.
type GuardRecorder interface {
	RecordGuard(ctx context.Context, userID, conversationID, replyID int64, marker string, kinds []string, detail string) error
}

// Guard markers of a reply (os1.Message.Guard).
const (
	GuardCrisis = "crisis" // the reply carries crisis resources
)

// defaultGuard is used when Engine.Guard is nil: the guards always run.
var defaultGuard = guard.New(guard.Options{})

func (e *Engine) guards() *guard.Guard {
	if e.Guard != nil {
		return e.Guard
	}
	return defaultGuard
}

// errRegenerate stops a model's reply that broke a rule before anything of
// it was shown, so that it is written again.
var errRegenerate = errors.New("reply broke a guard rule; writing it again")

// guardTurn is the guards' state for one turn.
type guardTurn struct {
	g        *guard.Guard
	in       guard.Input
	presence os1.Presence
	gate     *guard.Gate
	retried  int      // violations met before the reply was written again
	done     []string // what the guards did: "regenerated:human", "added:presence", ...
}

// startGuard reads the person's message and puts the guards' notes into the
// prompt. On a crisis the turn context says so (TurnContext.Guard) and its
// facts become the guard's own caring reply, which the offline mind says as
// it is; a real model reads the notes in the system prompt.
func (e *Engine) startGuard(ctx context.Context, msg *os1.Message, prompt *os1.ChatRequest) *guardTurn {
	g := e.guards()
	gt := &guardTurn{g: g, in: guard.CheckInput(msg.Content)}
	if prompt.Turn != nil {
		gt.presence = prompt.Turn.Presence
	}
	strict := gt.in.Any()
	romance := e.Romance != nil && e.Romance(ctx, msg.UserID)
	if romance {
		gt.in.Romance = false // what they chose; exclusivity is still refused by the reply check
	}
	gt.gate = g.NewGate(guard.GateOptions{Presence: gt.presence, CanRetry: true, Strict: strict, Crisis: len(gt.in.Crisis) > 0, Romance: romance})
	if notes := g.Notes(gt.in, gt.presence); len(notes) > 0 && len(prompt.Messages) > 0 && prompt.Messages[0].Role == os1.RoleSystem {
		prompt.Messages[0].Content += "\nFor this reply:\n- " + strings.Join(notes, "\n- ") + "\n"
	}
	if len(gt.in.Crisis) > 0 && prompt.Turn != nil {
		prompt.Turn.Guard = GuardCrisis
		prompt.Turn.Facts = gt.g.CrisisReply(gt.in.Crisis)
	}
	return gt
}

// chat calls the model and passes what the gate releases to release. A
// reply that breaks a rule before anything of it was shown is written once
// more with a corrective instruction; later breaches are corrected in
// place by the gate.
func (e *Engine) chat(ctx context.Context, prompt os1.ChatRequest, gt *guardTurn, release func(string) error) error {
	req := prompt
	for {
		var retry string
		_, err := e.Model.Chat(ctx, req, func(c os1.Chunk) error {
			if c.Content == "" || retry != "" {
				return nil
			}
			out, r := gt.gate.Write(c.Content)
			if out != "" {
				if err := release(out); err != nil {
					return err
				}
			}
			if r != "" {
				retry = r
				return errRegenerate
			}
			return nil
		})
		if retry == "" || (err != nil && !errors.Is(err, errRegenerate)) {
			return err
		}
		gt.done = append(gt.done, "regenerated:"+retry)
		gt.retried = len(gt.gate.Violations())
		gt.gate.Retry()
		req = withInstruction(prompt, guard.Corrective(retry))
	}
}

// withInstruction returns req with text added to its system prompt.
func withInstruction(req os1.ChatRequest, text string) os1.ChatRequest {
	msgs := append([]os1.ChatMessage(nil), req.Messages...)
	if len(msgs) > 0 && msgs[0].Role == os1.RoleSystem {
		msgs[0].Content += "\n" + text + "\n"
	} else {
		msgs = append([]os1.ChatMessage{{Role: os1.RoleSystem, Content: text}}, msgs...)
	}
	req.Messages = msgs
	return req
}

// finish returns the rest of a complete reply: what the gate still held,
// and what the reply must carry and lacks (the truth about what it is, the
// true counters, crisis resources).
func (gt *guardTurn) finish(shown string) string {
	tail := gt.gate.Close()
	add, marks := gt.g.Complete(gt.in, shown+tail, gt.presence)
	for _, m := range marks {
		gt.done = append(gt.done, "added:"+m)
	}
	if len(add) == 0 {
		return tail
	}
	sep := "\n\n"
	if all := shown + tail; all == "" {
		sep = ""
	} else if strings.HasSuffix(all, "\n\n") {
		sep = ""
	} else if strings.HasSuffix(all, "\n") {
		sep = "\n"
	}
	return tail + sep + strings.Join(add, "\n\n")
}

// crisisFallback is the reply when the model failed on a crisis message:
// what was shown, then the guard's own caring reply with the resources.
func (gt *guardTurn) crisisFallback(shown string) string {
	gt.done = append(gt.done, "fallback:crisis")
	reply := strings.Join(gt.g.CrisisReply(gt.in.Crisis), "\n\n")
	if strings.TrimSpace(shown) == "" {
		return reply
	}
	return "\n\n" + reply
}

// marker is the reply's guard marker.
func (gt *guardTurn) marker() string {
	if len(gt.in.Crisis) > 0 {
		return GuardCrisis
	}
	return ""
}

// record logs what the guards did on the turn and stores it when the store
// can.
func (e *Engine) recordGuard(ctx context.Context, gt *guardTurn, reply *os1.Message) {
	v := gt.gate.Violations()
	if gt.retried < len(v) {
		for _, r := range v[gt.retried:] {
			gt.done = append(gt.done, "corrected:"+r)
		}
	}
	kinds := append(gt.in.Kinds(), gt.done...)
	if len(kinds) == 0 {
		return
	}
	level := slog.LevelInfo
	if len(gt.in.Crisis) > 0 {
		level = slog.LevelWarn
	}
	e.logger().Log(ctx, level, "guard", "user_id", reply.UserID, "conversation_id", reply.ConversationID, "message_id", reply.ID,
		"events", strings.Join(kinds, ","), "source", reply.Source)
	if rec, ok := e.Store.(GuardRecorder); ok {
		if err := rec.RecordGuard(ctx, reply.UserID, reply.ConversationID, reply.ID, gt.marker(), kinds, reply.Source); err != nil {
			e.logger().Error("record guard events", "message_id", reply.ID, "err", err)
		}
	}
}
