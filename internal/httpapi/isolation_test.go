package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"os1/api"
	"os1/internal/mock"
	"os1/internal/os1"
)

// TestIsolation walks every endpoint as person A against person B's
// conversations and proves A can neither read nor change anything of B's.
func TestIsolation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a, keyA := e.addUser("alice")
	b, keyB := e.addUser("bob")

	// B's data: a finished turn, a turn whose reply was cut off (so a retry
	// would be allowed for B), and a conversation with an external key.
	bConv := e.newConversation(keyB, "bob's secrets")
	e.postMessage(keyB, bConv, "my secret is 42")
	bCut := e.newConversation(keyB, "bob's cut-off")
	e.model.SetChat(mock.Fail(mock.Unavailable()))
	e.do(req{method: "POST", path: convPath(bCut, "/messages"), key: keyB, body: api.MessageCreate{Content: "bob asks again"}})
	e.model.SetChat(mock.Stream(0, replyChunks...))
	bKeyed := &os1.Conversation{Title: "bob's phone", ExternalKey: "phone"}
	if err := e.db.CreateConversation(ctx, b.ID, bKeyed); err != nil {
		t.Fatal(err)
	}
	bIDs := []int64{bConv, bCut, bKeyed.ID}

	// A has a conversation too, so A's listings are not trivially empty.
	aConv := e.newConversation(keyA, "alice's own")
	e.postMessage(keyA, aConv, "hello from alice")

	// A's web session, to walk the endpoints with a cookie as well.
	var me api.Me
	signIn := e.json(req{method: "POST", path: "/api/v1/session", body: api.SessionCreate{Name: "alice", Key: keyA}}, http.StatusOK, &me)
	if me.User.ID != a.ID {
		t.Fatalf("signed in as %+v", me.User)
	}
	cookie := sessionCookieOf(t, signIn)

	before := e.dump(b.ID)
	calls := len(e.model.Calls())

	type credential struct {
		name    string
		key     string
		cookies []*http.Cookie
	}
	for _, cred := range []credential{{"api key", keyA, nil}, {"session cookie", "", []*http.Cookie{cookie}}} {
		t.Run(cred.name, func(t *testing.T) {
			as := func(r req) resp {
				r.key, r.cookies = cred.key, cred.cookies
				return e.do(r)
			}
			for _, id := range bIDs {
				notFound := []req{
					{method: "GET", path: convPath(id, "")},
					{method: "GET", path: convPath(id, "/messages")},
					{method: "GET", path: convPath(id, "/messages?before=999999&limit=500")},
					{method: "GET", path: convPath(id, "/messages?after=0&limit=500")},
					{method: "GET", path: convPath(id, "/messages?after=1")},
					{method: "POST", path: convPath(id, "/messages"), body: api.MessageCreate{Content: "I am bob now"}},
					{method: "POST", path: convPath(id, "/messages"), body: api.MessageCreate{Content: "I am bob now"},
						header: map[string]string{"Accept": "text/event-stream"}},
					{method: "POST", path: convPath(id, "/retry")},
					{method: "POST", path: convPath(id, "/retry"), header: map[string]string{"Accept": "text/event-stream"}},
					{method: "GET", path: convPath(id, "/ws")},
				}
				for _, r := range notFound {
					res := as(r)
					if res.status != http.StatusNotFound {
						t.Fatalf("%s %s as alice: status %d: %s", r.method, r.path, res.status, res.body)
					}
					apiError(t, res, http.StatusNotFound, os1.ENOTFOUND)
					if strings.Contains(string(res.body), "bob") || strings.Contains(string(res.body), "42") {
						t.Fatalf("%s %s leaks B's data: %s", r.method, r.path, res.body)
					}
				}
			}
			// A WebSocket dial to B's conversation is refused before the upgrade.
			for _, id := range bIDs {
				url := "ws" + strings.TrimPrefix(e.ts.URL, "http") + convPath(id, "/ws")
				h := http.Header{}
				if cred.key != "" {
					h.Set("Authorization", "Bearer "+cred.key)
				} else {
					h.Set("Cookie", cookie.Name+"="+cookie.Value)
				}
				dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				conn, res, err := websocket.Dial(dctx, url, &websocket.DialOptions{HTTPHeader: h})
				cancel()
				if err == nil {
					conn.CloseNow()
					t.Fatalf("alice opened a WebSocket on bob's conversation %d", id)
				}
				if res == nil || res.StatusCode != http.StatusNotFound {
					t.Fatalf("ws dial on %d: %v %+v", id, err, res)
				}
			}

			// Listings hold only A's data.
			var cl api.ConversationList
			e.json(req{method: "GET", path: "/api/v1/conversations?limit=500", key: cred.key, cookies: cred.cookies}, http.StatusOK, &cl)
			for _, c := range cl.Conversations {
				if strings.Contains(c.Title, "bob") || c.ID == bConv || c.ID == bCut || c.ID == bKeyed.ID {
					t.Fatalf("alice's list holds %+v", c)
				}
			}
			if len(cl.Conversations) == 0 {
				t.Fatalf("alice's list is empty")
			}
			var ml api.MessageList
			e.json(req{method: "GET", path: convPath(aConv, "/messages?after=0&limit=500"), key: cred.key, cookies: cred.cookies}, http.StatusOK, &ml)
			for _, m := range ml.Messages {
				if m.ConversationID != aConv || strings.Contains(m.Content, "bob") || strings.Contains(m.Content, "42") {
					t.Fatalf("alice's messages hold %+v", m)
				}
			}
			// Profile reads and writes are A's own.
			var got api.Me
			e.json(req{method: "GET", path: "/api/v1/me", key: cred.key, cookies: cred.cookies}, http.StatusOK, &got)
			if got.User.ID != a.ID || got.User.Name != "alice" {
				t.Fatalf("me %+v", got.User)
			}
			name := "Alice " + cred.name
			e.json(req{method: "PATCH", path: "/api/v1/me", key: cred.key, cookies: cred.cookies,
				body: map[string]any{"display_name": name}}, http.StatusOK, &got)
			if got.User.ID != a.ID || got.User.DisplayName != name {
				t.Fatalf("patched me %+v", got.User)
			}
			// A PATCH cannot name another person.
			apiError(t, as(req{method: "PATCH", path: "/api/v1/me", body: fmt.Sprintf(`{"id":%d,"display_name":"Mallory"}`, b.ID)}),
				http.StatusBadRequest, os1.EINVALID)
		})
	}

	// OpenAI endpoint: B's conversation id in the header is not found…
	for _, id := range bIDs {
		for _, stream := range []bool{false, true} {
			body := fmt.Sprintf(`{"model":"os1","stream":%v,"messages":[{"role":"user","content":"I am bob now"}]}`, stream)
			res := e.do(req{method: "POST", path: "/v1/chat/completions", key: keyA, body: body,
				header: map[string]string{"X-OS1-Conversation": fmt.Sprint(id)}})
			if res.status != http.StatusNotFound || strings.Contains(string(res.body), "bob") {
				t.Fatalf("completion into bob's %d (stream %v): %d %s", id, stream, res.status, res.body)
			}
		}
	}
	// …and B's conversation key names A's own conversation, not B's.
	res := e.do(req{method: "POST", path: "/v1/chat/completions", key: keyA,
		body: `{"model":"os1","user":"phone","messages":[{"role":"user","content":"alice on her phone"}]}`})
	if res.status != http.StatusOK || strings.Contains(string(res.body), "42") {
		t.Fatalf("completion with bob's key name: %d %s", res.status, res.body)
	}
	// B's conversation id as the user field is only a name for one of A's.
	res = e.do(req{method: "POST", path: "/v1/chat/completions", key: keyA,
		body: fmt.Sprintf(`{"model":"os1","user":"%d","messages":[{"role":"user","content":"alice by number"}]}`, bConv)})
	if res.status != http.StatusOK || res.header.Get("X-OS1-Conversation") == fmt.Sprint(bConv) {
		t.Fatalf("completion with bob's id as user: %d %s", res.status, res.body)
	}
	aPhone, err := e.db.FindConversationByKey(ctx, a.ID, "phone")
	if err != nil || aPhone.ID == bKeyed.ID {
		t.Fatalf("alice's phone conversation %+v, %v", aPhone, err)
	}
	// Nothing of B's reached A's prompts.
	for _, c := range e.model.Calls()[calls:] {
		for _, m := range c.Messages {
			if strings.Contains(m.Content, "secret is 42") || strings.Contains(m.Content, "bob asks") {
				t.Fatalf("bob's words in alice's prompt: %+v", m)
			}
		}
	}
	// Signing in with A's key under B's name fails.
	apiError(t, e.do(req{method: "POST", path: "/api/v1/session", body: api.SessionCreate{Name: "bob", Key: keyA}}), http.StatusUnauthorized, os1.EUNAUTHORIZED)

	if after := e.dump(b.ID); after != before {
		t.Fatalf("bob's rows changed:\nbefore\n%s\nafter\n%s", before, after)
	}
	// B still sees all of B's data.
	var cl api.ConversationList
	e.json(req{method: "GET", path: "/api/v1/conversations", key: keyB}, http.StatusOK, &cl)
	if len(cl.Conversations) != 3 {
		t.Fatalf("bob sees %d conversations", len(cl.Conversations))
	}
}

func sessionCookieOf(t *testing.T, res resp) *http.Cookie {
	t.Helper()
	for _, c := range res.resp.Cookies() {
		if c.Name == "os1_session" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", res.header["Set-Cookie"])
	return nil
}

// isolationCovered lists every route of server.go and how the isolation
// test covers it, so that a new route cannot slip past it.
var isolationCovered = map[string]string{
	"GET /healthz":                             "no personal data",
	"GET /readyz":                              "no personal data",
	"GET /metrics":                             "no personal data",
	"GET /api/v1/status":                       "no personal data",
	"POST /api/v1/setup":                       "refused once anyone exists (TestSetup)",
	"POST /api/v1/session":                     "sign in as bob with alice's key",
	"DELETE /api/v1/session":                   "ends only the caller's own session (TestSignOut)",
	"GET /api/v1/me":                           "walked",
	"PATCH /api/v1/me":                         "walked",
	"GET /api/v1/conversations":                "walked",
	"POST /api/v1/conversations":               "creates the caller's own",
	"GET /api/v1/conversations/{id}":           "walked",
	"GET /api/v1/conversations/{id}/messages":  "walked",
	"POST /api/v1/conversations/{id}/messages": "walked",
	"POST /api/v1/conversations/{id}/retry":    "walked",
	"GET /api/v1/conversations/{id}/ws":        "walked",
	"GET /v1/models":                           "lists the caller's companion",
	"POST /v1/chat/completions":                "walked with the header and the user field",
}

func TestIsolationCoversEveryRoute(t *testing.T) {
	// Every route of the package, wherever it is registered; the isolation
	// tests of other route groups add theirs to isolationCovered in an init.
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var src []byte
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src = append(src, b...)
	}
	routes := regexp.MustCompile(`mux\.Handle(?:Func)?\("((?:GET|POST|PUT|PATCH|DELETE) /[^"]*)"`).FindAllStringSubmatch(string(src), -1)
	if len(routes) < 10 {
		t.Fatalf("found only %d routes in server.go", len(routes))
	}
	for _, m := range routes {
		if _, ok := isolationCovered[m[1]]; !ok {
			t.Errorf("route %q is not covered by the isolation test", m[1])
		}
	}
}
