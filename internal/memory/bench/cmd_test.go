package bench_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"os1/internal/memory"
	"os1/internal/memory/bench"
)

// TestRunFile runs the benchmark on the file named by OS1_BENCH_FILE (it is
// not part of the repository), and prints the report.
func TestRunFile(t *testing.T) {
	path := os.Getenv("OS1_BENCH_FILE")
	if path == "" {
		t.Skip("OS1_BENCH_FILE not set")
	}
	opts := bench.Options{LatencyTurns: -1}
	if os.Getenv("OS1_LATENCY") != "" {
		opts.LatencyTurns = 0
	}
	if tj := os.Getenv("OS1_TUNING"); tj != "" {
		tu := memory.DefaultTuning
		if err := json.Unmarshal([]byte(tj), &tu); err != nil {
			t.Fatal(err)
		}
		opts.Tuning = &tu
	}
	if c := os.Getenv("OS1_EXPLAIN"); c != "" {
		opts.Explain, opts.ExplainCategory = os.Stderr, c
	}
	rep, err := bench.Run(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	rep.WriteText(os.Stdout)
}
