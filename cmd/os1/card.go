package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"os1/internal/card"
	"os1/internal/os1"
	"os1/internal/persona"
)

// CardCommand imports and exports character cards (V2 and V3; JSON, PNG
// and, on import, CHARX): os1 card import FILE, os1 card export FILE.
type CardCommand struct {
	Env *Env
}

const cardSynopsis = `os1 card import FILE [--user NAME] [--data DIR]
       os1 card export [--user NAME] [--data DIR] --format json|png|charx [--spec v2|v3] [--avatar PNG] FILE|-`

// cardPersonaStore is what the card command needs of the persona service:
// the current persona of a person (an ENOTFOUND error when there is none)
// and storing a new version of it with a reason the person can read.
type cardPersonaStore interface {
	Persona(ctx context.Context, userID int64) (*os1.Persona, error)
	SetPersona(ctx context.Context, userID int64, p *os1.Persona, reason string) error
}

// cardStore gives the card command its persona store: the persona
// service over the store (the card command never talks to a model).
var cardStore = func(app *App) cardPersonaStore {
	return cardAdapter{persona.New(persona.Options{Store: app.DB})}
}

// Run runs a card subcommand.
func (c *CardCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(c.Env.Stdout, "Usage: "+cardSynopsis)
			return nil
		}
		return &usageError{"usage: " + cardSynopsis}
	}
	sub, args := args[0], args[1:]
	if sub != "import" && sub != "export" {
		return &usageError{fmt.Sprintf("unknown card command %q; usage: %s", sub, cardSynopsis)}
	}
	flags, args, err := pullFlags(args, "user", "format", "spec", "avatar")
	if err != nil {
		return err
	}
	cfg, pos, err := c.Env.loadDataConfig("card "+sub, cardSynopsis, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{"usage: " + cardSynopsis}
	}
	file := pos[0]
	db, u, err := c.Env.openPerson(ctx, cfg, flags["user"])
	if err != nil {
		return err
	}
	defer db.Close()
	store := cardStore(&App{DB: db})
	if sub == "import" {
		for _, f := range []string{"format", "spec", "avatar"} {
			if _, ok := flags[f]; ok {
				return &usageError{fmt.Sprintf("--%s is for card export; usage: %s", f, cardSynopsis)}
			}
		}
		return c.importCard(ctx, store, u, file)
	}
	return c.exportCard(ctx, store, u, file, flags)
}

func (c *CardCommand) importCard(ctx context.Context, store cardPersonaStore, u *os1.User, file string) error {
	data, err := readLimited(file, card.MaxInputSize)
	if err != nil {
		return err
	}
	im, err := card.Import(data, file)
	if err != nil {
		return fmt.Errorf("%s: %s", file, explain(err))
	}
	reason := fmt.Sprintf("Imported the character card %q (%s).", filepath.Base(file), describeCard(im))
	if err := store.SetPersona(ctx, u.ID, im.Persona, reason); err != nil {
		return fmt.Errorf("store the persona: %s", explain(err))
	}
	fmt.Fprintf(c.Env.Stdout, "Imported %s (%s) as %s's companion persona.\n", im.Persona.Name, describeCard(im), u.Name)
	if im.Persona.World != nil {
		fmt.Fprintf(c.Env.Stdout, "World knowledge: %d lorebook entries.\n", len(im.Persona.World.Entries))
	}
	for _, w := range im.Warnings {
		fmt.Fprintln(c.Env.Stdout, "warning: "+w)
	}
	return nil
}

func describeCard(im *card.Imported) string {
	v := map[card.Version]string{card.V1: "V1", card.V2: "V2", card.V3: "V3"}[im.Card.Version]
	return "Character Card " + v + ", " + strings.ToUpper(im.Format)
}

func (c *CardCommand) exportCard(ctx context.Context, store cardPersonaStore, u *os1.User, file string, flags map[string]string) error {
	format := strings.ToLower(flags["format"])
	if format == "" {
		switch strings.ToLower(filepath.Ext(file)) {
		case ".png":
			format = card.FormatPNG
		case ".charx":
			format = card.FormatCharx
		case ".json":
			format = card.FormatJSON
		default:
			return &usageError{"choose a format with --format json|png|charx; usage: " + cardSynopsis}
		}
	}
	v, err := card.ParseVersion(flags["spec"])
	if err != nil {
		return &usageError{explain(err)}
	}
	var avatar []byte
	if path, ok := flags["avatar"]; ok {
		if format != card.FormatPNG {
			return &usageError{"--avatar goes with --format png"}
		}
		if avatar, err = readLimited(path, card.MaxInputSize); err != nil {
			return err
		}
	}
	p, err := store.Persona(ctx, u.ID)
	if os1.ErrorCode(err) == os1.ENOTFOUND {
		return fmt.Errorf("%s's companion has no persona yet; import a card or finish the first meeting first", u.Name)
	} else if err != nil {
		return fmt.Errorf("read the persona: %s", explain(err))
	}
	data, _, err := card.Export(p, format, v, avatar)
	if err != nil {
		return fmt.Errorf("export: %s", explain(err))
	}
	if file == "-" {
		_, err := c.Env.Stdout.Write(data)
		return err
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return fmt.Errorf("write the card: %w", err)
	}
	fmt.Fprintf(c.Env.Stdout, "Wrote %s's companion %s to %s (%s, %d bytes).\n", u.Name, p.Name, file, strings.ToUpper(format), len(data))
	return nil
}

// readLimited reads a file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // "open PATH: no such file or directory"
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d MiB; character cards are smaller", path, limit>>20)
	}
	return data, nil
}
