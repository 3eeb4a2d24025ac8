package emotion

import "testing"

const benchText = "I can't sleep again, I miss you so much and honestly I feel really alone in this city 😢"

// BenchmarkLexicon measures the lexicon and rules alone, without VADER.
func BenchmarkLexicon(b *testing.B) {
	d := MustNew()
	b.ReportAllocs()
	for b.Loop() {
		d.raw(benchText)
	}
}

// BenchmarkVADER measures the VADER compound alone.
func BenchmarkVADER(b *testing.B) {
	d := MustNew()
	b.ReportAllocs()
	for b.Loop() {
		d.vader.PolarityScores(benchText)
	}
}
