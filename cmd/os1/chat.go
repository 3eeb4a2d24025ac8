package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"os1/api"
	"os1/internal/companion"
	"os1/internal/config"
	"os1/internal/httpapi"
	"os1/internal/os1"
	"os1/internal/tui"
)

// ChatCommand is the terminal chat, against a server or in-process.
type ChatCommand struct{ Env *Env }

// Run parses the flags and runs the chat.
func (c *ChatCommand) Run(ctx context.Context, args []string) error {
	const synopsis = "os1 chat [--server URL --key KEY] | [--data DIR --user NAME] [flags]"
	fs := c.Env.newFlagSet("chat", synopsis)
	f := config.Register(fs)
	server := fs.String("server", "", "URL of a running os1 server [env OS1_SERVER]")
	key := fs.String("key", "", "your API key on that server [env OS1_KEY]")
	userName := fs.String("user", "", "in-process: the person to chat as (default: the only one)")
	convID := fs.Int64("conversation", 0, "conversation id (default: the latest)")
	inline := fs.Bool("inline", false, "draw in the normal screen, keeping the transcript in the scrollback")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *server == "" {
		*server = c.Env.Getenv("OS1_SERVER")
	}
	if *key == "" {
		*key = c.Env.Getenv("OS1_KEY")
	}
	opts := tui.Options{Inline: *inline, Input: c.Env.Stdin, Output: c.Env.Stdout}
	if *server != "" {
		if *key == "" {
			return &usageError{"--server needs --key (or OS1_KEY): create one with `os1 user key NAME` on the server"}
		}
		return tui.Run(ctx, tui.NewRemote(api.NewClient(*server, *key), *convID), opts)
	}

	cfg, err := config.Load(f, c.Env.Getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	// The screen belongs to the chat: logs go to a file in the data dir.
	logFile, err := os.OpenFile(cfg.Data+"/chat.log", os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
		if logFile, err = os.OpenFile(cfg.Data+"/chat.log", os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err != nil {
			return err
		}
	}
	defer logFile.Close()
	logger := newLogger(logFile, cfg)
	app, err := c.Env.openApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer app.Close()
	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	go app.Memory.Run(bg, 0)
	u, err := pickUser(ctx, app, *userName)
	if err != nil {
		return err
	}
	return tui.Run(ctx, &localBackend{app: app, user: u, convID: *convID, logger: logger}, opts)
}

func pickUser(ctx context.Context, app *App, name string) (*os1.User, error) {
	if name != "" {
		u, err := app.DB.FindUserByName(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("%s; see os1 user list", explain(err))
		}
		return u, nil
	}
	users, err := app.DB.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	switch len(users) {
	case 0:
		return nil, fmt.Errorf("nobody to chat as yet: create yourself with `os1 user add NAME`")
	case 1:
		return users[0], nil
	default:
		return nil, &usageError{"there are several people here: choose one with --user NAME"}
	}
}

// localBackend runs the chat on the local store and engine.
type localBackend struct {
	app    *App
	user   *os1.User
	convID int64
	logger *slog.Logger
}

var _ tui.Backend = (*localBackend)(nil)

func (b *localBackend) Me(ctx context.Context) (*api.Me, error) {
	me := &api.Me{User: httpapi.UserDTO(b.user), Model: httpapi.ModelDTO(b.app.Model.Info())}
	if c, err := b.app.DB.CompanionByUser(ctx, b.user.ID); err == nil {
		me.Companion = api.Companion{ID: c.ID, Name: c.DisplayName()}
	}
	return me, nil
}

func (b *localBackend) conversation(ctx context.Context) (int64, error) {
	if b.convID != 0 {
		return b.convID, nil
	}
	c, err := b.app.DB.LatestConversation(ctx, b.user.ID)
	if os1.ErrorCode(err) == os1.ENOTFOUND {
		c = &os1.Conversation{}
		err = b.app.DB.CreateConversation(ctx, b.user.ID, c)
	}
	if err != nil {
		return 0, err
	}
	b.convID = c.ID
	return c.ID, nil
}

func (b *localBackend) History(ctx context.Context, limit int) ([]api.Message, error) {
	id, err := b.conversation(ctx)
	if err != nil {
		return nil, err
	}
	list, err := b.app.DB.ListMessages(ctx, b.user.ID, id, os1.MessageFilter{Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]api.Message, len(list))
	for i, m := range list {
		out[i] = *httpapi.MessageDTO(m)
	}
	return out, nil
}

func (b *localBackend) turn(ctx context.Context, req companion.TurnRequest, fn func(api.Event) error) error {
	id, err := b.conversation(ctx)
	if err != nil {
		return err
	}
	req.UserID, req.ConversationID = b.user.ID, id
	_, err = b.app.Engine.Turn(ctx, req, func(ev companion.Event) error { return fn(httpapi.EventDTO(ev)) })
	if err != nil {
		return fmt.Errorf("%s", explain(err))
	}
	return nil
}

func (b *localBackend) Send(ctx context.Context, content string, fn func(api.Event) error) error {
	return b.turn(ctx, companion.TurnRequest{Content: content}, fn)
}

func (b *localBackend) Retry(ctx context.Context, fn func(api.Event) error) error {
	return b.turn(ctx, companion.TurnRequest{Retry: true}, fn)
}
