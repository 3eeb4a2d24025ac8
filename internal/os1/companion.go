package os1

import (
	"context"
	"time"
)

// Companion is the AI companion of one user. Each user has exactly one; it is
// created with the user.
type Companion struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"-"`
	Name      string    `json:"name"`    // the name it goes by ("" until it has chosen one)
	Persona   string    `json:"persona"` // free-text persona, rendered into the system prompt
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DefaultCompanionName is what a companion is called until it chooses a name.
const DefaultCompanionName = "OS1"

// DisplayName returns the companion's name, or DefaultCompanionName.
func (c *Companion) DisplayName() string {
	if c == nil || c.Name == "" {
		return DefaultCompanionName
	}
	return c.Name
}

// CompanionUpdate holds changeable companion fields; nil fields stay.
type CompanionUpdate struct {
	Name    *string `json:"name"`
	Persona *string `json:"persona"`
}

// CompanionService reads and changes a user's companion.
type CompanionService interface {
	// CompanionByUser returns the user's companion; ENOTFOUND if none.
	CompanionByUser(ctx context.Context, userID int64) (*Companion, error)
	// UpdateCompanion changes the user's companion.
	UpdateCompanion(ctx context.Context, userID int64, upd CompanionUpdate) (*Companion, error)
}
