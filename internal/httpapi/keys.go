package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"os1/internal/os1"
)

// keyRoutes adds the routes with which a person manages their own API keys.
// A key's secret is shown once, in the reply that creates it; listings show
// only its label, prefix and dates.
func (s *Server) keyRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/keys", s.auth(s.handleListKeys))
	mux.Handle("POST /api/v1/keys", s.auth(s.handleCreateKey))
	mux.Handle("DELETE /api/v1/keys/{id}", s.auth(s.handleRevokeKey))
}

// KeyList is the reply of GET /api/v1/keys: the caller's keys, oldest first.
type KeyList struct {
	Keys []*os1.APIKey `json:"keys"`
}

// KeyCreate is the body of POST /api/v1/keys.
type KeyCreate struct {
	Label string `json:"label"`
}

// KeyCreated is the reply of POST /api/v1/keys: the key's description and,
// this once, the key itself.
type KeyCreated struct {
	*os1.APIKey
	Key string `json:"key"`
}

// maxKeyLabel is the longest label a key may have, in bytes.
const maxKeyLabel = 100

func (s *Server) handleListKeys(w http.ResponseWriter, r *http.Request, u *os1.User) {
	keys, err := s.Store.ListAPIKeys(r.Context(), u.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if keys == nil {
		keys = []*os1.APIKey{}
	}
	writeJSON(w, http.StatusOK, KeyList{Keys: keys})
}

func (s *Server) handleCreateKey(w http.ResponseWriter, r *http.Request, u *os1.User) {
	var in KeyCreate
	if err := decodeJSON(r.Body, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	label := strings.TrimSpace(in.Label)
	switch {
	case label == "":
		s.Error(w, r, os1.Errorf(os1.EINVALID, "give the key a label, such as where it will be used"))
		return
	case len(label) > maxKeyLabel:
		s.Error(w, r, os1.Errorf(os1.EINVALID, "the key label is longer than %d bytes; use a shorter one", maxKeyLabel))
		return
	case !utf8.ValidString(label) || strings.ContainsFunc(label, isLabelControl):
		s.Error(w, r, os1.Errorf(os1.EINVALID, "the key label must be plain text on one line"))
		return
	}
	key, info, err := s.Store.CreateAPIKey(r.Context(), u.ID, label)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, KeyCreated{APIKey: info, Key: key})
}

// handleRevokeKey deletes one of the caller's keys. Revoking the key the
// request itself was made with is allowed; later requests with it get 401.
func (s *Server) handleRevokeKey(w http.ResponseWriter, r *http.Request, u *os1.User) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.Error(w, r, os1.Errorf(os1.ENOTFOUND, "no such key"))
		return
	}
	if err := s.Store.RevokeAPIKey(r.Context(), u.ID, id); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func isLabelControl(r rune) bool { return r < 0x20 || r == 0x7f }
