package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"os1/api"
	"os1/internal/httpapi"
	"os1/internal/os1"
	"os1/internal/sqlite"
	"os1/internal/wellbeing"
)

func init() {
	isolationCovered["GET /api/v1/wellbeing"] = "shows only the caller's figures (TestWellbeingIsolation)"
	isolationCovered["GET /api/v1/wellbeing/settings"] = "the caller's own settings (TestWellbeingIsolation)"
	isolationCovered["PUT /api/v1/wellbeing/settings"] = "changes only the caller's settings (TestWellbeingIsolation)"
	isolationCovered["GET /api/v1/wellbeing/weekly"] = "counts only the caller's messages and people (TestWellbeingIsolation)"
	isolationCovered["POST /api/v1/wellbeing/draft"] = "drafts from the caller's own people (TestWellbeingIsolation)"
	isolationCovered["POST /api/v1/goodbye"] = "letter and export of the caller only (TestWellbeingIsolation)"
	isolationCovered["POST /api/v1/goodbye/confirm"] = "another's token is refused and nothing of theirs is deleted (TestWellbeingIsolation)"
	isolationCovered["GET /api/v1/goodbye/letter"] = "the caller's own letter (TestWellbeingIsolation)"
}

// dbExporter stands in for the archive: the person's messages as JSON.
type dbExporter struct{ db *sqlite.DB }

func (x dbExporter) Export(ctx context.Context, userID int64, w io.Writer) error {
	rows, err := x.db.Reader().QueryContext(ctx, `SELECT content FROM messages WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return err
	}
	defer rows.Close()
	out := struct {
		UserID   int64    `json:"user_id"`
		Messages []string `json:"messages"`
	}{UserID: userID}
	for rows.Next() {
		var c string
		rows.Scan(&c)
		out.Messages = append(out.Messages, c)
	}
	return json.NewEncoder(w).Encode(out)
}

// newWellbeingEnv is newEnv with the wellbeing service on the engine and
// the routes.
func newWellbeingEnv(t *testing.T) (*env, *wellbeing.Service) {
	t.Helper()
	var svc *wellbeing.Service
	e := newEnv(t, func(s *httpapi.Server) {
		db := s.Store.(*sqlite.DB)
		svc = &wellbeing.Service{Store: db, Memories: db, Exporter: dbExporter{db}, Location: time.UTC,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		s.Wellbeing = svc
	})
	e.engine.Wellbeing = svc
	return e, svc
}

func seedPeople(t *testing.T, e *env, u *os1.User, names ...string) {
	t.Helper()
	var people []*os1.Person
	for _, n := range names {
		people = append(people, &os1.Person{Name: n, Relation: "friend", Mentions: 3, FirstMentioned: time.Now().AddDate(0, -2, 0), LastMentioned: time.Now().AddDate(0, 0, -30)})
	}
	if err := e.db.SeedPeople(context.Background(), u.ID, people); err != nil {
		t.Fatal(err)
	}
}

func TestWellbeingAPI(t *testing.T) {
	e, svc := newWellbeingEnv(t)
	a, keyA := e.addUser("alice")
	seedPeople(t, e, a, "Amy")
	conv := e.newConversation(keyA, "hi")
	e.postMessage(keyA, conv, "Dinner with Amy tonight")
	e.postMessage(keyA, conv, "It was lovely")

	var rep wellbeing.Report
	e.json(req{method: "GET", path: "/api/v1/wellbeing", key: keyA}, http.StatusOK, &rep)
	cur := rep.Figures.Weeks[len(rep.Figures.Weeks)-1]
	if rep.Figures.Today.Sessions != 1 || rep.Figures.Today.Minutes < 1 || cur.Messages != 2 || len(cur.PeopleMentioned) != 1 || cur.PeopleMentioned[0] != "Amy" {
		t.Fatalf("report: today %+v, week %+v", rep.Figures.Today, cur)
	}
	if rep.Figures.StreakDays != 1 || !rep.Settings.Nudges || rep.Settings.LateNightHour != 23 {
		t.Fatalf("report: %+v", rep)
	}

	// Settings: switchable, validated, bad input changes nothing.
	var st wellbeing.Settings
	e.json(req{method: "PUT", path: "/api/v1/wellbeing/settings", key: keyA, body: map[string]any{"nudges": false, "budget_minutes": 40, "late_night_hour": 22, "time_zone": "Europe/Paris"}}, http.StatusOK, &st)
	if st.Nudges || st.BudgetMinutes != 40 || st.LateNightHour != 22 || st.TimeZone != "Europe/Paris" {
		t.Fatalf("updated settings: %+v", st)
	}
	for _, body := range []any{`{"nudges": tru`, `{"budget_minutes": -5}`, `{"late_night_hour": 30}`, `{"time_zone": "Nowhere/Land"}`, `{"volume": 11}`, `[1,2]`} {
		res := e.do(req{method: "PUT", path: "/api/v1/wellbeing/settings", key: keyA, body: body})
		apiError(t, res, http.StatusBadRequest, os1.EINVALID)
	}
	e.json(req{method: "GET", path: "/api/v1/wellbeing/settings", key: keyA}, http.StatusOK, &st)
	if st.BudgetMinutes != 40 || st.TimeZone != "Europe/Paris" {
		t.Fatalf("bad updates changed the settings: %+v", st)
	}

	// Weekly summary.
	var wk wellbeing.Weekly
	e.json(req{method: "GET", path: "/api/v1/wellbeing/weekly", key: keyA}, http.StatusOK, &wk)
	if len(wk.PeopleMentioned) != 1 || wk.PeopleMentioned[0] != "Amy" || wk.DaysActive != 1 || !strings.Contains(wk.Text, "You talked about Amy") {
		t.Fatalf("weekly: %+v", wk)
	}

	// Draft: by the model when one is connected …
	var d wellbeing.Draft
	svc.Model = e.model
	e.json(req{method: "POST", path: "/api/v1/wellbeing/draft", key: keyA, body: map[string]string{"person": "amy"}}, http.StatusOK, &d)
	if d.Source != "model" || d.Person != "Amy" || d.Text != replyText() {
		t.Fatalf("draft by the model: %+v", d)
	}
	last, _ := e.model.LastCall()
	if !strings.Contains(last.Messages[len(last.Messages)-1].Content, "Amy (their friend)") {
		t.Fatalf("the draft prompt does not name Amy as a friend: %+v", last.Messages)
	}
	// … and from the template without one.
	svc.Model = nil
	e.json(req{method: "POST", path: "/api/v1/wellbeing/draft", key: keyA, body: map[string]string{"person": "Amy"}}, http.StatusOK, &d)
	if d.Source != "template" || !strings.HasPrefix(d.Text, "Hi Amy,") || !strings.Contains(d.Text, "it's been a while") || !strings.HasSuffix(d.Text, "Alice") {
		t.Fatalf("draft from the template: %+v", d)
	}
	for _, body := range []any{map[string]string{"person": ""}, map[string]string{"person": strings.Repeat("x", 200)}, map[string]string{"person": "<script>"}, `{"person": 5}`} {
		apiError(t, e.do(req{method: "POST", path: "/api/v1/wellbeing/draft", key: keyA, body: body}), http.StatusBadRequest, os1.EINVALID)
	}
}

func TestGoodbyeTwoStepDeletion(t *testing.T) {
	e, _ := newWellbeingEnv(t)
	a, keyA := e.addUser("alice")
	b, keyB := e.addUser("bob")
	seedPeople(t, e, a, "Quillonfriend")
	convA := e.newConversation(keyA, "alice talks")
	e.postMessage(keyA, convA, "my secret word is heliotropewombat")
	convB := e.newConversation(keyB, "bob talks")
	e.postMessage(keyB, convB, "bob's word is tamarindotter")

	var fw wellbeing.Farewell
	e.json(req{method: "POST", path: "/api/v1/goodbye", key: keyA}, http.StatusOK, &fw)
	if fw.Letter == nil || !strings.HasPrefix(fw.Letter.Text, "Dear Alice,") || !strings.Contains(fw.Letter.Text, "Quillonfriend") || fw.Letter.Source != "model" && fw.Letter.Source != "template" {
		t.Fatalf("letter: %+v", fw.Letter)
	}
	if !bytes.Contains(fw.Export, []byte("heliotropewombat")) || bytes.Contains(fw.Export, []byte("tamarindotter")) {
		t.Fatalf("export: %s", fw.Export)
	}
	if fw.Token == "" || !fw.ExpiresAt.After(time.Now()) {
		t.Fatalf("token: %+v", fw)
	}
	// Nothing is deleted by the first step.
	if n := len(e.storedMessages(a.ID, convA)); n != 2 {
		t.Fatalf("after the first step alice has %d messages, want 2", n)
	}
	// A wrong token deletes nothing.
	apiError(t, e.do(req{method: "POST", path: "/api/v1/goodbye/confirm", key: keyA, body: map[string]string{"token": "bye_wrong"}}), http.StatusForbidden, os1.EFORBIDDEN)
	apiError(t, e.do(req{method: "POST", path: "/api/v1/goodbye/confirm", key: keyA, body: `{}`}), http.StatusBadRequest, os1.EINVALID)
	if n := len(e.storedMessages(a.ID, convA)); n != 2 {
		t.Fatalf("a wrong token deleted something: %d messages left", n)
	}

	var del wellbeing.Deleted
	e.json(req{method: "POST", path: "/api/v1/goodbye/confirm", key: keyA, body: map[string]string{"token": fw.Token}}, http.StatusOK, &del)
	if !del.Deleted || del.Rows < 3 {
		t.Fatalf("confirm: %+v", del)
	}
	// She is gone: her key no longer works, her rows are gone.
	apiError(t, e.do(req{method: "GET", path: "/api/v1/me", key: keyA}), http.StatusUnauthorized, os1.EUNAUTHORIZED)
	if e.count("users") != 1 || strings.Contains(e.dump(0), "heliotropewombat") {
		t.Fatalf("after the goodbye: %s", e.dump(0))
	}
	// Byte by byte, the files hold nothing of hers and still hold bob's.
	var files []byte
	for _, p := range []string{e.db.Path(), e.db.Path() + "-wal", e.db.Path() + "-shm"} {
		data, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		files = append(files, bytes.ToLower(data)...)
	}
	for _, s := range []string{"heliotropewombat", "quillonfriend", "alice talks", "dear alice"} {
		if bytes.Contains(files, []byte(s)) {
			t.Errorf("the database files still hold %q", s)
		}
	}
	if !bytes.Contains(files, []byte("tamarindotter")) {
		t.Error("bob's words are gone from the files")
	}
	// Bob carries on.
	tr := e.postMessage(keyB, convB, "still here")
	if tr.Reply.Content != replyText() || b.ID == 0 {
		t.Fatalf("bob's turn after alice left: %+v", tr)
	}
}

func TestSunsetRefusesMessagesButServesLettersAndExports(t *testing.T) {
	e, svc := newWellbeingEnv(t)
	_, keyA := e.addUser("alice")
	conv := e.newConversation(keyA, "hi")
	e.postMessage(keyA, conv, "hello")

	sun, prepared, err := svc.ScheduleSunset(context.Background(), 14*24*time.Hour)
	if err != nil || prepared != 1 {
		t.Fatalf("schedule: %v, %d letters", err, prepared)
	}
	// Told once, in the next conversation.
	e.postMessage(keyA, conv, "how are you?")
	call, _ := e.model.LastCall()
	date := sun.At.UTC().Format("Monday 2 January 2006")
	if !strings.Contains(call.Messages[0].Content, "stops accepting new messages on "+date) || !strings.Contains(call.Messages[0].Content, "letter") {
		t.Fatalf("the next prompt does not tell them about the sunset:\n%s", call.Messages[0].Content)
	}
	e.postMessage(keyA, conv, "ok")
	call, _ = e.model.LastCall()
	if strings.Contains(call.Messages[0].Content, "stops accepting new messages") {
		t.Fatalf("told about the sunset twice:\n%s", call.Messages[0].Content)
	}
	var letter wellbeing.Letter
	e.json(req{method: "GET", path: "/api/v1/goodbye/letter", key: keyA}, http.StatusOK, &letter)
	if letter.Kind != wellbeing.LetterSunset || !strings.Contains(letter.Text, "decided to close it") {
		t.Fatalf("prepared letter: %+v", letter)
	}

	// After the date: no new messages, nothing stored; the rest still works.
	svc.Now = func() time.Time { return sun.At.Add(time.Minute) }
	before := e.count("messages")
	res := e.do(req{method: "POST", path: convPath(conv, "/messages"), key: keyA, body: api.MessageCreate{Content: "are you there?"}})
	er := apiError(t, res, http.StatusGone, os1.ECLOSED)
	if !strings.Contains(er.Message, "export") || !strings.Contains(er.Message, "letter") {
		t.Fatalf("the refusal does not say the export and letter are available: %q", er.Message)
	}
	if e.count("messages") != before {
		t.Fatal("a message was stored after the sunset")
	}
	e.json(req{method: "GET", path: "/api/v1/wellbeing", key: keyA}, http.StatusOK, nil)
	e.json(req{method: "GET", path: "/api/v1/goodbye/letter", key: keyA}, http.StatusOK, nil)
	var fw wellbeing.Farewell
	e.json(req{method: "POST", path: "/api/v1/goodbye", key: keyA}, http.StatusOK, &fw)
	if !bytes.Contains(fw.Export, []byte("how are you?")) {
		t.Fatalf("no export after the sunset: %s", fw.Export)
	}
	e.json(req{method: "GET", path: convPath(conv, "/messages"), key: keyA}, http.StatusOK, nil)
}

func TestWellbeingIsolation(t *testing.T) {
	e, _ := newWellbeingEnv(t)
	a, keyA := e.addUser("alice")
	b, keyB := e.addUser("bob")
	seedPeople(t, e, b, "Bobsfriend")
	convB := e.newConversation(keyB, "bob")
	for i := 0; i < 3; i++ {
		e.postMessage(keyB, convB, "Lunch with Bobsfriend")
	}
	var fwB wellbeing.Farewell
	e.json(req{method: "POST", path: "/api/v1/goodbye", key: keyB}, http.StatusOK, &fwB)
	var bobSettings wellbeing.Settings
	e.json(req{method: "PUT", path: "/api/v1/wellbeing/settings", key: keyB, body: map[string]any{"budget_minutes": 15}}, http.StatusOK, &bobSettings)
	before := e.dump(b.ID)

	var rep wellbeing.Report
	e.json(req{method: "GET", path: "/api/v1/wellbeing", key: keyA}, http.StatusOK, &rep)
	cur := rep.Figures.Weeks[len(rep.Figures.Weeks)-1]
	if cur.Messages != 0 || len(rep.Figures.People) != 0 || rep.Settings.BudgetMinutes != 0 {
		t.Fatalf("alice sees bob's figures: %+v", rep)
	}
	var st wellbeing.Settings
	e.json(req{method: "GET", path: "/api/v1/wellbeing/settings", key: keyA}, http.StatusOK, &st)
	if st != wellbeing.DefaultSettings() {
		t.Fatalf("alice's settings: %+v", st)
	}
	e.json(req{method: "PUT", path: "/api/v1/wellbeing/settings", key: keyA, body: map[string]any{"budget_minutes": 90, "nudges": false}}, http.StatusOK, nil)
	var wk wellbeing.Weekly
	e.json(req{method: "GET", path: "/api/v1/wellbeing/weekly", key: keyA}, http.StatusOK, &wk)
	if wk.Minutes != 0 || len(wk.PeopleMentioned) != 0 || len(wk.Quiet) != 0 {
		t.Fatalf("alice's weekly counts bob's: %+v", wk)
	}
	var d wellbeing.Draft
	e.json(req{method: "POST", path: "/api/v1/wellbeing/draft", key: keyA, body: map[string]string{"person": "bobsfriend"}}, http.StatusOK, &d)
	if d.Person != "bobsfriend" { // not canonicalised from bob's people
		t.Fatalf("alice's draft used bob's people: %+v", d)
	}
	var fwA wellbeing.Farewell
	e.json(req{method: "POST", path: "/api/v1/goodbye", key: keyA}, http.StatusOK, &fwA)
	if strings.Contains(fwA.Letter.Text, "Bobsfriend") || bytes.Contains(fwA.Export, []byte("Lunch")) {
		t.Fatalf("alice's goodbye holds bob's data: %+v %s", fwA.Letter, fwA.Export)
	}
	var letter wellbeing.Letter
	e.json(req{method: "GET", path: "/api/v1/goodbye/letter", key: keyA}, http.StatusOK, &letter)
	if letter.ID != fwA.Letter.ID {
		t.Fatalf("alice's letter is %+v, want her own %d", letter, fwA.Letter.ID)
	}
	// Bob's token in alice's hands deletes nothing of bob's (or hers).
	apiError(t, e.do(req{method: "POST", path: "/api/v1/goodbye/confirm", key: keyA, body: map[string]string{"token": fwB.Token}}), http.StatusForbidden, os1.EFORBIDDEN)
	if after := e.dump(b.ID); after != before {
		t.Fatalf("bob's data changed:\nbefore %s\nafter %s", before, after)
	}
	if e.count("users") != 2 {
		t.Fatal("someone was deleted")
	}
	if st, _ := e.db.WellbeingSettings(context.Background(), b.ID); st.BudgetMinutes != 15 || !st.Nudges {
		t.Fatalf("bob's settings changed: %+v", st)
	}
	if _, err := e.db.FindUserByID(context.Background(), a.ID); err != nil {
		t.Fatal(err)
	}
	// And bob's own token still works for bob.
	e.json(req{method: "POST", path: "/api/v1/goodbye/confirm", key: keyB, body: map[string]string{"token": fwB.Token}}, http.StatusOK, nil)
}
