package webui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"net/http/httptest"

	"os1/internal/companion"
	"os1/internal/httpapi"
	"os1/internal/os1"
	"os1/internal/sqlite"
	"os1/internal/tokens"
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
	srv := &httpapi.Server{
		Store:    db,
		Engine:   &companion.Engine{Store: db, Model: model, Tokens: tokens.Default},
		Model:    os1.ModelInfo{Provider: "offline", Offline: true, Note: offlineNote},
		Page:     Handler(Options{}),
		Loopback: true,
		Version:  "test",
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
	b.do("continue", chromedp.Click(chromedp.ID("key-continue")), b.ready())
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
		const r = document.querySelector('#log .msg--them');
		return !!r && r.dataset.status === 'streaming' && r.getAttribute('aria-busy') === 'true' &&
			r.textContent.includes('Hello there,') && !r.textContent.includes('from you');
	})()`)
	release()
	b.waitJS("reply complete", `(() => {
		const r = document.querySelector('#log .msg--them');
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
			document.querySelectorAll('#log .msg--them[data-status=complete]').length === 2;
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
	b.waitJS("markup reply complete", `document.querySelectorAll('#log .msg--them[data-status=complete]').length === 3`)
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

	// A reload shows the history, as stored.
	before := get(b, "texts before reload", chromedp.Evaluate[[]string](msgTexts))
	b.do("reload", chromedp.Reload(), b.ready())
	ready = get(b, "time to ready", chromedp.Evaluate[float64](`performance.getEntriesByName('os1-chat-ready').pop()?.startTime ?? -1`))
	t.Logf("reload to chat ready (history loaded): %.0f ms", ready)
	if ready < 0 || ready > 1000 {
		t.Errorf("chat ready %.0f ms after navigation; want under 1 s", ready)
	}
	after := get(b, "texts after reload", chromedp.Evaluate[[]string](msgTexts))
	if strings.Join(before, "|") != strings.Join(after, "|") || len(after) != 9 {
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
		return all.length === 49 && all[0].textContent.includes('How are you today?') && document.querySelector('#earlier').hidden;
	})()`)

	// Sign out, then sign in again with the key shown at setup.
	b.do("sign out", chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("signin-key")))
	b.do("phone sign-in", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	b.shot("signin-phone")
	b.do("wrong key",
		chromedp.SendKeys(chromedp.ID("signin-name"), "theodore"),
		chromedp.SendKeys(chromedp.ID("signin-key"), "not-the-key"), pressEnter(false),
		chromedp.WaitVisible(chromedp.CSS(".form-error")))
	b.do("right key",
		chromedp.SetValue(chromedp.ID("signin-key"), key),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		b.ready())
	if who := get(b, "signed in", chromedp.TextContent(chromedp.ID("who"))); !strings.Contains(who, "Theo") {
		t.Errorf("after signing in again the header says %q", who)
	}
	t.Logf("browser flow took %s", time.Since(start).Round(time.Millisecond))
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
