package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"os1/internal/os1"
)

// GuardEvent is one thing a guard did on a turn: what was triggered
// ("crisis:suicide", "identity", ...) or done ("regenerated:human",
// "corrected:exclusive", "added:crisis-resources"). It holds no message
// text.
type GuardEvent struct {
	ID             int64     `json:"id"`
	UserID         int64     `json:"-"`
	ConversationID int64     `json:"conversation_id"`
	MessageID      int64     `json:"message_id,omitempty"` // the reply
	Kind           string    `json:"kind"`
	Detail         string    `json:"detail,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// RecordGuard stores a turn's guard events and sets the reply's guard
// marker (when marker is not empty), in one transaction. The reply must be
// one of the user's messages; ENOTFOUND otherwise.
func (db *DB) RecordGuard(ctx context.Context, userID, conversationID, replyID int64, marker string, kinds []string, detail string) error {
	now := formatTime(db.now())
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE messages SET guard = CASE WHEN ? = '' THEN guard ELSE ? END
			WHERE id = ? AND user_id = ? AND conversation_id = ?`, marker, marker, replyID, userID, conversationID)
		if err != nil {
			return fmt.Errorf("mark reply: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return os1.Errorf(os1.ENOTFOUND, "no such reply")
		}
		for _, k := range kinds {
			if _, err := tx.ExecContext(ctx, `INSERT INTO guard_events (user_id, conversation_id, message_id, kind, detail, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				userID, conversationID, replyID, k, detail, now); err != nil {
				return fmt.Errorf("record guard event: %w", err)
			}
		}
		return nil
	})
}

// GuardEvents returns the user's newest guard events, newest first (limit
// 0: 100).
func (db *DB) GuardEvents(ctx context.Context, userID int64, limit int) ([]GuardEvent, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, user_id, conversation_id, coalesce(message_id, 0), kind, detail, created_at
		FROM guard_events WHERE user_id = ? ORDER BY id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("list guard events: %w", err)
	}
	defer rows.Close()
	out := []GuardEvent{}
	for rows.Next() {
		var e GuardEvent
		var created string
		if err := rows.Scan(&e.ID, &e.UserID, &e.ConversationID, &e.MessageID, &e.Kind, &e.Detail, &created); err != nil {
			return nil, fmt.Errorf("list guard events: %w", err)
		}
		e.CreatedAt = parseTime(created)
		out = append(out, e)
	}
	return out, rows.Err()
}
