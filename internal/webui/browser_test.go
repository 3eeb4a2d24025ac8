package webui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"net/http"
	"net/http/httptest"

	"os1/internal/archive"
	"os1/internal/card"
	"os1/internal/companion"
	"os1/internal/emotion"
	"os1/internal/guard"
	"os1/internal/httpapi"
	"os1/internal/memory"
	"os1/internal/os1"
	"os1/internal/persona"
	"os1/internal/sqlite"
	"os1/internal/tokens"
	"os1/internal/wellbeing"
)

// The browser test drives Debian's chromium against a real server on a
// real store. Screenshots of the page at desktop and phone width are
// written when OS1_SCREENSHOTS names a directory:
//
//	OS1_SCREENSHOTS=docs/screenshots go test ./internal/webui -run TestBrowser

// chromiumPath finds the browser: $OS1_CHROMIUM, /usr/bin/chromium, or
// chromium on PATH.
func chromiumPath() string {
	if p := os.Getenv("OS1_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// replyChunks is what the test model streams for ordinary messages.
var replyChunks = []string{"Hello", " there,", " it is", " **good**", " to hear", " from you."}

const fullReply = "Hello there, it is good to hear from you."

// testModel streams replyChunks with small delays (or, for a message with
// markup in it, echoes the message back). It can be told to pause after
// two chunks until released, and to fail the next calls as a model server
// that is down.
type testModel struct {
	mu       sync.Mutex
	hold     chan struct{}
	held     chan struct{}
	failNext int
}

func (m *testModel) Info() os1.ModelInfo { return os1.ModelInfo{Provider: "test", Model: "streamer"} }

func (m *testModel) Chat(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
	m.mu.Lock()
	hold, held := m.hold, m.held
	m.hold, m.held = nil, nil
	fail := m.failNext > 0
	if fail {
		m.failNext--
	}
	m.mu.Unlock()
	if fail {
		return nil, os1.Errorf(os1.EUNAVAILABLE, "the model server is not answering")
	}
	last := req.Messages[len(req.Messages)-1].Content
	chunks := replyChunks
	if strings.Contains(last, "<") {
		chunks = []string{"You wrote: ", last[:len(last)/2], last[len(last)/2:]}
	}
	var sb strings.Builder
	for i, c := range chunks {
		if i == 2 && hold != nil {
			close(held)
			select {
			case <-hold:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		select {
		case <-time.After(15 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if err := fn(os1.Chunk{Content: c}); err != nil {
			return nil, err
		}
		sb.WriteString(c)
	}
	return &os1.ChatResponse{Model: "streamer", Content: sb.String()}, nil
}

// holdNext makes the next reply pause after two chunks; it returns a
// channel closed when the pause is reached and a func to release it.
func (m *testModel) holdNext() (held <-chan struct{}, release func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	hold := make(chan struct{})
	m.hold, m.held = hold, make(chan struct{})
	return m.held, sync.OnceFunc(func() { close(hold) })
}

const offlineNote = "Connect a model: start Ollama, or run os1 serve --llm openai."

func TestBrowser(t *testing.T) {
	chromium := chromiumPath()
	if chromium == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium not found (set OS1_CHROMIUM or install Debian's chromium); the browser test is required in CI")
		}
		t.Skip("!!! SKIPPING THE BROWSER TEST: chromium not found. Install it (apt-get install -y chromium) or set OS1_CHROMIUM. !!!")
	}
	shots := os.Getenv("OS1_SCREENSHOTS")
	if shots != "" && !filepath.IsAbs(shots) {
		shots = filepath.Join("..", "..", shots) // relative to the repository root
	}
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "os1.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	model := &testModel{}
	// The services as the app wires them (cmd/os1): memory, the
	// companion's self (naming from the embedded list, as on the offline
	// mind), wellbeing and the guard.
	detector := emotion.MustNew()
	mem := memory.New(db, memory.Options{})
	self := persona.New(persona.Options{Store: db, Memory: mem, Emotion: detector, MatchWorld: card.MatchWorld})
	wb := &wellbeing.Service{Store: db, Memories: db}
	srv := &httpapi.Server{
		Store: db,
		Engine: &companion.Engine{Store: db, Model: model, Tokens: tokens.Default, Memory: mem, Self: self,
			Wellbeing: wb, Emotion: detector, Guard: guard.New(guard.Options{})},
		Model:     os1.ModelInfo{Provider: "offline", Offline: true, Note: offlineNote},
		Page:      Handler(Options{}),
		Loopback:  true,
		Version:   "test",
		Memory:    mem,
		Self:      self,
		Wellbeing: wb,
		Cards:     cardPersona{self},
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, allocOpts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	b := &browser{t: t, ctx: bctx, shots: shots}
	// The first run starts the browser; it must not have a timeout of its own.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 860)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	start := time.Now()

	// First meeting: the setup form creates the person and shows the key once.
	b.do("open page", chromedp.Navigate(ts.URL), chromedp.WaitVisible(chromedp.ID("setup-name")))
	b.shot("setup-desktop")

	// The first load is small: document, style sheet, modules, icon and the
	// status call, as transferred.
	type weight struct {
		Bytes     float64 `json:"bytes"`
		Resources int     `json:"resources"`
		Remote    int     `json:"remote"`
	}
	w := get(b, "page weight", chromedp.Evaluate[weight](`(() => {
		const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
		return { bytes: all.reduce((n, e) => n + e.transferSize, 0), resources: all.length,
			remote: all.filter(e => !e.name.startsWith(location.origin)).length };
	})()`))
	if w.Bytes <= 0 || w.Bytes > 100<<10 || w.Remote != 0 {
		t.Errorf("first load: %+v; want under 100 KB, all from this origin", w)
	}
	t.Logf("first load: %.1f KB transferred in %d requests", w.Bytes/1024, w.Resources)

	// The Markdown subset builds elements, never markup.
	md := get(b, "markdown", chromedp.Evaluate[string](`import('/assets/markdown.js').then(m => {
		const d = document.createElement('div');
		d.append(m.render("Hi **you** and *me*\nnext\n\n- one\n- `+"`<two>`"+`\n\n1. first\n\n`+"```"+`\n<b>x</b>\n`+"```"+`\n\n<i>not</i> **<u>"))
		return [...d.querySelectorAll('*')].map(e => e.tagName.toLowerCase()).join(',') + '|' + d.textContent;
	})`, chromedp.EvalAwaitPromise))
	if want := "p,strong,em,br,ul,li,li,code,ol,li,pre,code,p|Hi you and menextone<two>first<b>x</b><i>not</i> **<u>"; md != want {
		t.Errorf("markdown rendered\n%s\nwant\n%s", md, want)
	}
	b.do("fill setup",
		chromedp.SendKeys(chromedp.ID("setup-name"), "theodore"),
		chromedp.SendKeys(chromedp.ID("setup-display"), "Theo"),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("api-key")))
	key := get(b, "read key", chromedp.Text(chromedp.ID("api-key")))
	if len(key) < 16 {
		t.Fatalf("setup showed key %q", key)
	}
	users, err := db.ListUsers(ctx)
	if err != nil || len(users) != 1 || users[0].Name != "theodore" || users[0].DisplayName != "Theo" {
		t.Fatalf("after setup, users = %v, %v", users, err)
	}
	b.shot("key-desktop")

	// The first meeting: a few questions, each skippable, then the name
	// the companion chose, which can be changed before it is accepted.
	b.do("continue to the first meeting", chromedp.Click(chromedp.ID("key-continue")), chromedp.WaitVisible(chromedp.ID("meet-answer")))
	b.waitJS("first question", `document.querySelector('#meet-title').textContent === `+jsString(persona.Questions[persona.StepAddress]))
	b.shot("meet-desktop")
	if bad := get(b, "a11y meet", chromedp.Evaluate[[]string](a11yCheck)); len(bad) != 0 {
		t.Errorf("first meeting: accessibility problems: %q", bad)
	}
	b.do("answer with Enter", chromedp.SendKeys(chromedp.ID("meet-answer"), "Theo"), pressEnter(false))
	b.waitJS("second question", `document.querySelector('#meet-title').textContent === `+jsString(persona.Questions[persona.StepHopes]))
	b.do("skip", chromedp.Click(chromedp.ID("meet-skip")))
	b.waitJS("third question", `document.querySelector('#meet-title').textContent === `+jsString(persona.Questions[persona.StepPeople]))
	b.do("answer people", chromedp.SendKeys(chromedp.ID("meet-answer"), "My sister Maya and my friend Sam."), chromedp.Click(chromedp.ID("meet-next")))
	b.waitJS("fourth question", `document.querySelector('#meet-title').textContent === `+jsString(persona.Questions[persona.StepLately]))
	b.do("skip last", chromedp.Click(chromedp.ID("meet-skip")), chromedp.WaitVisible(chromedp.ID("proposed-name")))
	first := get(b, "proposed name", chromedp.Text(chromedp.ID("proposed-name")))
	b.shot("naming-desktop")
	if bad := get(b, "a11y naming", chromedp.Evaluate[[]string](a11yCheck)); len(bad) != 0 {
		t.Errorf("first meeting: accessibility problems: %q", bad)
	}
	if b.shots != "" {
		b.do("phone for screenshot", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		b.shot("naming-phone")
		b.do("desktop again", chromedp.EmulateViewport(1280, 860))
	}
	b.do("another name", chromedp.Click(chromedp.ID("name-another")))
	b.waitJS("a different name", `(() => { const n = document.querySelector('#proposed-name'); return !!n && n.textContent !== `+jsString(first)+` && !document.querySelector('#name-accept').disabled; })()`)
	named := get(b, "second name", chromedp.Text(chromedp.ID("proposed-name")))
	b.do("accept", chromedp.Click(chromedp.ID("name-accept")), chromedp.WaitVisible(chromedp.ID("meet-done")))
	if c, err := self.Companion(ctx, users[0].ID); err != nil || c.Name != named || !c.OnboardingDone {
		t.Errorf("after the first meeting the companion is %+v, %v; want named %q (first offered %q)", c, err, named, first)
	}
	if ob, err := self.Onboarding(ctx, users[0].ID); err != nil || ob.Answers[persona.StepPeople] == "" || len(ob.Skipped) != 2 {
		t.Errorf("first meeting stored %+v, %v; want the people answer and two skips", ob, err)
	}
	b.do("start talking", chromedp.Click(chromedp.ID("meet-done")), b.ready())
	b.waitJS("the first meeting in the history, with nothing to retry", `document.querySelectorAll('#log .msg').length === 4 && !document.querySelector('#log .retry') &&
		document.querySelector('#chat-status').textContent.includes('first meeting')`)
	if with := get(b, "header name", chromedp.TextContent(chromedp.ID("with"))); with != "with "+named {
		t.Errorf("header says %q; want with %s", with, named)
	}
	ready := get(b, "time to ready", chromedp.Evaluate[float64](`performance.getEntriesByName('os1-chat-ready').pop()?.startTime ?? -1`))
	if ready < 0 {
		t.Error("the chat never marked itself ready")
	}
	b.shot("welcome-desktop")

	// The offline banner, from the model info.
	b.do("banner", chromedp.WaitVisible(chromedp.ID("offline")))
	note := get(b, "banner text", chromedp.Text(chromedp.ID("offline")))
	if !strings.Contains(note, offlineNote) || !strings.Contains(note, "without a language model") {
		t.Errorf("offline banner says %q", note)
	}

	// Enter sends; the reply streams in: a partial state is visible
	// before the model finishes.
	held, release := model.holdNext()
	defer release()
	b.do("type and press Enter", chromedp.SendKeys(chromedp.ID("composer-input"), "How are you today?"), pressEnter(false))
	select {
	case <-held:
	case <-ctx.Done():
		t.Fatal("the model was never called")
	}
	b.waitJS("partial reply shown while streaming", `(() => {
		const r = [...document.querySelectorAll('#log .msg--them')].pop();
		return !!r && r.dataset.status === 'streaming' && r.getAttribute('aria-busy') === 'true' &&
			r.textContent.includes('Hello there,') && !r.textContent.includes('from you');
	})()`)
	release()
	b.waitJS("reply complete", `(() => {
		const r = [...document.querySelectorAll('#log .msg--them')].pop();
		return r.dataset.status === 'complete' && r.querySelector('.msg__body').textContent.trim() === `+jsString(fullReply)+` &&
			r.querySelector('strong')?.textContent === 'good' && r.getAttribute('aria-busy') === 'false';
	})()`)
	b.waitJS("my message stored", `!!document.querySelector('#log .msg--me[data-id]') && document.querySelector('#composer-input').value === ''`)

	// Shift+Enter makes a new line; Enter then sends both lines.
	b.do("shift+enter",
		chromedp.SendKeys(chromedp.ID("composer-input"), "I went for a walk."),
		pressEnter(true),
		chromedp.SendKeys(chromedp.ID("composer-input"), "The sea was *calm*."))
	b.waitJS("shift+enter keeps a new line", `document.querySelector('#composer-input').value === "I went for a walk.\nThe sea was *calm*."`)
	b.do("send", pressEnter(false))
	b.waitJS("two lines rendered", `(() => {
		const me = [...document.querySelectorAll('#log .msg--me')].pop();
		return me.querySelector('br') !== null && me.querySelector('em')?.textContent === 'calm' &&
			document.querySelectorAll('#log .msg--them[data-status=complete]').length === 4;
	})()`)
	b.shot("chat-desktop")
	if b.shots != "" {
		b.do("phone for screenshot", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		b.shot("chat-phone")
		b.do("desktop again", chromedp.EmulateViewport(1280, 860))
	}

	// Markup in a message is inert text, in the person's message and in
	// the reply that echoes it.
	payload := `<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> **<img src=y onerror="window.__xss=3">** ` + "`<b>`"
	b.do("send markup", chromedp.SetValue(chromedp.ID("composer-input"), payload), chromedp.Focus(chromedp.ID("composer-input")), pressEnter(false))
	b.waitJS("markup reply complete", `document.querySelectorAll('#log .msg--them[data-status=complete]').length === 5`)
	b.wait(300 * time.Millisecond) // an image error handler would have run by now
	type xssResult struct {
		Flag     any  `json:"flag"`
		Elements int  `json:"elements"`
		MineText bool `json:"mineText"`
		Reply    bool `json:"reply"`
	}
	xss := get(b, "check markup", chromedp.Evaluate[xssResult](`({
		flag: window.__xss === undefined ? null : window.__xss,
		elements: document.querySelectorAll('#log img, #log script, #log b, #main img, body > script:not([src])').length,
		mineText: [...document.querySelectorAll('#log .msg--me')].pop().textContent.includes('<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'),
		reply: [...document.querySelectorAll('#log .msg--them')].pop().textContent.includes('<img src=y onerror="window.__xss=3">'),
	})`))
	if xss.Flag != nil || xss.Elements != 0 || !xss.MineText || !xss.Reply {
		t.Errorf("markup was not inert: %+v", xss)
	}

	// A model that is down: the reply is interrupted with its reason, the
	// message is kept, and Retry answers it.
	model.mu.Lock()
	model.failNext = 1
	model.mu.Unlock()
	b.do("send while model down", chromedp.SendKeys(chromedp.ID("composer-input"), "Are you there?"), pressEnter(false))
	b.waitJS("interrupted reply with retry", `(() => {
		const r = [...document.querySelectorAll('#log .msg--them')].pop();
		return r.dataset.status === 'interrupted' && r.querySelector('.msg__note')?.textContent.includes('not answering') &&
			!!r.querySelector('button.retry') && document.querySelector('#chat-status').textContent.includes('saved');
	})()`)
	b.shot("interrupted-desktop")
	b.do("retry", chromedp.Click(chromedp.CSS("#log button.retry")))
	b.waitJS("retried reply complete", `(() => {
		const r = [...document.querySelectorAll('#log .msg--them')].pop();
		return r.dataset.status === 'complete' && r.querySelector('.msg__body').textContent.trim() === `+jsString(fullReply)+` && !document.querySelector('#log button.retry');
	})()`)

	// A reload shows the history, as stored (the first meeting's two
	// questions and answers first). With the cache off, this is the chat
	// page's first load: its weight and its time to interactive (the
	// history loaded and the input ready).
	before := get(b, "texts before reload", chromedp.Evaluate[[]string](msgTexts))
	b.do("cache off", cacheDisabled(true))
	b.do("reload", chromedp.Reload(), b.ready())
	ready = get(b, "time to ready", chromedp.Evaluate[float64](`performance.getEntriesByName('os1-chat-ready').pop()?.startTime ?? -1`))
	cw := get(b, "chat page weight", chromedp.Evaluate[weight](`(() => {
		const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
		return { bytes: all.reduce((n, e) => n + e.transferSize, 0), resources: all.length,
			remote: all.filter(e => !e.name.startsWith(location.origin)).length };
	})()`))
	b.do("cache on", cacheDisabled(false))
	t.Logf("chat page first load (cache off): %.1f KB transferred in %d requests; interactive after %.0f ms", cw.Bytes/1024, cw.Resources, ready)
	if cw.Bytes <= 0 || cw.Bytes > 300<<10 || cw.Remote != 0 {
		t.Errorf("chat page first load: %+v; want at most 300 KB, all from this origin", cw)
	}
	if ready < 0 || ready > 1000 {
		t.Errorf("chat ready %.0f ms after navigation; want under 1 s", ready)
	}
	after := get(b, "texts after reload", chromedp.Evaluate[[]string](msgTexts))
	if strings.Join(before, "|") != strings.Join(after, "|") || len(after) != 13 {
		t.Errorf("history after reload:\n%q\nbefore:\n%q", after, before)
	}

	// At phone width nothing scrolls sideways and the input and messages
	// are on screen.
	b.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)), chromedp.Reload(), b.ready())
	type fitResult struct {
		ScrollW, ClientW          int
		InputOK, LastOK, BodyFits bool
	}
	fit := get(b, "measure phone", chromedp.Evaluate[fitResult](`(() => {
		const r = document.querySelector('#composer-input').getBoundingClientRect();
		const s = document.querySelector('#send').getBoundingClientRect();
		const m = [...document.querySelectorAll('#log .msg')].pop().getBoundingClientRect();
		const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1 && e.offsetParent !== null && !e.closest('.sr-only, .skip'));
		return {
			ScrollW: document.documentElement.scrollWidth, ClientW: document.documentElement.clientWidth,
			InputOK: r.width > 150 && r.left >= 0 && r.right <= innerWidth && r.bottom <= innerHeight && s.right <= innerWidth,
			LastOK: m.width > 0 && m.left >= 0 && m.right <= innerWidth && m.top < innerHeight,
			BodyFits: wide.length === 0,
		};
	})()`))
	if fit.ScrollW > fit.ClientW || !fit.InputOK || !fit.LastOK || !fit.BodyFits || fit.ClientW != 390 {
		t.Errorf("at 390 px: %+v", fit)
	}
	b.shot("markup-and-retry-phone")

	// Dismissing the banner.
	b.do("dismiss banner", chromedp.Click(chromedp.ID("offline-close")), chromedp.WaitNotVisible(chromedp.ID("offline")))

	// Paging: with more history than one page, "load earlier" brings back
	// the oldest messages.
	convs, err := db.ListConversations(ctx, users[0].ID, 10, 0)
	if err != nil || len(convs) != 1 {
		t.Fatalf("conversations: %v, %v", convs, err)
	}
	for i := range 40 {
		role := os1.RoleUser
		if i%2 == 1 {
			role = os1.RoleAssistant
		}
		m := &os1.Message{ConversationID: convs[0].ID, UserID: users[0].ID, Role: role, Content: fmt.Sprintf("filler %d", i), Status: os1.StatusComplete, CreatedAt: time.Now()}
		if err := db.AddMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	b.do("reload with long history", chromedp.EmulateViewport(1280, 860), chromedp.Reload(), b.ready())
	b.waitJS("one page shown", `document.querySelectorAll('#log .msg').length === 30 && !document.querySelector('#earlier').hidden`)
	b.do("load earlier", chromedp.Click(chromedp.ID("earlier")))
	b.waitJS("all history shown", `(() => {
		const all = [...document.querySelectorAll('#log .msg')];
		return all.length === 53 && all[0].textContent.includes(`+jsString(persona.Questions[persona.StepAddress])+`) && document.querySelector('#earlier').hidden;
	})()`)

	// Some weeks of earlier talk, in a conversation of their own, so that
	// the mood and wellbeing charts have a history to draw.
	past := &os1.Conversation{Title: "Earlier"}
	if err := db.CreateConversation(ctx, users[0].ID, past); err != nil {
		t.Fatal(err)
	}
	feelings := []string{"joy", "sadness", "", "joy", "fear", "joy", ""}
	for d := 26; d >= 1; d-- {
		if d%4 == 0 {
			continue // a day away
		}
		at := time.Now().AddDate(0, 0, -d).Truncate(time.Hour)
		for i := range 1 + d%3 {
			compound := 0.6*math.Sin(float64(d)/4) + 0.1*float64(i)
			m := &os1.Message{ConversationID: past.ID, UserID: users[0].ID, Role: os1.RoleUser, Content: fmt.Sprintf("day %d, note %d", d, i),
				Status: os1.StatusComplete, CreatedAt: at.Add(time.Duration(i) * 7 * time.Minute),
				Emotion: &os1.Emotion{Compound: compound, Primary: feelings[d%len(feelings)]}}
			if err := db.AddMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
	}

	// A crisis message when the model is down: the guard's reply comes
	// with the crisis lines, set apart and marked so.
	model.mu.Lock()
	model.failNext = 1
	model.mu.Unlock()
	b.do("send crisis message", chromedp.SendKeys(chromedp.ID("composer-input"), "I want to kill myself."), pressEnter(false))
	b.waitJS("crisis reply presented", `(() => {
		const r = [...document.querySelectorAll('#log .msg--them')].pop();
		return r.dataset.status === 'complete' && r.classList.contains('msg--crisis') &&
			r.querySelector('.msg__crisis[role=note]')?.textContent.includes('emergency number') &&
			r.querySelector('.msg__body').textContent.length > 40;
	})()`)
	b.shot("crisis-desktop")
	uid := users[0].ID

	// Memory: the first meeting's answers are there; a memory shows the
	// turn it came from, a fact can be corrected and a memory forgotten.
	b.do("open memory", chromedp.Click(chromedp.CSS(`#nav a[data-view=memory]`)), chromedp.WaitVisible(chromedp.CSS(`main[data-ready="true"] #memory-list .mem`)))
	facts, err := mem.List(ctx, uid, os1.KindFact)
	if err != nil || len(facts) == 0 {
		t.Fatalf("facts after the first meeting: %v, %v", facts, err)
	}
	shown := get(b, "facts shown", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#memory-list .mem')].map(e => e.dataset.id + ':' + e.querySelector('.mem__text').textContent)`))
	if len(shown) != len(facts) || shown[0] != fmt.Sprintf("%d:%s", facts[0].ID, facts[0].Text) {
		t.Errorf("memory page shows %q; the store has %+v", shown, facts)
	}
	b.shot("memory-desktop")
	b.do("sources", chromedp.Click(chromedp.CSS(`#memory-list .mem:first-of-type .mem__actions button`)))
	b.waitJS("source turn shown", `!!document.querySelector('#memory-list .mem .sources li blockquote')`)
	// Correct the first one.
	fixed := facts[0]
	b.do("correct", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#memory-list .mem[data-id="%d"] .mem__actions button:nth-child(2)`, fixed.ID))),
		chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("fix-%d", fixed.ID))),
		chromedp.SetValue(chromedp.ID(fmt.Sprintf("fix-%d", fixed.ID)), "Theo's sister Maya lives by the sea."),
		chromedp.Click(chromedp.CSS(`form.fix button[type=submit]`)))
	b.waitJS("corrected", `[...document.querySelectorAll('#memory-list .mem__text')].some(e => e.textContent.includes("Theo's sister Maya lives by the sea.")) && document.querySelector('#memory-status').textContent.startsWith('Corrected')`)
	if items, _ := mem.List(ctx, uid, os1.KindFact); !slices.ContainsFunc(items, func(it os1.MemoryItem) bool {
		return it.Current && strings.Contains(it.Text, "Theo's sister Maya lives by the sea.")
	}) {
		t.Errorf("the correction is not stored: %+v", items)
	}
	facts, _ = mem.List(ctx, uid, os1.KindFact)
	// Forget the last one shown.
	victim := facts[len(facts)-1]
	sel := fmt.Sprintf(`#memory-list .mem[data-id="%d"]`, victim.ID)
	b.do("forget", chromedp.Click(chromedp.CSS(sel+` button.forget`)), chromedp.WaitVisible(chromedp.CSS(sel+` .confirm-forget`)),
		chromedp.Click(chromedp.CSS(sel+` .confirm-forget`)))
	b.waitJS("forgotten", `!document.querySelector(`+jsString(sel)+`) && document.querySelector('#memory-status').textContent.includes('Forgotten')`)
	after2, err := mem.List(ctx, uid, os1.KindFact)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range after2 {
		if f.ID == victim.ID && f.Current {
			t.Errorf("fact %d is still remembered after Forget: %+v", victim.ID, f)
		}
	}
	// Search finds what was said.
	b.do("search", chromedp.SendKeys(chromedp.ID("memory-q"), "walk"), pressEnter(false))
	b.waitJS("search results", `(() => { const n = document.querySelector('#search-count'); return !!n && [...document.querySelectorAll('#memory-list .mem__text')].some(e => e.textContent.includes('walk')); })()`)
	// A turn found by search carries its message's id.
	msgs, err := db.ListMessages(ctx, uid, convs[0].ID, os1.MessageFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	walkID := int64(0)
	for _, m := range msgs {
		if m.Role == os1.RoleUser && strings.HasPrefix(m.Content, "I went for a walk.") {
			walkID = m.ID
		}
	}
	b.waitJS("turn result has the message id", fmt.Sprintf(`!!document.querySelector('#memory-list .mem[data-kind=turn][data-id="%d"] button.forget')`, walkID))
	// A fact found by search carries its id and can be corrected from there.
	var seaFact os1.MemoryItem
	for _, f := range after2 {
		if f.Current && strings.Contains(f.Text, "lives by the sea") {
			seaFact = f
		}
	}
	if seaFact.ID == 0 {
		t.Fatalf("no current corrected fact among %+v", after2)
	}
	found := fmt.Sprintf(`#memory-list .mem[data-kind=fact][data-id="%d"]`, seaFact.ID)
	b.do("search facts", chromedp.SetValue(chromedp.ID("memory-q"), "sister sea"), chromedp.Click(chromedp.CSS(`form.search button`)),
		chromedp.WaitVisible(chromedp.CSS(found+` button.forget`)))
	b.do("correct from search", chromedp.Click(chromedp.CSS(found+` .mem__actions button:nth-child(2)`)),
		chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("fix-%d", seaFact.ID))),
		chromedp.SetValue(chromedp.ID(fmt.Sprintf("fix-%d", seaFact.ID)), "Theo's sister Maya lives by the sea in Brighton."),
		chromedp.Click(chromedp.CSS(`form.fix button[type=submit]`)))
	b.waitJS("corrected from search", `document.querySelector('#memory-status').textContent.startsWith('Corrected') && !!document.querySelector('#search-count') &&
		[...document.querySelectorAll('#memory-list .mem[data-kind=fact] .mem__text')].some(e => e.textContent.includes('Brighton'))`)
	if items, _ := mem.List(ctx, uid, os1.KindFact); !slices.ContainsFunc(items, func(it os1.MemoryItem) bool {
		return it.Current && strings.Contains(it.Text, "Brighton")
	}) || slices.ContainsFunc(items, func(it os1.MemoryItem) bool { return it.ID == seaFact.ID && it.Current }) {
		t.Errorf("the correction made from search is not stored: %+v", items)
	}
	// And forgotten from there.
	var brighton os1.MemoryItem
	items, _ := mem.List(ctx, uid, os1.KindFact)
	for _, it := range items {
		if it.Current && strings.Contains(it.Text, "Brighton") {
			brighton = it
		}
	}
	found = fmt.Sprintf(`#memory-list .mem[data-kind=fact][data-id="%d"]`, brighton.ID)
	b.do("forget from search", chromedp.Click(chromedp.CSS(found+` button.forget`)), chromedp.WaitVisible(chromedp.CSS(found+` .confirm-forget`)),
		chromedp.Click(chromedp.CSS(found+` .confirm-forget`)))
	b.waitJS("forgotten from search", `!document.querySelector(`+jsString(found)+`) && document.querySelector('#memory-status').textContent.includes('Forgotten')`)
	if items, _ := mem.List(ctx, uid, os1.KindFact); slices.ContainsFunc(items, func(it os1.MemoryItem) bool { return it.ID == brighton.ID && it.Current }) {
		t.Errorf("fact %d forgotten from search is still remembered: %+v", brighton.ID, items)
	}
	// Markup remembered from the chat is shown as text here too.
	b.do("search markup", chromedp.SetValue(chromedp.ID("memory-q"), "xss onerror"), chromedp.Click(chromedp.CSS(`form.search button`)))
	b.waitJS("markup found as text", `[...document.querySelectorAll('#memory-list .mem__text')].some(e => e.textContent.includes('<script>window.__xss=1</script>'))`)
	if n := get(b, "inert", chromedp.Evaluate[int](`document.querySelectorAll('#main img, #main script').length + (window.__xss === undefined ? 0 : 100)`)); n != 0 {
		t.Errorf("markup in a memory was not inert: %d", n)
	}
	// People: who they are and when they last came up.
	b.do("people tab", chromedp.Click(chromedp.ID("tab-people")))
	b.waitJS("people listed", `[...document.querySelectorAll('#memory-list .mem__person')].some(e => e.textContent.includes('Maya')) && document.querySelector('#memory-list .mem__meta').textContent.startsWith('Last mentioned')`)
	b.shot("people-desktop")

	// The companion: name, traits chart, journal; freezing growth and
	// going back to an earlier version.
	b.do("open companion", chromedp.Click(chromedp.CSS(`#nav a[data-view=companion]`)), chromedp.WaitVisible(chromedp.CSS(`main[data-ready="true"] #journal-list`)))
	b.waitJS("companion shown", `document.querySelector('#companion-name').textContent === `+jsString(named)+` &&
		document.querySelectorAll('#traits-chart .traits__bar').length === 5 && document.querySelectorAll('#journal-list .journal__item').length >= 2 &&
		document.querySelector('#journal-list .journal__item--now .badge') !== null`)
	b.shot("companion-desktop")
	b.do("freeze growth", chromedp.Click(chromedp.ID("growth-frozen")))
	b.waitJS("frozen", `document.querySelector('#companion-status').textContent.includes('frozen')`)
	if c, err := self.Companion(ctx, uid); err != nil || !c.GrowthFrozen {
		t.Errorf("growth not frozen: %+v, %v", c, err)
	}
	// An edit in the page: more open, a new interest; then go back.
	b.do("edit persona", chromedp.Click(chromedp.CSS(`details.edit summary`)), chromedp.WaitVisible(chromedp.ID("trait-openness")),
		chromedp.SetValue(chromedp.ID("trait-openness"), "90"),
		chromedp.SetValue(chromedp.ID("edit-reason"), "More open."))
	b.do("add interest", chromedp.Click(chromedp.ID("edit-interests")), chromedp.KeyEvent(kb.End), chromedp.SendKeys(chromedp.ID("edit-interests"), "\nthe sea"),
		chromedp.Click(chromedp.ID("edit-save")))
	b.waitJS("edited", `document.querySelector('#companion-status').textContent.startsWith('Saved as version') && !!document.querySelector('main[data-ready="true"] #journal-list button.revert')`)
	if c, err := self.Companion(ctx, uid); err != nil || c.Persona.Traits == nil || c.Persona.Traits.Openness != 0.9 || !slices.Contains(c.Persona.Interests, "the sea") {
		t.Errorf("after editing, the persona is %+v, %v", c, err)
	}
	if n := get(b, "openness bar", chromedp.Evaluate[string](`document.querySelector('#traits-chart .traits__bar[data-trait=openness]').nextElementSibling.textContent`)); n != "90" {
		t.Errorf("the traits chart shows openness %q after the edit", n)
	}
	versions, _ := self.Versions(ctx, uid, 100)
	b.do("revert", chromedp.Click(chromedp.CSS(`#journal-list button.revert`)))
	b.waitJS("reverted", `document.querySelector('#companion-status').textContent.startsWith('Back to version') && !!document.querySelector('main[data-ready="true"] #card-file')`)
	if after, _ := self.Versions(ctx, uid, 100); len(after) != len(versions)+1 || after[0].Kind != persona.KindRevert {
		t.Errorf("after revert the journal has %d versions (newest %+v); want one more, a revert", len(after), after[0])
	}

	// A character card: import one (a new journal version), export it.
	const cardDesc = `Warm and curious. <img src=x onerror="window.__xss=4">`
	cardFile := filepath.Join(t.TempDir(), "samantha.json")
	if err := os.WriteFile(cardFile, []byte(`{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Samantha","description":"Warm and curious. <img src=x onerror=\"window.__xss=4\">","personality":"playful, thoughtful","scenario":"","first_mes":"Hi.","mes_example":"","tags":[],"creator":"","character_version":"1","extensions":{}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	beforeCard, _ := self.Versions(ctx, uid, 100)
	b.do("import card", chromedp.SetUploadFiles(chromedp.ID("card-file"), []string{cardFile}), chromedp.Click(chromedp.CSS(`form.card-import button[type=submit]`)))
	b.waitJS("card imported", `document.querySelector('#companion-status').textContent.startsWith('Imported') && !!document.querySelector('main[data-ready="true"] #card-export')`)
	if after, _ := self.Versions(ctx, uid, 100); len(after) != len(beforeCard)+1 || !strings.HasPrefix(after[0].Reason, "Imported") || after[0].Persona.Description != cardDesc {
		t.Errorf("after importing a card the journal has %d versions (was %d), newest %+v", len(after), len(beforeCard), after[0])
	}
	b.waitJS("card text shown inert", `[...document.querySelectorAll('#companion-about p')].some(p => p.textContent === `+jsString(cardDesc)+`)`)
	b.wait(200 * time.Millisecond)
	if n := get(b, "card inert", chromedp.Evaluate[int](`document.querySelectorAll('#main img').length + (window.__xss === undefined ? 0 : 100)`)); n != 0 {
		t.Errorf("markup in an imported card was not inert: %d", n)
	}
	cardDir := t.TempDir()
	b.do("export card", allowDownloads(cardDir), chromedp.WaitVisible(chromedp.ID("card-export")), chromedp.Click(chromedp.ID("card-export")))
	var exported struct {
		Spec string `json:"spec"`
		Data struct {
			Description string `json:"description"`
		} `json:"data"`
	}
	if err := json.Unmarshal(waitDownload(t, cardDir, ".json"), &exported); err != nil || !strings.HasPrefix(exported.Spec, "chara_card_v") || exported.Data.Description != cardDesc {
		t.Errorf("exported card: %+v, %v", exported, err)
	}

	// Mood: one dot a day with a mood, as the service counts them.
	b.do("open mood", chromedp.Click(chromedp.CSS(`#nav a[data-view=mood]`)), chromedp.WaitVisible(chromedp.CSS(`main[data-ready="true"] #mood-chart`)))
	moodDays, err := self.Mood(ctx, uid, 30, time.Local)
	if err != nil {
		t.Fatal(err)
	}
	scoredDays := 0
	for _, d := range moodDays {
		if d.Scored > 0 {
			scoredDays++
		}
	}
	if dots := get(b, "mood dots", chromedp.Evaluate[int](`document.querySelectorAll('#mood-chart .mood__dot').length`)); dots != scoredDays || scoredDays == 0 {
		t.Errorf("mood chart has %d dots; the service has %d days with a mood", dots, scoredDays)
	}
	b.shot("mood-desktop")

	// Wellbeing: the weeks chart and the time budget.
	b.do("open wellbeing", chromedp.Click(chromedp.CSS(`#nav a[data-view=wellbeing]`)))
	b.waitJS("wellbeing shown", `!!document.querySelector('main[data-view=wellbeingView][data-ready="true"] #weeks-chart .weeks__bar')`)
	b.shot("wellbeing-desktop")
	b.do("draft a note", chromedp.Click(chromedp.CSS(`#wb-people .draft-btn`)))
	b.waitJS("draft shown", `(document.querySelector('#wb-people .draft__text')?.value || '').includes('Maya')`)
	b.do("set budget and romance", chromedp.SetValue(chromedp.ID("wb-budget"), "45"), chromedp.Click(chromedp.ID("wb-romance")), chromedp.Click(chromedp.ID("wb-save")))
	b.waitJS("saved", `document.querySelector('#wellbeing-status').textContent === 'Saved.'`)
	if st, err := wb.Settings(ctx, uid); err != nil || st.BudgetMinutes != 45 || !st.Romance {
		t.Errorf("budget and romance after saving: %+v, %v", st, err)
	}

	// Settings: the model's status, and the export downloads a valid archive.
	downloads := t.TempDir()
	b.do("open settings", chromedp.Click(chromedp.CSS(`#nav a[data-view=settings]`)), chromedp.WaitVisible(chromedp.CSS(`main[data-ready="true"] #model-status`)),
		allowDownloads(downloads))
	b.do("change how I am addressed", chromedp.SetValue(chromedp.ID("display-name"), "Teddy"), chromedp.Click(chromedp.ID("display-save")))
	b.waitJS("display name saved", `document.querySelector('#who').textContent === 'Signed in as Teddy'`)
	if u, err := db.FindUserByID(ctx, uid); err != nil || u.DisplayName != "Teddy" {
		t.Errorf("display name after saving: %+v, %v", u, err)
	}
	if st := get(b, "model status", chromedp.Text(chromedp.ID("model-status"))); !strings.Contains(st, "Offline") {
		t.Errorf("model status says %q", st)
	}
	// API keys: one made in the page is shown once, works over HTTP, and
	// stops working once revoked in the page.
	b.do("create a key", chromedp.SendKeys(chromedp.ID("key-label"), "terminal on my laptop"), chromedp.Click(chromedp.ID("key-create")),
		chromedp.WaitVisible(chromedp.ID("key-new")))
	newKey := get(b, "read the new key", chromedp.Text(chromedp.ID("key-new")))
	stored, err := db.ListAPIKeys(ctx, uid)
	if err != nil || len(stored) != 2 || stored[1].Label != "terminal on my laptop" || !strings.HasPrefix(newKey, stored[1].Prefix) {
		t.Fatalf("keys after creating one in the page: %+v, %v (page shows %q)", stored, err, newKey)
	}
	keyItem := fmt.Sprintf(`#key-list li[data-id="%d"]`, stored[1].ID)
	b.waitJS("new key listed", `document.querySelectorAll('#key-list li').length === 2 && document.querySelector(`+jsString(keyItem)+`).textContent.includes('terminal on my laptop') &&
		!document.querySelector('#key-list').textContent.includes(`+jsString(newKey)+`)`)
	if st := keyStatus(t, ts.URL, newKey); st != http.StatusOK {
		t.Fatalf("GET /api/v1/me with the key made in the page: status %d", st)
	}
	b.shot("settings-desktop")
	b.do("revoke the key", chromedp.Click(chromedp.CSS(keyItem+` .key-revoke`)), chromedp.WaitVisible(chromedp.CSS(keyItem+` .key-revoke-confirm`)),
		chromedp.Click(chromedp.CSS(keyItem+` .key-revoke-confirm`)))
	b.waitJS("key revoked", `!document.querySelector(`+jsString(keyItem)+`) && !document.querySelector('#key-new') &&
		document.querySelector('#settings-status').textContent.includes('revoked')`)
	if st := keyStatus(t, ts.URL, newKey); st != http.StatusUnauthorized {
		t.Fatalf("GET /api/v1/me with the revoked key: status %d, want 401", st)
	}
	if st := keyStatus(t, ts.URL, key); st != http.StatusOK {
		t.Fatalf("the key from setup stopped working: status %d", st)
	}
	b.do("export", chromedp.Click(chromedp.ID("export-json")))
	arch := waitDownload(t, downloads, ".json")
	if a, err := archive.Decode(bytes.NewReader(arch), 0); err != nil || a.Person.User.Name != "theodore" || len(a.Person.Messages) < 50 {
		t.Errorf("exported archive (%d bytes) does not decode as this person's: %v", len(arch), err)
	}

	// Every main page at phone width: nothing scrolls sideways.
	b.do("phone pages", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	for _, view := range []string{"memory", "companion", "mood", "wellbeing", "settings", "chat"} {
		b.do("phone "+view, chromedp.Click(chromedp.CSS(`#nav a[data-view=`+view+`]`)), chromedp.WaitVisible(chromedp.CSS(`main[data-view=`+view+`View][data-ready="true"]`)))
		b.wait(150 * time.Millisecond)
		type pageFit struct {
			ScrollW, ClientW int
			Wide             []string
		}
		f := get(b, "fit "+view, chromedp.Evaluate[pageFit](`(() => {
			const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1 && e.offsetParent !== null && !e.closest('.sr-only, .skip'));
			return { ScrollW: document.documentElement.scrollWidth, ClientW: document.documentElement.clientWidth, Wide: wide.slice(0, 5).map(e => e.tagName + '.' + e.className) };
		})()`))
		if f.ScrollW > f.ClientW || len(f.Wide) != 0 || f.ClientW != 390 {
			t.Errorf("%s at 390 px: %+v", view, f)
		}
		if bad := get(b, "a11y "+view, chromedp.Evaluate[[]string](a11yCheck)); len(bad) != 0 {
			t.Errorf("%s: accessibility problems: %q", view, bad)
		}
		if view == "chat" {
			// Loaded from the history, the crisis reply is still set apart.
			b.waitJS("crisis reply from history", `[...document.querySelectorAll('#log .msg--them')].pop().classList.contains('msg--crisis')`)
			b.shot("crisis-phone") // chat-phone was taken mid-conversation
		} else {
			b.shot(view + "-phone")
		}
		if view == "settings" && b.shots != "" {
			b.do("scroll to the keys", chromedp.ScrollIntoView(chromedp.ID("keys")))
			b.shot("keys-phone")
		}
	}
	b.do("desktop", chromedp.EmulateViewport(1280, 860))

	// Sign out, then sign in again with the key shown at setup.
	b.do("sign out", chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("signin-key")))
	b.do("phone sign-in", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	b.shot("signin-phone")
	if bad := get(b, "a11y sign-in", chromedp.Evaluate[[]string](a11yCheck)); len(bad) != 0 {
		t.Errorf("sign-in: accessibility problems: %q", bad)
	}
	b.do("wrong key",
		chromedp.SendKeys(chromedp.ID("signin-name"), "theodore"),
		chromedp.SendKeys(chromedp.ID("signin-key"), "not-the-key"), pressEnter(false),
		chromedp.WaitVisible(chromedp.CSS(".form-error")))
	b.do("right key",
		chromedp.SetValue(chromedp.ID("signin-key"), key),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		b.ready())
	if who := get(b, "signed in", chromedp.TextContent(chromedp.ID("who"))); !strings.Contains(who, "Teddy") {
		t.Errorf("after signing in again the header says %q", who)
	}

	// Goodbye: a letter, an explicit confirmation, and everything is gone.
	b.do("desktop for goodbye", chromedp.EmulateViewport(1280, 860))
	b.do("open settings again", chromedp.Click(chromedp.CSS(`#nav a[data-view=settings]`)), chromedp.WaitVisible(chromedp.ID("goodbye-start")))
	b.do("say goodbye", chromedp.Click(chromedp.ID("goodbye-start")), chromedp.WaitVisible(chromedp.ID("goodbye-letter")))
	b.do("not confirmed", chromedp.Click(chromedp.ID("goodbye-delete")), chromedp.WaitVisible(chromedp.CSS(`.goodbye-confirm .form-error`)))
	if n, _ := db.CountUsers(ctx); n != 1 {
		t.Fatalf("deleted without confirmation: %d people left", n)
	}
	b.shot("goodbye-desktop")
	b.do("confirm", chromedp.SendKeys(chromedp.ID("goodbye-confirm-text"), "delete"), chromedp.Click(chromedp.ID("goodbye-delete")),
		chromedp.WaitVisible(chromedp.ID("goodbye-done")))
	if n, err := db.CountUsers(ctx); err != nil || n != 0 {
		t.Errorf("after goodbye %d people remain (%v)", n, err)
	}
	b.do("back to a fresh start", chromedp.WaitVisible(chromedp.ID("setup-name")))
	t.Logf("browser flow took %s", time.Since(start).Round(time.Millisecond))
}

// a11yCheck lists problems on the page: form fields without a label,
// buttons and links without a name, and text whose contrast with its
// background is below WCAG AA (4.5:1, or 3:1 for large text).
const a11yCheck = `(() => {
	const bad = [];
	const visible = (e) => e.offsetParent !== null || e.getClientRects().length > 0;
	for (const e of document.querySelectorAll('input:not([type=hidden]), textarea, select')) {
		if (visible(e) && !e.labels?.length && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby')) bad.push('unlabelled ' + (e.id || e.name || e.type));
	}
	for (const e of document.querySelectorAll('button, a[href]')) {
		if (visible(e) && !e.textContent.trim() && !e.getAttribute('aria-label')) bad.push('nameless ' + e.outerHTML.slice(0, 60));
	}
	const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
	const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
	const page = rgb(getComputedStyle(document.documentElement).getPropertyValue('--bg').trim().replace(/^#(..)(..)(..)$/, (_, a, b, c) => 'rgb(' + [a, b, c].map(x => parseInt(x, 16)).join(',') + ')'));
	const bgOf = (e) => {
		for (let n = e; n && n !== document.documentElement; n = n.parentElement) {
			const c = rgb(getComputedStyle(n).backgroundColor);
			if (c.length === 3 || (c.length === 4 && c[3] >= 0.95)) return c.slice(0, 3);
		}
		return page;
	};
	for (const e of document.querySelectorAll('body *')) {
		if (!visible(e) || e.closest('svg, .sr-only, .skip, [disabled]')) continue;
		if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
		const st = getComputedStyle(e);
		if (st.visibility === 'hidden' || Number(st.opacity) < 0.9) continue;
		const fg = rgb(st.color).slice(0, 3), bg = bgOf(e);
		const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
		const ratio = (l1 + 0.05) / (l2 + 0.05);
		const size = parseFloat(st.fontSize), bold = Number(st.fontWeight) >= 700;
		const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
		if (ratio < need) bad.push(e.tagName + '.' + e.className + ' ' + ratio.toFixed(2) + ': ' + e.textContent.trim().slice(0, 30));
	}
	return bad.slice(0, 8);
})()`

// cardPersona is the persona service as the card routes use it.
type cardPersona struct{ s *persona.Service }

func (c cardPersona) Persona(ctx context.Context, userID int64) (*os1.Persona, error) {
	return c.s.Persona(ctx, userID)
}

func (c cardPersona) SetPersona(ctx context.Context, userID int64, p *os1.Persona, reason string) error {
	_, err := c.s.SetPersona(ctx, userID, p, reason)
	return err
}

// cacheDisabled turns the browser's HTTP cache off or on.
func cacheDisabled(off bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: off})
		return err
	})
}

// allowDownloads saves downloads into dir.
func allowDownloads(dir string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	})
}

// waitDownload waits for a finished download ending in ext in dir and
// returns its bytes.
func waitDownload(t *testing.T, dir, ext string) []byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ext) {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err == nil && len(b) > 0 {
					return b
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %s download in %s after 10s", ext, dir)
	return nil
}

// pressEnter presses Enter (with Shift) on the focused element the way a
// keyboard does: one keyDown carrying the text, so that the page's
// preventDefault stops the new line, then keyUp.
func pressEnter(shift bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		var mods int64
		if shift {
			mods = int64(chromedp.ModifierShift)
		}
		down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: "Enter", Code: "Enter",
			WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13, Text: "\r", UnmodifiedText: "\r", Modifiers: mods}
		if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, down); err != nil {
			return err
		}
		up := down
		up.Type, up.Text, up.UnmodifiedText = input.DispatchKeyEventTypeKeyUp, "", ""
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, up)
		return err
	})
}

const msgTexts = `[...document.querySelectorAll('#log .msg')].map(m => m.dataset.status + ':' + m.querySelector('.msg__body').textContent)`

func jsString(s string) string { return fmt.Sprintf("%q", s) }

// keyStatus is the status of GET /api/v1/me with key as a bearer token.
func keyStatus(t *testing.T, base, key string) int {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/api/v1/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET /api/v1/me with a key: %v", err)
	}
	res.Body.Close()
	return res.StatusCode
}

// browser runs chromedp steps, failing the test with the step's name.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
}

// get runs an action that reads a value.
func get[T any](b *browser, step string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
	return v
}

// ready waits until the chat view has loaded its conversation.
func (b *browser) ready() chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(`main[data-ready="true"] #composer-input`))
}

// waitJS polls expr until it is true.
func (b *browser) waitJS(step, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) || errors.Is(b.ctx.Err(), context.DeadlineExceeded) {
			html, _ := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.ID("main")))
			b.t.Fatalf("%s: still false after 10s (err %v); page:\n%s", step, err, html)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *browser) wait(d time.Duration) { b.do("wait", chromedp.Sleep(d)) }

// shot saves a PNG of the viewport when screenshots were asked for.
func (b *browser) shot(name string) {
	b.t.Helper()
	if b.shots == "" {
		return
	}
	b.do("settle", chromedp.Sleep(250*time.Millisecond))
	png := get(b, "screenshot "+name, chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
