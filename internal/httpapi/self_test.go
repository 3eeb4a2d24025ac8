package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"os1/api"
	"os1/internal/emotion"
	"os1/internal/httpapi"
	"os1/internal/os1"
	"os1/internal/persona"
	"os1/internal/sqlite"
)

func init() {
	for route, how := range map[string]string{
		"GET /api/v1/onboarding":                   "TestSelfIsolation: alice sees her own interview, untouched by bob's",
		"POST /api/v1/onboarding":                  "TestSelfIsolation: alice's answers change only her interview and profile",
		"POST /api/v1/companion/name":              "TestSelfIsolation: alice's name choice renames only her companion",
		"GET /api/v1/companion":                    "TestSelfIsolation: alice sees her companion, not bob's name or persona",
		"PATCH /api/v1/companion/persona":          "TestSelfIsolation: alice's edit makes her version; bob's rows unchanged",
		"GET /api/v1/companion/versions":           "TestSelfIsolation: alice's journal holds none of bob's versions",
		"GET /api/v1/companion/versions/{version}": "TestSelfIsolation: bob's version numbers are not found for alice",
		"POST /api/v1/companion/revert":            "TestSelfIsolation: reverting to bob's version numbers is not found",
		"PUT /api/v1/companion/growth":             "TestSelfIsolation: alice's freeze leaves bob's growth unfrozen",
		"GET /api/v1/mood":                         "TestSelfIsolation: alice's timeline counts none of bob's messages",
	} {
		isolationCovered[route] = how
	}
}

// newSelfEnv is a server with the self routes, the self hook and the
// emotion detector wired in.
func newSelfEnv(t *testing.T) *env {
	t.Helper()
	var svc *persona.Service
	e := newEnv(t, func(s *httpapi.Server) {
		db := s.Store.(*sqlite.DB)
		svc = persona.New(persona.Options{Store: db, Emotion: emotion.MustNew()})
		s.Self = svc
	})
	e.engine.Self = svc
	e.engine.Emotion = emotion.MustNew()
	return e
}

func TestSelfAPI(t *testing.T) {
	e := newSelfEnv(t)
	_, key := e.addUser("theodore")
	var ob persona.OnboardingView
	e.json(req{method: "GET", path: "/api/v1/onboarding", key: key}, http.StatusOK, &ob)
	if ob.Step != persona.StepAddress || ob.Question == "" {
		t.Fatalf("onboarding = %+v", ob)
	}
	e.json(req{method: "POST", path: "/api/v1/onboarding", key: key, body: httpapi.OnboardingAnswer{Step: "address", Answer: "I'm Theo"}}, http.StatusOK, &ob)
	if ob.Step != persona.StepHopes || ob.Answers["address"] != "Theo" {
		t.Fatalf("after address: %+v", ob)
	}
	// The same answer sent twice is refused, not taken for the next question.
	apiError(t, e.do(req{method: "POST", path: "/api/v1/onboarding", key: key, body: httpapi.OnboardingAnswer{Step: "address", Answer: "I'm Theo"}}), http.StatusConflict, os1.ECONFLICT)
	e.json(req{method: "POST", path: "/api/v1/onboarding", key: key, body: httpapi.OnboardingAnswer{Skip: true}}, http.StatusOK, &ob)
	e.json(req{method: "POST", path: "/api/v1/onboarding", key: key, body: httpapi.OnboardingAnswer{Answer: "my daughter Ellie"}}, http.StatusOK, &ob)
	e.json(req{method: "POST", path: "/api/v1/onboarding", key: key, body: httpapi.OnboardingAnswer{Answer: "Lonely since the divorce."}}, http.StatusOK, &ob)
	if ob.Step != persona.StepName || ob.Proposal == nil || ob.Proposal.Name == "" {
		t.Fatalf("after the questions: %+v", ob)
	}
	first := ob.Proposal.Name
	e.json(req{method: "POST", path: "/api/v1/companion/name", key: key, body: httpapi.NameAction{Action: "another"}}, http.StatusOK, &ob)
	if ob.Proposal.Name == first {
		t.Fatalf("another name gave the same %q", first)
	}
	e.json(req{method: "POST", path: "/api/v1/companion/name", key: key, body: httpapi.NameAction{Action: "accept"}}, http.StatusOK, &ob)
	if !ob.Done || ob.Companion != ob.Proposal.Name {
		t.Fatalf("accepted: %+v", ob)
	}
	var me api.Me
	e.json(req{method: "GET", path: "/api/v1/me", key: key}, http.StatusOK, &me)
	if me.Companion.Name != ob.Proposal.Name || me.User.DisplayName != "Theo" {
		t.Fatalf("me = %+v", me)
	}

	var comp persona.View
	e.json(req{method: "GET", path: "/api/v1/companion", key: key}, http.StatusOK, &comp)
	if comp.Name != ob.Proposal.Name || comp.Version != 2 || comp.Persona.Traits == nil || len(comp.Affect) != len(persona.Dimensions) || comp.AffectText == "" {
		t.Fatalf("companion = %+v", comp)
	}
	var edited persona.Version
	e.json(req{method: "PATCH", path: "/api/v1/companion/persona", key: key, body: `{"interests":["tide pools","jazz"],"reason":"my picks"}`}, http.StatusOK, &edited)
	if edited.Version != 3 || edited.Kind != persona.KindEdit || edited.Persona.Interests[1] != "jazz" || edited.Reason != "my picks" {
		t.Fatalf("patched = %+v", edited)
	}
	var list httpapi.VersionList
	e.json(req{method: "GET", path: "/api/v1/companion/versions", key: key}, http.StatusOK, &list)
	if len(list.Versions) != 3 || list.Versions[0].Version != 3 || list.Versions[2].Kind != persona.KindSeed {
		t.Fatalf("versions = %+v", list)
	}
	var one persona.Version
	e.json(req{method: "GET", path: "/api/v1/companion/versions/2", key: key}, http.StatusOK, &one)
	if one.Kind != persona.KindName {
		t.Fatalf("version 2 = %+v", one)
	}
	var rv persona.Version
	e.json(req{method: "POST", path: "/api/v1/companion/revert", key: key, body: httpapi.RevertRequest{Version: 2}}, http.StatusOK, &rv)
	if rv.Version != 4 || rv.Kind != persona.KindRevert || strings.Join(rv.Persona.Interests, ",") == "tide pools,jazz" {
		t.Fatalf("revert = %+v", rv)
	}
	var g httpapi.GrowthSetting
	e.json(req{method: "PUT", path: "/api/v1/companion/growth", key: key, body: `{"frozen":true}`}, http.StatusOK, &g)
	e.json(req{method: "GET", path: "/api/v1/companion", key: key}, http.StatusOK, &comp)
	if !comp.GrowthFrozen {
		t.Fatalf("growth not frozen: %+v", comp)
	}

	// Bad input gets clear errors and changes nothing.
	bad := []struct {
		r      req
		status int
		code   string
	}{
		{req{method: "POST", path: "/api/v1/onboarding", body: `{"answer":`}, 400, os1.EINVALID},
		{req{method: "POST", path: "/api/v1/companion/name", body: `{"action":"rename"}`}, 400, os1.EINVALID},
		{req{method: "POST", path: "/api/v1/companion/revert", body: `{"version":0}`}, 400, os1.EINVALID},
		{req{method: "POST", path: "/api/v1/companion/revert", body: `{"version":99}`}, 404, os1.ENOTFOUND},
		{req{method: "PUT", path: "/api/v1/companion/growth", body: `{}`}, 400, os1.EINVALID},
		{req{method: "PATCH", path: "/api/v1/companion/persona", body: `{"traits":{"openness":7}}`}, 400, os1.EINVALID},
		{req{method: "PATCH", path: "/api/v1/companion/persona", body: `{"bogus":1}`}, 400, os1.EINVALID},
		{req{method: "PATCH", path: "/api/v1/companion/persona", body: `{"values":["` + strings.Repeat("v", 400) + `"]}`}, 413, os1.ETOOLARGE},
		{req{method: "GET", path: "/api/v1/companion/versions/abc"}, 404, os1.ENOTFOUND},
		{req{method: "GET", path: "/api/v1/mood?days=0"}, 400, os1.EINVALID},
		{req{method: "GET", path: "/api/v1/mood?days=x"}, 400, os1.EINVALID},
		{req{method: "GET", path: "/api/v1/mood?tz=Mars/Olympus"}, 400, os1.EINVALID},
		{req{method: "GET", path: "/api/v1/mood?tz=../../etc/passwd"}, 400, os1.EINVALID},
	}
	for _, b := range bad {
		b.r.key = key
		apiError(t, e.do(b.r), b.status, b.code)
	}
	e.json(req{method: "GET", path: "/api/v1/companion/versions", key: key}, http.StatusOK, &list)
	if len(list.Versions) != 4 {
		t.Fatalf("bad requests stored versions: %d", len(list.Versions))
	}
	// Unauthenticated requests are refused.
	apiError(t, e.do(req{method: "GET", path: "/api/v1/companion"}), http.StatusUnauthorized, os1.EUNAUTHORIZED)
}

func TestMoodAPI(t *testing.T) {
	e := newSelfEnv(t)
	_, key := e.addUser("mo")
	conv := e.newConversation(key, "")
	e.postMessage(key, conv, "I am so happy and grateful today, thank you!")
	e.postMessage(key, conv, "I feel sad and alone.")
	var tl httpapi.MoodTimeline
	e.json(req{method: "GET", path: "/api/v1/mood?days=7&tz=%2B02:00", key: key}, http.StatusOK, &tl)
	if len(tl.Days) != 7 || tl.TimeZone != "+02:00" {
		t.Fatalf("timeline = %+v", tl)
	}
	today := tl.Days[6]
	if today.Messages != 2 || today.Scored != 2 || len(today.Emotions) != 2 {
		t.Fatalf("today = %+v", today)
	}
	e.json(req{method: "GET", path: "/api/v1/mood", key: key}, http.StatusOK, &tl)
	if len(tl.Days) != 30 || tl.TimeZone != "UTC" {
		t.Fatalf("default timeline: %d days, tz %s", len(tl.Days), tl.TimeZone)
	}
}

// personaRows dumps a user's self rows, for before/after comparisons.
func (e *env) personaRows(userID int64) string {
	e.t.Helper()
	var sb strings.Builder
	for _, q := range []string{
		"SELECT version, kind, persona, reason FROM persona_versions WHERE user_id = ? ORDER BY version",
		"SELECT frozen, grown_upto, onboarding FROM persona_state WHERE user_id = ?",
		"SELECT name, persona FROM companions WHERE user_id = ?",
		"SELECT display_name FROM users WHERE id = ?",
	} {
		rows, err := e.db.Reader().Query(q, userID)
		if err != nil {
			e.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Fprintln(&sb, vals...)
		}
		rows.Close()
	}
	return sb.String()
}

func TestSelfIsolation(t *testing.T) {
	e := newSelfEnv(t)
	ctx := context.Background()
	_, keyA := e.addUser("alice")
	b, keyB := e.addUser("bob")

	// Bob's self: an interview, a name, edits, a frozen growth, messages.
	e.json(req{method: "POST", path: "/api/v1/onboarding", key: keyB, body: httpapi.OnboardingAnswer{Answer: "Bobby"}}, http.StatusOK, nil)
	e.json(req{method: "POST", path: "/api/v1/onboarding", key: keyB, body: httpapi.OnboardingAnswer{Answer: "secret hopes of bob"}}, http.StatusOK, nil)
	e.json(req{method: "POST", path: "/api/v1/companion/name", key: keyB, body: httpapi.NameAction{Action: "another"}}, http.StatusOK, nil)
	var bobView persona.OnboardingView
	e.json(req{method: "POST", path: "/api/v1/companion/name", key: keyB, body: httpapi.NameAction{Action: "accept"}}, http.StatusOK, &bobView)
	for i := range 3 {
		e.json(req{method: "PATCH", path: "/api/v1/companion/persona", key: keyB, body: fmt.Sprintf(`{"speaking_style":"bob style %d"}`, i)}, http.StatusOK, nil)
	}
	e.json(req{method: "PUT", path: "/api/v1/companion/growth", key: keyB, body: `{"frozen":true}`}, http.StatusOK, nil)
	bConv := e.newConversation(keyB, "")
	e.postMessage(keyB, bConv, "bob is furious and angry")
	before := e.personaRows(b.ID)
	bobName := bobView.Companion

	// Alice, by key and by session cookie.
	var me api.Me
	signIn := e.json(req{method: "POST", path: "/api/v1/session", body: api.SessionCreate{Name: "alice", Key: keyA}}, http.StatusOK, &me)
	cookie := sessionCookieOf(t, signIn)
	for _, cred := range []struct {
		name    string
		key     string
		cookies []*http.Cookie
	}{{"key", keyA, nil}, {"cookie", "", []*http.Cookie{cookie}}} {
		t.Run(cred.name, func(t *testing.T) {
			as := func(r req) resp { r.key, r.cookies = cred.key, cred.cookies; return e.do(r) }
			// Bob's version numbers do not exist for alice (she has stored none yet).
			for v := 1; v <= 5; v++ {
				apiError(t, as(req{method: "GET", path: fmt.Sprintf("/api/v1/companion/versions/%d", v)}), http.StatusNotFound, os1.ENOTFOUND)
				apiError(t, as(req{method: "POST", path: "/api/v1/companion/revert", body: httpapi.RevertRequest{Version: v}}), http.StatusNotFound, os1.ENOTFOUND)
			}
			for _, r := range []req{
				{method: "GET", path: "/api/v1/onboarding"},
				{method: "GET", path: "/api/v1/companion"},
				{method: "GET", path: "/api/v1/companion/versions"},
				{method: "GET", path: "/api/v1/mood?days=3"},
			} {
				res := as(r)
				if res.status != http.StatusOK {
					t.Fatalf("%s %s: %d %s", r.method, r.path, res.status, res.body)
				}
				body := string(res.body)
				if strings.Contains(body, "bob style") || strings.Contains(body, "secret hopes") || strings.Contains(body, "Bobby") || strings.Contains(body, `"`+bobName+`"`) {
					t.Fatalf("%s %s leaks bob's self: %s", r.method, r.path, body)
				}
				if strings.Contains(r.path, "mood") && strings.Contains(body, `"messages":1`) {
					t.Fatalf("alice's mood counts bob's message: %s", body)
				}
			}
		})
	}
	// Alice's own changes stay hers.
	e.json(req{method: "POST", path: "/api/v1/onboarding", key: keyA, body: httpapi.OnboardingAnswer{Answer: "Al"}}, http.StatusOK, nil)
	e.json(req{method: "POST", path: "/api/v1/companion/name", key: keyA, body: httpapi.NameAction{Action: "another"}}, http.StatusOK, nil)
	e.json(req{method: "POST", path: "/api/v1/companion/name", key: keyA, body: httpapi.NameAction{Action: "accept"}}, http.StatusOK, nil)
	e.json(req{method: "PATCH", path: "/api/v1/companion/persona", key: keyA, body: `{"speaking_style":"alice style"}`}, http.StatusOK, nil)
	e.json(req{method: "POST", path: "/api/v1/companion/revert", key: keyA, body: httpapi.RevertRequest{Version: 1}}, http.StatusOK, nil)
	e.json(req{method: "PUT", path: "/api/v1/companion/growth", key: keyA, body: `{"frozen":false}`}, http.StatusOK, nil)
	var list httpapi.VersionList
	e.json(req{method: "GET", path: "/api/v1/companion/versions", key: keyA}, http.StatusOK, &list)
	for _, v := range list.Versions {
		if strings.Contains(v.Persona.SpeakingStyle, "bob") {
			t.Fatalf("alice's journal holds bob's version %+v", v)
		}
	}
	if after := e.personaRows(b.ID); after != before {
		t.Fatalf("bob's self changed:\nbefore\n%s\nafter\n%s", before, after)
	}
	st, err := e.db.SelfState(ctx, b.ID)
	if err != nil || !st.Frozen {
		t.Fatalf("bob's growth is no longer frozen: %+v, %v", st, err)
	}
}
