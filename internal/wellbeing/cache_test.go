package wellbeing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"os1/internal/wellbeing"
)

// countingStore counts the reads of a person's activity history.
type countingStore struct {
	wellbeing.Store
	reads int
}

func (s *countingStore) UserActivity(ctx context.Context, userID int64, since time.Time) ([]wellbeing.Activity, error) {
	s.reads++
	return s.Store.UserActivity(ctx, userID, since)
}

// TestFiguresReusedWithinTTL: turns within FiguresTTL reuse the figures
// (one read of the history), a message with dependence language is still
// noticed on such a turn, and after the TTL the history is read again.
func TestFiguresReusedWithinTTL(t *testing.T) {
	start := time.Date(2026, 3, 20, 15, 0, 0, 0, paris)
	w := newWorld(t, start)
	store := &countingStore{Store: w.db}
	w.svc.Store = store
	u, conv := w.person("theodore")
	w.say(u, conv, start.Add(-48*time.Hour), 4, time.Minute)

	if p := w.turn(u, conv, "Good afternoon."); strings.Contains(p, nudgeMark) {
		t.Fatalf("an ordinary first turn nudges:\n%s", p)
	}
	w.clock.Add(10 * time.Second)
	prompt := w.turn(u, conv, "Honestly, you're the only one who understands me.")
	if store.reads != 1 {
		t.Fatalf("history read %d times in two turns within the TTL, want 1", store.reads)
	}
	if !strings.Contains(prompt, nudgeMark) {
		t.Fatalf("dependence language on a cached turn was not acted on; prompt:\n%s", prompt)
	}
	w.clock.Add(2 * time.Minute)
	w.turn(u, conv, "Back again.")
	if store.reads != 2 {
		t.Fatalf("history read %d times after the TTL, want 2", store.reads)
	}
}
