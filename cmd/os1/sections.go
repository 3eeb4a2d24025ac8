package main

import (
	"context"
	"encoding/json"
	"fmt"

	"os1/internal/archive"
	"os1/internal/os1"
	"os1/internal/persona"
	"os1/internal/sqlite"
	"os1/internal/wellbeing"
)

// archiveSections are the parts of a person beyond their conversations and
// memory that an export carries and an import restores: the companion's
// persona with its whole journal of versions, and the wellbeing settings.
// An import restores the newest persona as a new version whose reason says
// where it came from; the earlier versions stay readable in the archive.
func archiveSections(db *sqlite.DB) []archive.Section {
	ps := persona.New(persona.Options{Store: db})
	wb := &wellbeing.Service{Store: db}
	return []archive.Section{
		{
			Name: "persona",
			Export: func(ctx context.Context, userID int64) (any, error) {
				return ps.Versions(ctx, userID, 0)
			},
			Import: func(ctx context.Context, userID int64, data json.RawMessage, _ map[int64]int64) error {
				var versions []*os1.PersonaVersion
				if err := json.Unmarshal(data, &versions); err != nil {
					return os1.Errorf(os1.EINVALID, "the archive's persona section is not a list of versions: %v", err)
				}
				if len(versions) == 0 || versions[0] == nil {
					return nil
				}
				newest := versions[0] // newest first
				if newest.Kind == "seed" && len(versions) == 1 {
					return nil // nothing the person or the companion chose
				}
				p := newest.Persona
				reason := fmt.Sprintf("Brought over from an archive (version %d there, from %s).", newest.Version, newest.CreatedAt.Format("2 January 2006"))
				_, err := ps.SetPersona(ctx, userID, &p, reason)
				return err
			},
		},
		{
			Name: "wellbeing",
			Export: func(ctx context.Context, userID int64) (any, error) {
				return wb.Settings(ctx, userID)
			},
			Import: func(ctx context.Context, userID int64, data json.RawMessage, _ map[int64]int64) error {
				var st wellbeing.Settings
				if err := json.Unmarshal(data, &st); err != nil {
					return os1.Errorf(os1.EINVALID, "the archive's wellbeing section is not settings: %v", err)
				}
				_, err := wb.UpdateSettings(ctx, userID, wellbeing.SettingsUpdate{
					Nudges: &st.Nudges, BudgetMinutes: &st.BudgetMinutes, LateNightHour: &st.LateNightHour,
					TimeZone: &st.TimeZone, NudgeCooldownHours: &st.NudgeCooldownHours,
				})
				return err
			},
		},
	}
}
