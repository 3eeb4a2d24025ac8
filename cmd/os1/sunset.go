package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os1/internal/archive"
	"strconv"
	"strings"
	"time"

	"os1/internal/companion"
	"os1/internal/config"
	"os1/internal/httpapi"
	"os1/internal/os1"
	"os1/internal/sqlite"
	"os1/internal/wellbeing"
)

// SunsetCommand announces, shows or withdraws the end of this instance.
type SunsetCommand struct {
	Env *Env
}

const sunsetSynopsis = "os1 sunset --notice 14d | --status | --cancel  [--data DIR]"

// Run runs the sunset command.
//
//	--notice D  announce that the instance closes after D (e.g. 14d, 2w,
//	            36h): everyone is told in their next conversation, letters
//	            are prepared, and after D no new messages are accepted while
//	            letters and exports stay available.
//	--status    show the announced sunset and how many people were told.
//	--cancel    withdraw the sunset.
func (c *SunsetCommand) Run(ctx context.Context, args []string) error {
	fs := c.Env.newFlagSet("sunset", sunsetSynopsis)
	notice := fs.String("notice", "", "how long until the instance closes: 14d, 2w, 36h")
	status := fs.Bool("status", false, "show the announced sunset")
	cancel := fs.Bool("cancel", false, "withdraw the announced sunset")
	f := config.Register(fs, "data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageError{"usage: " + sunsetSynopsis}
	}
	chosen := 0
	for _, b := range []bool{*notice != "", *status, *cancel} {
		if b {
			chosen++
		}
	}
	if chosen != 1 {
		return &usageError{"usage: " + sunsetSynopsis + " (exactly one of --notice, --status, --cancel)"}
	}
	var d time.Duration
	if *notice != "" {
		var err error
		if d, err = parseNotice(*notice); err != nil {
			return &usageError{err.Error()}
		}
	}
	cfg, err := config.Load(f, c.Env.Getenv)
	if err != nil {
		return err
	}
	db, err := c.Env.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &wellbeing.Service{Store: db, Memories: db}
	out := c.Env.Stdout
	switch {
	case *notice != "":
		sun, prepared, err := svc.ScheduleSunset(ctx, d)
		if err != nil {
			return fmt.Errorf("sunset: %s", explain(err))
		}
		fmt.Fprintf(out, "This OS1 closes on %s.\n", sun.At.UTC().Format("Monday 2 January 2006, 15:04 UTC"))
		fmt.Fprintf(out, "Everyone will be told in their next conversation; %d farewell %s prepared.\n", prepared, pluralWord(prepared, "letter is", "letters are"))
		fmt.Fprintln(out, "After that date no new messages are accepted; letters (GET /api/v1/goodbye/letter), wellbeing and exports stay available.")
		fmt.Fprintln(out, "Withdraw it with `os1 sunset --cancel`.")
	case *status:
		st, err := svc.Sunset(ctx)
		if err != nil {
			return fmt.Errorf("sunset: %s", explain(err))
		}
		if st.Sunset == nil {
			fmt.Fprintln(out, "No sunset is announced.")
			return nil
		}
		state := "closes"
		if !time.Now().Before(st.Sunset.At) {
			state = "closed"
		}
		fmt.Fprintf(out, "This OS1 %s on %s (announced %s).\n", state,
			st.Sunset.At.UTC().Format("Monday 2 January 2006, 15:04 UTC"), st.Sunset.NoticeAt.UTC().Format("2 January 2006"))
		fmt.Fprintf(out, "%d of %d people have been told.\n", st.Told, st.People)
	case *cancel:
		ok, err := svc.CancelSunset(ctx)
		if err != nil {
			return fmt.Errorf("sunset: %s", explain(err))
		}
		if !ok {
			fmt.Fprintln(out, "No sunset was announced; nothing changed.")
			return nil
		}
		fmt.Fprintln(out, "The sunset is withdrawn; new messages are accepted again.")
	}
	return nil
}

// parseNotice parses a notice period: Go durations ("36h") or a number of
// days or weeks ("14d", "2w").
func parseNotice(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("--notice %q: give a period such as 14d, 2w or 36h", s)
	if s == "" {
		return 0, bad
	}
	var d time.Duration
	switch unit := s[len(s)-1]; unit {
	case 'd', 'w':
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n <= 0 || n > 3650 {
			return 0, bad
		}
		d = time.Duration(n) * 24 * time.Hour
		if unit == 'w' {
			d *= 7
		}
	default:
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d < time.Hour {
		return 0, fmt.Errorf("--notice %q: give people at least an hour's notice (14d is usual)", s)
	}
	return d, nil
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// newWellbeing builds the wellbeing service for the engine and the HTTP
// API: letters and drafts by the model when a real one is connected.
func newWellbeing(db *sqlite.DB, model os1.ChatModel, logger *slog.Logger) *wellbeing.Service {
	svc := &wellbeing.Service{Store: db, Memories: db, Logger: logger, Exporter: archiveExporter{db}}
	if model != nil && !model.Info().Offline {
		svc.Model = model
	}
	return svc
}

// wellbeingService returns the engine's wellbeing service for the HTTP API,
// or nil (no wellbeing routes) when none is wired.
func wellbeingService(e *companion.Engine) httpapi.WellbeingService {
	if svc, ok := e.Wellbeing.(*wellbeing.Service); ok && svc != nil {
		return svc
	}
	return nil
}

// archiveExporter hands over a person's complete archive (the same JSON as
// os1 export and GET /api/v1/export).
type archiveExporter struct{ db *sqlite.DB }

// Export writes userID's archive to w.
func (x archiveExporter) Export(ctx context.Context, userID int64, w io.Writer) error {
	a, err := archive.Build(ctx, x.db, userID, archiveSections(x.db)...)
	if err != nil {
		return err
	}
	return archive.WriteJSON(w, a)
}
