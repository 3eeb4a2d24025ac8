package bench

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report as a plain-text table: recall@k in percent
// per category for the memory and for plain BM25, then throughput and
// latency.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "memory benchmark: %s\n%d conversations, %d turns, %d questions\n\n", r.File, r.Conversations, r.Turns, r.Questions)
	fmt.Fprintf(w, "%-24s %-12s %5s", "retriever", "category", "n")
	for _, k := range Ks {
		fmt.Fprintf(w, " %7s", fmt.Sprintf("R@%d", k))
	}
	fmt.Fprintln(w)
	rows := append([]string{"overall"}, Categories...)
	for _, sys := range []struct {
		name string
		m    map[string]map[string]float64
	}{{"os1 memory", r.Recall}, {"plain BM25 over turns", r.Baseline}} {
		for _, cat := range rows {
			m, ok := sys.m[cat]
			if !ok {
				continue
			}
			n := r.Counts[cat]
			if cat == "overall" {
				n = r.Questions
			}
			fmt.Fprintf(w, "%-24s %-12s %5d", sys.name, cat, n)
			for _, k := range Ks {
				fmt.Fprintf(w, " %7.1f", m[fmt.Sprint(k)])
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintf(w, "\ningest: %.0f turns/s wall, %.0f turns per CPU-second (message store + index + extraction)\n", r.IngestPerSec, r.IngestPerCPUSec)
	if r.LatencyMS != nil {
		fmt.Fprintf(w, "recall latency over a %d-turn history: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", r.LatencyTurns, r.LatencyMS["p50"], r.LatencyMS["p99"], r.LatencyMS["max"])
	}
	_, err := fmt.Fprintf(w, "run time: %.1f s\n", r.Duration)
	return err
}
