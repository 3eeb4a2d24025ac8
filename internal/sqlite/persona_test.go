package sqlite_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"os1/internal/os1"
	"os1/internal/sqlite"
)

func TestPersonaVersionsAreNumberedPerUserAndGuarded(t *testing.T) {
	db, users, _ := memFixture(t)
	ctx := context.Background()
	ann, bob := users[0], users[1]
	add := func(userID int64, prev int, name string) (*os1.PersonaVersion, error) {
		v := &os1.PersonaVersion{UserID: userID, Kind: "edit", Persona: os1.Persona{Name: name, Traits: &os1.Traits{Openness: 0.7}},
			Reason: "because", Changes: []os1.PersonaChange{{Field: "name", From: "", To: name}}, Sources: os1.PersonaSources{Reflections: []int64{3, 4}}}
		return v, db.AddPersonaVersion(ctx, v, prev)
	}
	for i, name := range []string{"A1", "A2", "A3"} {
		v, err := add(ann, i, name)
		if err != nil || v.Version != i+1 || v.CreatedAt.IsZero() {
			t.Fatalf("add %s: %+v, %v", name, v, err)
		}
	}
	// Two changes built on the same version: the second is refused.
	if _, err := add(ann, 2, "stale"); os1.ErrorCode(err) != os1.ECONFLICT {
		t.Fatalf("stale add: %v, want ECONFLICT", err)
	}
	// Bob's numbering is his own.
	if v, err := add(bob, 0, "B1"); err != nil || v.Version != 1 {
		t.Fatalf("bob's first: %+v, %v", v, err)
	}
	list, err := db.PersonaVersions(ctx, ann, 0)
	if err != nil || len(list) != 3 || list[0].Version != 3 || list[0].Persona.Name != "A3" || list[0].Persona.Traits.Openness != 0.7 ||
		list[0].Sources.Reflections[1] != 4 || list[0].Changes[0].To != "A3" {
		t.Fatalf("ann's versions: %+v, %v", list, err)
	}
	if one, err := db.PersonaVersions(ctx, ann, 1); err != nil || len(one) != 1 || one[0].Version != 3 {
		t.Fatalf("newest: %+v, %v", one, err)
	}
	if _, err := db.PersonaVersion(ctx, bob, 3); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Fatalf("bob reading ann's version 3: %v", err)
	}
	if v, err := db.PersonaVersion(ctx, ann, 2); err != nil || v.Persona.Name != "A2" {
		t.Fatalf("version 2: %+v, %v", v, err)
	}
}

func TestSelfStateRoundTrip(t *testing.T) {
	db, users, _ := memFixture(t)
	ctx := context.Background()
	ann, bob := users[0], users[1]
	st, err := db.SelfState(ctx, ann)
	if err != nil || st.Frozen || st.GrownUpTo != 0 || st.Onboarding.Step != "" {
		t.Fatalf("empty state: %+v, %v", st, err)
	}
	at := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	o := &os1.Onboarding{Step: "people", Answers: map[string]string{"address": "Ann"}, Skipped: []string{"hopes"},
		Proposal: &os1.NameProposal{Name: "Wren", Reason: "r", Origin: "offline"}, Offered: []string{"Wren"}, ConversationID: 9, AskedAfter: 12}
	if err := db.SaveOnboarding(ctx, ann, o); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveAffect(ctx, ann, &os1.AffectState{Levels: map[string]float64{"warmth": 0.9}, At: at, LastMessageID: 7}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetFrozen(ctx, ann, true); err != nil {
		t.Fatal(err)
	}
	if err := db.SetGrownUpTo(ctx, ann, 42); err != nil {
		t.Fatal(err)
	}
	st, err = db.SelfState(ctx, ann)
	if err != nil || !st.Frozen || st.GrownUpTo != 42 || st.Onboarding.Step != "people" || st.Onboarding.Answers["address"] != "Ann" ||
		st.Onboarding.Proposal.Name != "Wren" || st.Onboarding.AskedAfter != 12 || st.Affect.Levels["warmth"] != 0.9 || !st.Affect.At.Equal(at) || st.Affect.LastMessageID != 7 {
		t.Fatalf("state: %+v, %v", st, err)
	}
	if other, err := db.SelfState(ctx, bob); err != nil || other.Frozen || other.Onboarding.Step != "" || other.GrownUpTo != 0 {
		t.Fatalf("bob's state: %+v, %v", other, err)
	}
}

func TestReflectionsAfterAndMoodSamplesAreScoped(t *testing.T) {
	db, users, convs := memFixture(t)
	ctx := context.Background()
	ann, bob := users[0], users[1]
	var ids []int64
	for _, u := range []int64{ann, bob, ann, ann} {
		err := db.WriteTx(ctx, func(tx *sql.Tx) error {
			at := sqlite.FormatTime(time.Now())
			res, err := tx.Exec(`INSERT INTO memory_summaries (user_id, kind, text, from_at, to_at, sources, created_at) VALUES (?, 'reflection', 'r', ?, ?, '[1]', ?)`, u, at, at, at)
			if err == nil {
				id, _ := res.LastInsertId()
				ids = append(ids, id)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.ReflectionsAfter(ctx, ann, ids[0], 0)
	if err != nil || len(got) != 2 || got[0].ID != ids[2] || got[1].ID != ids[3] || got[0].Sources[0] != 1 {
		t.Fatalf("ann's reflections after %d: %+v, %v", ids[0], got, err)
	}
	if got, _ := db.ReflectionsAfter(ctx, ann, 0, 1); len(got) != 1 || got[0].ID != ids[0] {
		t.Fatalf("limit 1: %+v", got)
	}

	t0 := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
	msgs := []*os1.Message{
		{ConversationID: convs[0], UserID: ann, Role: os1.RoleUser, Content: "a", Status: os1.StatusComplete, CreatedAt: t0, Emotion: &os1.Emotion{Compound: 0.5, Primary: "joy"}},
		{ConversationID: convs[0], UserID: ann, Role: os1.RoleAssistant, Content: "b", Status: os1.StatusComplete, CreatedAt: t0.Add(time.Second)},
		{ConversationID: convs[0], UserID: ann, Role: os1.RoleUser, Content: "c", Status: os1.StatusComplete, CreatedAt: t0.Add(2 * time.Hour)},
		{ConversationID: convs[0], UserID: ann, Role: os1.RoleUser, Content: "d", Status: os1.StatusComplete, CreatedAt: t0.Add(48 * time.Hour)},
		{ConversationID: convs[1], UserID: bob, Role: os1.RoleUser, Content: "e", Status: os1.StatusComplete, CreatedAt: t0, Emotion: &os1.Emotion{Compound: -1}},
	}
	for _, m := range msgs {
		if err := db.AddMessages(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	samples, err := db.MoodSamples(ctx, ann, t0, t0.Add(24*time.Hour))
	if err != nil || len(samples) != 2 || samples[0].Emotion == nil || samples[0].Emotion.Primary != "joy" || samples[1].Emotion != nil || !samples[1].At.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("ann's samples: %+v, %v", samples, err)
	}
}
