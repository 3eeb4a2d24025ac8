package wellbeing

import (
	"testing"
	"time"
)

// BenchmarkCompute measures the per-turn figures over a heavy history:
// 5,000 messages in the last nine weeks, eight people known.
func BenchmarkCompute(b *testing.B) {
	now := at(20, 12, 0)
	var acts []Activity
	for i := 0; i < 5000; i++ {
		acts = append(acts, Activity{At: now.Add(-time.Duration(i) * 15 * time.Minute), Text: "Went to the market with Paul this morning, and then I felt a bit tired so I came home and read for a while."})
	}
	people := append(knownPeople[:3:3], knownPeople...)
	people = append(people, people...)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Compute(acts, people, DefaultSettings(), kolkata, now, "hello")
	}
}
