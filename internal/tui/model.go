package tui

import (
	"context"
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"os1/api"
	"os1/internal/os1"
)

// OfflineBanner is shown when the server talks through the offline mind.
const OfflineBanner = "offline mind — no language model connected; see `os1 serve --help`"

// RetryHint follows every error shown.
const RetryHint = "press Ctrl+R to retry"

const (
	inputHeight   = 3
	defaultWidth  = 80
	defaultHeight = 24
)

// eventMsg carries one event of turn number turn.
type eventMsg struct {
	turn int
	ev   api.Event
}

// turnEndMsg says that turn number turn has ended, with err when it failed.
type turnEndMsg struct {
	turn int
	err  error
}

// entry is one block of the transcript.
type entry struct {
	id      int64
	role    string // os1.RoleUser or os1.RoleAssistant
	content string
	status  string
	reason  string // why an interrupted reply stopped

	renderedW int // width of rendered; 0: not rendered
	rendered  string
}

func (e *entry) touch() { e.renderedW = 0 }

// model is the bubbletea model of the chat.
type model struct {
	ctx     context.Context
	backend Backend
	me      *api.Me

	entries []*entry
	vp      viewport.Model
	input   textarea.Model
	width   int
	height  int

	turn      int          // number of the latest turn
	streaming bool         // a turn is running
	events    chan tea.Msg // the running turn's messages
	cancel    func()       // cancels the running turn
	reply     *entry       // the reply being written
	pending   *entry       // the person's message not yet confirmed stored
	errShown  bool         // the running turn has reported an error event
	failure   string       // the last failure, shown with RetryHint
	quitting  bool
	inline    bool // drawn in the normal screen: the last view stays after quitting
}

func newModel(ctx context.Context, b Backend, me *api.Me, history []api.Message) *model {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = "┃ "
	ta.Placeholder = "Write to " + companionName(me) + "…"
	ta.FocusedStyle.CursorLine = lipgloss.NewStyle()
	ta.FocusedStyle.Prompt = styleInputFocus
	ta.KeyMap.InsertNewline = key.NewBinding(key.WithKeys("alt+enter", "ctrl+j"))
	ta.SetHeight(inputHeight)
	ta.Focus()

	m := &model{ctx: ctx, backend: b, me: me, input: ta, vp: viewport.New(defaultWidth, 1)}
	m.vp.KeyMap = viewport.KeyMap{} // keys go to the input; scrolling is handled here
	for _, msg := range history {
		m.entries = append(m.entries, &entry{id: msg.ID, role: msg.Role, content: msg.Content, status: msg.Status, reason: msg.Error})
	}
	m.resize(defaultWidth, defaultHeight)
	m.vp.GotoBottom()
	return m
}

func companionName(me *api.Me) string {
	if me == nil || me.Companion.Name == "" {
		return os1.DefaultCompanionName
	}
	return me.Companion.Name
}

// Init implements tea.Model.
func (m *model) Init() tea.Cmd { return textarea.Blink }

// Update implements tea.Model.
func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, nil
	case tea.KeyMsg:
		return m.key(msg)
	case tea.MouseMsg:
		var cmd tea.Cmd
		m.vp, cmd = m.vp.Update(msg)
		return m, cmd
	case eventMsg:
		if msg.turn != m.turn {
			return m, nil
		}
		m.apply(msg.ev)
		m.refresh()
		return m, m.wait()
	case turnEndMsg:
		if msg.turn != m.turn {
			return m, nil
		}
		m.end(msg.err)
		m.refresh()
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

func (m *model) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case msg.Type == tea.KeyCtrlC || msg.Type == tea.KeyEsc:
		m.stop()
		m.quitting = true
		return m, tea.Quit
	case msg.Type == tea.KeyEnter && !msg.Alt && !msg.Paste:
		return m, m.send()
	case msg.Type == tea.KeyCtrlR:
		return m, m.retry()
	case msg.Type == tea.KeyPgUp:
		m.vp.HalfPageUp()
		return m, nil
	case msg.Type == tea.KeyPgDown:
		m.vp.HalfPageDown()
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.layout() // the input may have grown a line
	return m, cmd
}

// send starts a turn with the input's text.
func (m *model) send() tea.Cmd {
	content := strings.TrimSpace(m.input.Value())
	if content == "" || m.streaming {
		return nil
	}
	m.input.Reset()
	m.pending = &entry{role: os1.RoleUser, content: content, status: api.StatusComplete}
	m.entries = append(m.entries, m.pending)
	b := m.backend
	return m.start(func(ctx context.Context, fn func(api.Event) error) error {
		return b.Send(ctx, content, fn)
	})
}

// retry starts a turn that answers the last message again.
func (m *model) retry() tea.Cmd {
	if m.streaming || !m.canRetry() {
		return nil
	}
	b := m.backend
	return m.start(b.Retry)
}

// canRetry reports whether the last turn lacks a complete reply: it failed,
// or the transcript ends with the person's message or an interrupted reply.
func (m *model) canRetry() bool {
	if m.failure != "" {
		return true
	}
	if len(m.entries) == 0 {
		return false
	}
	last := m.entries[len(m.entries)-1]
	return last.role == os1.RoleUser || last.status == api.StatusInterrupted
}

// start runs a turn in a goroutine that feeds m.events, and returns the
// command that waits for its first message.
func (m *model) start(run func(context.Context, func(api.Event) error) error) tea.Cmd {
	m.turn++
	m.streaming, m.errShown, m.failure, m.reply = true, false, "", nil
	ctx, cancel := context.WithCancel(m.ctx)
	ch := make(chan tea.Msg, 64)
	m.events, m.cancel = ch, cancel
	turn := m.turn
	go func() {
		defer close(ch)
		err := run(ctx, func(ev api.Event) error {
			select {
			case ch <- eventMsg{turn: turn, ev: ev}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		select {
		case ch <- turnEndMsg{turn: turn, err: err}:
		case <-ctx.Done():
		}
	}()
	m.layout()
	m.refresh()
	m.vp.GotoBottom()
	return m.wait()
}

// wait returns the command that delivers the running turn's next message.
func (m *model) wait() tea.Cmd {
	ch := m.events
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

// stop cancels the running turn, if any.
func (m *model) stop() {
	if m.cancel != nil {
		m.cancel()
	}
}

// apply folds one event into the transcript.
func (m *model) apply(ev api.Event) {
	switch ev.Type {
	case api.EventMessage:
		if ev.Message == nil {
			return
		}
		if m.pending != nil {
			m.pending.id, m.pending.content = ev.Message.ID, ev.Message.Content
			m.pending.touch()
			m.pending = nil
		} else if m.find(ev.Message.ID) == nil {
			m.entries = append(m.entries, fromMessage(ev.Message))
		}
	case api.EventReply:
		m.replyEntry(ev.Message)
	case api.EventDelta:
		e := m.replyEntry(nil)
		e.content += ev.Delta
		e.touch()
	case api.EventDone:
		e := m.replyEntry(ev.Message)
		e.status = api.StatusComplete
		e.touch()
	case api.EventError:
		m.errShown = true
		m.failure = "the reply failed"
		if ev.Error != nil && ev.Error.Message != "" {
			m.failure = ev.Error.Message
		}
		if ev.Message != nil || m.reply != nil {
			e := m.replyEntry(ev.Message)
			e.status = api.StatusInterrupted
			e.touch()
		}
		m.layout()
	}
}

// replyEntry returns the reply being written, creating it when needed, and
// updates it from msg when msg is not nil.
func (m *model) replyEntry(msg *api.Message) *entry {
	if m.reply == nil {
		if msg != nil {
			m.reply = m.find(msg.ID)
		}
		if m.reply == nil {
			m.reply = &entry{role: os1.RoleAssistant, status: api.StatusStreaming}
			m.entries = append(m.entries, m.reply)
		}
	}
	if msg != nil {
		m.reply.id = msg.ID
		if msg.Content != "" || msg.Status != api.StatusStreaming {
			m.reply.content = msg.Content
		}
		if msg.Status != "" {
			m.reply.status = msg.Status
		}
		m.reply.reason = msg.Error
		m.reply.touch()
	}
	return m.reply
}

func (m *model) find(id int64) *entry {
	if id == 0 {
		return nil
	}
	for _, e := range m.entries {
		if e.id == id {
			return e
		}
	}
	return nil
}

func fromMessage(msg *api.Message) *entry {
	return &entry{id: msg.ID, role: msg.Role, content: msg.Content, status: msg.Status, reason: msg.Error}
}

// end closes the running turn.
func (m *model) end(err error) {
	m.streaming = false
	m.events, m.pending = nil, nil
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	if m.reply != nil && m.reply.status == api.StatusStreaming {
		m.reply.status = api.StatusInterrupted
		m.reply.touch()
	}
	if err != nil && !m.errShown && !m.quitting {
		m.failure = describe(err)
	}
	m.reply = nil
	m.layout()
}

// describe returns the part of err meant for people.
func describe(err error) string {
	var ae *api.Error
	var oe *os1.Error
	switch {
	case errors.As(err, &ae) && ae.Message != "":
		return ae.Message
	case errors.As(err, &oe) && oe.Message != "":
		return oe.Message
	default:
		return err.Error()
	}
}

// resize lays the screen out for a terminal of w×h cells.
func (m *model) resize(w, h int) {
	m.width, m.height = max(w, 20), max(h, 8)
	m.vp.Width = m.width
	m.input.SetWidth(m.width)
	m.layout()
	m.refresh()
}

// layout gives the viewport what the other parts leave.
func (m *model) layout() {
	chrome := lipgloss.Height(m.headerView()) + lipgloss.Height(m.footerView()) + m.input.Height()
	m.vp.Height = max(m.height-chrome, 1)
}

// refresh re-renders the transcript into the viewport, following the
// bottom when it was there or a reply is being written.
func (m *model) refresh() {
	follow := m.vp.AtBottom() || m.streaming
	m.vp.SetContent(m.transcript())
	if follow {
		m.vp.GotoBottom()
	}
}

func (m *model) transcript() string {
	if len(m.entries) == 0 {
		return styleNote.Render("Say hello to " + companionName(m.me) + ".")
	}
	blocks := make([]string, len(m.entries))
	for i, e := range m.entries {
		if e.renderedW != m.width {
			e.rendered = m.render(e)
			e.renderedW = m.width
		}
		blocks[i] = e.rendered
	}
	return strings.Join(blocks, "\n\n")
}

// render draws one entry: a name line, then the text wrapped to the width.
func (m *model) render(e *entry) string {
	var label string
	if e.role == os1.RoleUser {
		label = stylePerson.Render("you")
	} else {
		label = styleCompanion.Render(companionName(m.me))
	}
	text := sanitize(e.content)
	var b strings.Builder
	b.WriteString(label)
	if text != "" {
		b.WriteString("\n")
		b.WriteString(styleBody.Width(m.width).Render(text))
	}
	switch {
	case e.status == api.StatusStreaming && text == "":
		b.WriteString("\n")
		b.WriteString(styleNote.Render("…"))
	case e.status == api.StatusInterrupted:
		note := "(interrupted)"
		if e.reason != "" {
			note = "(interrupted: " + sanitize(e.reason) + ")"
		}
		b.WriteString("\n")
		b.WriteString(styleNote.Width(m.width).Render(note))
	}
	return b.String()
}

// sanitize drops control characters (terminal escapes included) from text
// shown on screen, keeping newlines and turning tabs into spaces.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
			return -1
		}
		return r
	}, s)
}

func (m *model) headerView() string {
	h := styleHeader.Render(companionName(m.me))
	if m.me != nil {
		mod := m.me.Model.Provider
		if m.me.Model.Model != "" && m.me.Model.Model != mod {
			mod += "/" + m.me.Model.Model
		}
		if mod != "" {
			h += styleModel.Render(" · " + mod)
		}
	}
	if m.streaming {
		h += styleWriting.Render("  writing…")
	}
	if m.me != nil && m.me.Model.Offline {
		h += "\n" + styleBanner.Width(m.width).Render(OfflineBanner)
	}
	return h
}

func (m *model) footerView() string {
	if m.failure != "" {
		return styleFailure.Width(m.width).Render("⚠ " + sanitize(m.failure) + " — " + RetryHint)
	}
	help := "Enter send · Alt+Enter newline · PgUp/PgDn scroll · Ctrl+R retry · Esc quit"
	if lipgloss.Width(help) > m.width {
		help = "Enter send · Alt+Enter newline · Esc quit"
	}
	return styleHelp.Width(m.width).Render(help)
}

// View implements tea.Model.
func (m *model) View() string {
	if m.quitting {
		if m.inline {
			return m.headerView() + "\n" + m.vp.View() + "\n"
		}
		return ""
	}
	return m.headerView() + "\n" + m.vp.View() + "\n" + m.footerView() + "\n" + m.input.View()
}
