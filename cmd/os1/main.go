// Command os1 is the OS1 companion: one binary that serves it (os1 serve),
// chats with it in the terminal (os1 chat), manages its people (os1 user),
// backs it up (os1 backup), shows and corrects what it remembers (os1
// memory), exports and imports a person (os1 export, os1 import), trades
// character cards (os1 card), announces the end of an instance (os1
// sunset) and measures its memory (os1 bench memory).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "os1:", err)
		}
		os.Exit(exitCode(err))
	}
}

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u *usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

const usage = `os1 — an AI companion that remembers, tells the truth about what it is,
and keeps its person close to the people in their life.

Usage:
  os1 serve [flags]          serve the companion (web page, API, OpenAI endpoint)
  os1 chat [flags]           talk in the terminal (to a server, or in-process)
  os1 user add NAME          create a person; prints their API key last
  os1 user list              list people
  os1 user key NAME          make a new API key for a person
  os1 backup FILE            write a consistent copy of the database
  os1 memory list|search|show|edit|forget
                             see and correct what the companion remembers
  os1 export --user NAME FILE  everything of a person: JSON archive + readable copy
  os1 import FILE            bring an exported person into this instance
  os1 card import|export     character cards (V2/V3; JSON, PNG, CHARX)
  os1 sunset --notice 14d    announce the end of this instance to everyone
  os1 bench memory --data FILE  measure memory recall on a LoCoMo-style file
  os1 version                print the version

Run 'os1 COMMAND -h' for a command's flags.
`

// Run runs the os1 command line with the given arguments and streams.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &usageError{"no command given"}
	}
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return (&ServeCommand{Env: env}).Run(ctx, rest)
	case "chat":
		return (&ChatCommand{Env: env}).Run(ctx, rest)
	case "user":
		return (&UserCommand{Env: env}).Run(ctx, rest)
	case "backup":
		return (&BackupCommand{Env: env}).Run(ctx, rest)
	case "memory":
		return (&MemoryCommand{Env: env}).Run(ctx, rest)
	case "export":
		return (&ExportCommand{Env: env}).Run(ctx, rest)
	case "import":
		return (&ImportCommand{Env: env}).Run(ctx, rest)
	case "card":
		return (&CardCommand{Env: env}).Run(ctx, rest)
	case "sunset":
		return (&SunsetCommand{Env: env}).Run(ctx, rest)
	case "bench":
		return (&BenchCommand{Env: env}).Run(ctx, rest)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "os1", Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return &usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}

// Env is what a command reads and writes besides its arguments.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func (e *Env) newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.Stderr, "Usage: %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}
