package os1

import (
	"context"
	"time"
)

// User is a person with an account: the one a companion belongs to.
type User struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`         // unique login name, e.g. "theodore"
	DisplayName string    `json:"display_name"` // how the companion addresses them
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Validate reports an EINVALID error when the user cannot be stored.
func (u *User) Validate() error {
	if err := ValidateName(u.Name); err != nil {
		return err
	}
	if len(u.DisplayName) > 100 {
		return Errorf(EINVALID, "display name is longer than 100 bytes")
	}
	return nil
}

// ValidateName checks a login name: 1–64 characters of letters, digits, '.',
// '_' or '-', starting with a letter or digit.
func ValidateName(name string) error {
	if name == "" {
		return Errorf(EINVALID, "name is required")
	}
	if len(name) > 64 {
		return Errorf(EINVALID, "name is longer than 64 characters")
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && (r == '.' || r == '_' || r == '-'))
		if !ok {
			return Errorf(EINVALID, "name %q may hold only letters, digits, '.', '_' and '-', and must start with a letter or digit", name)
		}
	}
	return nil
}

// Addressed returns how the companion should address the user.
func (u *User) Addressed() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Name
}

// UserUpdate holds the fields a user may change on their own profile; nil
// fields stay as they are.
type UserUpdate struct {
	DisplayName *string `json:"display_name"`
}

// UserService manages accounts, API keys and web sessions.
//
// Keys and session tokens are returned in clear exactly once, when created,
// and stored only as hashes.
type UserService interface {
	// CreateUser stores a new user and its companion. ECONFLICT if the name
	// is taken, EINVALID if it is not valid.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID returns ENOTFOUND if there is no such user.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUserByName returns ENOTFOUND if there is no such user.
	FindUserByName(ctx context.Context, name string) (*User, error)
	// ListUsers returns every user, oldest first.
	ListUsers(ctx context.Context) ([]*User, error)
	// CountUsers returns how many users there are.
	CountUsers(ctx context.Context) (int, error)
	// UpdateUser applies upd to the user with the given id.
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)

	// CreateAPIKey makes a new API key for the user and returns it in clear.
	CreateAPIKey(ctx context.Context, userID int64, label string) (key string, info *APIKey, err error)
	// ListAPIKeys returns the user's keys (without their secrets).
	ListAPIKeys(ctx context.Context, userID int64) ([]*APIKey, error)
	// RevokeAPIKey deletes one of the user's keys; ENOTFOUND if it is not theirs.
	RevokeAPIKey(ctx context.Context, userID, keyID int64) error
	// Authenticate returns the user a key belongs to; EUNAUTHORIZED if none.
	Authenticate(ctx context.Context, key string) (*User, error)

	// CreateSession starts a web session and returns its token in clear.
	CreateSession(ctx context.Context, userID int64, ttl time.Duration) (token string, err error)
	// SessionUser returns the user of a live session; EUNAUTHORIZED if the
	// token is unknown or expired.
	SessionUser(ctx context.Context, token string) (*User, error)
	// DeleteSession ends a session. Ending an unknown session is not an error.
	DeleteSession(ctx context.Context, token string) error
}

// APIKey describes a stored key. The secret itself is never kept.
type APIKey struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"-"`
	Label      string     `json:"label"`
	Prefix     string     `json:"prefix"` // the first characters, to tell keys apart
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}
