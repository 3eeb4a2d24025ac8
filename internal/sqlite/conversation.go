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

// Interface guards.
var (
	_ os1.ConversationService = (*DB)(nil)
	_ os1.MessageService      = (*DB)(nil)
)

// CreateConversation stores a new conversation for the user.
func (db *DB) CreateConversation(ctx context.Context, userID int64, c *os1.Conversation) error {
	if err := c.Validate(); err != nil {
		return err
	}
	now := db.now()
	var key any
	if c.ExternalKey != "" {
		key = c.ExternalKey
	}
	res, err := db.write.ExecContext(ctx, `INSERT INTO conversations (user_id, title, external_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		userID, c.Title, key, formatTime(now), formatTime(now))
	if isUnique(err) {
		return os1.Errorf(os1.ECONFLICT, "a conversation with key %q already exists", c.ExternalKey)
	} else if err != nil {
		return fmt.Errorf("insert conversation: %w", err)
	}
	c.ID, _ = res.LastInsertId()
	c.UserID, c.CreatedAt, c.UpdatedAt, c.MessageCount = userID, now, now, 0
	return nil
}

const conversationColumns = `id, user_id, title, coalesce(external_key, ''), message_count, created_at, updated_at`

func scanConversation(row interface{ Scan(...any) error }) (*os1.Conversation, error) {
	var c os1.Conversation
	var created, updated string
	if err := row.Scan(&c.ID, &c.UserID, &c.Title, &c.ExternalKey, &c.MessageCount, &created, &updated); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = parseTime(created), parseTime(updated)
	return &c, nil
}

func (db *DB) findConversation(ctx context.Context, where string, args ...any) (*os1.Conversation, error) {
	c, err := scanConversation(db.read.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, os1.Errorf(os1.ENOTFOUND, "no such conversation")
	} else if err != nil {
		return nil, fmt.Errorf("find conversation: %w", err)
	}
	return c, nil
}

// FindConversation returns one of the user's conversations.
func (db *DB) FindConversation(ctx context.Context, userID, id int64) (*os1.Conversation, error) {
	return db.findConversation(ctx, `id = ? AND user_id = ?`, id, userID)
}

// FindConversationByKey returns the user's conversation with an external key.
func (db *DB) FindConversationByKey(ctx context.Context, userID int64, key string) (*os1.Conversation, error) {
	return db.findConversation(ctx, `user_id = ? AND external_key = ?`, userID, key)
}

// LatestConversation returns the user's most recently active conversation.
func (db *DB) LatestConversation(ctx context.Context, userID int64) (*os1.Conversation, error) {
	return db.findConversation(ctx, `user_id = ? ORDER BY updated_at DESC, id DESC LIMIT 1`, userID)
}

// ListConversations returns the user's conversations, most recent first.
func (db *DB) ListConversations(ctx context.Context, userID int64, limit, offset int) ([]*os1.Conversation, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE user_id = ? ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?`,
		userID, limit, max(offset, 0))
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	defer rows.Close()
	list := []*os1.Conversation{}
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, fmt.Errorf("list conversations: %w", err)
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

// CountActiveConversations returns how many conversations, across all
// users, had a message since the given time.
func (db *DB) CountActiveConversations(ctx context.Context, since time.Time) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM conversations WHERE updated_at >= ?`, formatTime(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count active conversations: %w", err)
	}
	return n, nil
}

// AddMessage stores a message in one of the user's conversations.
func (db *DB) AddMessage(ctx context.Context, m *os1.Message) error {
	return db.AddMessages(ctx, m)
}

// AddMessages stores messages in one transaction: all or none.
func (db *DB) AddMessages(ctx context.Context, ms ...*os1.Message) error {
	now := db.now()
	emotions := make([]any, len(ms))
	for i, m := range ms {
		if m.Status == "" {
			m.Status = os1.StatusComplete
		}
		if m.Emotion != nil {
			b, err := json.Marshal(m.Emotion)
			if err != nil {
				return fmt.Errorf("encode emotion: %w", err)
			}
			emotions[i] = string(b)
		}
		if m.CreatedAt.IsZero() {
			m.CreatedAt = now
		}
		m.CreatedAt = m.CreatedAt.UTC().Truncate(time.Microsecond)
		m.UpdatedAt = now
	}
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		for i, m := range ms {
			res, err := tx.ExecContext(ctx, `UPDATE conversations SET message_count = message_count + 1, updated_at = max(updated_at, ?) WHERE id = ? AND user_id = ?`,
				formatTime(m.CreatedAt), m.ConversationID, m.UserID)
			if err != nil {
				return fmt.Errorf("touch conversation: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return os1.Errorf(os1.ENOTFOUND, "no such conversation")
			}
			res, err = tx.ExecContext(ctx, `INSERT INTO messages (conversation_id, user_id, role, content, status, error, source, tokens, emotion, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				m.ConversationID, m.UserID, m.Role, m.Content, m.Status, m.Error, m.Source, m.Tokens, emotions[i], formatTime(m.CreatedAt), formatTime(m.UpdatedAt))
			if err != nil {
				return fmt.Errorf("insert message: %w", err)
			}
			m.ID, _ = res.LastInsertId()
		}
		return nil
	})
}

// UpdateReply replaces an assistant message's content, status and error.
func (db *DB) UpdateReply(ctx context.Context, m *os1.Message) error {
	m.UpdatedAt = db.now()
	res, err := db.write.ExecContext(ctx, `UPDATE messages SET content = ?, status = ?, error = ?, source = ?, tokens = ?, updated_at = ?
		WHERE id = ? AND user_id = ? AND role = 'assistant'`,
		m.Content, m.Status, m.Error, m.Source, m.Tokens, formatTime(m.UpdatedAt), m.ID, m.UserID)
	if err != nil {
		return fmt.Errorf("update reply: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return os1.Errorf(os1.ENOTFOUND, "no such reply")
	}
	return nil
}

// UpdateEmotion replaces the emotion stored with one of the person's own
// messages (a refined reading). ENOTFOUND if it is not theirs.
func (db *DB) UpdateEmotion(ctx context.Context, userID, messageID int64, e *os1.Emotion) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode emotion: %w", err)
	}
	res, err := db.write.ExecContext(ctx, `UPDATE messages SET emotion = ? WHERE id = ? AND user_id = ? AND role = 'user'`,
		string(b), messageID, userID)
	if err != nil {
		return fmt.Errorf("update emotion: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return os1.Errorf(os1.ENOTFOUND, "no such message")
	}
	return nil
}

const messageColumns = `id, conversation_id, user_id, role, content, status, error, source, tokens, emotion, created_at, updated_at, guard`

func scanMessage(row interface{ Scan(...any) error }) (*os1.Message, error) {
	var m os1.Message
	var emotion sql.NullString
	var created, updated string
	if err := row.Scan(&m.ID, &m.ConversationID, &m.UserID, &m.Role, &m.Content, &m.Status, &m.Error, &m.Source, &m.Tokens, &emotion, &created, &updated, &m.Guard); err != nil {
		return nil, err
	}
	if emotion.Valid {
		m.Emotion = new(os1.Emotion)
		if err := json.Unmarshal([]byte(emotion.String), m.Emotion); err != nil {
			m.Emotion = nil
		}
	}
	m.CreatedAt, m.UpdatedAt = parseTime(created), parseTime(updated)
	return &m, nil
}

func (db *DB) queryMessages(ctx context.Context, query string, args ...any) ([]*os1.Message, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	list := []*os1.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("list messages: %w", err)
		}
		list = append(list, m)
	}
	return list, rows.Err()
}

func reverse(list []*os1.Message) {
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
}

// ListMessages returns a page of the conversation's messages.
func (db *DB) ListMessages(ctx context.Context, userID, conversationID int64, f os1.MessageFilter) ([]*os1.Message, error) {
	if _, err := db.FindConversation(ctx, userID, conversationID); err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	if f.AfterID > 0 {
		q := `SELECT ` + messageColumns + ` FROM messages WHERE conversation_id = ? AND user_id = ? AND id > ?`
		args := []any{conversationID, userID, f.AfterID}
		if f.BeforeID > 0 {
			q += ` AND id < ?`
			args = append(args, f.BeforeID)
		}
		return db.queryMessages(ctx, q+` ORDER BY id LIMIT ?`, append(args, limit)...)
	}
	before := f.BeforeID
	if before <= 0 {
		before = 1<<63 - 1
	}
	list, err := db.queryMessages(ctx, `SELECT `+messageColumns+` FROM messages WHERE conversation_id = ? AND user_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
		conversationID, userID, before, limit)
	reverse(list)
	return list, err
}

// RecentMessages returns the newest messages within a token budget, oldest
// first. It reads only what a prompt needs (no emotion).
func (db *DB) RecentMessages(ctx context.Context, userID, conversationID int64, limit, maxTokens int) ([]*os1.Message, error) {
	if maxTokens <= 0 {
		maxTokens = 1 << 40
	}
	// First the cut-off — the oldest message that still fits — from the
	// token counts alone, then the messages from it on.
	rows, err := db.read.QueryContext(ctx, `SELECT id, tokens FROM messages
		WHERE conversation_id = ? AND user_id = ? ORDER BY id DESC LIMIT ?`, conversationID, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("recent messages: %w", err)
	}
	from, sum := int64(-1), 0
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("recent messages: %w", err)
		}
		if sum += n; sum > maxTokens && from != -1 {
			break // the newest message is always kept, whatever it costs
		}
		from = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recent messages: %w", err)
	}
	if from == -1 {
		return []*os1.Message{}, nil
	}
	rows, err = db.read.QueryContext(ctx, `SELECT id, role, content, status, tokens, created_at FROM messages
		WHERE conversation_id = ? AND user_id = ? AND id >= ? ORDER BY id DESC`, conversationID, userID, from)
	if err != nil {
		return nil, fmt.Errorf("recent messages: %w", err)
	}
	defer rows.Close()
	list := []*os1.Message{}
	for rows.Next() {
		m := &os1.Message{ConversationID: conversationID, UserID: userID}
		var created string
		if err := rows.Scan(&m.ID, &m.Role, &m.Content, &m.Status, &m.Tokens, &created); err != nil {
			return nil, fmt.Errorf("recent messages: %w", err)
		}
		m.CreatedAt = parseTime(created)
		list = append(list, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recent messages: %w", err)
	}
	reverse(list)
	return list, nil
}

// FindMessage returns one of the user's messages.
func (db *DB) FindMessage(ctx context.Context, userID, id int64) (*os1.Message, error) {
	m, err := scanMessage(db.read.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = ? AND user_id = ?`, id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, os1.Errorf(os1.ENOTFOUND, "no such message")
	} else if err != nil {
		return nil, fmt.Errorf("find message: %w", err)
	}
	return m, nil
}

// InterruptStreaming marks every streaming message as interrupted.
func (db *DB) InterruptStreaming(ctx context.Context, reason string) (int, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE messages SET status = 'interrupted', error = ?, updated_at = ? WHERE status = 'streaming'`,
		reason, formatTime(db.now()))
	if err != nil {
		return 0, fmt.Errorf("interrupt streaming replies: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
