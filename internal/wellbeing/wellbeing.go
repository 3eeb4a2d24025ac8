// Package wellbeing looks after the person's life outside OS1. It measures,
// per person, the minutes a day they spend here, late-night use, streaks,
// the people they mention week by week against their own baseline, and
// dependence and loneliness language; when these rise it nudges the
// companion — warmly, specifically, at most once per cooldown — toward the
// people they know, and offers to help draft a note to them. An optional
// daily time budget makes the companion wrap up kindly once it is spent.
//
// It also handles endings: a person's goodbye (a farewell letter, their
// export, and on a second confirmation the deletion of everything of
// theirs) and the operator's sunset of the whole instance (everyone is told
// once, letters are prepared, and after the date no new messages are
// accepted while letters and exports stay available).
//
// Everything is visible to the person (Report, Weekly) and switchable
// (Settings); crisis handling is not part of this package and cannot be
// switched off here.
package wellbeing

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"os1/internal/os1"

	_ "time/tzdata" // time zones work on hosts without a zone database
)

// Settings are a person's wellbeing switches.
type Settings struct {
	// Nudges turns the nudges toward the people they know on or off.
	Nudges bool `json:"nudges"`
	// BudgetMinutes is the optional daily time budget; 0 means none.
	BudgetMinutes int `json:"budget_minutes"`
	// LateNightHour is the local hour (0–23) from which use counts as late
	// at night, until 5:00.
	LateNightHour int `json:"late_night_hour"`
	// TimeZone is an IANA zone name ("Europe/Paris"); "" means the server's.
	TimeZone string `json:"time_zone"`
	// NudgeCooldownHours is the least time between two nudges.
	NudgeCooldownHours int `json:"nudge_cooldown_hours"`
	// Romance is true when the person chose a romantic tone (off by
	// default). The guards allow romance only then, and never exclusivity.
	Romance bool `json:"romance"`
}

// DefaultSettings are the settings of a person who never changed them.
func DefaultSettings() Settings {
	return Settings{Nudges: true, LateNightHour: 23, NudgeCooldownHours: 72}
}

// SettingsUpdate changes some settings; nil fields stay as they are.
type SettingsUpdate struct {
	Nudges             *bool   `json:"nudges,omitempty"`
	BudgetMinutes      *int    `json:"budget_minutes,omitempty"`
	LateNightHour      *int    `json:"late_night_hour,omitempty"`
	TimeZone           *string `json:"time_zone,omitempty"`
	NudgeCooldownHours *int    `json:"nudge_cooldown_hours,omitempty"`
	Romance            *bool   `json:"romance,omitempty"`
}

// Apply validates the update and applies it to s.
func (u SettingsUpdate) Apply(s *Settings) error {
	if u.BudgetMinutes != nil && (*u.BudgetMinutes < 0 || *u.BudgetMinutes > 1440) {
		return os1.Errorf(os1.EINVALID, "budget_minutes must be between 0 (no budget) and 1440")
	}
	if u.LateNightHour != nil && (*u.LateNightHour < 0 || *u.LateNightHour > 23) {
		return os1.Errorf(os1.EINVALID, "late_night_hour must be an hour between 0 and 23")
	}
	if u.NudgeCooldownHours != nil && (*u.NudgeCooldownHours < 1 || *u.NudgeCooldownHours > 24*60) {
		return os1.Errorf(os1.EINVALID, "nudge_cooldown_hours must be between 1 and 1440")
	}
	if u.TimeZone != nil && *u.TimeZone != "" {
		if len(*u.TimeZone) > 64 {
			return os1.Errorf(os1.EINVALID, "time_zone is too long; use an IANA name such as Europe/Paris")
		}
		if _, err := time.LoadLocation(*u.TimeZone); err != nil || *u.TimeZone == "Local" {
			return os1.Errorf(os1.EINVALID, "unknown time_zone %q; use an IANA name such as Europe/Paris, or \"\" for the server's", *u.TimeZone)
		}
	}
	if u.Nudges != nil {
		s.Nudges = *u.Nudges
	}
	if u.BudgetMinutes != nil {
		s.BudgetMinutes = *u.BudgetMinutes
	}
	if u.LateNightHour != nil {
		s.LateNightHour = *u.LateNightHour
	}
	if u.TimeZone != nil {
		s.TimeZone = *u.TimeZone
	}
	if u.NudgeCooldownHours != nil {
		s.NudgeCooldownHours = *u.NudgeCooldownHours
	}
	if u.Romance != nil {
		s.Romance = *u.Romance
	}
	return nil
}

// State is what the service remembers per person between turns.
type State struct {
	LastNudgeAt     time.Time // zero: never nudged
	LastNudgePerson string
	// SunsetToldFor is the NoticeAt of the sunset they were told about.
	SunsetToldFor time.Time
}

// Stats are the person's totals, for their letter.
type Stats struct {
	Messages      int
	Conversations int
	First, Last   time.Time // of their own messages; zero when none
}

// Sunset is the operator's announced end of the instance.
type Sunset struct {
	At       time.Time `json:"at"`        // from then on no new messages are accepted
	NoticeAt time.Time `json:"notice_at"` // when it was announced; identifies it
}

// Letter kinds.
const (
	LetterGoodbye = "goodbye" // the person said goodbye
	LetterSunset  = "sunset"  // the instance is closing
)

// Letter is a farewell letter.
type Letter struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"-"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	Source    string    `json:"source"` // "model" or "template"
	CreatedAt time.Time `json:"created_at"`
}

// Store is what the service needs of the store.
type Store interface {
	FindUserByID(ctx context.Context, id int64) (*os1.User, error)
	CompanionByUser(ctx context.Context, userID int64) (*os1.Companion, error)
	ListUsers(ctx context.Context) ([]*os1.User, error)
	// UserActivity returns the person's own messages since a time, oldest
	// first.
	UserActivity(ctx context.Context, userID int64, since time.Time) ([]Activity, error)
	MessageStats(ctx context.Context, userID int64) (Stats, error)
	WellbeingSettings(ctx context.Context, userID int64) (Settings, error)
	SaveWellbeingSettings(ctx context.Context, userID int64, s Settings) error
	WellbeingState(ctx context.Context, userID int64) (State, error)
	RecordNudge(ctx context.Context, userID int64, at time.Time, person string) error
	MarkSunsetTold(ctx context.Context, userID int64, noticeAt time.Time) error
	SaveLetter(ctx context.Context, l *Letter) error
	// LatestLetter returns the person's newest letter, ENOTFOUND if none.
	LatestLetter(ctx context.Context, userID int64) (*Letter, error)
	// SetGoodbyeToken stores the hash of the person's deletion token,
	// replacing an earlier one.
	SetGoodbyeToken(ctx context.Context, userID int64, hash []byte, expires time.Time) error
	// TakeGoodbyeToken consumes the token if it is the person's and has not
	// expired; otherwise it returns an EFORBIDDEN error.
	TakeGoodbyeToken(ctx context.Context, userID int64, hash []byte, now time.Time) error
	// Sunset returns the announced sunset, nil when there is none.
	Sunset(ctx context.Context) (*Sunset, error)
	SetSunset(ctx context.Context, s *Sunset) error
	// CancelSunset removes the sunset; false when there was none.
	CancelSunset(ctx context.Context) (bool, error)
	// CountSunsetTold counts the people told about the sunset.
	CountSunsetTold(ctx context.Context, noticeAt time.Time) (int, error)
	// DeleteUser deletes everything of the person, securely; it returns
	// the number of rows deleted. An error with a non-zero count means the
	// rows are deleted but the files could not be rewritten yet.
	DeleteUser(ctx context.Context, userID int64) (int64, error)
}

// Memories is what the service reads of the person's memory: the people
// in their life (with when they were last mentioned), and for letters the
// facts and reflections.
type Memories interface {
	People(ctx context.Context, userID int64) ([]*os1.Person, error)
	Facts(ctx context.Context, userID int64, withHistory bool) ([]*os1.Fact, error)
	Summaries(ctx context.Context, userID int64, kind string) ([]*os1.Summary, error)
}

// Exporter writes the person's complete export.
type Exporter interface {
	Export(ctx context.Context, userID int64, w io.Writer) error
}

// Service is the wellbeing service; it implements companion.Wellbeing.
// Set the fields before first use; they must not change afterwards.
type Service struct {
	Store    Store
	Memories Memories      // optional: without it nobody is named
	Model    os1.ChatModel // optional: letters and drafts by the model when set and not offline
	Exporter Exporter      // optional: the export handed over at goodbye
	Location *time.Location
	Logger   *slog.Logger
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// FiguresTTL is how long a turn may reuse a person's figures computed
	// for an earlier turn (default 1 minute; negative: never). The figures
	// change slowly and computing them reads weeks of history; the message
	// being answered is always checked afresh.
	FiguresTTL time.Duration

	mu    sync.Mutex
	cache map[int64]cachedFigures
}

type cachedFigures struct {
	at       time.Time
	settings Settings
	figures  *Figures
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// location returns the person's time zone.
func (s *Service) location(st Settings) *time.Location {
	if st.TimeZone != "" {
		if loc, err := time.LoadLocation(st.TimeZone); err == nil {
			return loc
		}
	}
	if s.Location != nil {
		return s.Location
	}
	return time.Local
}

// modelConnected reports whether a real model writes letters and drafts.
func (s *Service) modelConnected() bool {
	return s.Model != nil && !s.Model.Info().Offline
}

func (s *Service) people(ctx context.Context, userID int64) []*os1.Person {
	if s.Memories == nil {
		return nil
	}
	p, err := s.Memories.People(ctx, userID)
	if err != nil {
		s.logger().Error("wellbeing: read people", "user_id", userID, "err", err)
		return nil
	}
	return p
}

func itoa(n int) string { return strconv.Itoa(n) }

func ftoa(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// formatMinutes says a number of minutes in words ("2 h 5 min").
func formatMinutes(m float64) string {
	n := int(m + 0.5)
	if n < 60 {
		return itoa(n) + " min"
	}
	if n%60 == 0 {
		return itoa(n/60) + " h"
	}
	return itoa(n/60) + " h " + itoa(n%60) + " min"
}
