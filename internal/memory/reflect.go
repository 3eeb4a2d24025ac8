package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"os1/internal/llm"
	"os1/internal/os1"
)

// JobReflect is the kind of the background job that summarises sessions
// and draws reflections over the turns since the previous one.
const JobReflect = "reflect"

// jobLease is how long a claimed job is left to its worker before another
// may take it over (the first one died).
const jobLease = 5 * time.Minute

// maxAttempts is how often a failing job is tried before it is given up.
const maxAttempts = 5

type reflectPayload struct {
	After int64 `json:"after"`
	Upto  int64 `json:"upto"`
}

// Run works through the background queue until ctx is done: it wakes when
// Ingest queues a job, and every interval (default 30 s) in case another
// process did. Jobs left by a process that died are taken over after their
// lease. Each job's results are stored in the same transaction that marks
// it done, so it takes effect once.
func (s *Service) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = 30 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.RunPending(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("memory background work", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.wake:
		case <-t.C:
		}
	}
}

// RunPending runs every runnable background job now and returns how many
// it completed.
func (s *Service) RunPending(ctx context.Context) (int, error) {
	done := 0
	for ctx.Err() == nil {
		job, err := s.store.ClaimJob(ctx, jobLease, JobReflect, JobExtract, JobEmbed)
		if err != nil {
			return done, err
		}
		if job == nil {
			return done, nil
		}
		var results []*os1.Summary
		switch job.Kind {
		case JobReflect:
			results, err = s.reflect(ctx, job)
		case JobExtract:
			err = s.extractJob(ctx, job)
		case JobEmbed:
			err = s.embedJob(ctx, job)
		}
		if err == nil {
			err = s.store.CompleteJob(ctx, job.ID, results)
			if os1.ErrorCode(err) == os1.ECONFLICT {
				err = nil // another worker finished it first
			}
			s.factsChanged(job.UserID)
		}
		if err != nil {
			giveUp := job.Attempts >= maxAttempts
			s.log.Warn("memory job failed", "job", job.ID, "kind", job.Kind, "attempt", job.Attempts, "give_up", giveUp, "err", err)
			if ferr := s.store.FailJob(ctx, job.ID, err.Error(), time.Duration(job.Attempts)*time.Minute, giveUp); ferr != nil {
				return done, ferr
			}
			continue
		}
		done++
	}
	return done, ctx.Err()
}

// reflect produces the session summaries and the reflection for a job.
func (s *Service) reflect(ctx context.Context, job *os1.Job) ([]*os1.Summary, error) {
	var p reflectPayload
	if err := json.Unmarshal([]byte(job.Payload), &p); err != nil {
		return nil, fmt.Errorf("reflect job %d: bad payload: %w", job.ID, err)
	}
	all, err := s.store.MemoryTurns(ctx, job.UserID, p.After)
	if err != nil {
		return nil, err
	}
	var turns []os1.Turn
	for _, t := range all {
		if t.MessageID <= p.Upto {
			turns = append(turns, t)
		}
	}
	if len(turns) == 0 {
		return nil, nil
	}
	if s.opts.Model != nil {
		out, err := s.modelReflect(ctx, job.UserID, turns)
		if err == nil {
			return out, nil
		}
		if os1.ErrorCode(err) == os1.EUNAVAILABLE || errors.Is(err, context.Canceled) {
			return nil, err // try again later
		}
		s.log.Warn("model reflection unusable; reflecting extractively", "job", job.ID, "err", err)
	}
	return extractiveReflect(job.UserID, turns), nil
}

// extractiveReflect summarises each session by its most important turns
// and reflects on the whole span by what was talked about most.
func extractiveReflect(userID int64, turns []os1.Turn) []*os1.Summary {
	var out []*os1.Summary
	bySession := map[int64][]os1.Turn{}
	var order []int64
	for _, t := range turns {
		if _, ok := bySession[t.Session]; !ok {
			order = append(order, t.Session)
		}
		bySession[t.Session] = append(bySession[t.Session], t)
	}
	for _, sid := range order {
		ts := bySession[sid]
		best := append([]os1.Turn(nil), ts...)
		sort.SliceStable(best, func(a, b int) bool { return best[a].Importance > best[b].Importance })
		best = best[:min(3, len(best))]
		sort.Slice(best, func(a, b int) bool { return best[a].MessageID < best[b].MessageID })
		var parts []string
		var src []int64
		imp := 0.0
		for _, t := range best {
			parts = append(parts, said(t))
			src = append(src, t.MessageID)
			imp = max(imp, t.Importance)
		}
		out = append(out, &os1.Summary{UserID: userID, Kind: os1.KindSummary, Origin: "extractive", Importance: imp,
			Text: "On " + ts[0].SaidAt.Format("2 January 2006") + ": " + strings.Join(parts, " … "), From: ts[0].SaidAt, To: ts[len(ts)-1].SaidAt, Sources: src})
	}
	// The reflection: the topics that came up most, with the most
	// important thing said.
	count := map[string]int{}
	shown := map[string]string{}
	for _, t := range turns {
		seen := map[string]bool{}
		words(t.Text, func(w string) {
			if isStop(w) || len(w) < 4 || seen[w] {
				return
			}
			seen[w] = true
			st := stem(w)
			count[st]++
			if _, ok := shown[st]; !ok {
				shown[st] = w
			}
		})
	}
	type kv struct {
		k string
		n int
	}
	var top []kv
	for k, n := range count {
		if n >= 2 {
			top = append(top, kv{k, n})
		}
	}
	sort.Slice(top, func(a, b int) bool { return top[a].n > top[b].n || top[a].n == top[b].n && top[a].k < top[b].k })
	top = top[:min(5, len(top))]
	best := turns[0]
	for _, t := range turns {
		if t.Importance > best.Importance {
			best = t
		}
	}
	var topics []string
	for _, t := range top {
		topics = append(topics, shown[t.k])
	}
	text := fmt.Sprintf("Between %s and %s", turns[0].SaidAt.Format("2 January 2006"), turns[len(turns)-1].SaidAt.Format("2 January 2006"))
	if len(topics) > 0 {
		text += " the talk kept coming back to " + strings.Join(topics, ", ")
	}
	text += ". What mattered most: " + said(best)
	out = append(out, &os1.Summary{UserID: userID, Kind: os1.KindReflection, Origin: "extractive", Importance: best.Importance,
		Text: text, From: turns[0].SaidAt, To: turns[len(turns)-1].SaidAt, Sources: []int64{best.MessageID}})
	return out
}

func said(t os1.Turn) string {
	text := strings.Join(strings.Fields(t.Text), " ")
	if len(text) > 300 {
		text = text[:300] + "…"
	}
	if t.Speaker != "" {
		return t.Speaker + ": " + text
	}
	return text
}

// modelOutput is the JSON a model must return for a reflection.
type modelOutput struct {
	Summaries []struct {
		Text    string  `json:"text"`
		Sources []int64 `json:"sources"`
	} `json:"summaries"`
	Reflections []struct {
		Text       string  `json:"text"`
		Sources    []int64 `json:"sources"`
		Importance float64 `json:"importance"`
	} `json:"reflections"`
}

// modelReflect asks the model for session summaries and reflections as
// JSON, and validates them: every source must be one of the given turns.
func (s *Service) modelReflect(ctx context.Context, userID int64, turns []os1.Turn) ([]*os1.Summary, error) {
	var b strings.Builder
	known := map[int64]os1.Turn{}
	for _, t := range turns[max(0, len(turns)-200):] {
		known[t.MessageID] = t
		fmt.Fprintf(&b, "[%d] %s %s\n", t.MessageID, t.SaidAt.Format("2006-01-02"), said(t))
	}
	req := os1.ChatRequest{JSON: true, Messages: []os1.ChatMessage{
		{Role: os1.RoleSystem, Content: `You keep the memory of a companion. Read the numbered turns. Reply with one JSON object:
{"summaries":[{"text":"…","sources":[turn numbers]}],"reflections":[{"text":"…","sources":[turn numbers],"importance":0..1}]}.
Summaries: one per conversation session, a few sentences with names and dates. Reflections: at most three higher-level
insights about the person's life and feelings, each citing the turns it rests on. Only cite numbers shown.`},
		{Role: os1.RoleUser, Content: b.String()},
	}}
	var out modelOutput
	var lastErr error
	for attempt := 0; attempt < 2; attempt++ {
		resp, err := s.opts.Model.Chat(ctx, req, func(os1.Chunk) error { return nil })
		if err != nil {
			return nil, err
		}
		out = modelOutput{}
		if lastErr = json.Unmarshal([]byte(llm.JSONObject(resp.Content)), &out); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		return nil, fmt.Errorf("model reflection is not valid JSON: %w", lastErr)
	}
	var res []*os1.Summary
	add := func(kind, text string, src []int64, imp float64) {
		text = strings.TrimSpace(text)
		var ok []int64
		var from, to time.Time
		for _, id := range src {
			if t, found := known[id]; found {
				ok = append(ok, id)
				if from.IsZero() || t.SaidAt.Before(from) {
					from = t.SaidAt
				}
				if t.SaidAt.After(to) {
					to = t.SaidAt
				}
			}
		}
		if text == "" || len(text) > 2000 || len(ok) == 0 {
			return
		}
		res = append(res, &os1.Summary{UserID: userID, Kind: kind, Origin: "model", Text: text, Sources: ok, From: from, To: to, Importance: min(max(imp, 0), 1)})
	}
	for _, sm := range out.Summaries {
		add(os1.KindSummary, sm.Text, sm.Sources, 0.5)
	}
	for _, r := range out.Reflections {
		add(os1.KindReflection, r.Text, r.Sources, r.Importance)
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("model reflection has no usable item")
	}
	return res, nil
}
