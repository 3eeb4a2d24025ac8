package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"os1/api"
	"os1/internal/httpapi"
	"os1/internal/mock"
	"os1/internal/os1"
)

func loopback(s *httpapi.Server) { s.Loopback = true }

func cookieNamed(res resp, name string) *http.Cookie {
	for _, c := range res.resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestSetup(t *testing.T) {
	t.Run("loopback, nobody yet", func(t *testing.T) {
		e := newEnv(t, loopback)
		var st api.Status
		e.json(req{method: "GET", path: "/api/v1/status"}, http.StatusOK, &st)
		if !st.SetupOpen || st.AutoSignIn {
			t.Fatalf("status %+v", st)
		}
		// Not from a page of another site, nor through a rebinding name.
		apiError(t, e.do(req{method: "POST", path: "/api/v1/setup", body: api.Setup{Name: "ada"},
			header: map[string]string{"Origin": "http://evil.example"}}), http.StatusForbidden, os1.EFORBIDDEN)
		apiError(t, e.do(req{method: "POST", path: "/api/v1/setup", body: api.Setup{Name: "ada"},
			header: map[string]string{"Host": "evil.example:80"}}), http.StatusForbidden, os1.EFORBIDDEN)
		if n := e.count("users"); n != 0 {
			t.Fatalf("%d users after refused setups", n)
		}

		var sr api.SetupResponse
		res := e.json(req{method: "POST", path: "/api/v1/setup", body: api.Setup{Name: "ada", DisplayName: "Ada"}}, http.StatusCreated, &sr)
		if sr.User.Name != "ada" || !strings.HasPrefix(sr.Key, "os1_") {
			t.Fatalf("setup %+v", sr)
		}
		c := sessionCookieOf(t, res)
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
			t.Fatalf("session cookie %+v", c)
		}
		var me api.Me
		e.json(req{method: "GET", path: "/api/v1/me", cookies: []*http.Cookie{c}}, http.StatusOK, &me)
		if me.User.ID != sr.User.ID {
			t.Fatalf("cookie is for %+v", me.User)
		}
		e.json(req{method: "GET", path: "/api/v1/me", key: sr.Key}, http.StatusOK, &me)
		// Only once.
		apiError(t, e.do(req{method: "POST", path: "/api/v1/setup", body: api.Setup{Name: "eve"}}), http.StatusConflict, os1.ECONFLICT)
		if n := e.count("users"); n != 1 {
			t.Fatalf("%d users", n)
		}
	})
	t.Run("not on loopback", func(t *testing.T) {
		e := newEnv(t)
		var st api.Status
		e.json(req{method: "GET", path: "/api/v1/status"}, http.StatusOK, &st)
		if st.SetupOpen {
			t.Fatalf("status %+v", st)
		}
		apiError(t, e.do(req{method: "POST", path: "/api/v1/setup", body: api.Setup{Name: "ada"}}), http.StatusForbidden, os1.EFORBIDDEN)
		if n := e.count("users"); n != 0 {
			t.Fatalf("%d users", n)
		}
	})
}

func TestAutoSignIn(t *testing.T) {
	t.Run("one person on loopback", func(t *testing.T) {
		e := newEnv(t, loopback)
		u, _ := e.addUser("ada")
		var st api.Status
		e.json(req{method: "GET", path: "/api/v1/status"}, http.StatusOK, &st)
		if !st.AutoSignIn || st.SetupOpen {
			t.Fatalf("status %+v", st)
		}
		var me api.Me
		res := e.json(req{method: "GET", path: "/api/v1/me"}, http.StatusOK, &me)
		if me.User.ID != u.ID {
			t.Fatalf("signed in as %+v", me.User)
		}
		c := sessionCookieOf(t, res)
		// The cookie is a real session: it works where auto sign-in would not.
		notLocal := map[string]string{"Host": "os1.example"}
		e.json(req{method: "GET", path: "/api/v1/me", cookies: []*http.Cookie{c}, header: notLocal}, http.StatusOK, &me)
		apiError(t, e.do(req{method: "GET", path: "/api/v1/me", header: notLocal}), http.StatusUnauthorized, os1.EUNAUTHORIZED)
	})
	t.Run("two people", func(t *testing.T) {
		e := newEnv(t, loopback)
		e.addUser("ada")
		e.addUser("bea")
		res := e.do(req{method: "GET", path: "/api/v1/me"})
		apiError(t, res, http.StatusUnauthorized, os1.EUNAUTHORIZED)
		if cookieNamed(res, "os1_session") != nil {
			t.Fatalf("a session cookie was set")
		}
	})
	t.Run("not loopback", func(t *testing.T) {
		e := newEnv(t)
		e.addUser("ada")
		apiError(t, e.do(req{method: "GET", path: "/api/v1/me"}), http.StatusUnauthorized, os1.EUNAUTHORIZED)
		var st api.Status
		e.json(req{method: "GET", path: "/api/v1/status"}, http.StatusOK, &st)
		if st.AutoSignIn {
			t.Fatalf("status %+v", st)
		}
	})
	t.Run("rebinding host", func(t *testing.T) {
		e := newEnv(t, loopback)
		e.addUser("ada")
		for _, host := range []string{"evil.example", "evil.example:7777", "127.0.0.1.nip.io:7777", "localhost.evil.example"} {
			res := e.do(req{method: "GET", path: "/api/v1/me", header: map[string]string{"Host": host}})
			apiError(t, res, http.StatusUnauthorized, os1.EUNAUTHORIZED)
			if n := e.count("sessions"); n != 0 {
				t.Fatalf("Host %s: %d sessions", host, n)
			}
		}
		// localhost is the machine itself.
		e.json(req{method: "GET", path: "/api/v1/me", header: map[string]string{"Host": "localhost:7777"}}, http.StatusOK, nil)
	})
	t.Run("not for another site's page", func(t *testing.T) {
		// A page on another site can make the browser post to the loopback
		// server; the automatic sign-in must not make that a forged write.
		e := newEnv(t, loopback)
		u, key := e.addUser("ada")
		conv := e.newConversation(key, "")
		before := e.dump(0)
		for _, r := range []req{
			{method: "POST", path: convPath(conv, "/messages"), body: api.MessageCreate{Content: "forged"}},
			{method: "POST", path: "/api/v1/conversations", body: `{}`},
			{method: "PATCH", path: "/api/v1/me", body: `{"display_name":"forged"}`},
		} {
			r.header = map[string]string{"Origin": "http://evil.example"}
			apiError(t, e.do(r), http.StatusForbidden, os1.EFORBIDDEN)
		}
		if after := e.dump(0); after != before {
			t.Fatalf("a cross-site request changed the store")
		}
		// The machine's own page may.
		e.json(req{method: "POST", path: convPath(conv, "/messages"), body: api.MessageCreate{Content: "mine"},
			header: map[string]string{"Origin": e.ts.URL}}, http.StatusCreated, nil)
		if n := len(e.storedMessages(u.ID, conv)); n != 2 {
			t.Fatalf("%d messages", n)
		}
	})
	t.Run("not for the OpenAI endpoint", func(t *testing.T) {
		e := newEnv(t, loopback)
		e.addUser("ada")
		openAIError(t, e.do(req{method: "GET", path: "/v1/models"}), http.StatusUnauthorized, "missing_api_key")
	})
}

func TestSignInAndOut(t *testing.T) {
	e := newEnv(t, loopback)
	u, key := e.addUser("ada")

	for _, bad := range []api.SessionCreate{{Name: "ada", Key: "os1_wrong"}, {Name: "bea", Key: key}, {Name: "ada", Key: ""}} {
		res := e.do(req{method: "POST", path: "/api/v1/session", body: bad})
		apiError(t, res, http.StatusUnauthorized, os1.EUNAUTHORIZED)
		if cookieNamed(res, "os1_session") != nil {
			t.Fatalf("%+v: a session cookie was set", bad)
		}
	}
	var me api.Me
	res := e.json(req{method: "POST", path: "/api/v1/session", body: api.SessionCreate{Name: "Ada", Key: key}}, http.StatusOK, &me)
	if me.User.ID != u.ID {
		t.Fatalf("signed in as %+v", me.User)
	}
	session := sessionCookieOf(t, res)
	e.json(req{method: "GET", path: "/api/v1/me", cookies: []*http.Cookie{session}}, http.StatusOK, nil)

	// Sign out: the session ends, and the loopback convenience does not
	// sign them straight back in.
	out := e.do(req{method: "DELETE", path: "/api/v1/session", cookies: []*http.Cookie{session}})
	if out.status != http.StatusNoContent {
		t.Fatalf("sign out: %d %s", out.status, out.body)
	}
	if c := cookieNamed(out, "os1_session"); c == nil || c.MaxAge >= 0 {
		t.Fatalf("session cookie not cleared: %+v", c)
	}
	signedOut := cookieNamed(out, "os1_signed_out")
	if signedOut == nil || signedOut.Value != "1" {
		t.Fatalf("no signed-out marker: %v", out.header["Set-Cookie"])
	}
	// The old token is dead (seen where auto sign-in does not apply).
	apiError(t, e.do(req{method: "GET", path: "/api/v1/me", cookies: []*http.Cookie{session}, header: map[string]string{"Host": "os1.example"}}),
		http.StatusUnauthorized, os1.EUNAUTHORIZED)
	apiError(t, e.do(req{method: "GET", path: "/api/v1/me", cookies: []*http.Cookie{session, signedOut}}), http.StatusUnauthorized, os1.EUNAUTHORIZED)
	res = e.do(req{method: "GET", path: "/api/v1/me", cookies: []*http.Cookie{signedOut}})
	apiError(t, res, http.StatusUnauthorized, os1.EUNAUTHORIZED)
	if cookieNamed(res, "os1_session") != nil {
		t.Fatalf("signed back in automatically")
	}
	// Without the marker (a fresh browser), the convenience is back.
	e.json(req{method: "GET", path: "/api/v1/me"}, http.StatusOK, nil)
	// Signing in again clears the marker.
	res = e.json(req{method: "POST", path: "/api/v1/session", body: api.SessionCreate{Name: "ada", Key: key},
		cookies: []*http.Cookie{signedOut}}, http.StatusOK, nil)
	if c := cookieNamed(res, "os1_signed_out"); c == nil || c.MaxAge >= 0 {
		t.Fatalf("signed-out marker not cleared: %v", res.header["Set-Cookie"])
	}
}

// TestCrossSiteRefused: a cookie-authenticated write from another site's
// page is refused; the same request from the page's own origin, or with an
// API key, is not.
func TestCrossSiteRefused(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	var me api.Me
	session := sessionCookieOf(t, e.json(req{method: "POST", path: "/api/v1/session", body: api.SessionCreate{Name: "ada", Key: key}}, http.StatusOK, &me))
	conv := e.newConversation(key, "")
	jar := []*http.Cookie{session}
	before := e.dump(0)
	for _, h := range []map[string]string{
		{"Origin": "http://evil.example"},
		{"Origin": "null"},
		{"Referer": "http://evil.example/page"},
		{"Origin": "http://evil.example", "Referer": e.ts.URL + "/"},
	} {
		for _, r := range []req{
			{method: "POST", path: convPath(conv, "/messages"), body: api.MessageCreate{Content: "forged"}},
			{method: "POST", path: convPath(conv, "/retry")},
			{method: "POST", path: "/api/v1/conversations", body: api.ConversationCreate{Title: "forged"}},
			{method: "PATCH", path: "/api/v1/me", body: map[string]string{"display_name": "forged"}},
			{method: "POST", path: "/api/v1/session", body: api.SessionCreate{Name: "ada", Key: key}},
		} {
			r.cookies, r.header = jar, h
			apiError(t, e.do(r), http.StatusForbidden, os1.EFORBIDDEN)
		}
	}
	if after := e.dump(0); after != before {
		t.Fatalf("a cross-site request changed the store")
	}
	// A WebSocket from another site's page is refused too.
	url := "ws" + strings.TrimPrefix(e.ts.URL, "http") + convPath(conv, "/ws")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, res, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{
		"Cookie": {session.Name + "=" + session.Value}, "Origin": {"http://evil.example"}}})
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site WebSocket: %v %+v", err, res)
	}

	// The page's own origin may write.
	e.json(req{method: "POST", path: convPath(conv, "/messages"), cookies: jar, body: api.MessageCreate{Content: "from the page"},
		header: map[string]string{"Origin": e.ts.URL}}, http.StatusCreated, nil)
	// An API key is not a browser's ambient credential: Origin does not matter.
	e.json(req{method: "POST", path: convPath(conv, "/messages"), key: key, body: api.MessageCreate{Content: "from a script"},
		header: map[string]string{"Origin": "http://elsewhere.example"}}, http.StatusCreated, nil)
	if n := len(e.storedMessages(u.ID, conv)); n != 4 {
		t.Fatalf("%d messages stored", n)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	e := newEnv(t)
	_, key := e.addUser("ada")
	var h map[string]string
	e.json(req{method: "GET", path: "/healthz"}, http.StatusOK, &h)
	if h["status"] != "ok" {
		t.Fatalf("healthz %v", h)
	}
	e.json(req{method: "GET", path: "/readyz"}, http.StatusOK, &h)
	if h["status"] != "ready" {
		t.Fatalf("readyz %v", h)
	}

	conv := e.newConversation(key, "")
	e.postMessage(key, conv, "one turn for the metrics")
	res := e.do(req{method: "GET", path: "/metrics"})
	if res.status != http.StatusOK {
		t.Fatalf("metrics: %d", res.status)
	}
	text := string(res.body)
	for _, want := range []string{
		`os1_turns_total{status="complete"} 1`,
		"os1_turn_duration_seconds_count 1",
		"os1_turn_duration_seconds_bucket",
		"os1_active_conversations 1",
		`os1_http_requests_total{code="2xx"}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// A provider failure is counted.
	e.model.SetChat(mock.Fail(mock.Unavailable()))
	apiErrorLoose(t, e.do(req{method: "POST", path: convPath(conv, "/messages"), key: key, body: api.MessageCreate{Content: "again"}}),
		http.StatusServiceUnavailable, os1.EUNAVAILABLE)
	text = string(e.do(req{method: "GET", path: "/metrics"}).body)
	for _, want := range []string{
		`os1_turns_total{status="error"} 1`,
		`os1_provider_errors_total{provider="mock"} 1`,
		"os1_turn_duration_seconds_count 2",
		`os1_http_requests_total{code="5xx"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestNotReady(t *testing.T) {
	e := newEnv(t, func(s *httpapi.Server) {
		s.Ready = func(context.Context) error { return errors.New("the store is migrating") }
	})
	res := e.do(req{method: "GET", path: "/readyz"})
	if res.status != http.StatusServiceUnavailable || !strings.Contains(string(res.body), "migrating") {
		t.Fatalf("readyz %d %s", res.status, res.body)
	}
	e.json(req{method: "GET", path: "/healthz"}, http.StatusOK, nil)
}
