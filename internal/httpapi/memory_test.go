package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"os1/internal/archive"
	"os1/internal/httpapi"
	"os1/internal/memory"
	"os1/internal/os1"
)

func init() {
	for route, how := range map[string]string{
		"GET /api/v1/memory":                       "TestMemoryIsolation: A's listing and search never show B's memories",
		"GET /api/v1/memory/{kind}/{id}":           "TestMemoryIsolation: B's fact, person and turn are not found for A",
		"PATCH /api/v1/memory/facts/{id}":          "TestMemoryIsolation: A cannot correct B's fact; B's rows unchanged",
		"DELETE /api/v1/memory/{kind}/{id}":        "TestMemoryIsolation: A cannot forget B's fact, person or turn",
		"DELETE /api/v1/conversations/{id}/memory": "TestMemoryIsolation: A cannot forget B's conversation",
		"GET /api/v1/export":                       "TestMemoryIsolation: A's archive holds nothing of B's",
	} {
		isolationCovered[route] = how
	}
}

// lateMemory lets a test give the server a memory over the store newEnv
// creates.
type lateMemory struct{ *memory.Service }

// newMemoryEnv is a server whose engine and routes use a real memory.
func newMemoryEnv(t *testing.T) *env {
	t.Helper()
	lm := &lateMemory{}
	e := newEnv(t, func(s *httpapi.Server) { s.Memory = lm })
	lm.Service = memory.New(e.db, memory.Options{ReflectAt: -1})
	e.engine.Memory = lm.Service
	return e
}

// factsOf returns the user's facts straight from the store.
func factsOf(t *testing.T, e *env, userID int64) []*os1.Fact {
	t.Helper()
	list, err := e.db.Facts(context.Background(), userID, true)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func findFact(t *testing.T, e *env, userID int64, contains string) *os1.Fact {
	t.Helper()
	for _, f := range factsOf(t, e, userID) {
		if f.Current() && strings.Contains(f.Statement, contains) {
			return f
		}
	}
	t.Fatalf("no current fact with %q in %+v", contains, factsOf(t, e, userID))
	return nil
}

func TestMemoryAPI(t *testing.T) {
	e := newMemoryEnv(t)
	a, key := e.addUser("alice")
	conv := e.newConversation(key, "first")
	e.postMessage(key, conv, "My sister Anna lives in Oslo.")
	e.postMessage(key, conv, "I work as a carpenter these days.")
	other := e.newConversation(key, "second")
	e.postMessage(key, other, "I love sailing on windy days.")

	var list httpapi.MemoryList
	e.json(req{method: "GET", path: "/api/v1/memory", key: key}, http.StatusOK, &list)
	text := fmt.Sprint(list.Items)
	if !strings.Contains(text, "works as a carpenter") || !strings.Contains(text, "Anna (sister)") {
		t.Fatalf("list = %+v", list)
	}
	list = httpapi.MemoryList{}
	e.json(req{method: "GET", path: "/api/v1/memory?kind=people", key: key}, http.StatusOK, &list)
	for _, it := range list.Items {
		if it.Kind != os1.KindPerson {
			t.Fatalf("?kind=people lists %+v", it)
		}
	}
	apiError(t, e.do(req{method: "GET", path: "/api/v1/memory?kind=dreams", key: key}), http.StatusBadRequest, os1.EINVALID)

	var found httpapi.MemorySearch
	e.json(req{method: "GET", path: "/api/v1/memory?q=carpenter", key: key}, http.StatusOK, &found)
	if len(found.Results) == 0 || !strings.Contains(found.Results[0].Text, "carpenter") || len(found.Results[0].Sources) == 0 {
		t.Fatalf("search = %+v", found)
	}

	job := findFact(t, e, a.ID, "carpenter")
	var show httpapi.MemoryShow
	e.json(req{method: "GET", path: fmt.Sprintf("/api/v1/memory/facts/%d", job.ID), key: key}, http.StatusOK, &show)
	if show.Item.ID != job.ID || len(show.Sources) != 1 || show.Sources[0].Content != "I work as a carpenter these days." {
		t.Fatalf("show = %+v", show)
	}
	apiError(t, e.do(req{method: "GET", path: "/api/v1/memory/facts/999999", key: key}), http.StatusNotFound, os1.ENOTFOUND)
	apiError(t, e.do(req{method: "GET", path: "/api/v1/memory/secrets/1", key: key}), http.StatusNotFound, os1.ENOTFOUND)

	var edited httpapi.FactEdited
	e.json(req{method: "PATCH", path: fmt.Sprintf("/api/v1/memory/facts/%d", job.ID), key: key, body: httpapi.FactEdit{Statement: "works as a boat builder"}}, http.StatusOK, &edited)
	if edited.Replaces != job.ID || edited.Fact.Statement != "works as a boat builder" || edited.Fact.Origin != "edit" {
		t.Fatalf("edit = %+v", edited)
	}
	apiError(t, e.do(req{method: "PATCH", path: fmt.Sprintf("/api/v1/memory/facts/%d", edited.Fact.ID), key: key, body: `{"statement": 5}`}), http.StatusBadRequest, os1.EINVALID)
	apiError(t, e.do(req{method: "PATCH", path: fmt.Sprintf("/api/v1/memory/facts/%d", edited.Fact.ID), key: key, body: httpapi.FactEdit{Statement: "  "}}), http.StatusBadRequest, os1.EINVALID)

	if res := e.do(req{method: "DELETE", path: fmt.Sprintf("/api/v1/memory/facts/%d", edited.Fact.ID), key: key}); res.status != http.StatusNoContent {
		t.Fatalf("forget: %d %s", res.status, res.body)
	}
	apiError(t, e.do(req{method: "GET", path: fmt.Sprintf("/api/v1/memory/facts/%d", edited.Fact.ID), key: key}), http.StatusNotFound, os1.ENOTFOUND)
	found = httpapi.MemorySearch{}
	e.json(req{method: "GET", path: "/api/v1/memory?q=boat+builder", key: key}, http.StatusOK, &found)
	for _, it := range found.Results {
		if strings.Contains(it.Text, "boat builder") {
			t.Fatalf("forgotten fact still found: %+v", it)
		}
	}

	var forgot map[string]int
	e.json(req{method: "DELETE", path: convPath(other, "/memory"), key: key}, http.StatusOK, &forgot)
	if forgot["forgotten_turns"] != 2 {
		t.Fatalf("forget conversation = %v, want its 2 turns", forgot)
	}
	found = httpapi.MemorySearch{Results: []os1.Recalled{{Text: "stale"}}}
	e.json(req{method: "GET", path: "/api/v1/memory?q=sailing+windy", key: key}, http.StatusOK, &found)
	if found.Results == nil || len(found.Results) != 0 {
		t.Fatalf("forgotten conversation still recalled: %+v", found.Results)
	}
	apiError(t, e.do(req{method: "DELETE", path: convPath(999999, "/memory"), key: key}), http.StatusNotFound, os1.ENOTFOUND)

	res := e.do(req{method: "GET", path: "/api/v1/export", key: key})
	if res.status != http.StatusOK || !strings.Contains(res.header.Get("Content-Disposition"), "os1-alice-") {
		t.Fatalf("export: %d %v", res.status, res.header)
	}
	arch, err := archive.Decode(bytes.NewReader(res.body), 0)
	if err != nil {
		t.Fatalf("exported archive does not decode: %v", err)
	}
	if arch.Person.User.Name != "alice" || len(arch.Person.Messages) != 6 || len(arch.Person.Conversations) != 2 {
		t.Fatalf("archive person %+v", arch.Person.User)
	}
	res = e.do(req{method: "GET", path: "/api/v1/export?format=markdown", key: key})
	if res.status != http.StatusOK || !strings.Contains(string(res.body), "# Everything OS1 holds about Alice") {
		t.Fatalf("markdown export: %d %.200s", res.status, res.body)
	}
	apiError(t, e.do(req{method: "GET", path: "/api/v1/export?format=pdf", key: key}), http.StatusBadRequest, os1.EINVALID)
	apiError(t, e.do(req{method: "GET", path: "/api/v1/memory"}), http.StatusUnauthorized, os1.EUNAUTHORIZED)
}

func TestMemoryIsolation(t *testing.T) {
	e := newMemoryEnv(t)
	_, keyA := e.addUser("alice")
	b, keyB := e.addUser("bob")
	aConv := e.newConversation(keyA, "alice's")
	e.postMessage(keyA, aConv, "I work as a baker.")
	bConv := e.newConversation(keyB, "bob's")
	tr := e.postMessage(keyB, bConv, "My brother Karl is a spy and I work as a secret agent.")
	bFact := findFact(t, e, b.ID, "secret agent")
	people, err := e.db.People(context.Background(), b.ID)
	if err != nil || len(people) == 0 {
		t.Fatalf("bob's people: %v %v", people, err)
	}
	bTurn := tr.Message.ID
	before := e.dump(b.ID)
	render := func(list []*os1.Fact) string {
		var sb strings.Builder
		for _, f := range list {
			fmt.Fprintf(&sb, "%+v\n", *f)
		}
		return sb.String()
	}
	bFacts := render(factsOf(t, e, b.ID))

	for _, path := range []string{
		fmt.Sprintf("/api/v1/memory/facts/%d", bFact.ID),
		fmt.Sprintf("/api/v1/memory/people/%d", people[0].ID),
		fmt.Sprintf("/api/v1/memory/turns/%d", bTurn),
	} {
		apiError(t, e.do(req{method: "GET", path: path, key: keyA}), http.StatusNotFound, os1.ENOTFOUND)
		apiError(t, e.do(req{method: "DELETE", path: path, key: keyA}), http.StatusNotFound, os1.ENOTFOUND)
	}
	apiError(t, e.do(req{method: "PATCH", path: fmt.Sprintf("/api/v1/memory/facts/%d", bFact.ID), key: keyA, body: httpapi.FactEdit{Statement: "is a traitor"}}), http.StatusNotFound, os1.ENOTFOUND)
	apiError(t, e.do(req{method: "DELETE", path: convPath(bConv, "/memory"), key: keyA}), http.StatusNotFound, os1.ENOTFOUND)

	for _, path := range []string{"/api/v1/memory", "/api/v1/memory?q=secret+agent+spy+Karl", "/api/v1/memory?kind=people", "/api/v1/export", "/api/v1/export?format=markdown"} {
		res := e.do(req{method: "GET", path: path, key: keyA})
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, res.status, res.body)
		}
		if s := string(res.body); strings.Contains(s, "secret agent") || strings.Contains(s, "Karl") || strings.Contains(s, "bob") {
			t.Fatalf("%s shows bob's data to alice: %.300s", path, s)
		}
	}
	if after := e.dump(b.ID); after != before {
		t.Fatalf("bob's rows changed:\nbefore %s\nafter %s", before, after)
	}
	if after := render(factsOf(t, e, b.ID)); after != bFacts {
		t.Fatalf("bob's facts changed")
	}
	// Bob still sees his own.
	var mine httpapi.MemorySearch
	e.json(req{method: "GET", path: "/api/v1/memory?q=secret+agent", key: keyB}, http.StatusOK, &mine)
	if len(mine.Results) == 0 {
		t.Fatal("bob cannot find his own memory")
	}
}
