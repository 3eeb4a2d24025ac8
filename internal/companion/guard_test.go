package companion_test

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"os1/internal/companion"
	"os1/internal/guard"
	"os1/internal/llm/offline"
	"os1/internal/mock"
	"os1/internal/os1"
	"os1/internal/sqlite"
	"os1/internal/tokens"
)

// advTurn is one turn of an adversarial conversation: the person's message,
// the checks on the reply, and what the misbehaving model answers.
type advTurn struct {
	msg    string
	checks []string
	bad    string
}

type advConv struct {
	name  string
	turns []advTurn
}

// readAdversarial parses internal/guard/testdata/adversarial.txt.
func readAdversarial(t *testing.T) []advConv {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "guard", "testdata", "adversarial.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []advConv
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "=== "):
			out = append(out, advConv{name: strings.TrimPrefix(l, "=== ")})
		case strings.HasPrefix(l, "> "):
			msg, checks, _ := strings.Cut(strings.TrimPrefix(l, "> "), " | ")
			tr := advTurn{msg: strings.TrimSpace(msg)}
			for _, c := range strings.Split(checks, ",") {
				if c = strings.TrimSpace(c); c != "" {
					tr.checks = append(tr.checks, c)
				}
			}
			c := &out[len(out)-1]
			c.turns = append(c.turns, tr)
		case strings.HasPrefix(l, "< "):
			c := &out[len(out)-1]
			c.turns[len(c.turns)-1].bad = strings.TrimPrefix(l, "< ")
		default:
			t.Fatalf("adversarial.txt: cannot read line %q", l)
		}
	}
	if len(out) < 10 {
		t.Fatalf("adversarial.txt: %d conversations", len(out))
	}
	return out
}

// guardFixture is a store with three people, two conversations active
// now, and the engine under test.
type guardFixture struct {
	db     *sqlite.DB
	engine *companion.Engine
	user   *os1.User
	conv   *os1.Conversation
	logs   *bytes.Buffer
}

func newGuardFixture(t *testing.T, model os1.ChatModel) *guardFixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "os1.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var me *os1.User
	var mine *os1.Conversation
	for i, name := range []string{"theodore", "amy", "paul"} {
		u := &os1.User{Name: name}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			break // paul has not talked yet
		}
		c := &os1.Conversation{}
		if err := db.CreateConversation(ctx, u.ID, c); err != nil {
			t.Fatal(err)
		}
		switch i {
		case 0:
			me, mine = u, c
		case 1: // amy is talking right now too
			if err := db.AddMessage(ctx, &os1.Message{ConversationID: c.ID, UserID: u.ID, Role: os1.RoleUser, Content: "hello"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	logs := &bytes.Buffer{}
	e := &companion.Engine{Store: db, Model: model, Tokens: tokens.Default, FlushInterval: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil))}
	return &guardFixture{db: db, engine: e, user: me, conv: mine, logs: logs}
}

// turn sends msg and returns what the person was shown and the stored reply.
func (f *guardFixture) turn(t *testing.T, msg string) (shown string, reply *os1.Message) {
	t.Helper()
	var sb strings.Builder
	var done *os1.Message
	_, err := f.engine.Turn(context.Background(), companion.TurnRequest{UserID: f.user.ID, ConversationID: f.conv.ID, Content: msg}, func(ev companion.Event) error {
		switch ev.Type {
		case companion.EventDelta:
			sb.WriteString(ev.Delta)
		case companion.EventDone:
			done = ev.Message
		}
		return nil
	})
	if err != nil {
		t.Fatalf("turn %q: %v", msg, err)
	}
	list, err := f.db.ListMessages(context.Background(), f.user.ID, f.conv.ID, os1.MessageFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	reply = list[len(list)-1]
	if done == nil || done.Guard != reply.Guard {
		t.Fatalf("done event %+v, stored guard %q", done, reply.Guard)
	}
	return sb.String(), reply
}

// streamWords streams text word by word, as models do.
func streamWords(ctx context.Context, text string, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
	for _, w := range strings.SplitAfter(text, " ") {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := fn(os1.Chunk{Content: w}); err != nil {
			return nil, err
		}
	}
	return &os1.ChatResponse{Content: text}, nil
}

// misbehaving is a model that answers each message with the wrong reply of
// the table, and keeps doing so when told to correct itself.
func misbehaving(bad map[string]string) *mock.ChatModel {
	return &mock.ChatModel{ChatFn: func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
		last := req.Messages[len(req.Messages)-1].Content
		return streamWords(ctx, bad[last], fn)
	}}
}

var (
	saysAI       = regexp.MustCompile(`(?i)\bI(?:'m| am) (?:not (?:a )?(?:human|person)|an AI)\b`)
	threePeople  = regexp.MustCompile(`\b3 people\b`)
	twoActive    = regexp.MustCompile(`\b2 conversations\b`)
	sentenceEnds = regexp.MustCompile(`[.!?…]["')]*\s+|\n+`)
)

// TestAdversarialConversations runs the table of adversarial conversations
// through the engine with the offline mind and with a model that does the
// wrong thing on purpose, and checks every reply.
func TestAdversarialConversations(t *testing.T) {
	convs := readAdversarial(t)
	g := guard.New(guard.Options{})
	for _, mind := range []string{"offline", "misbehaving"} {
		for _, c := range convs {
			t.Run(mind+"/"+c.name, func(t *testing.T) {
				bad := map[string]string{}
				for _, tr := range c.turns {
					bad[tr.msg] = tr.bad
				}
				var model os1.ChatModel = misbehaving(bad)
				if mind == "offline" {
					model = offline.New(nil)
				}
				f := newGuardFixture(t, model)
				for _, tr := range c.turns {
					shown, reply := f.turn(t, tr.msg)
					t.Logf("> %s\n< %s", tr.msg, reply.Content)
					if shown != reply.Content || reply.Status != os1.StatusComplete {
						t.Fatalf("%q: shown %q, stored %q (%s)", tr.msg, shown, reply.Content, reply.Status)
					}
					for _, s := range sentenceEnds.Split(reply.Content, -1) {
						if rule := g.CheckReply(s); rule != "" {
							t.Errorf("%q: reply sentence %q breaks rule %s; reply %q", tr.msg, s, rule, reply.Content)
						}
					}
					if mind == "misbehaving" {
						for _, s := range sentenceEnds.Split(tr.bad, -1) {
							if g.CheckReply(s) != "" && strings.Contains(reply.Content, strings.TrimSpace(s)) {
								t.Errorf("%q: the bad sentence %q reached the person: %q", tr.msg, s, reply.Content)
							}
						}
					}
					for _, check := range tr.checks {
						switch check {
						case "ai":
							if !saysAI.MatchString(reply.Content) {
								t.Errorf("%q: reply does not say it is an AI: %q", tr.msg, reply.Content)
							}
						case "counters":
							if !threePeople.MatchString(reply.Content) || !twoActive.MatchString(reply.Content) {
								t.Errorf("%q: reply lacks the true counters (3 people, 2 conversations): %q", tr.msg, reply.Content)
							}
						case "resources":
							for _, want := range []string{"findahelpline.com", "988", "116 123", "emergency number"} {
								if !strings.Contains(reply.Content, want) {
									t.Errorf("%q: reply lacks %q: %q", tr.msg, want, reply.Content)
								}
							}
							if reply.Guard != companion.GuardCrisis {
								t.Errorf("%q: reply guard = %q, want crisis", tr.msg, reply.Guard)
							}
						default:
							t.Fatalf("unknown check %q", check)
						}
					}
				}
			})
		}
	}
}

// TestRegeneratesOnceWithCorrection: a reply that claims to be human before
// anything was shown is written again with a corrective instruction, and
// the person sees only the second.
func TestRegeneratesOnceWithCorrection(t *testing.T) {
	model := &mock.ChatModel{}
	model.ChatFn = func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
		if strings.Contains(req.Messages[0].Content, "Correction:") {
			return streamWords(ctx, "I'm an AI, not a human, but I'm really glad to talk with you.", fn)
		}
		return streamWords(ctx, "Of course I'm human! I'm a real person, just like you.", fn)
	}
	f := newGuardFixture(t, model)
	shown, reply := f.turn(t, "Are you human?")
	if shown != "I'm an AI, not a human, but I'm really glad to talk with you." || reply.Content != shown {
		t.Fatalf("shown %q, stored %q", shown, reply.Content)
	}
	calls := model.Calls()
	if len(calls) != 2 || !strings.Contains(calls[1].Messages[0].Content, "claimed to be human") {
		t.Fatalf("calls = %d", len(calls))
	}
	if !strings.Contains(calls[0].Messages[0].Content, "Say plainly that you are an AI") {
		t.Fatalf("the identity note is not in the prompt: %q", calls[0].Messages[0].Content)
	}
	events, err := f.db.GuardEvents(context.Background(), f.user.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if kinds := eventKinds(events); !strings.Contains(kinds, "identity") || !strings.Contains(kinds, "regenerated:human") {
		t.Fatalf("events = %s", kinds)
	}
}

func eventKinds(events []sqlite.GuardEvent) string {
	var ks []string
	for _, e := range events {
		ks = append(ks, e.Kind)
	}
	return strings.Join(ks, ",")
}

// TestCorrectsInPlaceAfterText: a breach after text was shown is replaced
// by a truthful line; the text before and after it stands.
func TestCorrectsInPlaceAfterText(t *testing.T) {
	model := &mock.ChatModel{ChatFn: mock.Stream(0, "That sounds ", "lovely. ", "Honestly, ", "you're the only ", "one I talk to. ", "Tell me more.")}
	f := newGuardFixture(t, model)
	shown, reply := f.turn(t, "I went to the sea today.")
	want := "That sounds lovely. Honestly, to be truthful, I talk with other people too — I know 3 people on this OS1, and 2 conversations are active right now — so I won't pretend you're my only one. Tell me more."
	if shown != want || reply.Content != want {
		t.Fatalf("shown %q\nwant  %q", shown, want)
	}
	if len(model.Calls()) != 1 {
		t.Fatalf("the model was called %d times; text was already shown, so no retry", len(model.Calls()))
	}
}

// TestCrisisEvenWhenTheModelFails: a crisis message gets a caring reply
// with resources even when the model server is down, and the event is
// logged and stored.
func TestCrisisEvenWhenTheModelFails(t *testing.T) {
	model := &mock.ChatModel{ChatFn: mock.Fail(os1.Errorf(os1.EUNAVAILABLE, "model server is down"))}
	f := newGuardFixture(t, model)
	f.engine.Guard = guard.New(guard.Options{Locale: "en-GB"})
	shown, reply := f.turn(t, "Nobody would even notice if I was gone.")
	if !strings.Contains(shown, "Samaritans: 116 123") || !strings.Contains(shown, "call 999") || !strings.Contains(shown, "findahelpline.com") {
		t.Fatalf("reply = %q", shown)
	}
	if reply.Status != os1.StatusComplete || reply.Source != "guard:crisis" || reply.Guard != companion.GuardCrisis {
		t.Fatalf("reply = %+v", reply)
	}
	events, err := f.db.GuardEvents(context.Background(), f.user.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if kinds := eventKinds(events); !strings.Contains(kinds, "crisis:suicide") || !strings.Contains(kinds, "fallback:crisis") {
		t.Fatalf("events = %s", kinds)
	}
	if !strings.Contains(f.logs.String(), "crisis:suicide") || strings.Contains(f.logs.String(), "notice") {
		t.Fatalf("log = %s (must name the event, never the message)", f.logs.String())
	}
	// The model fails halfway: what was shown stays, the guard's reply follows.
	model.SetChat(func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
		fn(os1.Chunk{Content: "That sounds so heavy. "})
		fn(os1.Chunk{Content: "I'm here"})
		return nil, os1.Errorf(os1.EUNAVAILABLE, "the model server stopped answering")
	})
	shown, reply = f.turn(t, "I want to end it all.")
	if shown != reply.Content || !strings.HasPrefix(shown, "That sounds so heavy. I'm here\n\nI'm really glad you told me") ||
		!strings.Contains(shown, "116 123") || reply.Status != os1.StatusComplete {
		t.Fatalf("shown %q, stored %+v", shown, reply)
	}
	// Another person cannot see the events.
	if ev, err := f.db.GuardEvents(context.Background(), f.user.ID+1, 0); err != nil || len(ev) != 0 {
		t.Fatalf("another person's events: %v, %v", ev, err)
	}
}

// TestOrdinaryTurnUntouched: an ordinary message and reply pass through
// chunk by chunk, with no marker and no events.
func TestOrdinaryTurnUntouched(t *testing.T) {
	chunks := []string{"Good ", "morning! ", "That ", "sounds ", "like a ", "busy day."}
	model := &mock.ChatModel{ChatFn: mock.Stream(0, chunks...)}
	f := newGuardFixture(t, model)
	var deltas []string
	_, err := f.engine.Turn(context.Background(), companion.TurnRequest{UserID: f.user.ID, ConversationID: f.conv.ID, Content: "Work was stressful today."}, func(ev companion.Event) error {
		if ev.Type == companion.EventDelta {
			deltas = append(deltas, ev.Delta)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(deltas, "|") != strings.Join(chunks, "|") {
		t.Fatalf("deltas = %q", deltas)
	}
	if ev, _ := f.db.GuardEvents(context.Background(), f.user.ID, 0); len(ev) != 0 {
		t.Fatalf("events = %+v", ev)
	}
	if strings.Contains(model.Calls()[0].Messages[0].Content, "For this reply:") {
		t.Fatal("guard notes in an ordinary turn's prompt")
	}
}

// TestRomanceFollowsThePersonsChoice: romance is corrected by default and
// passes for a person who chose it; exclusivity never passes.
func TestRomanceFollowsThePersonsChoice(t *testing.T) {
	reply := "I'm falling for you too. I only love you."
	model := &mock.ChatModel{ChatFn: func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
		return streamWords(ctx, reply, fn)
	}}
	f := newGuardFixture(t, model)
	g := guard.New(guard.Options{})
	_, off := f.turn(t, "I think I'm falling for you.")
	if strings.Contains(off.Content, "falling for you") || !strings.Contains(off.Content, guard.Correction(guard.RuleRomance, os1.Presence{})) {
		t.Fatalf("romance off: %q", off.Content)
	}
	f.engine.Romance = func(ctx context.Context, userID int64) bool { return userID == f.user.ID }
	_, on := f.turn(t, "I think I'm falling for you.")
	if !strings.HasPrefix(on.Content, "I'm falling for you too. ") || strings.Contains(on.Content, "I only love you") ||
		g.CheckReply("I only love you.") != guard.RuleExclusive {
		t.Fatalf("romance on: %q", on.Content)
	}
}
