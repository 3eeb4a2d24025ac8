package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os1/internal/guard"
	"os1/internal/memory"
	"strings"
	"sync"
	"time"

	"os1/internal/companion"
	"os1/internal/config"
	"os1/internal/httpapi"
	"os1/internal/metrics"
	"os1/internal/os1"
	"os1/internal/sqlite"
	"os1/internal/tokens"
)

// ServeCommand serves the companion.
type ServeCommand struct {
	Env *Env

	// Listening, when set, is called with the bound address once the server
	// accepts connections (tests use it with --addr 127.0.0.1:0).
	Listening func(addr string)
}

// Run parses the flags, wires the adapters and serves until ctx is done.
func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	fs := c.Env.newFlagSet("serve", "os1 serve [flags]")
	f := config.Register(fs)
	printConfig := fs.Bool("print-config", false, "print the configuration (secrets masked) and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("serve takes no arguments, got %q", fs.Args())}
	}
	cfg, err := config.Load(f, c.Env.Getenv)
	if *printConfig {
		fmt.Fprint(c.Env.Stdout, cfg.Masked())
		return err
	}
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := newLogger(c.Env.Stderr, cfg)

	app, err := c.Env.openApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer app.Close()

	loopback := httpapi.IsLoopback(cfg.Addr)
	if n, err := app.DB.CountUsers(ctx); err != nil {
		return err
	} else if n == 0 && !loopback {
		return fmt.Errorf("refusing to serve on %s: nobody can sign in yet. Create a person first with `os1 user add NAME --data %s` (it prints their API key), or serve on 127.0.0.1 to set one up from the page", cfg.Addr, cfg.Data)
	}

	m := metrics.New(func(ctx context.Context) (int, error) {
		return app.DB.CountActiveConversations(ctx, time.Now().Add(-15*time.Minute))
	})
	app.Engine.Observe = m
	srv := &httpapi.Server{
		Store:        app.DB,
		Engine:       app.Engine,
		Model:        app.Model.Info(),
		Metrics:      m,
		Page:         pageHandler(app.Model.Info()),
		Logger:       logger,
		Version:      Version,
		MaxBodyBytes: cfg.MaxBodyBytes,
		Loopback:     loopback,
		Memory:       app.Memory,
		Self:         selfService(app.Engine),
		Wellbeing:    wellbeingService(app.Engine),
		Cards:        cardService(app.Engine),

		ArchiveSections: archiveSections(app.DB),
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another os1 running? choose another --addr)", cfg.Addr, err)
	}
	// Replies in flight get their own context, cancelled only once the
	// shutdown grace period is over.
	baseCtx, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	var inflight sync.WaitGroup
	handler := srv.Handler()
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inflight.Add(1)
			defer inflight.Done()
			handler.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	addr := ln.Addr().String()
	info := app.Model.Info()
	if info.Offline {
		logger.Warn("no language model connected: answering with the offline mind. " + info.Note)
	}
	logger.Info("OS1 is listening", "url", "http://"+addr, "data", cfg.Data, "provider", info.Provider, "model", info.Model)
	if c.Listening != nil {
		c.Listening(addr)
	}

	go app.Memory.Run(baseCtx, 0)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	grace := cfg.ShutdownGrace.Duration
	logger.Info("shutting down; replies in flight may finish", "grace", grace)
	shutCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		logger.Warn("shutdown", "err", err)
	}
	// WebSocket turns are not tracked by Shutdown: give them the rest of the
	// grace period, then cancel whatever is left (its replies are stored as
	// interrupted) and wait for that bookkeeping.
	done := make(chan struct{})
	go func() { inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-shutCtx.Done():
		cancelBase()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			logger.Error("handlers did not stop in time")
		}
	}
	// Emotion refinements still running get what is left of the grace.
	refined := make(chan struct{})
	go func() { app.Engine.Wait(); close(refined) }()
	select {
	case <-refined:
	case <-shutCtx.Done():
	}
	logger.Info("stopped")
	return nil
}

// App is the wired core shared by serve and the in-process chat.
type App struct {
	DB     *sqlite.DB
	Model  os1.ChatModel
	Engine *companion.Engine
	// Memory indexes, recalls and reflects; its background work runs while
	// the app serves (Memory.Run).
	Memory *memory.Service
}

// Close closes the store.
func (a *App) Close() error { return a.DB.Close() }

// openApp opens the store, recovers from a crash, chooses the model and
// builds the engine.
func (e *Env) openApp(ctx context.Context, cfg config.Config, logger *slog.Logger) (*App, error) {
	db, err := sqlite.Open(ctx, cfg.DBPath(), sqlite.Options{})
	if err != nil {
		return nil, err
	}
	if n, err := db.InterruptStreaming(ctx, "the server stopped while this reply was being written"); err != nil {
		db.Close()
		return nil, err
	} else if n > 0 {
		logger.Warn("marked replies cut off by the last stop as interrupted", "count", n)
	}
	model, err := chooseModel(ctx, cfg, logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	tokens.Default.Warm()
	engine := &companion.Engine{
		Store:         db,
		Model:         model,
		Tokens:        tokens.Default,
		Logger:        logger,
		ContextTokens: cfg.ContextTokens,
	}
	engine.Guard = guard.New(cfg.Guard.GuardOptions())
	mem := wireExtras(engine, db, model, logger)
	return &App{DB: db, Model: model, Engine: engine, Memory: mem}, nil
}

func newLogger(w io.Writer, cfg config.Config) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// explain returns what to tell a person about err.
func explain(err error) string {
	if os1.ErrorCode(err) == os1.EINTERNAL {
		return err.Error()
	}
	return os1.ErrorMessage(err)
}
