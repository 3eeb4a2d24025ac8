package main

import (
	"context"
	"fmt"
	"os1/internal/config"
	"strconv"
	"strings"
	"text/tabwriter"

	"os1/internal/memory"
	"os1/internal/os1"
	"os1/internal/sqlite"
)

// MemoryCommand lets a person's memory be seen and corrected from the
// terminal: list, search, show, edit, forget.
type MemoryCommand struct{ Env *Env }

const memorySynopsis = `os1 memory list [--kind fact|person|summary|reflection] | search QUERY | show KIND ID |
                 edit FACT-ID "STATEMENT" | forget KIND ID | forget conversation ID
           [--user NAME] [--data DIR]`

// pullFlags takes the named flags with a value ("--user NAME" or
// "--user=NAME") out of args, wherever they are.
func pullFlags(args []string, names ...string) (map[string]string, []string, error) {
	vals := map[string]string{}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		matched := false
		for _, n := range names {
			for _, prefix := range []string{"--" + n, "-" + n} {
				if a == prefix {
					if i+1 >= len(args) {
						return nil, nil, &usageError{fmt.Sprintf("flag %s needs a value", a)}
					}
					vals[n], matched = args[i+1], true
					i++
				} else if v, ok := strings.CutPrefix(a, prefix+"="); ok {
					vals[n], matched = v, true
				}
				if matched {
					break
				}
			}
			if matched {
				break
			}
		}
		if !matched {
			rest = append(rest, a)
		}
	}
	return vals, rest, nil
}

// openPerson opens the store and finds the person a command is about (see
// choosePerson). The caller closes the store.
func (e *Env) openPerson(ctx context.Context, cfg config.Config, name string) (*sqlite.DB, *os1.User, error) {
	db, err := e.openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	u, err := choosePerson(ctx, db, name)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, u, nil
}

// choosePerson finds the person named, or the only one there is.
func choosePerson(ctx context.Context, db *sqlite.DB, name string) (*os1.User, error) {
	if name != "" {
		u, err := db.FindUserByName(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("%s; see os1 user list", strings.TrimSuffix(os1.ErrorMessage(err), "."))
		}
		return u, nil
	}
	users, err := db.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	switch len(users) {
	case 0:
		return nil, fmt.Errorf("there is nobody here yet; add a person with os1 user add NAME")
	case 1:
		return users[0], nil
	}
	return nil, &usageError{"there are several people here; choose one with --user NAME (see os1 user list)"}
}

// Run runs a memory subcommand.
func (c *MemoryCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" {
		return &usageError{"usage: " + memorySynopsis}
	}
	sub, args := args[0], args[1:]
	flags, args, err := pullFlags(args, "user", "kind")
	if err != nil {
		return err
	}
	cfg, pos, err := c.Env.loadDataConfig("memory "+sub, memorySynopsis, args)
	if err != nil {
		return err
	}
	switch sub {
	case "list", "search", "show", "edit", "forget":
	default:
		return &usageError{fmt.Sprintf("unknown memory command %q; usage: %s", sub, memorySynopsis)}
	}
	db, u, err := c.Env.openPerson(ctx, cfg, flags["user"])
	if err != nil {
		return err
	}
	defer db.Close()
	mem := memory.New(db, memory.Options{ReflectAt: -1})
	out := c.Env.Stdout
	switch sub {
	case "list":
		if len(pos) != 0 {
			return &usageError{"usage: os1 memory list [--kind fact|person|summary|reflection] [--user NAME] [--data DIR]"}
		}
		items, err := mem.List(ctx, u.ID, flags["kind"])
		if err != nil {
			return fmt.Errorf("list: %s", explain(err))
		}
		if len(items) == 0 {
			fmt.Fprintf(out, "Nothing remembered about %s yet.\n", u.Name)
			return nil
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tID\tWHEN\tSTATE\tTEXT")
		for _, it := range items {
			state := "current"
			if !it.Current {
				state = "history"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", it.Kind, it.ID, when(it.When), state, short(it.Text, 100))
		}
		return tw.Flush()
	case "search":
		q := strings.Join(pos, " ")
		if strings.TrimSpace(q) == "" {
			return &usageError{"usage: os1 memory search QUERY [--user NAME] [--data DIR]"}
		}
		items, err := mem.Search(ctx, u.ID, q, 10)
		if err != nil {
			return fmt.Errorf("search: %s", explain(err))
		}
		if len(items) == 0 {
			fmt.Fprintf(out, "Nothing in %s's memory matches %q.\n", u.Name, q)
			return nil
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "#\tKIND\tWHEN\tSCORE\tTEXT\tFROM MESSAGES")
		for i, it := range items {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%.2f\t%s\t%s\n", i+1, it.Kind, when(it.When), it.Score, short(it.Text, 90), ids(it.Sources))
		}
		return tw.Flush()
	case "show":
		kind, id, err := kindAndID(pos, "usage: os1 memory show KIND ID (kinds: fact, person, summary, reflection, turn)")
		if err != nil {
			return err
		}
		item, msgs, err := mem.Show(ctx, u.ID, kind, id)
		if err != nil {
			return fmt.Errorf("show %s %d: %s", kind, id, explain(err))
		}
		fmt.Fprintf(out, "%s %d (%s)\n%s\n", item.Kind, item.ID, when(item.When), item.Text)
		if !item.Current {
			fmt.Fprintln(out, "No longer current; kept as history.")
		}
		if len(msgs) == 0 {
			fmt.Fprintln(out, "\nIts source messages are no longer stored.")
			return nil
		}
		fmt.Fprintf(out, "\nFrom %d message(s):\n", len(msgs))
		for _, m := range msgs {
			fmt.Fprintf(out, "  [%d] %s %s (conversation %d): %s\n", m.ID, m.CreatedAt.Format("2006-01-02 15:04"), m.Role, m.ConversationID, short(m.Content, 300))
		}
		return nil
	case "edit":
		if len(pos) < 2 {
			return &usageError{`usage: os1 memory edit FACT-ID "CORRECTED STATEMENT" [--user NAME] [--data DIR]`}
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil || id <= 0 {
			return &usageError{fmt.Sprintf("%q is not a fact id; see os1 memory list --kind fact", pos[0])}
		}
		f, err := mem.EditFact(ctx, u.ID, id, strings.Join(pos[1:], " "))
		if err != nil {
			return fmt.Errorf("edit fact %d: %s", id, explain(err))
		}
		fmt.Fprintf(out, "Corrected fact %d; it is now fact %d: %s %s\nThe old statement is kept as history.\n", id, f.ID, f.Subject, f.Statement)
		return nil
	default: // forget
		if len(pos) == 2 && pos[0] == "conversation" {
			id, err := strconv.ParseInt(pos[1], 10, 64)
			if err != nil || id <= 0 {
				return &usageError{fmt.Sprintf("%q is not a conversation id", pos[1])}
			}
			if _, err := db.FindConversation(ctx, u.ID, id); err != nil {
				return fmt.Errorf("forget conversation %d: %s", id, explain(err))
			}
			n, err := mem.ForgetConversation(ctx, u.ID, id)
			if err != nil {
				return fmt.Errorf("forget conversation %d: %s", id, explain(err))
			}
			fmt.Fprintf(out, "Forgot conversation %d: %d turn(s) and everything remembered from them. The messages themselves are still in the conversation.\n", id, n)
			return nil
		}
		kind, id, err := kindAndID(pos, "usage: os1 memory forget KIND ID | forget conversation ID (kinds: fact, person, summary, reflection, turn)")
		if err != nil {
			return err
		}
		if err := mem.Forget(ctx, u.ID, kind, id); err != nil {
			return fmt.Errorf("forget %s %d: %s", kind, id, explain(err))
		}
		fmt.Fprintf(out, "Forgot %s %d; it will not be recalled again.\n", kind, id)
		return nil
	}
}

func kindAndID(pos []string, usage string) (string, int64, error) {
	if len(pos) != 2 {
		return "", 0, &usageError{usage}
	}
	switch pos[0] {
	case os1.KindFact, os1.KindPerson, os1.KindSummary, os1.KindReflection, os1.KindTurn:
	default:
		return "", 0, &usageError{fmt.Sprintf("unknown kind %q; %s", pos[0], usage)}
	}
	id, err := strconv.ParseInt(pos[1], 10, 64)
	if err != nil || id <= 0 {
		return "", 0, &usageError{fmt.Sprintf("%q is not an id; %s", pos[1], usage)}
	}
	return pos[0], id, nil
}

func when(t interface{ Format(string) string }) string { return t.Format("2006-01-02") }

func short(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

func ids(list []int64) string {
	var parts []string
	for _, id := range list {
		parts = append(parts, strconv.FormatInt(id, 10))
	}
	return strings.Join(parts, ",")
}
