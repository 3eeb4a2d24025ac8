package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"os1/internal/llm"
	"os1/internal/os1"
)

// JobExtract is the kind of the background job in which the model reads one
// of the person's messages for facts and people.
const JobExtract = "extract"

// Limits on what a model may hand back for one message.
const (
	maxModelFacts    = 12
	maxStatementLen  = 300
	maxSubjectLen    = 60
	maxModelPeople   = 12
	extractAttempts  = 2
	extractTextLimit = 4000
)

const extractPrompt = `You keep the memory of a companion. Read the message and list what it tells about the speaker's life
and the people, places, plans and things in it. Reply with one JSON object only:
{"facts":[{"subject":"user" or a person's name,"slot":"","statement":"…","holds_from":"YYYY-MM-DD or empty","importance":0..1,"confidence":0..1}],
 "people":[{"name":"…","relation":"sister, friend, boss, … or empty"}]}
The statement is a short phrase without its subject ("works as a nurse", "likes hiking", "is the user's sister").
Use slot only for single-valued facts that a newer one replaces: "job", "lives_in", "relationship", "relation:NAME"
(how NAME is related), "opinion:THING" (likes or dislikes THING); otherwise "". Leave out small talk.
If there is nothing to remember, reply {"facts":[],"people":[]}.`

// extractOutput is the JSON the model must return.
type extractOutput struct {
	Facts []struct {
		Subject    string  `json:"subject"`
		Slot       string  `json:"slot"`
		Statement  string  `json:"statement"`
		HoldsFrom  string  `json:"holds_from"`
		Importance float64 `json:"importance"`
		Confidence float64 `json:"confidence"`
	} `json:"facts"`
	People []struct {
		Name     string `json:"name"`
		Relation string `json:"relation"`
	} `json:"people"`
}

// extractJob runs the model over one message of the person's. Output that
// is not valid after a retry is dropped (the rules' facts stand); only an
// unreachable model makes the job fail and run again later.
func (s *Service) extractJob(ctx context.Context, job *os1.Job) error {
	if s.opts.Model == nil {
		return nil
	}
	var p struct {
		Message int64 `json:"message"`
	}
	if err := json.Unmarshal([]byte(job.Payload), &p); err != nil || p.Message <= 0 {
		return fmt.Errorf("extract job %d: bad payload %q", job.ID, job.Payload)
	}
	ix, err := s.index(ctx, job.UserID)
	if err != nil {
		return err
	}
	ix.mu.RLock()
	var turn os1.Turn
	n, ok := ix.byID[p.Message]
	if ok {
		ok = !ix.docs[n].forgotten
		turn = ix.docs[n].turn
	}
	ix.mu.RUnlock()
	if !ok {
		return nil // forgotten meanwhile
	}
	subject := turn.Speaker // as the rules name it (see IngestAs)
	if subject == "" {
		subject = "user"
	}
	facts, people, err := s.modelExtract(ctx, subject, turn.Text, turn.SaidAt)
	if err != nil {
		if os1.ErrorCode(err) == os1.EUNAVAILABLE || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		s.log.Warn("model fact extraction unusable; dropped", "message", p.Message, "err", err)
		return nil
	}
	for _, f := range facts {
		f.UserID, f.Sources = job.UserID, []int64{p.Message}
		if err := s.store.AddFact(ctx, f); err != nil {
			return err
		}
	}
	for _, pe := range people {
		pe.Sources = []int64{p.Message}
		pe.LastMentioned = turn.SaidAt
	}
	if len(people) > 0 {
		if err := s.store.NotePeople(ctx, job.UserID, people); err != nil {
			return err
		}
	}
	if len(facts) > 0 {
		s.factsChanged(job.UserID)
		if s.opts.Embedder != nil {
			s.wakeUp()
		}
	}
	return nil
}

// modelExtract asks the model for the facts and people in one message and
// validates them. A reply that is not the requested JSON is asked for once
// more; then it is an error.
func (s *Service) modelExtract(ctx context.Context, subject, text string, at time.Time) ([]*os1.Fact, []*os1.Person, error) {
	if len(text) > extractTextLimit {
		text = text[:extractTextLimit]
	}
	who := "the user"
	if subject != "user" {
		who = subject
	}
	req := os1.ChatRequest{JSON: true, Messages: []os1.ChatMessage{
		{Role: os1.RoleSystem, Content: extractPrompt},
		{Role: os1.RoleUser, Content: fmt.Sprintf("Said on %s by %s:\n%s", at.Format("2006-01-02 (Monday)"), who, text)},
	}}
	var lastErr error
	for attempt := 0; attempt < extractAttempts; attempt++ {
		resp, err := s.opts.Model.Chat(ctx, req, func(os1.Chunk) error { return nil })
		if err != nil {
			return nil, nil, err
		}
		facts, people, err := parseExtraction(resp.Content, subject, at)
		if err == nil {
			return facts, people, nil
		}
		lastErr = err
		req.Messages = append(req.Messages,
			os1.ChatMessage{Role: os1.RoleAssistant, Content: truncate(resp.Content, 2000)},
			os1.ChatMessage{Role: os1.RoleUser, Content: "That was not one JSON object of the requested shape (" + err.Error() + "). Reply with the JSON object only."})
	}
	return nil, nil, lastErr
}

// parseExtraction decodes and validates a model's extraction: items that
// break the rules (empty or overlong statements, odd subjects) are left
// out; a reply that is not the JSON object at all is an error.
func parseExtraction(content, subject string, at time.Time) ([]*os1.Fact, []*os1.Person, error) {
	var out extractOutput
	dec := json.NewDecoder(strings.NewReader(llm.JSONObject(content)))
	if err := dec.Decode(&out); err != nil {
		return nil, nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if out.Facts == nil && out.People == nil {
		return nil, nil, fmt.Errorf("no \"facts\" or \"people\" in the reply")
	}
	var facts []*os1.Fact
	for _, f := range out.Facts {
		if len(facts) == maxModelFacts {
			break
		}
		stmt := strings.Join(strings.Fields(f.Statement), " ")
		if stmt == "" || len(stmt) > maxStatementLen || !utf8.ValidString(stmt) {
			continue
		}
		subj := strings.TrimSpace(f.Subject)
		switch strings.ToLower(subj) {
		case "", "user", "the user", "i", "me", "speaker", "the speaker":
			subj = subject
		}
		if len(subj) > maxSubjectLen || !utf8.ValidString(subj) {
			continue
		}
		fact := &os1.Fact{Subject: subj, Slot: cleanSlot(f.Slot), Statement: stmt, SaidAt: at, Origin: "model",
			Importance: clamp01(f.Importance, 0.5), Confidence: clamp01(f.Confidence, 0.6)}
		if t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(f.HoldsFrom), at.Location()); err == nil && t.Year() > 1900 && t.Year() < 2200 {
			fact.HoldsFrom = t
		}
		facts = append(facts, fact)
	}
	var people []*os1.Person
	seen := map[string]bool{}
	for _, p := range out.People {
		if len(people) == maxModelPeople {
			break
		}
		name := strings.Join(strings.Fields(p.Name), " ")
		rel := strings.ToLower(strings.Join(strings.Fields(p.Relation), " "))
		if name == "" || len(name) > maxSubjectLen || len(rel) > 40 || !utf8.ValidString(name+rel) || seen[strings.ToLower(name)] || notNames[name] {
			continue
		}
		seen[strings.ToLower(name)] = true
		people = append(people, &os1.Person{Name: name, Relation: rel, Mentions: 1})
	}
	return facts, people, nil
}

// cleanSlot keeps the slots contradiction works on and drops the rest.
func cleanSlot(slot string) string {
	slot = strings.ToLower(strings.TrimSpace(slot))
	switch slot {
	case "job", "lives_in", "relationship":
		return slot
	}
	for _, prefix := range []string{"relation:", "opinion:"} {
		if rest, ok := strings.CutPrefix(slot, prefix); ok {
			if rest = NormalizeText(rest); rest != "" && len(rest) <= 60 {
				return prefix + rest
			}
		}
	}
	return ""
}

func clamp01(v, def float64) float64 {
	if v <= 0 || v != v {
		return def
	}
	return min(v, 1)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
