package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"os1/internal/config"
	"os1/internal/os1"
	"os1/internal/sqlite"
)

// UserCommand manages people: add, list, key.
type UserCommand struct{ Env *Env }

// openStore opens the database of the configured data directory.
func (e *Env) openStore(ctx context.Context, cfg config.Config) (*sqlite.DB, error) {
	return sqlite.Open(ctx, cfg.DBPath(), sqlite.Options{})
}

// loadDataConfig parses the flags of a command that only needs the data
// directory, and returns the remaining arguments.
func (e *Env) loadDataConfig(name, synopsis string, args []string) (config.Config, []string, error) {
	fs := e.newFlagSet(name, synopsis)
	f := config.Register(fs, "data")
	// Allow flags after positional arguments ("user add NAME --data DIR").
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return config.Config{}, nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	cfg, err := config.Load(f, e.Getenv)
	return cfg, pos, err
}

// Run runs a user subcommand.
func (c *UserCommand) Run(ctx context.Context, args []string) error {
	const synopsis = "os1 user add NAME [--display NAME] | list | key NAME  [--data DIR]"
	if len(args) == 0 {
		return &usageError{"usage: " + synopsis}
	}
	sub, args := args[0], args[1:]
	var display string
	for i := 0; i < len(args); i++ { // --display takes a value; pull it out first
		if a := args[i]; (a == "--display" || a == "-display") && i+1 < len(args) {
			display = args[i+1]
			args = append(args[:i:i], args[i+2:]...)
			i--
		}
	}
	cfg, pos, err := c.Env.loadDataConfig("user "+sub, synopsis, args)
	if err != nil {
		return err
	}
	db, err := c.Env.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	out := c.Env.Stdout
	switch sub {
	case "add":
		if len(pos) != 1 {
			return &usageError{"usage: os1 user add NAME [--display \"Display Name\"] [--data DIR]"}
		}
		u := &os1.User{Name: pos[0], DisplayName: display}
		if err := db.CreateUser(ctx, u); err != nil {
			return fmt.Errorf("add %s: %s", pos[0], explain(err))
		}
		key, _, err := db.CreateAPIKey(ctx, u.ID, "created by os1 user add")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Created %s (id %d) in %s.\n", u.Name, u.ID, cfg.DBPath())
		fmt.Fprintln(out, "Their API key follows; it is shown only now and stored only as a hash:")
		fmt.Fprintln(out, key)
		return nil
	case "list":
		users, err := db.ListUsers(ctx)
		if err != nil {
			return err
		}
		if len(users) == 0 {
			fmt.Fprintln(out, "No people yet. Add one with: os1 user add NAME")
			return nil
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tDISPLAY NAME\tCREATED")
		for _, u := range users {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", u.ID, u.Name, u.DisplayName, u.CreatedAt.Local().Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	case "key":
		if len(pos) != 1 {
			return &usageError{"usage: os1 user key NAME [--data DIR]"}
		}
		u, err := db.FindUserByName(ctx, pos[0])
		if err != nil {
			return fmt.Errorf("%s; see os1 user list", strings.TrimSuffix(os1.ErrorMessage(err), "."))
		}
		key, _, err := db.CreateAPIKey(ctx, u.ID, "created by os1 user key")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "New API key for %s (older keys still work; revoke them from the page):\n", u.Name)
		fmt.Fprintln(out, key)
		return nil
	default:
		return &usageError{fmt.Sprintf("unknown user command %q; usage: %s", sub, synopsis)}
	}
}

// BackupCommand writes a consistent copy of the live database.
type BackupCommand struct{ Env *Env }

// Run runs the backup.
func (c *BackupCommand) Run(ctx context.Context, args []string) error {
	cfg, pos, err := c.Env.loadDataConfig("backup", "os1 backup FILE [--data DIR]", args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{"usage: os1 backup FILE [--data DIR]"}
	}
	db, err := c.Env.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, pos[0]); err != nil {
		return errors.New(explain(err))
	}
	fmt.Fprintf(c.Env.Stdout, "Backed up %s to %s.\n", cfg.DBPath(), pos[0])
	return nil
}
