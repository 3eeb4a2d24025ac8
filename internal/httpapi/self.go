package httpapi

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"os1/internal/os1"
	"os1/internal/persona"
)

// SelfService is what the self routes need (persona.Service): the first
// meeting, the companion's persona in versions and its growth, its affect,
// and the person's mood timeline. Every method works on the given user's
// data only.
type SelfService interface {
	Onboarding(ctx context.Context, userID int64) (*persona.OnboardingView, error)
	Answer(ctx context.Context, userID int64, step, answer string, skip bool) (*persona.OnboardingView, error)
	ChooseName(ctx context.Context, userID int64, action string) (*persona.OnboardingView, error)
	Companion(ctx context.Context, userID int64) (*persona.View, error)
	Versions(ctx context.Context, userID int64, limit int) ([]*persona.Version, error)
	Version(ctx context.Context, userID int64, version int) (*persona.Version, error)
	Revert(ctx context.Context, userID int64, version int) (*persona.Version, error)
	Edit(ctx context.Context, userID int64, patch persona.Patch) (*persona.Version, error)
	SetGrowthFrozen(ctx context.Context, userID int64, frozen bool) error
	Mood(ctx context.Context, userID int64, days int, loc *time.Location) ([]os1.MoodDay, error)
}

// selfRoutes adds the self routes when s.Self is set.
func (s *Server) selfRoutes(mux *http.ServeMux) {
	if s.Self == nil {
		return
	}
	mux.Handle("GET /api/v1/onboarding", s.auth(s.handleOnboarding))
	mux.Handle("POST /api/v1/onboarding", s.auth(s.handleOnboardingAnswer))
	mux.Handle("POST /api/v1/companion/name", s.auth(s.handleCompanionName))
	mux.Handle("GET /api/v1/companion", s.auth(s.handleCompanion))
	mux.Handle("PATCH /api/v1/companion/persona", s.auth(s.handlePersonaPatch))
	mux.Handle("GET /api/v1/companion/versions", s.auth(s.handlePersonaVersions))
	mux.Handle("GET /api/v1/companion/versions/{version}", s.auth(s.handlePersonaVersion))
	mux.Handle("POST /api/v1/companion/revert", s.auth(s.handlePersonaRevert))
	mux.Handle("PUT /api/v1/companion/growth", s.auth(s.handleGrowth))
	mux.Handle("GET /api/v1/mood", s.auth(s.handleMood))
}

// OnboardingAnswer is the body of POST /api/v1/onboarding: the answer to
// the current question, or skip. Step, when set, must name the current
// question.
type OnboardingAnswer struct {
	Step   string `json:"step"`
	Answer string `json:"answer"`
	Skip   bool   `json:"skip"`
}

// NameAction is the body of POST /api/v1/companion/name.
type NameAction struct {
	Action string `json:"action"` // "accept" or "another"
}

// RevertRequest is the body of POST /api/v1/companion/revert.
type RevertRequest struct {
	Version int `json:"version"`
}

// GrowthSetting is the body and reply of PUT /api/v1/companion/growth.
type GrowthSetting struct {
	Frozen *bool `json:"frozen"`
}

// VersionList is the reply of GET /api/v1/companion/versions.
type VersionList struct {
	Versions []*persona.Version `json:"versions"`
}

// MoodTimeline is the reply of GET /api/v1/mood.
type MoodTimeline struct {
	TimeZone string        `json:"tz"`
	Days     []os1.MoodDay `json:"days"`
}

func (s *Server) handleOnboarding(w http.ResponseWriter, r *http.Request, u *os1.User) {
	v, err := s.Self.Onboarding(r.Context(), u.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleOnboardingAnswer(w http.ResponseWriter, r *http.Request, u *os1.User) {
	var req OnboardingAnswer
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	v, err := s.Self.Answer(r.Context(), u.ID, req.Step, req.Answer, req.Skip)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleCompanionName(w http.ResponseWriter, r *http.Request, u *os1.User) {
	var req NameAction
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	v, err := s.Self.ChooseName(r.Context(), u.ID, req.Action)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleCompanion(w http.ResponseWriter, r *http.Request, u *os1.User) {
	v, err := s.Self.Companion(r.Context(), u.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handlePersonaPatch(w http.ResponseWriter, r *http.Request, u *os1.User) {
	var patch persona.Patch
	if err := decodeJSON(r.Body, &patch); err != nil {
		s.Error(w, r, err)
		return
	}
	v, err := s.Self.Edit(r.Context(), u.ID, patch)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handlePersonaVersions(w http.ResponseWriter, r *http.Request, u *os1.User) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, err := s.Self.Versions(r.Context(), u.ID, int(min(limit, 1000)))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, VersionList{Versions: list})
}

func (s *Server) handlePersonaVersion(w http.ResponseWriter, r *http.Request, u *os1.User) {
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n <= 0 {
		s.Error(w, r, os1.Errorf(os1.ENOTFOUND, "no such persona version"))
		return
	}
	v, err := s.Self.Version(r.Context(), u.ID, n)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handlePersonaRevert(w http.ResponseWriter, r *http.Request, u *os1.User) {
	var req RevertRequest
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	if req.Version <= 0 {
		s.Error(w, r, os1.Errorf(os1.EINVALID, "version must be a persona version number (see GET /api/v1/companion/versions)"))
		return
	}
	v, err := s.Self.Revert(r.Context(), u.ID, req.Version)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleGrowth(w http.ResponseWriter, r *http.Request, u *os1.User) {
	var req GrowthSetting
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	if req.Frozen == nil {
		s.Error(w, r, os1.Errorf(os1.EINVALID, `send {"frozen": true} or {"frozen": false}`))
		return
	}
	if err := s.Self.SetGrowthFrozen(r.Context(), u.ID, *req.Frozen); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

var reOffset = regexp.MustCompile(`^([+-])(\d{1,2}):?(\d{2})?$`)

// timeZone parses the tz query parameter: an IANA name ("Europe/Berlin"),
// a UTC offset ("+02:00", "-0530"), or nothing for UTC.
func timeZone(tz string) (*time.Location, error) {
	tz = strings.TrimSpace(tz)
	switch {
	case tz == "" || strings.EqualFold(tz, "UTC") || tz == "Z":
		return time.UTC, nil
	case reOffset.MatchString(tz):
		m := reOffset.FindStringSubmatch(tz)
		h, _ := strconv.Atoi(m[2])
		mins, _ := strconv.Atoi(m[3])
		if h > 14 || mins > 59 {
			break
		}
		off := h*3600 + mins*60
		if m[1] == "-" {
			off = -off
		}
		return time.FixedZone(tz, off), nil
	case len(tz) <= 64 && !strings.Contains(tz, ".."):
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc, nil
		}
	}
	return nil, os1.Errorf(os1.EINVALID, "tz must be a time zone name such as Europe/Berlin or an offset such as +02:00")
}

func (s *Server) handleMood(w http.ResponseWriter, r *http.Request, u *os1.User) {
	days := int64(30)
	if r.URL.Query().Has("days") {
		var err error
		if days, err = queryInt(r, "days"); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	loc, err := timeZone(r.URL.Query().Get("tz"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, err := s.Self.Mood(r.Context(), u.ID, int(min(days, 1<<20)), loc)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, MoodTimeline{TimeZone: loc.String(), Days: list})
}
