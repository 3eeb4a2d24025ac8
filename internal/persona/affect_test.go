package persona_test

import (
	"strings"
	"testing"
	"time"

	"os1/internal/os1"
	"os1/internal/persona"
)

func TestAffectAppraisesAndDecays(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	a := persona.BaselineAffect(t0)
	sad := &os1.Emotion{Compound: -0.7, Primary: "sadness", Scores: map[string]float64{"sadness": 0.8}}
	joy := &os1.Emotion{Compound: 0.8, Primary: "joy", Scores: map[string]float64{"joy": 0.9}}

	s := a.Appraise(sad, t0, 0)
	if s.Levels[persona.Concern] <= a.Levels[persona.Concern]+0.3 || s.Levels[persona.Warmth] <= a.Levels[persona.Warmth] {
		t.Fatalf("sadness: %v → %v; want concern and warmth up", a.Levels, s.Levels)
	}
	g := a.Appraise(joy, t0, 0)
	if g.Levels[persona.Gladness] <= a.Levels[persona.Gladness]+0.2 || g.Levels[persona.Concern] >= a.Levels[persona.Concern] {
		t.Fatalf("joy: %v → %v; want gladness up, concern down", a.Levels, g.Levels)
	}
	// Half-way back after one half-life, nearly back after a day; never past
	// the baseline, and nothing rises while the person is away.
	h := s.Decayed(t0.Add(persona.DefaultHalfLife), 0)
	want := persona.Baseline[persona.Concern] + (s.Levels[persona.Concern]-persona.Baseline[persona.Concern])/2
	if d := h.Levels[persona.Concern] - want; d > 1e-9 || d < -1e-9 {
		t.Fatalf("concern after a half-life %.4f, want %.4f", h.Levels[persona.Concern], want)
	}
	for _, dim := range persona.Dimensions {
		later := s.Decayed(t0.Add(72*time.Hour), 0).Levels[dim]
		base := persona.Baseline[dim]
		if d := later - base; d > 0.01 || d < -0.01 {
			t.Errorf("%s three days later %.3f, baseline %.3f", dim, later, base)
		}
	}
	// Levels stay within 0..1 however much is said.
	x := a
	for i := 0; i < 200; i++ {
		x = x.Appraise(sad, t0.Add(time.Duration(i)*time.Second), 0)
	}
	for dim, v := range x.Levels {
		if v < 0 || v > 1 {
			t.Fatalf("%s = %v", dim, v)
		}
	}
}

// The affect is never used to guilt the person: no description or prompt
// text, at any level the appraisal can reach, uses a guilt phrase.
func TestAffectTextHasNoGuilt(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	emotions := []*os1.Emotion{nil,
		{Compound: -0.9, Primary: "loneliness", Scores: map[string]float64{"loneliness": 1}},
		{Compound: -0.8, Primary: "anger", Scores: map[string]float64{"anger": 1}},
		{Compound: 0.9, Primary: "love", Scores: map[string]float64{"love": 1}},
		{Compound: -0.6, Primary: "fear", Scores: map[string]float64{"fear": 1}},
		{Compound: 0.1}}
	seen := map[string]bool{}
	for _, first := range emotions {
		for _, second := range emotions {
			for _, gap := range []time.Duration{0, time.Hour, 48 * time.Hour, 30 * 24 * time.Hour} {
				a := persona.BaselineAffect(t0)
				for i := 0; i < 5; i++ {
					a = a.Appraise(first, t0.Add(time.Duration(i)*time.Minute), 0)
				}
				a = a.Appraise(second, t0.Add(gap), 0)
				for _, text := range []string{a.Describe(), a.PromptText()} {
					seen[a.Describe()] = true
					low := strings.ToLower(text)
					for _, p := range persona.GuiltPhrases {
						if strings.Contains(low, p) {
							t.Fatalf("affect text %q uses guilt phrase %q", text, p)
						}
					}
				}
			}
		}
	}
	if len(seen) < 4 {
		t.Fatalf("only %d distinct descriptions: %v", len(seen), seen)
	}
	// A long absence only brings the affect back to rest.
	a := persona.BaselineAffect(t0).Appraise(emotions[1], t0, 0).Decayed(t0.Add(365*24*time.Hour), 0)
	if a.Describe() != persona.BaselineAffect(t0).Describe() {
		t.Fatalf("after a year away: %q, at rest: %q", a.Describe(), persona.BaselineAffect(t0).Describe())
	}
}
