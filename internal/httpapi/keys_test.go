package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"os1/api"
	"os1/internal/httpapi"
	"os1/internal/os1"
)

func init() {
	isolationCovered["GET /api/v1/keys"] = "lists only the caller's keys (TestKeysIsolation)"
	isolationCovered["POST /api/v1/keys"] = "creates a key for the caller only (TestKeysIsolation)"
	isolationCovered["DELETE /api/v1/keys/{id}"] = "another's key is not found and keeps working (TestKeysIsolation)"
}

// keyPath is the path of one key.
func keyPath(id int64) string { return fmt.Sprintf("/api/v1/keys/%d", id) }

// listKeys returns the keys the caller sees, with the raw reply.
func (e *env) listKeys(r req) (httpapi.KeyList, resp) {
	e.t.Helper()
	r.method, r.path = "GET", "/api/v1/keys"
	var kl httpapi.KeyList
	res := e.json(r, http.StatusOK, &kl)
	return kl, res
}

func TestKeysCreateListRevoke(t *testing.T) {
	e := newEnv(t)
	alice, keyA := e.addUser("alice")

	// A new key is shown once, works, and is listed without its secret.
	var created httpapi.KeyCreated
	e.json(req{method: "POST", path: "/api/v1/keys", key: keyA, body: httpapi.KeyCreate{Label: "  my phone "}}, http.StatusCreated, &created)
	if created.Key == "" || created.APIKey == nil || created.ID == 0 {
		t.Fatalf("created = %+v", created)
	}
	if created.Label != "my phone" || !strings.HasPrefix(created.Key, created.Prefix) || len(created.Prefix) >= len(created.Key) {
		t.Fatalf("created key %q, label %q, prefix %q", created.Key, created.Label, created.Prefix)
	}
	var me api.Me
	e.json(req{method: "GET", path: "/api/v1/me", key: created.Key}, http.StatusOK, &me)
	if me.User.ID != alice.ID {
		t.Fatalf("the new key signs in as %+v", me.User)
	}

	kl, res := e.listKeys(req{key: keyA})
	if len(kl.Keys) != 2 || kl.Keys[0].Label != "test" || kl.Keys[1].ID != created.ID || kl.Keys[1].Label != "my phone" {
		t.Fatalf("list = %s", res.body)
	}
	if kl.Keys[1].CreatedAt.IsZero() || kl.Keys[1].Prefix != created.Prefix {
		t.Fatalf("listed key lacks its prefix or creation time: %s", res.body)
	}
	// The new key was used above, so its last use is recorded.
	if kl.Keys[1].LastUsedAt == nil {
		t.Fatalf("last use of the new key not listed: %s", res.body)
	}
	for _, secret := range []string{created.Key, keyA} {
		if strings.Contains(string(res.body), secret) {
			t.Fatalf("the list shows a secret: %s", res.body)
		}
	}
	if strings.Contains(string(res.body), `"key"`) {
		t.Fatalf("the list has a key field: %s", res.body)
	}

	// Revoking the key the request is made with is allowed; then it is refused.
	if res := e.do(req{method: "DELETE", path: keyPath(created.ID), key: created.Key}); res.status != http.StatusNoContent {
		t.Fatalf("revoke own key: %d %s", res.status, res.body)
	}
	apiError(t, e.do(req{method: "GET", path: "/api/v1/me", key: created.Key}), http.StatusUnauthorized, os1.EUNAUTHORIZED)
	apiError(t, e.do(req{method: "GET", path: "/api/v1/keys", key: created.Key}), http.StatusUnauthorized, os1.EUNAUTHORIZED)
	// The other key still works, and the list no longer holds the revoked one.
	kl, res = e.listKeys(req{key: keyA})
	if len(kl.Keys) != 1 || kl.Keys[0].Label != "test" {
		t.Fatalf("list after revoke = %s", res.body)
	}
	// Revoking it again, or an id that never existed, is not found.
	apiError(t, e.do(req{method: "DELETE", path: keyPath(created.ID), key: keyA}), http.StatusNotFound, os1.ENOTFOUND)
	apiError(t, e.do(req{method: "DELETE", path: "/api/v1/keys/abc", key: keyA}), http.StatusNotFound, os1.ENOTFOUND)
	apiError(t, e.do(req{method: "DELETE", path: "/api/v1/keys/-1", key: keyA}), http.StatusNotFound, os1.ENOTFOUND)

	// Without a key nothing is listed or made.
	apiError(t, e.do(req{method: "GET", path: "/api/v1/keys"}), http.StatusUnauthorized, os1.EUNAUTHORIZED)
	apiError(t, e.do(req{method: "POST", path: "/api/v1/keys", body: httpapi.KeyCreate{Label: "x"}}), http.StatusUnauthorized, os1.EUNAUTHORIZED)
}

func TestKeysBadInput(t *testing.T) {
	e := newEnv(t)
	_, keyA := e.addUser("alice")
	before := e.count("api_keys")
	bad := []struct {
		body       any
		wantStatus int
		wantCode   string
	}{
		{`{"label":`, http.StatusBadRequest, os1.EINVALID},
		{`{"label":"a","admin":true}`, http.StatusBadRequest, os1.EINVALID},
		{`{"label":42}`, http.StatusBadRequest, os1.EINVALID},
		{`{}`, http.StatusBadRequest, os1.EINVALID},
		{httpapi.KeyCreate{Label: "   "}, http.StatusBadRequest, os1.EINVALID},
		{httpapi.KeyCreate{Label: strings.Repeat("x", 101)}, http.StatusBadRequest, os1.EINVALID},
		{httpapi.KeyCreate{Label: "two\nlines"}, http.StatusBadRequest, os1.EINVALID},
		{[]byte(`{"label":"` + strings.Repeat("x", 2<<20) + `"}`), http.StatusRequestEntityTooLarge, os1.ETOOLARGE},
	}
	for i, b := range bad {
		apiError(t, e.do(req{method: "POST", path: "/api/v1/keys", key: keyA, body: b.body}), b.wantStatus, b.wantCode)
		if n := e.count("api_keys"); n != before {
			t.Fatalf("case %d: bad input stored a key (%d keys, want %d)", i, n, before)
		}
	}
	// A hostile but valid label is stored as text and comes back as it was.
	label := `<img src=x onerror=alert(1)> 鍵`
	var created httpapi.KeyCreated
	e.json(req{method: "POST", path: "/api/v1/keys", key: keyA, body: httpapi.KeyCreate{Label: label}}, http.StatusCreated, &created)
	if created.Label != label {
		t.Fatalf("label %q, want %q", created.Label, label)
	}
}

// TestKeysIsolation proves that alice can neither see nor revoke bob's keys,
// with her API key or her web session, and that her new keys are hers only.
func TestKeysIsolation(t *testing.T) {
	e := newEnv(t)
	alice, keyA := e.addUser("alice")
	bob, keyB := e.addUser("bob")
	var bobs httpapi.KeyCreated
	e.json(req{method: "POST", path: "/api/v1/keys", key: keyB, body: httpapi.KeyCreate{Label: "bob's laptop"}}, http.StatusCreated, &bobs)
	bobList, _ := e.listKeys(req{key: keyB})
	if len(bobList.Keys) != 2 {
		t.Fatalf("bob has %d keys", len(bobList.Keys))
	}

	var me api.Me
	signIn := e.json(req{method: "POST", path: "/api/v1/session", body: api.SessionCreate{Name: "alice", Key: keyA}}, http.StatusOK, &me)
	cookie := sessionCookieOf(t, signIn)

	creds := []struct {
		name string
		as   req
	}{
		{"api key", req{key: keyA}},
		{"session cookie", req{cookies: []*http.Cookie{cookie}, header: map[string]string{"Origin": e.ts.URL}}},
	}
	for _, cred := range creds {
		t.Run(cred.name, func(t *testing.T) {
			kl, res := e.listKeys(cred.as)
			for _, k := range kl.Keys {
				for _, b := range bobList.Keys {
					if k.ID == b.ID {
						t.Fatalf("alice's list holds bob's key %d: %s", b.ID, res.body)
					}
				}
			}
			if strings.Contains(string(res.body), "bob") {
				t.Fatalf("alice's list mentions bob: %s", res.body)
			}
			for _, b := range bobList.Keys {
				r := cred.as
				r.method, r.path = "DELETE", keyPath(b.ID)
				res := e.do(r)
				apiError(t, res, http.StatusNotFound, os1.ENOTFOUND)
				if strings.Contains(string(res.body), "bob") {
					t.Fatalf("revoke reply leaks bob's data: %s", res.body)
				}
			}
			// Alice's new key is hers: it signs in as her and bob does not see it.
			r := cred.as
			r.method, r.path, r.body = "POST", "/api/v1/keys", httpapi.KeyCreate{Label: "alice " + cred.name}
			var created httpapi.KeyCreated
			e.json(r, http.StatusCreated, &created)
			e.json(req{method: "GET", path: "/api/v1/me", key: created.Key}, http.StatusOK, &me)
			if me.User.ID != alice.ID {
				t.Fatalf("alice's new key signs in as %+v", me.User)
			}
		})
	}

	// Bob's keys are all still there and still work.
	after, res := e.listKeys(req{key: keyB})
	if len(after.Keys) != len(bobList.Keys) || strings.Contains(string(res.body), "alice") {
		t.Fatalf("bob's keys after alice's attempts: %s", res.body)
	}
	e.json(req{method: "GET", path: "/api/v1/me", key: bobs.Key}, http.StatusOK, &me)
	if me.User.ID != bob.ID {
		t.Fatalf("bob's key signs in as %+v", me.User)
	}
	// And bob can revoke his own.
	if res := e.do(req{method: "DELETE", path: keyPath(bobs.ID), key: keyB}); res.status != http.StatusNoContent {
		t.Fatalf("bob revokes his key: %d %s", res.status, res.body)
	}
}
