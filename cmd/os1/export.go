package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"os1/internal/archive"
)

// ExportCommand writes everything a person has: a versioned JSON archive
// and a readable Markdown copy beside it.
type ExportCommand struct{ Env *Env }

const exportSynopsis = "os1 export --user NAME FILE [--markdown FILE.md | --markdown none] [--data DIR]"

// Run runs the export.
func (c *ExportCommand) Run(ctx context.Context, args []string) error {
	flags, args, err := pullFlags(args, "user", "markdown")
	if err != nil {
		return err
	}
	cfg, pos, err := c.Env.loadDataConfig("export", exportSynopsis, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{"usage: " + exportSynopsis}
	}
	file := pos[0]
	db, u, err := c.Env.openPerson(ctx, cfg, flags["user"])
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := archive.Build(ctx, db, u.ID, archiveSections(db)...)
	if err != nil {
		return fmt.Errorf("export %s: %s", u.Name, explain(err))
	}
	if file == "-" {
		return archive.WriteJSON(c.Env.Stdout, a)
	}
	if err := writeFileAtomic(file, func(f *os.File) error { return archive.WriteJSON(f, a) }); err != nil {
		return err
	}
	md := flags["markdown"]
	if md == "" {
		md = strings.TrimSuffix(file, ".json") + ".md"
	}
	d := a.Person
	fmt.Fprintf(c.Env.Stdout, "Exported %s to %s: %d conversations, %d messages, %d facts (with history), %d people, %d summaries and reflections.\n",
		u.Name, file, len(d.Conversations), len(d.Messages), len(d.Facts), len(d.People), len(d.Summaries))
	if md != "none" {
		if err := writeFileAtomic(md, func(f *os.File) error { return archive.WriteMarkdown(f, a) }); err != nil {
			return err
		}
		fmt.Fprintf(c.Env.Stdout, "A readable copy is in %s.\n", md)
	}
	return nil
}

// writeFileAtomic writes a file through a temporary one in the same
// directory, readable only by its owner, so that a failure leaves no half
// file behind.
func writeFileAtomic(path string, write func(f *os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
