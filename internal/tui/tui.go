package tui

import (
	"context"
	"errors"
	"fmt"
	"io"

	tea "github.com/charmbracelet/bubbletea"
)

// DefaultHistory is how many past messages the chat shows at start.
const DefaultHistory = 50

// Options adjust Run.
type Options struct {
	// Input is read for keys; nil means the terminal (standard input).
	Input io.Reader
	// Output receives the screen; nil means standard output.
	Output io.Writer
	// Inline draws in the normal screen instead of the alternate one (the
	// transcript then stays in the terminal's scrollback after quitting).
	Inline bool
	// History is how many past messages to show; 0 means DefaultHistory.
	History int
}

// Run loads the person's profile and the conversation's recent messages
// from backend, then runs the chat until the person quits or ctx ends. A
// reply still being written when it returns is cancelled. It returns an
// error when the backend cannot be reached at start (before the screen is
// taken over) or when the terminal fails; quitting and the end of ctx are
// not errors.
func Run(ctx context.Context, backend Backend, opts Options) error {
	me, err := backend.Me(ctx)
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}
	limit := opts.History
	if limit <= 0 {
		limit = DefaultHistory
	}
	history, err := backend.History(ctx, limit)
	if err != nil {
		return fmt.Errorf("chat: %w", err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := newModel(ctx, backend, me, history)
	m.inline = opts.Inline
	popts := []tea.ProgramOption{tea.WithContext(ctx)}
	if opts.Input != nil {
		popts = append(popts, tea.WithInput(opts.Input))
	}
	if opts.Output != nil {
		popts = append(popts, tea.WithOutput(opts.Output))
	}
	if !opts.Inline {
		popts = append(popts, tea.WithAltScreen())
	}
	_, err = tea.NewProgram(m, popts...).Run()
	m.stop()
	if err != nil && !(errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		return fmt.Errorf("chat: %w", err)
	}
	return nil
}
