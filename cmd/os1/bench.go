package main

import (
	"context"
	"fmt"

	"os1/internal/memory/bench"
)

// BenchCommand runs OS1's own benchmarks: os1 bench memory --data FILE.
type BenchCommand struct {
	Env *Env
}

const benchUsage = `Usage:
  os1 bench memory --data FILE [--json] [--latency-turns N] [--audited]

Runs the memory benchmark on FILE, a conversation file in the LoCoMo
schema: every session is ingested turn by turn, offline, through the path a
live conversation takes; every question is asked through the recall the
companion uses; recall@k is reported per category beside plain BM25 over
the turns, with ingest throughput and recall latency.`

// Run runs a benchmark.
func (c *BenchCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "memory" {
		fmt.Fprintln(c.Env.Stderr, benchUsage)
		if len(args) == 0 {
			return &usageError{"bench: name a benchmark (memory)"}
		}
		return &usageError{fmt.Sprintf("bench: unknown benchmark %q (known: memory)", args[0])}
	}
	fs := c.Env.newFlagSet("bench memory", "os1 bench memory --data FILE [--json]")
	data := fs.String("data", "", "benchmark `FILE` in the LoCoMo schema (required)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of tables")
	latency := fs.Int("latency-turns", 6000, "history size for the latency measurement (negative: skip it)")
	audited := fs.Bool("audited", false, "use the audited evidence where the file has it")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *data == "" {
		fs.Usage()
		return &usageError{"bench memory: --data FILE is required"}
	}
	if !*asJSON {
		fmt.Fprintf(c.Env.Stderr, "ingesting and asking %s (this takes a few seconds per thousand turns)…\n", *data)
	}
	rep, err := bench.Run(ctx, *data, bench.Options{LatencyTurns: *latency, Audited: *audited})
	if err != nil {
		return err
	}
	if *asJSON {
		return rep.WriteJSON(c.Env.Stdout)
	}
	return rep.WriteText(c.Env.Stdout)
}
