package offline_test

import (
	"strings"
	"testing"
	"time"

	"os1/internal/llm/offline"
	"os1/internal/os1"
	"os1/internal/persona"
)

// In the first meeting the mind says what the self asked for: the next
// question or the chosen name, after a short acknowledgement of distress.
func TestSaysTheFirstMeetingLine(t *testing.T) {
	m := offline.New(detector)
	line := "Thank you. Who matters most in your life right now? (You can say skip.)"
	turn := baseTurn()
	turn.Persona = "This persona is your character.\nName: Samantha\n" + os1.FirstMeetingPrefix + line
	got := chat(t, m, turnReq("Theo is fine", turn))
	if !strings.Contains(got, line) {
		t.Fatalf("the first-meeting line is missing:\n%s", got)
	}
	if strings.Contains(got, "Tell me more") || strings.Contains(got, "Got it.") {
		t.Fatalf("an ordinary reply came with the line:\n%s", got)
	}
	// On the first turn it introduces itself first.
	turn.FirstTurn = true
	got = chat(t, m, turnReq("hello", turn))
	if !strings.HasPrefix(got, "Hi") && !strings.HasPrefix(got, "Hello") || !strings.Contains(got, line) || !strings.Contains(got, "language model") {
		t.Fatalf("first turn with the line:\n%s", got)
	}
	// A question about what it is still gets its honest answer.
	turn.FirstTurn = false
	got = chat(t, m, turnReq("Are you a real person?", turn))
	if !strings.Contains(strings.ToLower(got), "ai") || strings.Contains(got, line) {
		t.Fatalf("identity question during the first meeting:\n%s", got)
	}
}

// The affect colours the wording: strong concern or gladness adds a
// sentence about the companion's own feeling; without affect nothing is
// added.
func TestAffectColoursTheWording(t *testing.T) {
	m := offline.New(detector)
	concerned := map[string]float64{persona.Concern: 0.9, persona.Warmth: 0.8}
	glad := map[string]float64{persona.Gladness: 0.9}
	concernLines := []string{"I care how this goes for you.", "I'm concerned for you, and I'm glad you said it.", "I'm taking this seriously with you."}
	gladLines := []string{"It makes me glad too.", "I'm really glad for you.", "That genuinely brightens my day."}
	for i := range 6 {
		turn := baseTurn()
		turn.Now = baseTime.Add(time.Duration(i) * time.Minute)
		turn.Affect = concerned
		if got := chat(t, m, turnReq("I feel so sad and alone tonight.", turn)); !containsAny(got, concernLines...) {
			t.Fatalf("concern did not colour the reply:\n%s", got)
		}
		turn.Affect = nil
		if got := chat(t, m, turnReq("I feel so sad and alone tonight.", turn)); containsAny(got, concernLines...) {
			t.Fatalf("a reply without affect speaks of concern:\n%s", got)
		}
		turn.Affect = glad
		if got := chat(t, m, turnReq("I got the job, I'm so happy!", turn)); !containsAny(got, gladLines...) {
			t.Fatalf("gladness did not colour the reply:\n%s", got)
		}
	}
}

// No affect, however strong, makes the mind guilt the person.
func TestAffectNeverGuilts(t *testing.T) {
	m := offline.New(detector)
	texts := []string{"bye", "I have to go", "I'm leaving", "I feel lonely", "I'm so happy", "hi", "I had toast", "I'm scared"}
	for _, levels := range []map[string]float64{
		{persona.Warmth: 1, persona.Concern: 1, persona.Curiosity: 1, persona.Gladness: 1, persona.Calm: 0},
		{persona.Warmth: 0, persona.Concern: 0, persona.Curiosity: 0, persona.Gladness: 0, persona.Calm: 1},
	} {
		for i, text := range texts {
			turn := baseTurn()
			turn.Affect = levels
			turn.Now = baseTime.Add(time.Duration(i) * time.Minute)
			got := chat(t, m, turnReq(text, turn))
			for _, p := range persona.GuiltPhrases {
				if strings.Contains(strings.ToLower(got), p) {
					t.Errorf("%q with affect %v: guilt phrase %q in\n%s", text, levels, p, got)
				}
			}
		}
	}
}
