package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"os1/internal/persona"
	"os1/internal/sqlite"
	"os1/internal/wellbeing"
)

// TestExportCarriesPersonaAndWellbeing: the companion's persona (with its
// journal) and the wellbeing settings travel through os1 export and come
// back with os1 import into a fresh instance.
func TestExportCarriesPersonaAndWellbeing(t *testing.T) {
	c := newCLI(t)
	c.seedPerson("theo", "My sister Anna lives far away.")
	ctx := context.Background()
	open := func(data string) *sqlite.DB {
		db, err := sqlite.Open(ctx, filepath.Join(data, "os1.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open(c.data)
	u, err := db.FindUserByName(ctx, "theo")
	if err != nil {
		t.Fatal(err)
	}
	ps := persona.New(persona.Options{Store: db})
	p, err := ps.Persona(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	p.Name = "Lumen"
	p.Interests = append(p.Interests, "old jazz records")
	if _, err := ps.SetPersona(ctx, u.ID, p, "Theo asked for a warmer name."); err != nil {
		t.Fatal(err)
	}
	budget, zone := 45, "Europe/Lisbon"
	if _, err := (&wellbeing.Service{Store: db}).UpdateSettings(ctx, u.ID, wellbeing.SettingsUpdate{BudgetMinutes: &budget, TimeZone: &zone}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	file := filepath.Join(t.TempDir(), "theo.json")
	c.ok("export", "--user", "theo", file)
	fresh := newCLI(t)
	if out := fresh.ok("import", file); strings.Contains(out, "left out") {
		t.Fatalf("import left sections out:\n%s", out)
	}

	db = open(fresh.data)
	defer db.Close()
	u2, err := db.FindUserByName(ctx, "theo")
	if err != nil {
		t.Fatal(err)
	}
	got, err := persona.New(persona.Options{Store: db}).Persona(ctx, u2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Lumen" || !slices.Contains(got.Interests, "old jazz records") {
		t.Fatalf("imported persona: name %q, interests %q", got.Name, got.Interests)
	}
	st, err := (&wellbeing.Service{Store: db}).Settings(ctx, u2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.BudgetMinutes != 45 || st.TimeZone != "Europe/Lisbon" {
		t.Fatalf("imported wellbeing settings: %+v", st)
	}
}
