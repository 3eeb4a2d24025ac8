package httpapi

import (
	"context"
	"net/http"

	"os1/internal/os1"
	"os1/internal/wellbeing"
)

// WellbeingService is what the wellbeing routes need (wellbeing.Service).
// Every method works on one person's data only.
type WellbeingService interface {
	Report(ctx context.Context, userID int64) (*wellbeing.Report, error)
	Settings(ctx context.Context, userID int64) (*wellbeing.Settings, error)
	UpdateSettings(ctx context.Context, userID int64, u wellbeing.SettingsUpdate) (*wellbeing.Settings, error)
	Weekly(ctx context.Context, userID int64) (*wellbeing.Weekly, error)
	Draft(ctx context.Context, userID int64, person string) (*wellbeing.Draft, error)
	Goodbye(ctx context.Context, userID int64) (*wellbeing.Farewell, error)
	ConfirmGoodbye(ctx context.Context, userID int64, token string) (*wellbeing.Deleted, error)
	Letter(ctx context.Context, userID int64) (*wellbeing.Letter, error)
}

// wellbeingRoutes adds the wellbeing routes when s.Wellbeing is set. They
// keep working after the instance's sunset: only new messages are refused.
func (s *Server) wellbeingRoutes(mux *http.ServeMux) {
	if s.Wellbeing == nil {
		return
	}
	mux.Handle("GET /api/v1/wellbeing", s.auth(s.handleWellbeing))
	mux.Handle("GET /api/v1/wellbeing/settings", s.auth(s.handleWellbeingSettings))
	mux.Handle("PUT /api/v1/wellbeing/settings", s.auth(s.handleUpdateWellbeingSettings))
	mux.Handle("GET /api/v1/wellbeing/weekly", s.auth(s.handleWellbeingWeekly))
	mux.Handle("POST /api/v1/wellbeing/draft", s.auth(s.handleWellbeingDraft))
	mux.Handle("POST /api/v1/goodbye", s.auth(s.handleGoodbye))
	mux.Handle("POST /api/v1/goodbye/confirm", s.auth(s.handleGoodbyeConfirm))
	mux.Handle("GET /api/v1/goodbye/letter", s.auth(s.handleGoodbyeLetter))
}

// wellbeingReply writes v as JSON, or err.
func (s *Server) wellbeingReply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

func (s *Server) handleWellbeing(w http.ResponseWriter, r *http.Request, u *os1.User) {
	rep, err := s.Wellbeing.Report(r.Context(), u.ID)
	s.wellbeingReply(w, r, http.StatusOK, rep, err)
}

func (s *Server) handleWellbeingSettings(w http.ResponseWriter, r *http.Request, u *os1.User) {
	st, err := s.Wellbeing.Settings(r.Context(), u.ID)
	s.wellbeingReply(w, r, http.StatusOK, st, err)
}

func (s *Server) handleUpdateWellbeingSettings(w http.ResponseWriter, r *http.Request, u *os1.User) {
	var upd wellbeing.SettingsUpdate
	if err := decodeJSON(r.Body, &upd); err != nil {
		s.Error(w, r, err)
		return
	}
	st, err := s.Wellbeing.UpdateSettings(r.Context(), u.ID, upd)
	s.wellbeingReply(w, r, http.StatusOK, st, err)
}

func (s *Server) handleWellbeingWeekly(w http.ResponseWriter, r *http.Request, u *os1.User) {
	wk, err := s.Wellbeing.Weekly(r.Context(), u.ID)
	s.wellbeingReply(w, r, http.StatusOK, wk, err)
}

// draftRequest is the body of POST /api/v1/wellbeing/draft.
type draftRequest struct {
	Person string `json:"person"`
}

func (s *Server) handleWellbeingDraft(w http.ResponseWriter, r *http.Request, u *os1.User) {
	var in draftRequest
	if err := decodeJSON(r.Body, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	d, err := s.Wellbeing.Draft(r.Context(), u.ID, in.Person)
	s.wellbeingReply(w, r, http.StatusOK, d, err)
}

func (s *Server) handleGoodbye(w http.ResponseWriter, r *http.Request, u *os1.User) {
	var in struct{}
	if err := decodeOptionalJSON(r.Body, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	fw, err := s.Wellbeing.Goodbye(r.Context(), u.ID)
	s.wellbeingReply(w, r, http.StatusOK, fw, err)
}

// goodbyeConfirm is the body of POST /api/v1/goodbye/confirm.
type goodbyeConfirm struct {
	Token string `json:"token"`
}

func (s *Server) handleGoodbyeConfirm(w http.ResponseWriter, r *http.Request, u *os1.User) {
	var in goodbyeConfirm
	if err := decodeJSON(r.Body, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	d, err := s.Wellbeing.ConfirmGoodbye(r.Context(), u.ID, in.Token)
	s.wellbeingReply(w, r, http.StatusOK, d, err)
}

func (s *Server) handleGoodbyeLetter(w http.ResponseWriter, r *http.Request, u *os1.User) {
	l, err := s.Wellbeing.Letter(r.Context(), u.ID)
	s.wellbeingReply(w, r, http.StatusOK, l, err)
}
