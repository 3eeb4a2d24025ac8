package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"os1/internal/archive"
	"os1/internal/os1"
)

// ImportCommand brings a person exported with os1 export into this
// instance.
type ImportCommand struct{ Env *Env }

// Run runs the import.
func (c *ImportCommand) Run(ctx context.Context, args []string) error {
	const synopsis = "os1 import FILE [--data DIR]"
	cfg, pos, err := c.Env.loadDataConfig("import", synopsis, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{"usage: " + synopsis}
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	a, err := archive.Decode(f, 0)
	if err != nil {
		return fmt.Errorf("import %s: %s; nothing was imported", pos[0], strings.TrimSuffix(explain(err), "."))
	}
	db, err := c.Env.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := archive.Import(ctx, db, a, archiveSections(db)...)
	if err != nil {
		if os1.ErrorCode(err) == os1.ECONFLICT {
			return fmt.Errorf("import %s: %s; nothing was imported", pos[0], strings.TrimSuffix(explain(err), "."))
		}
		return fmt.Errorf("import %s: %s", pos[0], explain(err))
	}
	d := a.Person
	out := c.Env.Stdout
	fmt.Fprintf(out, "Imported %s (id %d) into %s: %d conversations, %d messages, %d facts, %d people, %d summaries and reflections.\n",
		res.User.Name, res.User.ID, cfg.DBPath(), len(d.Conversations), len(d.Messages), len(d.Facts), len(d.People), len(d.Summaries))
	if len(res.Skipped) > 0 {
		fmt.Fprintf(out, "Sections this OS1 does not import were left out: %s.\n", strings.Join(res.Skipped, ", "))
	}
	fmt.Fprintf(out, "%s has no API key here yet; make one with: os1 user key %s\n", res.User.Name, res.User.Name)
	return nil
}
