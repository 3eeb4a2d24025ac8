package sqlite

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"os1/internal/os1"
	"os1/internal/wellbeing"
)

// Interface guard.
var _ wellbeing.Store = (*DB)(nil)

// UserActivity returns the person's own messages since a time, oldest first.
func (db *DB) UserActivity(ctx context.Context, userID int64, since time.Time) ([]wellbeing.Activity, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT created_at, content FROM messages
		WHERE user_id = ? AND role = 'user' AND created_at >= ? ORDER BY created_at, id`, userID, formatTime(since))
	if err != nil {
		return nil, fmt.Errorf("read activity: %w", err)
	}
	defer rows.Close()
	var out []wellbeing.Activity
	for rows.Next() {
		var at, text string
		if err := rows.Scan(&at, &text); err != nil {
			return nil, fmt.Errorf("read activity: %w", err)
		}
		out = append(out, wellbeing.Activity{At: parseTime(at), Text: text})
	}
	return out, rows.Err()
}

// MessageStats returns the person's totals.
func (db *DB) MessageStats(ctx context.Context, userID int64) (wellbeing.Stats, error) {
	var st wellbeing.Stats
	var first, last sql.NullString
	err := db.read.QueryRowContext(ctx, `SELECT count(*), min(created_at), max(created_at) FROM messages WHERE user_id = ? AND role = 'user'`, userID).
		Scan(&st.Messages, &first, &last)
	if err != nil {
		return st, fmt.Errorf("count messages: %w", err)
	}
	st.First, st.Last = parseTime(first.String), parseTime(last.String)
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM conversations WHERE user_id = ?`, userID).Scan(&st.Conversations); err != nil {
		return st, fmt.Errorf("count conversations: %w", err)
	}
	return st, nil
}

// WellbeingSettings returns the person's settings (the defaults when they
// never changed them).
func (db *DB) WellbeingSettings(ctx context.Context, userID int64) (wellbeing.Settings, error) {
	s := wellbeing.DefaultSettings()
	err := db.read.QueryRowContext(ctx, `SELECT nudges, budget_minutes, late_night_hour, time_zone, cooldown_hours, romance FROM wellbeing_settings WHERE user_id = ?`, userID).
		Scan(&s.Nudges, &s.BudgetMinutes, &s.LateNightHour, &s.TimeZone, &s.NudgeCooldownHours, &s.Romance)
	if errors.Is(err, sql.ErrNoRows) {
		return wellbeing.DefaultSettings(), nil
	} else if err != nil {
		return s, fmt.Errorf("read wellbeing settings: %w", err)
	}
	return s, nil
}

// SaveWellbeingSettings stores the person's settings.
func (db *DB) SaveWellbeingSettings(ctx context.Context, userID int64, s wellbeing.Settings) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO wellbeing_settings (user_id, nudges, budget_minutes, late_night_hour, time_zone, cooldown_hours, romance, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET nudges = excluded.nudges, budget_minutes = excluded.budget_minutes,
			late_night_hour = excluded.late_night_hour, time_zone = excluded.time_zone, cooldown_hours = excluded.cooldown_hours,
			romance = excluded.romance, updated_at = excluded.updated_at`,
		userID, s.Nudges, s.BudgetMinutes, s.LateNightHour, s.TimeZone, s.NudgeCooldownHours, s.Romance, formatTime(db.now()))
	if err != nil {
		return fmt.Errorf("save wellbeing settings: %w", err)
	}
	return nil
}

// WellbeingState returns what is remembered of the person between turns.
func (db *DB) WellbeingState(ctx context.Context, userID int64) (wellbeing.State, error) {
	var st wellbeing.State
	var nudge, told string
	err := db.read.QueryRowContext(ctx, `SELECT last_nudge_at, last_nudge_person, sunset_told_for FROM wellbeing_state WHERE user_id = ?`, userID).
		Scan(&nudge, &st.LastNudgePerson, &told)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	} else if err != nil {
		return st, fmt.Errorf("read wellbeing state: %w", err)
	}
	st.LastNudgeAt, st.SunsetToldFor = parseTime(nudge), parseTime(told)
	return st, nil
}

// setWellbeingState sets some columns of the person's state row, creating
// it when needed. sets is "col = ?, …" with args in order.
func (db *DB) setWellbeingState(ctx context.Context, userID int64, sets string, args ...any) error {
	now := formatTime(db.now())
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO wellbeing_state (user_id, updated_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING`, userID, now); err != nil {
			return fmt.Errorf("create wellbeing state: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE wellbeing_state SET `+sets+`, updated_at = ? WHERE user_id = ?`, append(args, now, userID)...); err != nil {
			return fmt.Errorf("update wellbeing state: %w", err)
		}
		return nil
	})
}

// RecordNudge records that the person was nudged toward someone.
func (db *DB) RecordNudge(ctx context.Context, userID int64, at time.Time, person string) error {
	return db.setWellbeingState(ctx, userID, `last_nudge_at = ?, last_nudge_person = ?`, formatTime(at), person)
}

// MarkSunsetTold records that the person was told about the sunset
// announced at noticeAt.
func (db *DB) MarkSunsetTold(ctx context.Context, userID int64, noticeAt time.Time) error {
	return db.setWellbeingState(ctx, userID, `sunset_told_for = ?`, formatTime(noticeAt))
}

// CountSunsetTold counts the people told about the sunset announced at
// noticeAt.
func (db *DB) CountSunsetTold(ctx context.Context, noticeAt time.Time) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM wellbeing_state WHERE sunset_told_for = ?`, formatTime(noticeAt)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count people told: %w", err)
	}
	return n, nil
}

// SetGoodbyeToken stores the hash of the person's goodbye confirmation
// token, replacing an earlier one.
func (db *DB) SetGoodbyeToken(ctx context.Context, userID int64, hash []byte, expires time.Time) error {
	return db.setWellbeingState(ctx, userID, `goodbye_hash = ?, goodbye_expires = ?`, hash, formatTime(expires))
}

// TakeGoodbyeToken consumes the person's goodbye token: EFORBIDDEN when it
// is not theirs, was used, or has expired.
func (db *DB) TakeGoodbyeToken(ctx context.Context, userID int64, hash []byte, now time.Time) error {
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		var stored []byte
		var expires string
		err := tx.QueryRowContext(ctx, `SELECT goodbye_hash, goodbye_expires FROM wellbeing_state WHERE user_id = ?`, userID).Scan(&stored, &expires)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && len(stored) == 0) {
			return os1.Errorf(os1.EFORBIDDEN, "no goodbye is waiting for confirmation; POST /api/v1/goodbye first")
		} else if err != nil {
			return fmt.Errorf("read goodbye token: %w", err)
		}
		if subtle.ConstantTimeCompare(stored, hash) != 1 {
			return os1.Errorf(os1.EFORBIDDEN, "that is not the confirmation token of your goodbye; nothing was deleted")
		}
		if !now.Before(parseTime(expires)) {
			return os1.Errorf(os1.EFORBIDDEN, "the confirmation token has expired; nothing was deleted. POST /api/v1/goodbye again for a new one")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE wellbeing_state SET goodbye_hash = NULL, goodbye_expires = '' WHERE user_id = ?`, userID); err != nil {
			return fmt.Errorf("consume goodbye token: %w", err)
		}
		return nil
	})
}

// SaveLetter stores a farewell letter and sets its ID.
func (db *DB) SaveLetter(ctx context.Context, l *wellbeing.Letter) error {
	if l.CreatedAt.IsZero() {
		l.CreatedAt = db.now()
	}
	l.CreatedAt = l.CreatedAt.UTC().Truncate(time.Microsecond)
	res, err := db.write.ExecContext(ctx, `INSERT INTO wellbeing_letters (user_id, kind, text, source, created_at) VALUES (?, ?, ?, ?, ?)`,
		l.UserID, l.Kind, l.Text, l.Source, formatTime(l.CreatedAt))
	if err != nil {
		return fmt.Errorf("store letter: %w", err)
	}
	l.ID, _ = res.LastInsertId()
	return nil
}

// LatestLetter returns the person's newest letter; ENOTFOUND when none.
func (db *DB) LatestLetter(ctx context.Context, userID int64) (*wellbeing.Letter, error) {
	l := &wellbeing.Letter{UserID: userID}
	var created string
	err := db.read.QueryRowContext(ctx, `SELECT id, kind, text, source, created_at FROM wellbeing_letters WHERE user_id = ? ORDER BY id DESC LIMIT 1`, userID).
		Scan(&l.ID, &l.Kind, &l.Text, &l.Source, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, os1.Errorf(os1.ENOTFOUND, "no farewell letter yet")
	} else if err != nil {
		return nil, fmt.Errorf("read letter: %w", err)
	}
	l.CreatedAt = parseTime(created)
	return l, nil
}

// Sunset returns the instance's announced sunset, nil when none.
func (db *DB) Sunset(ctx context.Context) (*wellbeing.Sunset, error) {
	var at, notice string
	err := db.read.QueryRowContext(ctx, `SELECT at, notice_at FROM sunset WHERE id = 1`).Scan(&at, &notice)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read sunset: %w", err)
	}
	return &wellbeing.Sunset{At: parseTime(at), NoticeAt: parseTime(notice)}, nil
}

// SetSunset announces (or moves) the instance's sunset.
func (db *DB) SetSunset(ctx context.Context, s *wellbeing.Sunset) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO sunset (id, at, notice_at) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET at = excluded.at, notice_at = excluded.notice_at`, formatTime(s.At), formatTime(s.NoticeAt))
	if err != nil {
		return fmt.Errorf("record sunset: %w", err)
	}
	return nil
}

// CancelSunset withdraws the sunset; false when there was none.
func (db *DB) CancelSunset(ctx context.Context) (bool, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM sunset WHERE id = 1`)
	if err != nil {
		return false, fmt.Errorf("cancel sunset: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
