package sqlite

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"os1/internal/os1"
)

// Interface guards.
var (
	_ os1.UserService      = (*DB)(nil)
	_ os1.CompanionService = (*DB)(nil)
)

// keyPrefix starts every API key, so a leaked key is recognisable.
const keyPrefix = "os1_"

// newSecret returns a random token with the given prefix: 160 bits of entropy.
func newSecret(prefix string) string {
	b := make([]byte, 20)
	rand.Read(b)
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// CreateUser stores u and creates its companion.
func (db *DB) CreateUser(ctx context.Context, u *os1.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	now := db.now()
	return db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO users (name, display_name, created_at, updated_at) VALUES (?, ?, ?, ?)`,
			u.Name, u.DisplayName, formatTime(now), formatTime(now))
		if isUnique(err) {
			return os1.Errorf(os1.ECONFLICT, "a person named %q already exists", u.Name)
		} else if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		id, _ := res.LastInsertId()
		if _, err := tx.ExecContext(ctx, `INSERT INTO companions (user_id, created_at, updated_at) VALUES (?, ?, ?)`,
			id, formatTime(now), formatTime(now)); err != nil {
			return fmt.Errorf("insert companion: %w", err)
		}
		u.ID, u.CreatedAt, u.UpdatedAt = id, now, now
		return nil
	})
}

const userColumns = `id, name, display_name, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (*os1.User, error) {
	var u os1.User
	var created, updated string
	if err := row.Scan(&u.ID, &u.Name, &u.DisplayName, &created, &updated); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = parseTime(created), parseTime(updated)
	return &u, nil
}

func (db *DB) findUser(ctx context.Context, where string, arg any) (*os1.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, os1.Errorf(os1.ENOTFOUND, "no such person")
	} else if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// FindUserByID returns the user with id.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*os1.User, error) {
	return db.findUser(ctx, `id = ?`, id)
}

// FindUserByName returns the user with name (case-insensitive).
func (db *DB) FindUserByName(ctx context.Context, name string) (*os1.User, error) {
	u, err := db.findUser(ctx, `name = ?`, name)
	if os1.ErrorCode(err) == os1.ENOTFOUND {
		return nil, os1.Errorf(os1.ENOTFOUND, "no person named %q", name)
	}
	return u, err
}

// ListUsers returns every user, oldest first.
func (db *DB) ListUsers(ctx context.Context) ([]*os1.User, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var users []*os1.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// CountUsers returns how many users there are.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// UpdateUser changes the user's profile.
func (db *DB) UpdateUser(ctx context.Context, id int64, upd os1.UserUpdate) (*os1.User, error) {
	u, err := db.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if upd.DisplayName != nil {
		u.DisplayName = strings.TrimSpace(*upd.DisplayName)
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	u.UpdatedAt = db.now()
	if _, err := db.write.ExecContext(ctx, `UPDATE users SET display_name = ?, updated_at = ? WHERE id = ?`,
		u.DisplayName, formatTime(u.UpdatedAt), id); err != nil {
		return nil, fmt.Errorf("update user: %w", err)
	}
	return u, nil
}

// CreateAPIKey makes a new key for the user.
func (db *DB) CreateAPIKey(ctx context.Context, userID int64, label string) (string, *os1.APIKey, error) {
	if len(label) > 100 {
		return "", nil, os1.Errorf(os1.EINVALID, "key label is longer than 100 bytes")
	}
	key := newSecret(keyPrefix)
	info := &os1.APIKey{UserID: userID, Label: label, Prefix: key[:len(keyPrefix)+6], CreatedAt: db.now()}
	res, err := db.write.ExecContext(ctx, `INSERT INTO api_keys (user_id, label, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)`,
		userID, label, info.Prefix, hashSecret(key), formatTime(info.CreatedAt))
	if err != nil {
		if strings.Contains(err.Error(), "FOREIGN KEY") {
			return "", nil, os1.Errorf(os1.ENOTFOUND, "no such person")
		}
		return "", nil, fmt.Errorf("insert api key: %w", err)
	}
	info.ID, _ = res.LastInsertId()
	return key, info, nil
}

// ListAPIKeys returns the user's keys.
func (db *DB) ListAPIKeys(ctx context.Context, userID int64) ([]*os1.APIKey, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, label, prefix, created_at, last_used_at FROM api_keys WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	defer rows.Close()
	var keys []*os1.APIKey
	for rows.Next() {
		k := &os1.APIKey{UserID: userID}
		var created string
		var used sql.NullString
		if err := rows.Scan(&k.ID, &k.Label, &k.Prefix, &created, &used); err != nil {
			return nil, fmt.Errorf("list api keys: %w", err)
		}
		k.CreatedAt = parseTime(created)
		if used.Valid {
			t := parseTime(used.String)
			k.LastUsedAt = &t
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// RevokeAPIKey deletes one of the user's keys.
func (db *DB) RevokeAPIKey(ctx context.Context, userID, keyID int64) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM api_keys WHERE id = ? AND user_id = ?`, keyID, userID)
	if err != nil {
		return fmt.Errorf("revoke api key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return os1.Errorf(os1.ENOTFOUND, "no such key")
	}
	return nil
}

// Authenticate returns the user a key belongs to.
func (db *DB) Authenticate(ctx context.Context, key string) (*os1.User, error) {
	if !strings.HasPrefix(key, keyPrefix) || len(key) > 200 {
		return nil, os1.Errorf(os1.EUNAUTHORIZED, "the API key is not valid")
	}
	var keyID, userID int64
	var used sql.NullString
	err := db.read.QueryRowContext(ctx, `SELECT id, user_id, last_used_at FROM api_keys WHERE hash = ?`, hashSecret(key)).Scan(&keyID, &userID, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, os1.Errorf(os1.EUNAUTHORIZED, "the API key is not valid")
	} else if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	now := db.now()
	// Record use at most once a minute, so reads stay reads.
	if !used.Valid || now.Sub(parseTime(used.String)) > time.Minute {
		if _, err := db.write.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, formatTime(now), keyID); err != nil {
			return nil, fmt.Errorf("authenticate: %w", err)
		}
	}
	return db.FindUserByID(ctx, userID)
}

// CreateSession starts a web session.
func (db *DB) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error) {
	token := newSecret("s_")
	now := db.now()
	if _, err := db.write.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		hashSecret(token), userID, formatTime(now), formatTime(now.Add(ttl))); err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	// Drop expired sessions now and then.
	if _, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, formatTime(now)); err != nil {
		return "", fmt.Errorf("prune sessions: %w", err)
	}
	return token, nil
}

// SessionUser returns the user of a live session.
func (db *DB) SessionUser(ctx context.Context, token string) (*os1.User, error) {
	if token == "" || len(token) > 200 {
		return nil, os1.Errorf(os1.EUNAUTHORIZED, "not signed in")
	}
	var userID int64
	var expires string
	err := db.read.QueryRowContext(ctx, `SELECT user_id, expires_at FROM sessions WHERE hash = ?`, hashSecret(token)).Scan(&userID, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && db.now().After(parseTime(expires))) {
		return nil, os1.Errorf(os1.EUNAUTHORIZED, "the session has ended; sign in again")
	} else if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	return db.FindUserByID(ctx, userID)
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	if _, err := db.write.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hashSecret(token)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// CompanionByUser returns the user's companion.
func (db *DB) CompanionByUser(ctx context.Context, userID int64) (*os1.Companion, error) {
	c := &os1.Companion{UserID: userID}
	var created, updated string
	err := db.read.QueryRowContext(ctx, `SELECT id, name, persona, created_at, updated_at FROM companions WHERE user_id = ?`, userID).
		Scan(&c.ID, &c.Name, &c.Persona, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, os1.Errorf(os1.ENOTFOUND, "no companion for this person")
	} else if err != nil {
		return nil, fmt.Errorf("find companion: %w", err)
	}
	c.CreatedAt, c.UpdatedAt = parseTime(created), parseTime(updated)
	return c, nil
}

// UpdateCompanion changes the user's companion.
func (db *DB) UpdateCompanion(ctx context.Context, userID int64, upd os1.CompanionUpdate) (*os1.Companion, error) {
	c, err := db.CompanionByUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	if upd.Name != nil {
		c.Name = strings.TrimSpace(*upd.Name)
	}
	if upd.Persona != nil {
		c.Persona = *upd.Persona
	}
	if len(c.Name) > 60 || len(c.Persona) > 32<<10 {
		return nil, os1.Errorf(os1.EINVALID, "companion name (60 bytes) or persona (32 KiB) is too long")
	}
	c.UpdatedAt = db.now()
	if _, err := db.write.ExecContext(ctx, `UPDATE companions SET name = ?, persona = ?, updated_at = ? WHERE user_id = ?`,
		c.Name, c.Persona, formatTime(c.UpdatedAt), userID); err != nil {
		return nil, fmt.Errorf("update companion: %w", err)
	}
	return c, nil
}
