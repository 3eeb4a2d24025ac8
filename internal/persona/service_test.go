package persona_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"os1/internal/companion"
	"os1/internal/emotion"
	"os1/internal/memory"
	"os1/internal/mock"
	"os1/internal/os1"
	"os1/internal/persona"
	"os1/internal/sqlite"
)

// Interface guards: the store and the engine hook.
var (
	_ persona.Store  = (*sqlite.DB)(nil)
	_ persona.Memory = (*memory.Service)(nil)
	_ companion.Self = (*persona.Service)(nil)
)

// fixture is a self service over a real store, with a real memory.
type fixture struct {
	t   testing.TB
	db  *sqlite.DB
	mem *memory.Service
	svc *persona.Service
	now time.Time
}

func newFixture(t testing.TB, opts ...func(*persona.Options)) *fixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "os1.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, db: db, now: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time { return f.now }
	f.mem = memory.New(db, memory.Options{Now: func() time.Time { return f.now }})
	o := persona.Options{Store: db, Memory: f.mem, Emotion: emotion.MustNew(), Now: func() time.Time { return f.now }}
	for _, fn := range opts {
		fn(&o)
	}
	f.svc = persona.New(o)
	return f
}

func (f *fixture) user(name string) *os1.User {
	f.t.Helper()
	u := &os1.User{Name: name}
	if err := f.db.CreateUser(context.Background(), u); err != nil {
		f.t.Fatalf("create user: %v", err)
	}
	return u
}

// reflection stores a reflection for the user, as the memory's background
// job would, and returns its id.
func (f *fixture) reflection(userID int64, text string) int64 {
	f.t.Helper()
	var id int64
	at := sqlite.FormatTime(f.now)
	err := f.db.WriteTx(context.Background(), func(tx *sql.Tx) error {
		res, err := tx.Exec(`INSERT INTO memory_summaries (user_id, kind, text, from_at, to_at, importance, origin, sources, created_at) VALUES (?, 'reflection', ?, ?, ?, 0.5, 'extractive', '[]', ?)`,
			userID, text, at, at, at)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		f.t.Fatalf("add reflection: %v", err)
	}
	return id
}

func TestOnboardingSeedsMemoryAndPeople(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := f.user("theodore")

	v, err := f.svc.Onboarding(ctx, u.ID)
	if err != nil || v.Step != persona.StepAddress || v.Question == "" || v.Done {
		t.Fatalf("fresh onboarding = %+v, %v", v, err)
	}
	answers := []struct{ step, answer string }{
		{persona.StepAddress, "Call me Theo."},
		{persona.StepHopes, "Someone to listen, and to think things through with."},
		{persona.StepPeople, "My sister Anna, my friend Tom and Grandma Rose"},
		{persona.StepLately, "Pretty stressed with work, and I miss my ex."},
	}
	for _, a := range answers {
		if v, err = f.svc.Answer(ctx, u.ID, a.step, a.answer, false); err != nil {
			t.Fatalf("answer %s: %v", a.step, err)
		}
	}
	// An answer sent again for an earlier step is refused, not taken for another.
	if _, err := f.svc.Answer(ctx, u.ID, persona.StepHopes, "again", false); os1.ErrorCode(err) != os1.ECONFLICT {
		t.Fatalf("late answer: %v, want ECONFLICT", err)
	}
	if v.Step != persona.StepName || v.Proposal == nil || v.Proposal.Name == "" || v.Proposal.Origin != "offline" {
		t.Fatalf("after the questions: %+v", v)
	}
	if !strings.Contains(v.Proposal.Reason, "I like it because") {
		t.Fatalf("the reason does not say why: %q", v.Proposal.Reason)
	}

	// How to address them.
	got, err := f.db.FindUserByID(ctx, u.ID)
	if err != nil || got.DisplayName != "Theo" {
		t.Fatalf("display name = %q, %v; want Theo", got.DisplayName, err)
	}
	// The people list.
	people, err := f.db.People(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	rel := map[string]string{}
	for _, p := range people {
		rel[p.Name] = p.Relation
		if len(p.Sources) == 0 {
			t.Errorf("person %s has no source message", p.Name)
		}
	}
	for name, want := range map[string]string{"Anna": "sister", "Tom": "friend", "Grandma Rose": "grandma"} {
		if r, ok := rel[name]; !ok || r != want {
			t.Errorf("people = %v; want %s (%s)", rel, name, want)
		}
	}
	// Facts, each citing the stored answer.
	facts, err := f.db.Facts(ctx, u.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, fc := range facts {
		all = append(all, fc.Statement)
	}
	joined := strings.Join(all, " | ")
	for _, want := range []string{"wants to be called Theo", "hopes our conversations bring: Someone to listen", "Anna (sister)", "Pretty stressed with work"} {
		if !strings.Contains(joined, want) {
			t.Errorf("facts %q lack %q", joined, want)
		}
	}
	// The answers are messages of a "First meeting" conversation that the
	// memory heard: recall finds them.
	convs, err := f.db.ListConversations(ctx, u.ID, 10, 0)
	if err != nil || len(convs) != 1 || convs[0].Title != "First meeting" || convs[0].MessageCount != 8 {
		t.Fatalf("conversations = %+v, %v", convs, err)
	}
	res, err := f.mem.Recall(ctx, os1.RecallQuery{UserID: u.ID, Text: "how is work going, still stressed?", Now: f.now})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range res.Items {
		if strings.Contains(it.Text, "stressed with work") {
			found = true
		}
	}
	if !found {
		t.Fatalf("recall after onboarding = %+v; want the 'lately' answer", res.Items)
	}
}

func TestOnboardingSkipsAndNames(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := f.user("sam")
	v, err := f.svc.Answer(ctx, u.ID, "", "", true)
	if err != nil || v.Step != persona.StepHopes || len(v.Skipped) != 1 {
		t.Fatalf("skip = %+v, %v", v, err)
	}
	// Asking for a name before the questions are over skips the rest.
	v, err = f.svc.ChooseName(ctx, u.ID, persona.NameAnother)
	if err != nil || v.Step != persona.StepName || v.Proposal == nil {
		t.Fatalf("name early = %+v, %v", v, err)
	}
	first := v.Proposal.Name
	seen := map[string]bool{first: true}
	for i := 0; i < 5; i++ {
		if v, err = f.svc.ChooseName(ctx, u.ID, persona.NameAnother); err != nil {
			t.Fatal(err)
		}
		if seen[v.Proposal.Name] {
			t.Fatalf("name %q was proposed twice (%v)", v.Proposal.Name, seen)
		}
		seen[v.Proposal.Name] = true
	}
	chosen := v.Proposal.Name
	if v, err = f.svc.ChooseName(ctx, u.ID, persona.NameAccept); err != nil || !v.Done || v.Companion != chosen {
		t.Fatalf("accept = %+v, %v; want %s", v, err, chosen)
	}
	comp, _ := f.db.CompanionByUser(ctx, u.ID)
	if comp.Name != chosen {
		t.Fatalf("companion name %q, want %q", comp.Name, chosen)
	}
	vs, err := f.svc.Versions(ctx, u.ID, 0)
	if err != nil || len(vs) != 2 || vs[0].Kind != persona.KindName || vs[0].Persona.Name != chosen || vs[1].Kind != persona.KindSeed {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
	if !strings.Contains(vs[0].Reason, chosen) {
		t.Fatalf("name version reason %q does not cite the name", vs[0].Reason)
	}
	if _, err := f.svc.ChooseName(ctx, u.ID, "rename"); os1.ErrorCode(err) != os1.EINVALID {
		t.Fatalf("bad action: %v", err)
	}
}

func TestOfflineNameFollowsAnswers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := f.user("mia")
	f.svc.Answer(ctx, u.ID, "", "Mia", false)
	f.svc.Answer(ctx, u.ID, "", "", true)
	f.svc.Answer(ctx, u.ID, "", "", true)
	v, err := f.svc.Answer(ctx, u.ID, "", "Honestly it has been a hard, lonely few months since the funeral.", false)
	if err != nil {
		t.Fatal(err)
	}
	// The hard 'lately' answer leads to a calm or gentle name, and the
	// reason says so.
	if !strings.Contains(v.Proposal.Reason, "calm place to talk") && !strings.Contains(v.Proposal.Reason, "hard lately") {
		t.Fatalf("reason %q does not tie the name to the answer", v.Proposal.Reason)
	}
}

func TestModelChoosesName(t *testing.T) {
	replies := []string{
		"not json at all",
		`{"name": "Samantha", "reason": "I like how it sounds, warm and open, and I'm an AI who wants to be good company."}`,
		`{"name": "Samantha", "reason": "again"}`,
		"```json\n{\"name\": \"Iris\", \"reason\": \"I like that an iris lets in light.\"}\n```",
	}
	model := &mock.ChatModel{}
	calls := 0
	model.ChatFn = func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
		if !req.JSON {
			t.Errorf("name request without structured output")
		}
		r := replies[calls%len(replies)]
		calls++
		fn(os1.Chunk{Content: r})
		return &os1.ChatResponse{Content: r}, nil
	}
	f := newFixture(t, func(o *persona.Options) { o.Model = model })
	ctx := context.Background()
	u := f.user("ann")

	// The first answer is not JSON: the name comes from the list.
	v, err := f.svc.ChooseName(ctx, u.ID, persona.NameAnother)
	if err != nil || v.Proposal.Origin != "offline" {
		t.Fatalf("unusable model answer: %+v, %v", v.Proposal, err)
	}
	v, err = f.svc.ChooseName(ctx, u.ID, persona.NameAnother)
	if err != nil || v.Proposal.Origin != "model" || v.Proposal.Name != "Samantha" || !strings.Contains(v.Proposal.Reason, "good company") {
		t.Fatalf("model name: %+v, %v", v.Proposal, err)
	}
	// A name already offered is refused; the list answers instead.
	v, err = f.svc.ChooseName(ctx, u.ID, persona.NameAnother)
	if err != nil || v.Proposal.Origin != "offline" || v.Proposal.Name == "Samantha" {
		t.Fatalf("repeated model name: %+v, %v", v.Proposal, err)
	}
	v, err = f.svc.ChooseName(ctx, u.ID, persona.NameAnother)
	if err != nil || v.Proposal.Name != "Iris" || v.Proposal.Origin != "model" {
		t.Fatalf("fenced JSON: %+v, %v", v.Proposal, err)
	}
	// The model was told which names it may not use.
	last, _ := model.LastCall()
	if !strings.Contains(last.Messages[0].Content, "Samantha") {
		t.Fatalf("the request does not list offered names: %q", last.Messages[0].Content)
	}
}

func TestGrowthIsBoundedRevertibleAndFreezable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := f.user("lee")
	other := f.user("kim")

	// Nothing to grow from yet.
	if _, grown, err := f.svc.Grow(ctx, u.ID); err != nil || grown {
		t.Fatalf("grow with no reflections: %v, %v", grown, err)
	}
	// Many reflections full of cues: the step is still bounded.
	var ids []int64
	for i := 0; i < 6; i++ {
		ids = append(ids, f.reflection(u.ID, "Lee keeps learning new ideas from books and art, and has been baking bread and cooking for friends."))
	}
	f.reflection(other.ID, "Kim loves chess.")
	before, _ := f.svc.Persona(ctx, u.ID)
	v, grown, err := f.svc.Grow(ctx, u.ID)
	if err != nil || !grown {
		t.Fatalf("grow: %v, %v", grown, err)
	}
	if v.Kind != persona.KindGrowth || v.Version != 2 {
		t.Fatalf("growth version = %d %s", v.Version, v.Kind)
	}
	bt, at := before.Traits, v.Persona.Traits
	for name, d := range map[string]float64{"openness": at.Openness - bt.Openness, "conscientiousness": at.Conscientiousness - bt.Conscientiousness,
		"extraversion": at.Extraversion - bt.Extraversion, "agreeableness": at.Agreeableness - bt.Agreeableness, "neuroticism": at.Neuroticism - bt.Neuroticism} {
		if d > persona.MaxStep+1e-9 || d < -persona.MaxStep-1e-9 {
			t.Errorf("%s moved %.3f, more than %.2f", name, d, persona.MaxStep)
		}
	}
	if at.Openness <= bt.Openness {
		t.Errorf("openness did not grow: %.2f → %.2f", bt.Openness, at.Openness)
	}
	if n := len(v.Persona.Interests) - len(before.Interests); n != 1 || v.Persona.Interests[len(v.Persona.Interests)-1] != "cooking" {
		t.Errorf("interests %v → %v; want exactly cooking added", before.Interests, v.Persona.Interests)
	}
	if len(v.Sources.Reflections) != len(ids) || v.Sources.Reflections[0] != ids[0] {
		t.Errorf("sources %v, want the reflections %v", v.Sources.Reflections, ids)
	}
	if !strings.Contains(v.Reason, "reflection #") || !strings.Contains(v.Reason, "openness") || len(v.Changes) == 0 {
		t.Errorf("reason %q / changes %+v do not explain the step", v.Reason, v.Changes)
	}
	// The same reflections do not make a second step.
	if _, grown, _ := f.svc.Grow(ctx, u.ID); grown {
		t.Fatalf("grew twice from the same reflections")
	}
	// The other person's reflection did not reach this persona, and theirs is untouched.
	if strings.Contains(strings.Join(v.Persona.Interests, ","), "chess") {
		t.Fatalf("another person's reflection grew this persona")
	}
	if vs, _ := f.db.PersonaVersions(ctx, other.ID, 0); len(vs) != 0 {
		t.Fatalf("the other person's persona changed: %+v", vs)
	}

	// Revert to the seed: a new version with the seed's traits.
	r, err := f.svc.Revert(ctx, u.ID, 1)
	if err != nil || r.Version != 3 || r.Kind != persona.KindRevert || r.Sources.Version != 1 {
		t.Fatalf("revert = %+v, %v", r, err)
	}
	if *r.Persona.Traits != *bt || len(r.Persona.Interests) != len(before.Interests) {
		t.Fatalf("reverted persona %+v, want the seed's %+v", r.Persona.Traits, bt)
	}
	if _, err := f.svc.Revert(ctx, u.ID, 99); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Fatalf("revert to a missing version: %v", err)
	}
	if _, err := f.svc.Revert(ctx, other.ID, 2); os1.ErrorCode(err) != os1.ENOTFOUND {
		t.Fatalf("revert another person's version: %v", err)
	}

	// Frozen: reflections change nothing, and are not applied later.
	if err := f.svc.SetGrowthFrozen(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	f.reflection(u.ID, "Lee talked about hiking trails and the mountains, and planning a trip.")
	if _, grown, err := f.svc.Grow(ctx, u.ID); err != nil || grown {
		t.Fatalf("grew while frozen: %v %v", grown, err)
	}
	view, _ := f.svc.Companion(ctx, u.ID)
	if !view.GrowthFrozen || view.Version != 3 {
		t.Fatalf("view while frozen = %+v", view)
	}
	f.svc.SetGrowthFrozen(ctx, u.ID, false)
	if _, grown, _ := f.svc.Grow(ctx, u.ID); grown {
		t.Fatalf("a reflection made while frozen was applied after unfreezing")
	}
	f.reflection(u.ID, "Lee went hiking again.")
	if v, grown, err := f.svc.Grow(ctx, u.ID); err != nil || !grown || v.Version != 4 || !strings.Contains(strings.Join(v.Persona.Interests, ","), "hiking") {
		t.Fatalf("grow after unfreezing: %+v %v %v", v, grown, err)
	}
}

func TestEditValidates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := f.user("ed")
	style := "short and dry"
	v, err := f.svc.Edit(ctx, u.ID, persona.Patch{SpeakingStyle: &style, Reason: "I like it dry"})
	if err != nil || v.Kind != persona.KindEdit || v.Persona.SpeakingStyle != style || v.Reason != "I like it dry" {
		t.Fatalf("edit = %+v, %v", v, err)
	}
	if _, err := f.svc.Edit(ctx, u.ID, persona.Patch{SpeakingStyle: &style}); os1.ErrorCode(err) != os1.EINVALID {
		t.Fatalf("no-op edit: %v", err)
	}
	bad := os1.Traits{Openness: 1.5}
	if _, err := f.svc.Edit(ctx, u.ID, persona.Patch{Traits: &bad}); os1.ErrorCode(err) != os1.EINVALID {
		t.Fatalf("trait out of range: %v", err)
	}
	huge := strings.Repeat("x", persona.MaxFieldBytes+1)
	if _, err := f.svc.Edit(ctx, u.ID, persona.Patch{Description: &huge}); os1.ErrorCode(err) != os1.ETOOLARGE {
		t.Fatalf("huge field: %v", err)
	}
	if vs, _ := f.svc.Versions(ctx, u.ID, 0); len(vs) != 2 {
		t.Fatalf("refused edits stored versions: %d", len(vs))
	}
	// SetPersona (the cards' entry point) renames the companion.
	p := persona.DefaultPersona()
	p.Name, p.Description = "Mara", "{{char}} is a lighthouse keeper who writes letters to {{user}}."
	sv, err := f.svc.SetPersona(ctx, u.ID, &p, "Imported the card Mara.")
	if err != nil || sv.Version != 3 {
		t.Fatalf("set persona: %+v %v", sv, err)
	}
	if comp, _ := f.db.CompanionByUser(ctx, u.ID); comp.Name != "Mara" {
		t.Fatalf("companion name %q after SetPersona", comp.Name)
	}
	got, err := f.svc.Persona(ctx, u.ID)
	if err != nil || got.Description != p.Description {
		t.Fatalf("persona = %+v, %v", got, err)
	}
}

func TestMoodTimeline(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := f.user("moody")
	other := f.user("other")
	conv := &os1.Conversation{}
	if err := f.db.CreateConversation(ctx, u.ID, conv); err != nil {
		t.Fatal(err)
	}
	oconv := &os1.Conversation{}
	f.db.CreateConversation(ctx, other.ID, oconv)
	add := func(userID, convID int64, at time.Time, em *os1.Emotion, role string) {
		m := &os1.Message{ConversationID: convID, UserID: userID, Role: role, Content: "x", Status: os1.StatusComplete, Emotion: em, CreatedAt: at}
		if err := f.db.AddMessages(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	day := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 30, 0, 0, time.UTC) }
	f.now = day(10, 12)
	add(u.ID, conv.ID, day(9, 10), &os1.Emotion{Compound: 0.6, Primary: "joy"}, os1.RoleUser)
	add(u.ID, conv.ID, day(9, 11), &os1.Emotion{Compound: -0.2, Primary: "sadness"}, os1.RoleUser)
	add(u.ID, conv.ID, day(9, 12), &os1.Emotion{Compound: 0.2}, os1.RoleUser)
	add(u.ID, conv.ID, day(9, 13), nil, os1.RoleUser)
	add(u.ID, conv.ID, day(9, 14), &os1.Emotion{Compound: 1, Primary: "joy"}, os1.RoleAssistant) // not the person's
	add(u.ID, conv.ID, day(9, 23), &os1.Emotion{Compound: -0.8, Primary: "anxiety"}, os1.RoleUser)
	add(u.ID, conv.ID, day(10, 8), &os1.Emotion{Compound: 0.4, Primary: "gratitude"}, os1.RoleUser)
	add(u.ID, conv.ID, day(1, 8), &os1.Emotion{Compound: 0.4, Primary: "joy"}, os1.RoleUser) // outside a 3-day window
	add(other.ID, oconv.ID, day(9, 10), &os1.Emotion{Compound: -1, Primary: "anger"}, os1.RoleUser)

	days, err := f.svc.Mood(ctx, u.ID, 3, time.UTC)
	if err != nil || len(days) != 3 {
		t.Fatalf("mood = %+v, %v", days, err)
	}
	if days[0].Day != "2026-03-08" || days[0].Messages != 0 || days[2].Day != "2026-03-10" {
		t.Fatalf("days = %+v", days)
	}
	d9 := days[1]
	if d9.Messages != 5 || d9.Scored != 4 || d9.Emotions["joy"] != 1 || d9.Emotions["sadness"] != 1 || d9.Emotions["neutral"] != 1 || d9.Emotions["anxiety"] != 1 || d9.Emotions["anger"] != 0 {
		t.Fatalf("9 March = %+v", d9)
	}
	if want := (0.6 - 0.2 + 0.2 - 0.8) / 4; d9.MeanCompound < want-0.001 || d9.MeanCompound > want+0.001 {
		t.Fatalf("mean compound %.3f, want %.3f", d9.MeanCompound, want)
	}
	// In Berlin (UTC+1 in March) the 23:30 UTC message falls on the 10th.
	berlin := time.FixedZone("CET", 3600)
	days, _ = f.svc.Mood(ctx, u.ID, 3, berlin)
	if days[1].Messages != 4 || days[2].Messages != 2 || days[2].Emotions["anxiety"] != 1 {
		t.Fatalf("mood in UTC+1 = %+v", days)
	}
	for _, n := range []int{0, -1, persona.MaxMoodDays + 1} {
		if _, err := f.svc.Mood(ctx, u.ID, n, nil); os1.ErrorCode(err) != os1.EINVALID {
			t.Fatalf("days=%d: %v", n, err)
		}
	}
}
