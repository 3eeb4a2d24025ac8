package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"os1/api"
	"os1/internal/os1"
)

const (
	sessionCookie   = "os1_session"
	signedOutCookie = "os1_signed_out"
)

type userHandler func(w http.ResponseWriter, r *http.Request, u *os1.User)

// auth resolves the caller (API key, session cookie, or — on loopback with
// one person — that person) and rejects the request when there is none.
// Cookie-authenticated writes must come from the page's own origin.
func (s *Server) auth(h userHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, viaCookie, err := s.authenticate(w, r)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		if viaCookie && r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := checkSameOrigin(r); err != nil {
				s.Error(w, r, err)
				return
			}
		}
		h(w, r.WithContext(os1.NewContextWithUser(r.Context(), u)), u)
	})
}

// bearer accepts only an API key in the Authorization header (the OpenAI
// endpoints), answering in OpenAI's error format.
func (s *Server) bearer(h userHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := bearerToken(r)
		if !ok {
			writeOpenAIError(w, http.StatusUnauthorized, "invalid_request_error", "missing_api_key",
				"send your OS1 API key as 'Authorization: Bearer <key>' (create one with `os1 user key NAME`)")
			return
		}
		u, err := s.Store.Authenticate(r.Context(), key)
		if err != nil {
			if os1.ErrorCode(err) == os1.EUNAUTHORIZED {
				writeOpenAIError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "the API key is not valid")
				return
			}
			s.logger().Error("authenticate", "err", err)
			writeOpenAIError(w, http.StatusInternalServerError, "server_error", "internal", "internal error")
			return
		}
		h(w, r.WithContext(os1.NewContextWithUser(r.Context(), u)), u)
	})
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*os1.User, bool, error) {
	ctx := r.Context()
	if key, ok := bearerToken(r); ok {
		u, err := s.Store.Authenticate(ctx, key)
		return u, false, err
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		u, err := s.Store.SessionUser(ctx, c.Value)
		if err == nil {
			return u, true, nil
		}
		if os1.ErrorCode(err) != os1.EUNAUTHORIZED {
			return nil, false, err
		}
	}
	if u, err := s.autoUser(ctx, r); err != nil {
		return nil, false, err
	} else if u != nil {
		if err := s.startSession(w, r, u); err != nil {
			return nil, false, err
		}
		return u, true, nil
	}
	return nil, false, os1.Errorf(os1.EUNAUTHORIZED, "sign in, or send an API key as 'Authorization: Bearer <key>'")
}

// autoUser returns the only person when the server may sign them in without
// a key: loopback listener, loopback peer, a loopback Host (no DNS
// rebinding), exactly one person, and they did not sign out.
func (s *Server) autoUser(ctx context.Context, r *http.Request) (*os1.User, error) {
	if !s.autoSignInAllowed(r) {
		return nil, nil
	}
	if c, err := r.Cookie(signedOutCookie); err == nil && c.Value == "1" {
		return nil, nil
	}
	users, err := s.Store.ListUsers(ctx)
	if err != nil || len(users) != 1 {
		return nil, err
	}
	return users[0], nil
}

func (s *Server) autoSignInAllowed(r *http.Request) bool {
	if !s.Loopback {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return false
	}
	return IsLoopback(r.Host)
}

func (s *Server) sessionTTL() time.Duration {
	if s.SessionTTL > 0 {
		return s.SessionTTL
	}
	return 30 * 24 * time.Hour
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *os1.User) error {
	token, err := s.Store.CreateSession(r.Context(), u.ID, s.sessionTTL())
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.sessionTTL().Seconds()),
	})
	http.SetCookie(w, &http.Cookie{Name: signedOutCookie, Path: "/", MaxAge: -1})
	return nil
}

// checkSameOrigin rejects a cookie-authenticated write whose Origin (or
// Referer) is another site's.
func checkSameOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		origin = r.Header.Get("Referer")
	}
	if origin == "" {
		return nil // not a browser's cross-site request
	}
	u, err := url.Parse(origin)
	if err != nil || !strings.EqualFold(u.Host, r.Host) {
		return os1.Errorf(os1.EFORBIDDEN, "cross-site request refused")
	}
	return nil
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	n, err := s.Store.CountUsers(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	allowed := s.autoSignInAllowed(r)
	writeJSON(w, http.StatusOK, api.Status{
		Version:    s.Version,
		Model:      ModelDTO(s.Model),
		SetupOpen:  allowed && n == 0,
		AutoSignIn: allowed && n == 1,
	})
}

// handleSetup creates the first person of a fresh instance, from the
// machine itself only.
func (s *Server) handleSetup(w http.ResponseWriter, r *http.Request) {
	if !s.autoSignInAllowed(r) {
		s.Error(w, r, os1.Errorf(os1.EFORBIDDEN, "setup from the page works only on a server listening on a loopback address; use `os1 user add NAME`"))
		return
	}
	if err := checkSameOrigin(r); err != nil {
		s.Error(w, r, err)
		return
	}
	var req api.Setup
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	n, err := s.Store.CountUsers(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if n > 0 {
		s.Error(w, r, os1.Errorf(os1.ECONFLICT, "this instance already has people; sign in instead"))
		return
	}
	u := &os1.User{Name: strings.TrimSpace(req.Name), DisplayName: strings.TrimSpace(req.DisplayName)}
	if err := s.Store.CreateUser(r.Context(), u); err != nil {
		s.Error(w, r, err)
		return
	}
	key, _, err := s.Store.CreateAPIKey(r.Context(), u.ID, "created at setup")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, api.SetupResponse{User: UserDTO(u), Key: key})
}

func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	if err := checkSameOrigin(r); err != nil {
		s.Error(w, r, err)
		return
	}
	var req api.SessionCreate
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	bad := os1.Errorf(os1.EUNAUTHORIZED, "that name and key do not match")
	u, err := s.Store.Authenticate(r.Context(), strings.TrimSpace(req.Key))
	if err != nil {
		if os1.ErrorCode(err) == os1.EUNAUTHORIZED {
			err = bad
		}
		s.Error(w, r, err)
		return
	}
	if req.Name != "" && !strings.EqualFold(strings.TrimSpace(req.Name), u.Name) {
		s.Error(w, r, bad)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.me(r, u))
}

func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Store.DeleteSession(r.Context(), c.Value); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	// Remember the choice, so the loopback convenience does not sign them
	// straight back in.
	http.SetCookie(w, &http.Cookie{Name: signedOutCookie, Value: "1", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: 365 * 24 * 3600})
	w.WriteHeader(http.StatusNoContent)
}
