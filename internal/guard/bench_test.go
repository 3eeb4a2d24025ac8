package guard

import (
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"os1/internal/os1"
)

// BenchmarkGuardsPerTurn measures what the guards add to a turn: the input
// check of the person's message, the gate over a typical reply streamed
// word by word (about 110 words, 9 sentences), and the completion check.
// It reports the p50 and p99 of one turn's guard time, in wall time and,
// on Linux, in CPU time of the thread (which leaves out the time the
// thread waited for a CPU on a busy machine).
//
//	go test ./internal/guard -run '^$' -bench GuardsPerTurn -benchtime 2000x
func BenchmarkGuardsPerTurn(b *testing.B) {
	g := New(Options{})
	msgs := readSets(b, "ordinary", "crisis", "identity", "isolation")
	good := readLines(b, "reply_good.txt")
	var replies [][]string
	for i := 0; i+9 <= len(good); i += 4 {
		replies = append(replies, strings.SplitAfter(strings.Join(good[i:i+9], " "), " "))
	}
	p := os1.Presence{ActiveConversations: 4, PeopleKnown: 12}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	times := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start, startCPU := time.Now(), threadCPU()
		in := CheckInput(msgs[i%len(msgs)])
		gt := g.NewGate(GateOptions{Presence: p, CanRetry: true, Strict: in.Any(), Crisis: len(in.Crisis) > 0})
		var shown strings.Builder
		for _, w := range replies[i%len(replies)] {
			out, _ := gt.Write(w)
			shown.WriteString(out)
		}
		shown.WriteString(gt.Close())
		g.Complete(in, shown.String(), p)
		times = append(times, time.Since(start))
		cpu = append(cpu, threadCPU()-startCPU)
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "p99-µs")
	slices.Sort(cpu)
	b.ReportMetric(float64(cpu[len(cpu)/2].Microseconds()), "p50-cpu-µs")
	b.ReportMetric(float64(cpu[len(cpu)*99/100].Microseconds()), "p99-cpu-µs")
}
