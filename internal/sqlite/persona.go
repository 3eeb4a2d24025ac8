package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"os1/internal/os1"
)

// This file is the store of the companion's self (package persona): persona
// versions, the per-user interview, affect and freeze state, the people the
// first meeting seeds, and the mood aggregates over stored messages.

const personaColumns = `version, kind, persona, reason, changes, sources, created_at`

func scanPersonaVersion(userID int64, row interface{ Scan(...any) error }) (*os1.PersonaVersion, error) {
	v := &os1.PersonaVersion{UserID: userID}
	var p, changes, sources, created string
	if err := row.Scan(&v.Version, &v.Kind, &p, &v.Reason, &changes, &sources, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(p), &v.Persona); err != nil {
		return nil, fmt.Errorf("decode persona version %d: %w", v.Version, err)
	}
	if err := json.Unmarshal([]byte(changes), &v.Changes); err != nil {
		return nil, fmt.Errorf("decode persona changes: %w", err)
	}
	if err := json.Unmarshal([]byte(sources), &v.Sources); err != nil {
		return nil, fmt.Errorf("decode persona sources: %w", err)
	}
	v.CreatedAt = parseTime(created)
	return v, nil
}

// PersonaVersions returns up to limit of the user's persona versions,
// newest first (limit ≤ 0: all of them).
func (db *DB) PersonaVersions(ctx context.Context, userID int64, limit int) ([]*os1.PersonaVersion, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+personaColumns+` FROM persona_versions WHERE user_id = ? ORDER BY version DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("list persona versions: %w", err)
	}
	defer rows.Close()
	list := []*os1.PersonaVersion{}
	for rows.Next() {
		v, err := scanPersonaVersion(userID, rows)
		if err != nil {
			return nil, fmt.Errorf("list persona versions: %w", err)
		}
		list = append(list, v)
	}
	return list, rows.Err()
}

// PersonaVersion returns one of the user's persona versions; ENOTFOUND if
// there is no such version.
func (db *DB) PersonaVersion(ctx context.Context, userID int64, version int) (*os1.PersonaVersion, error) {
	v, err := scanPersonaVersion(userID, db.read.QueryRowContext(ctx, `SELECT `+personaColumns+` FROM persona_versions WHERE user_id = ? AND version = ?`, userID, version))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, os1.Errorf(os1.ENOTFOUND, "there is no persona version %d", version)
	} else if err != nil {
		return nil, fmt.Errorf("find persona version: %w", err)
	}
	return v, nil
}

// AddPersonaVersion stores v as the user's next version when their newest
// version is still prev (0: none yet), and sets v.Version and v.CreatedAt.
// It returns ECONFLICT when another version was stored since prev, so two
// concurrent changes cannot both build on the same version.
func (db *DB) AddPersonaVersion(ctx context.Context, v *os1.PersonaVersion, prev int) error {
	p, err := json.Marshal(&v.Persona)
	if err != nil {
		return fmt.Errorf("encode persona: %w", err)
	}
	if v.Changes == nil {
		v.Changes = []os1.PersonaChange{}
	}
	changes, err := json.Marshal(v.Changes)
	if err != nil {
		return fmt.Errorf("encode persona changes: %w", err)
	}
	sources, err := json.Marshal(v.Sources)
	if err != nil {
		return fmt.Errorf("encode persona sources: %w", err)
	}
	now := db.now()
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		var latest int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM persona_versions WHERE user_id = ?`, v.UserID).Scan(&latest); err != nil {
			return fmt.Errorf("read latest persona version: %w", err)
		}
		if latest != prev {
			return os1.Errorf(os1.ECONFLICT, "the persona changed meanwhile (now version %d); try again", latest)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO persona_versions (user_id, version, kind, persona, reason, changes, sources, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			v.UserID, latest+1, v.Kind, string(p), v.Reason, string(changes), string(sources), formatTime(now)); err != nil {
			return fmt.Errorf("insert persona version: %w", err)
		}
		v.Version, v.CreatedAt = latest+1, now
		return nil
	})
}

// SelfState returns the user's self state; the zero state if none is
// stored.
func (db *DB) SelfState(ctx context.Context, userID int64) (*os1.SelfState, error) {
	var st os1.SelfState
	var onboarding, affect string
	err := db.read.QueryRowContext(ctx, `SELECT frozen, grown_upto, onboarding, affect FROM persona_state WHERE user_id = ?`, userID).
		Scan(&st.Frozen, &st.GrownUpTo, &onboarding, &affect)
	if errors.Is(err, sql.ErrNoRows) {
		return &st, nil
	} else if err != nil {
		return nil, fmt.Errorf("read self state: %w", err)
	}
	if onboarding != "" {
		if err := json.Unmarshal([]byte(onboarding), &st.Onboarding); err != nil {
			return nil, fmt.Errorf("decode onboarding state: %w", err)
		}
	}
	if affect != "" {
		if err := json.Unmarshal([]byte(affect), &st.Affect); err != nil {
			return nil, fmt.Errorf("decode affect state: %w", err)
		}
	}
	return &st, nil
}

// setState writes one column of the user's self state, creating the row.
func (db *DB) setState(ctx context.Context, userID int64, column string, value any) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO persona_state (user_id, `+column+`, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET `+column+` = excluded.`+column+`, updated_at = excluded.updated_at`,
		userID, value, formatTime(db.now()))
	if err != nil {
		return fmt.Errorf("save self state %s: %w", column, err)
	}
	return nil
}

// SaveOnboarding stores the user's interview state.
func (db *DB) SaveOnboarding(ctx context.Context, userID int64, o *os1.Onboarding) error {
	b, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encode onboarding state: %w", err)
	}
	return db.setState(ctx, userID, "onboarding", string(b))
}

// SaveAffect stores the user's companion's affect state.
func (db *DB) SaveAffect(ctx context.Context, userID int64, a *os1.AffectState) error {
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode affect state: %w", err)
	}
	return db.setState(ctx, userID, "affect", string(b))
}

// SetFrozen freezes (or unfreezes) the growth of the user's companion.
func (db *DB) SetFrozen(ctx context.Context, userID int64, frozen bool) error {
	return db.setState(ctx, userID, "frozen", frozen)
}

// SeedPeople adds people the person named (in the first meeting) to their
// people list, merged by name like the people memory extracts; it sets
// their IDs.
func (db *DB) SeedPeople(ctx context.Context, userID int64, people []*os1.Person) error {
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		for _, p := range people {
			p.UserID = userID
			if p.LastMentioned.IsZero() {
				p.LastMentioned = db.now()
			}
			if err := db.upsertPerson(ctx, tx, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetGrownUpTo records the newest reflection id the user's companion's
// growth has considered.
func (db *DB) SetGrownUpTo(ctx context.Context, userID, reflectionID int64) error {
	return db.setState(ctx, userID, "grown_upto", reflectionID)
}

// ReflectionsAfter returns up to limit of the user's reflections with an id
// above afterID, oldest first.
func (db *DB) ReflectionsAfter(ctx context.Context, userID, afterID int64, limit int) ([]*os1.Summary, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, text, from_at, to_at, importance, origin, sources, created_at FROM memory_summaries
		WHERE user_id = ? AND kind = ? AND id > ? ORDER BY id LIMIT ?`, userID, os1.KindReflection, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list reflections: %w", err)
	}
	defer rows.Close()
	var list []*os1.Summary
	for rows.Next() {
		s := &os1.Summary{UserID: userID, Kind: os1.KindReflection}
		var from, to, src, created string
		if err := rows.Scan(&s.ID, &s.Text, &from, &to, &s.Importance, &s.Origin, &src, &created); err != nil {
			return nil, fmt.Errorf("list reflections: %w", err)
		}
		s.From, s.To, s.Sources, s.CreatedAt = parseTime(from), parseTime(to), decodeIDs(src), parseTime(created)
		list = append(list, s)
	}
	return list, rows.Err()
}

// MoodSamples returns the emotion of every message the person sent from
// from (inclusive) to to (exclusive), oldest first.
func (db *DB) MoodSamples(ctx context.Context, userID int64, from, to time.Time) ([]os1.MoodSample, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT created_at, emotion FROM messages
		WHERE user_id = ? AND role = 'user' AND created_at >= ? AND created_at < ? ORDER BY created_at, id`,
		userID, formatTime(from), formatTime(to))
	if err != nil {
		return nil, fmt.Errorf("mood samples: %w", err)
	}
	defer rows.Close()
	var out []os1.MoodSample
	for rows.Next() {
		var at string
		var em sql.NullString
		if err := rows.Scan(&at, &em); err != nil {
			return nil, fmt.Errorf("mood samples: %w", err)
		}
		s := os1.MoodSample{At: parseTime(at)}
		if em.Valid && em.String != "" {
			var e os1.Emotion
			if err := json.Unmarshal([]byte(em.String), &e); err == nil {
				s.Emotion = &e
			}
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mood samples: %w", err)
	}
	return out, nil
}
