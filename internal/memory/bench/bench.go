// Package bench measures OS1's memory on a long-term conversational memory
// benchmark in the LoCoMo schema (see the benchmark data's README): it
// ingests each conversation turn by turn, with its dates, through the same
// path a live conversation uses (sqlite AddMessage, then memory Ingest),
// asks every question through the same Recall the companion uses, and
// reports turn-level recall@k per category, beside plain BM25 over the turns
// computed in the same run, with ingest throughput and recall latency.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"os1/internal/memory"
	"os1/internal/os1"
	"os1/internal/sqlite"
)

// Ks are the cut-offs reported.
var Ks = []int{1, 5, 10, 25, 50}

// Categories are the question categories, in report order.
var Categories = []string{"single-hop", "multi-hop", "temporal", "open-domain", "adversarial"}

// Options tune a run.
type Options struct {
	// Dir is where the benchmark database is created (default: a new
	// temporary directory, removed afterwards). The database uses
	// synchronous=NORMAL: a commit may be lost on power loss, never on a
	// crash of the process, which is irrelevant to a benchmark.
	Dir string
	// Tuning overrides the memory's default scoring.
	Tuning *memory.Tuning
	// LatencyTurns is the history size for the latency measurement: the
	// file's conversations are ingested again into one user until it holds
	// at least this many turns, and every question is asked against it
	// (default 6000; negative skips it).
	LatencyTurns int
	// Audited uses the audited evidence where the file has it.
	Audited bool
	// Explain, when set, receives each question of category ExplainCategory
	// whose recall@10 is below 1, with its evidence and what was recalled.
	Explain         io.Writer
	ExplainCategory string
}

// Report is the outcome of a run. Recall maps "overall" and each category
// to recall@k in percent, keyed by k as a string.
type Report struct {
	File          string                        `json:"file"`
	Conversations int                           `json:"conversations"`
	Turns         int                           `json:"turns"`
	Questions     int                           `json:"questions"`
	Counts        map[string]int                `json:"counts"`
	Recall        map[string]map[string]float64 `json:"recall"`
	Baseline      map[string]map[string]float64 `json:"baseline_bm25"`
	IngestPerSec  float64                       `json:"ingest_turns_per_s"`
	// IngestPerCPUSec is turns per second of the process's CPU time during
	// ingestion: the throughput on one otherwise idle core.
	IngestPerCPUSec float64            `json:"ingest_turns_per_cpu_s"`
	LatencyMS       map[string]float64 `json:"latency_ms"`
	LatencyTurns    int                `json:"latency_history_turns"`
	Duration        float64            `json:"duration_s"`
}

// file is the benchmark data.
type file struct {
	Conversations []struct {
		SampleID string `json:"sample_id"`
		SpeakerA string `json:"speaker_a"`
		SpeakerB string `json:"speaker_b"`
		Sessions []struct {
			Session  int    `json:"session"`
			DateTime string `json:"date_time"`
			Turns    []struct {
				DiaID   string `json:"dia_id"`
				Speaker string `json:"speaker"`
				Text    string `json:"text"`
				Caption string `json:"blip_caption"`
			} `json:"turns"`
		} `json:"sessions"`
	} `json:"conversations"`
	Questions []struct {
		SampleID        string   `json:"sample_id"`
		Question        string   `json:"question"`
		Category        int      `json:"category"`
		CategoryName    string   `json:"category_name"`
		Evidence        []string `json:"evidence"`
		EvidenceAudited []string `json:"evidence_audited"`
	} `json:"questions"`
}

// ParseSessionTime parses a session date such as "1:56 pm on 8 May, 2023".
func ParseSessionTime(s string) (time.Time, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	for _, layout := range []string{"3:04 pm on 2 january, 2006", "3:04 pm on 2 jan, 2006", "15:04 on 2 january, 2006", "2 january, 2006", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	// Capitalised month names are what time.Parse wants.
	if t, err := time.Parse("3:04 pm on 2 January, 2006", titleMonth(s)); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("unknown session date %q", s)
}

func titleMonth(s string) string {
	f := strings.Fields(s)
	for i, w := range f {
		w = strings.TrimSuffix(w, ",")
		if len(w) > 2 && w[0] >= 'a' && w[0] <= 'z' && !strings.Contains(w, ":") && w != "on" && w != "pm" && w != "am" {
			f[i] = strings.ToUpper(f[i][:1]) + f[i][1:]
		}
	}
	return strings.Join(f, " ")
}

// turnText is the message a turn becomes: its text, and the caption of the
// photo it shared, as a live message with a photo would carry it.
func turnText(text, caption string) string {
	if caption != "" {
		return text + "\n[shared a photo: " + caption + "]"
	}
	return text
}

// Run measures the memory on the benchmark file at path.
func Run(ctx context.Context, path string, opts Options) (*Report, error) {
	start := time.Now()
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read benchmark: %w", err)
	}
	var data file
	if err := json.Unmarshal(body, &data); err != nil {
		return nil, fmt.Errorf("parse benchmark %s: %w", path, err)
	}
	if len(data.Conversations) == 0 {
		return nil, fmt.Errorf("benchmark %s has no conversations", path)
	}
	dir := opts.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "os1-bench-*"); err != nil {
			return nil, fmt.Errorf("create bench directory: %w", err)
		}
		defer os.RemoveAll(dir)
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, fmt.Sprintf("bench-%d.db", time.Now().UnixNano())), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	mem := memory.New(db, memory.Options{FactsFromAllRoles: true, Tuning: opts.Tuning, ReflectAt: -1})

	rep := &Report{File: path, Conversations: len(data.Conversations), Counts: map[string]int{}}
	type convState struct {
		userID int64
		ids    map[string]int64 // dia_id → message id
		byID   map[int64]string
		texts  map[string]string
		end    time.Time
		base   *baseline
	}
	convs := map[string]*convState{}
	var ingestDur time.Duration
	ingest := func(ci int, name string) (*convState, error) {
		c := data.Conversations[ci]
		u := &os1.User{Name: name}
		if err := db.CreateUser(ctx, u); err != nil {
			return nil, fmt.Errorf("create bench user: %w", err)
		}
		conv := &os1.Conversation{Title: c.SampleID}
		if err := db.CreateConversation(ctx, u.ID, conv); err != nil {
			return nil, fmt.Errorf("create bench conversation: %w", err)
		}
		st := &convState{userID: u.ID, ids: map[string]int64{}, byID: map[int64]string{}, texts: map[string]string{}, base: newBaseline()}
		for _, s := range c.Sessions {
			at, err := ParseSessionTime(s.DateTime)
			if err != nil {
				return nil, fmt.Errorf("conversation %s session %d: %w", c.SampleID, s.Session, err)
			}
			for i, t := range s.Turns {
				role := os1.RoleUser
				if t.Speaker == c.SpeakerB {
					role = os1.RoleAssistant
				}
				m := &os1.Message{ConversationID: conv.ID, UserID: u.ID, Role: role, Content: turnText(t.Text, t.Caption), CreatedAt: at.Add(time.Duration(i) * time.Second)}
				t0 := time.Now()
				if err := db.AddMessage(ctx, m); err != nil {
					return nil, fmt.Errorf("store turn %s: %w", t.DiaID, err)
				}
				if err := mem.IngestAs(ctx, m, t.Speaker); err != nil {
					return nil, err
				}
				ingestDur += time.Since(t0)
				rep.Turns++
				st.ids[t.DiaID] = m.ID
				st.byID[m.ID] = t.DiaID
				st.texts[t.DiaID] = t.Speaker + ": " + strings.ReplaceAll(m.Content, "\n", " ")
				st.base.add(m.ID, t.Text)
				st.end = m.CreatedAt
			}
		}
		return st, nil
	}
	cpu0 := cpuTime()
	for i, c := range data.Conversations {
		st, err := ingest(i, fmt.Sprintf("bench%d", i))
		if err != nil {
			return nil, err
		}
		convs[c.SampleID] = st
	}
	rep.IngestPerSec = float64(rep.Turns) / ingestDur.Seconds()
	if cpu := cpuTime() - cpu0; cpu > 0 {
		rep.IngestPerCPUSec = math.Round(float64(rep.Turns) / cpu.Seconds())
	}

	sums := map[string][]float64{}
	baseSums := map[string][]float64{}
	addTo := func(m map[string][]float64, cat string, r []float64) {
		for _, key := range []string{"overall", cat} {
			if m[key] == nil {
				m[key] = make([]float64, len(Ks))
			}
			for i := range Ks {
				m[key][i] += r[i]
			}
		}
	}
	maxK := Ks[len(Ks)-1]
	for _, q := range data.Questions {
		st := convs[q.SampleID]
		ev := q.Evidence
		if opts.Audited && len(q.EvidenceAudited) > 0 {
			ev = q.EvidenceAudited
		}
		if st == nil || len(ev) == 0 {
			continue
		}
		cat := q.CategoryName
		if cat == "" {
			cat = fmt.Sprint(q.Category)
		}
		rep.Questions++
		rep.Counts[cat]++
		res, err := mem.Recall(ctx, os1.RecallQuery{UserID: st.userID, Text: q.Question, Now: st.end.Add(24 * time.Hour), Limit: maxK, MaxSourceTurns: maxK})
		if err != nil {
			return nil, fmt.Errorf("recall: %w", err)
		}
		r := recallAt(Flatten(res.Items), ev, st.ids)
		addTo(sums, cat, r)
		if opts.Explain != nil && cat == opts.ExplainCategory && r[2] < 1 {
			fmt.Fprintf(opts.Explain, "Q %s  (evidence %v, R@10 %.2f)\n", q.Question, ev, r[2])
			for i, it := range res.Items[:min(10, len(res.Items))] {
				fmt.Fprintf(opts.Explain, "   %2d %-7s %.2f %.110s\n", i+1, st.byID[it.Sources[0]], it.Score, strings.ReplaceAll(it.Text, "\n", " "))
			}
			for _, e := range ev {
				fmt.Fprintf(opts.Explain, "   want %-7s %.110s\n", e, st.texts[e])
			}
		}
		addTo(baseSums, cat, recallAt(st.base.search(q.Question, maxK), ev, st.ids))
	}
	rep.Recall = average(sums, rep.Counts, rep.Questions)
	rep.Baseline = average(baseSums, rep.Counts, rep.Questions)

	if opts.LatencyTurns >= 0 {
		want := opts.LatencyTurns
		if want == 0 {
			want = 6000
		}
		// One user's history of at least want turns: the conversations,
		// over and over, as if one person had had them all.
		u := &os1.User{Name: "latency"}
		if err := db.CreateUser(ctx, u); err != nil {
			return nil, fmt.Errorf("create latency user: %w", err)
		}
		conv := &os1.Conversation{Title: "latency"}
		if err := db.CreateConversation(ctx, u.ID, conv); err != nil {
			return nil, fmt.Errorf("create latency conversation: %w", err)
		}
		n := 0
		for round := 0; n < want; round++ {
			for _, c := range data.Conversations {
				for _, s := range c.Sessions {
					at, _ := ParseSessionTime(s.DateTime)
					at = at.AddDate(2*round, 0, 0)
					for i, t := range s.Turns {
						role := os1.RoleUser
						if t.Speaker == c.SpeakerB {
							role = os1.RoleAssistant
						}
						m := &os1.Message{ConversationID: conv.ID, UserID: u.ID, Role: role, Content: turnText(t.Text, t.Caption), CreatedAt: at.Add(time.Duration(i) * time.Second)}
						if err := db.AddMessage(ctx, m); err != nil {
							return nil, fmt.Errorf("store latency turn: %w", err)
						}
						if err := mem.IngestAs(ctx, m, t.Speaker); err != nil {
							return nil, err
						}
						n++
					}
				}
			}
		}
		rep.LatencyTurns = n
		var lat []float64
		now := time.Now()
		for _, q := range data.Questions {
			t0 := time.Now()
			if _, err := mem.Recall(ctx, os1.RecallQuery{UserID: u.ID, Text: q.Question, Now: now, Limit: maxK, MaxSourceTurns: maxK}); err != nil {
				return nil, fmt.Errorf("recall: %w", err)
			}
			lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
		}
		sort.Float64s(lat)
		rep.LatencyMS = map[string]float64{"p50": round2(percentile(lat, 50)), "p99": round2(percentile(lat, 99)), "max": round2(lat[len(lat)-1])}
	}
	rep.Duration = round2(time.Since(start).Seconds())
	rep.IngestPerSec = math.Round(rep.IngestPerSec)
	return rep, nil
}

// Flatten turns ranked recalled items into the ranked list of their
// distinct source message ids, each counted at its first appearance: an
// item stands for all the turns it came from.
func Flatten(items []os1.Recalled) []int64 {
	var out []int64
	seen := map[int64]bool{}
	for _, it := range items {
		for _, id := range it.Sources {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// recallAt returns, for each k in Ks, the share of the evidence turns among
// the first k of ranked.
func recallAt(ranked []int64, evidence []string, ids map[string]int64) []float64 {
	want := map[int64]bool{}
	for _, e := range evidence {
		// Some citations name a turn the conversation does not have; they
		// still count, as misses.
		if id, ok := ids[strings.TrimSpace(e)]; ok {
			want[id] = true
		} else {
			want[int64(-len(want)-1)] = true
		}
	}
	out := make([]float64, len(Ks))
	for i, k := range Ks {
		hit := 0
		for _, id := range ranked[:min(k, len(ranked))] {
			if want[id] {
				hit++
			}
		}
		out[i] = float64(hit) / float64(len(want))
	}
	return out
}

func average(sums map[string][]float64, counts map[string]int, total int) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	for key, s := range sums {
		n := counts[key]
		if key == "overall" {
			n = total
		}
		m := map[string]float64{}
		for i, k := range Ks {
			m[fmt.Sprint(k)] = round2(100 * s[i] / float64(n))
		}
		out[key] = m
	}
	return out
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
