package memory

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"os1/internal/os1"
)

// Tuning holds the weights of recall's scoring. The zero value is not
// useful; start from DefaultTuning.
type Tuning struct {
	Prev, Next    float64 // share of the previous and next turn's score added to a turn's (session context)
	Speaker       float64 // score multiplier bonus for turns by a speaker the query names
	TimeMatch     float64 // bonus for turns said, or whose event fell, in the span the query names
	SessionSpread float64 // penalty per turn already taken from the same session (diversity)
	FactWeight    float64 // weight of a fact's, summary's or reflection's score relative to a turn's
	Recency       float64 // bonus for recent turns (0 in benchmarks: questions there are not about "now")
	Prev2, Next2  float64 // share of the turns two before and two after
	K1, B         float64 // BM25 parameters
	FeedbackDocs  int     // pseudo-relevance feedback: expand the query from this many top turns (0: off)
	FeedbackTerms int     // how many expansion terms
	FeedbackW     float64 // weight of an expansion term relative to a query term
	// Neighbour discounts a turn next to (or two from) one already ranked
	// above it, whose score it largely shares through context.
	Neighbour float64
	// Related is the weight of a category's members when the query names
	// the category ("instruments" → "violin", …); 0 turns it off.
	Related float64
	// Semantic is the weight of the cosine similarity between the query's
	// and an item's vectors, relative to the best lexical score (only with
	// an embedder).
	Semantic float64
}

// DefaultTuning is the scoring used unless Options says otherwise.
var DefaultTuning = Tuning{Prev: 0.5, Next: 0.3, Prev2: 0.3, Next2: 0.2, Speaker: 0.5, TimeMatch: 1.0, FactWeight: 0.8, K1: 0.9, B: 0.4, Related: 0.3, FeedbackDocs: 10, FeedbackTerms: 20, FeedbackW: 0.1, Semantic: 1}

// scored is a candidate during ranking.
type scored struct {
	doc   int32
	score float64
}

// Recall returns what the memory holds that is relevant to q.Text for
// q.UserID, best first, each with its source message ids. It reads only the
// user's memories. The same function serves the conversation engine, the
// API and the benchmark.
func (s *Service) Recall(ctx context.Context, q os1.RecallQuery) (*os1.RecallResult, error) {
	if q.UserID == 0 {
		return nil, os1.Errorf(os1.EINVALID, "recall needs a user")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	now := q.Now
	if now.IsZero() {
		now = s.now()
	}
	ix, err := s.index(ctx, q.UserID)
	if err != nil {
		return nil, err
	}
	if err := s.loadDerived(ctx, q.UserID, ix); err != nil {
		return nil, err
	}
	qv := s.queryVector(ctx, q.UserID, ix, q.Text)
	tq := parseTimeQuestion(q.Text, now)
	res := &os1.RecallResult{}
	if tq.Ref != nil {
		res.From, res.To = tq.Ref.From, tq.Ref.To
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := len(ix.docs)
	if n == 0 {
		return res, nil
	}
	tu := s.tuning

	// Query terms; a speaker's name is also a bonus on their turns.
	qterms := map[string]float64{}
	named := map[int]bool{}
	for _, w := range terms(q.Text) {
		qterms[w] = 1
		if sp, ok := ix.spTerms[w]; ok {
			named[sp] = true
		}
	}
	if tu.Related > 0 {
		var exp []string
		for w := range qterms {
			exp = append(exp, related[w]...)
		}
		for _, w := range exp {
			if _, ok := qterms[w]; !ok {
				qterms[w] = tu.Related
			}
		}
	}
	base := make([]float64, n)
	ix.score(qterms, base, tu.K1, tu.B)
	if ix.forgotten > 0 {
		// Forgotten turns take no part: not in feedback, not as context.
		for i := range ix.docs {
			if ix.docs[i].forgotten {
				base[i] = 0
			}
		}
	}
	if tu.FeedbackDocs > 0 && tu.FeedbackTerms > 0 {
		ix.feedback(qterms, base, tu)
	}
	semScale := 0.0
	if qv != nil && tu.Semantic > 0 {
		semScale = 1
		for _, b := range base {
			semScale = max(semScale, b)
		}
		semScale *= tu.Semantic
		ix.semanticTurns(qv, base, semScale)
	}

	// Context: a turn is also about what its neighbours in the session say.
	cand := make([]scored, 0, 256)
	for i := range ix.docs {
		d := &ix.docs[i]
		if d.forgotten {
			continue
		}
		sc := base[i]
		if d.prev >= 0 {
			sc += tu.Prev * base[d.prev]
		}
		if d.next >= 0 {
			sc += tu.Next * base[d.next]
			if n2 := ix.docs[d.next].next; n2 >= 0 {
				sc += tu.Next2 * base[n2]
			}
		}
		if d.prev >= 0 {
			if p2 := ix.docs[d.prev].prev; p2 >= 0 {
				sc += tu.Prev2 * base[p2]
			}
		}
		if sc <= 0 {
			continue
		}
		mult := 1.0
		if len(named) > 0 && len(named) < len(ix.speakers) && d.speaker >= 0 && named[d.speaker] {
			mult += tu.Speaker
		}
		if tq.Ref != nil && matchesRef(d, tq.Ref) {
			mult += tu.TimeMatch
		}
		if tu.Recency > 0 {
			days := now.Sub(d.turn.SaidAt).Hours() / 24
			mult += tu.Recency / (1 + max(days, 0)/30)
		}
		cand = append(cand, scored{doc: int32(i), score: sc * mult})
	}
	// Only the head needs ordering: keep the best few times what is asked.
	keep := max(limit, q.MaxSourceTurns) * 3
	if len(cand) > keep {
		cand = topK(cand, keep)
	}
	sort.Slice(cand, func(a, b int) bool {
		if cand[a].score != cand[b].score {
			return cand[a].score > cand[b].score
		}
		return cand[a].doc > cand[b].doc
	})
	if tu.SessionSpread > 0 {
		cand = spreadSessions(ix, cand, tu.SessionSpread, limit*2)
	}
	if tu.Neighbour > 0 {
		cand = discountNeighbours(ix, cand, tu.Neighbour, max(limit, q.MaxSourceTurns))
	}

	// Facts, summaries and reflections compete with the turns.
	var extra []scored
	var extraItems []os1.Recalled
	if tu.FactWeight > 0 && len(ix.derived) > 0 {
		avg := float64(ix.totalLen) / float64(n)
		for _, d := range ix.derived {
			sc := 0.0
			for w := range qterms {
				if d.terms[w] {
					if id, ok := ix.termIDs[w]; ok {
						sc += idf(len(ix.postings[id]), n) * qterms[w]
					}
				}
			}
			if sc > 0 {
				sc *= tu.FactWeight * (tu.K1 + 1) / (1 + tu.K1*(1-tu.B+tu.B*float64(len(d.terms))/avg)) * (1 + d.weight/2)
			}
			if semScale > 0 {
				if v, ok := ix.vectors[d.key]; ok {
					if c := cosine(qv, v); c > 0 {
						sc += tu.FactWeight * semScale * c
					}
				}
			}
			if sc <= 0 {
				continue
			}
			extra = append(extra, scored{doc: int32(len(extraItems)), score: sc})
			it := d.item
			it.Score = sc
			extraItems = append(extraItems, it)
		}
		sort.Slice(extra, func(a, b int) bool { return extra[a].score > extra[b].score })
	}

	seen := map[int64]bool{}
	turnsUsed := 0
	full := func() bool {
		return len(res.Items) >= limit || q.MaxSourceTurns > 0 && turnsUsed >= q.MaxSourceTurns
	}
	ei := 0
	for _, c := range cand {
		// Derived items that outscore this turn come first.
		for ei < len(extra) && extra[ei].score > c.score && !full() {
			it := extraItems[extra[ei].doc]
			ei++
			fresh := 0
			for _, id := range it.Sources {
				if !seen[id] {
					fresh++
				}
			}
			if fresh == 0 || q.MaxSourceTurns > 0 && turnsUsed+fresh > q.MaxSourceTurns {
				continue
			}
			for _, id := range it.Sources {
				seen[id] = true
			}
			turnsUsed += fresh
			res.Items = append(res.Items, it)
		}
		if full() {
			break
		}
		t := ix.docs[c.doc].turn
		if seen[t.MessageID] {
			continue
		}
		seen[t.MessageID] = true
		turnsUsed++
		text := t.Text
		if t.Speaker != "" {
			text = t.Speaker + ": " + text
		}
		res.Items = append(res.Items, os1.Recalled{Kind: os1.KindTurn, ID: t.MessageID, Text: text, When: t.SaidAt, Score: c.score, Sources: []int64{t.MessageID}})
	}
	return res, nil
}

// loadDerived reloads the user's current facts, summaries and reflections
// into the index when they changed.
func (s *Service) loadDerived(ctx context.Context, userID int64, ix *userIndex) error {
	ix.mu.RLock()
	stale := ix.derivedStale
	ix.mu.RUnlock()
	if !stale {
		return nil
	}
	facts, err := s.store.Facts(ctx, userID, false)
	if err != nil {
		return err
	}
	sums, err := s.store.Summaries(ctx, userID, "")
	if err != nil {
		return err
	}
	var list []derivedItem
	for _, f := range facts {
		if len(f.Sources) == 0 {
			continue
		}
		list = append(list, derivedFact(f))
	}
	for _, sm := range sums {
		d := newDerived(os1.Recalled{Kind: sm.Kind, ID: sm.ID, Text: sm.Text, When: sm.To, Sources: sm.Sources}, sm.Importance)
		d.key = vectorKey{sm.Kind, sm.ID}
		list = append(list, d)
	}
	ix.mu.Lock()
	ix.derived, ix.derivedStale = list, false
	ix.mu.Unlock()
	return nil
}

func newDerived(it os1.Recalled, imp float64) derivedItem {
	d := derivedItem{item: it, terms: map[string]bool{}, weight: imp}
	for _, w := range terms(it.Text) {
		d.terms[w] = true
	}
	return d
}

// derivedFact is a current fact as a derived item.
func derivedFact(f *os1.Fact) derivedItem {
	d := newDerived(os1.Recalled{Kind: os1.KindFact, ID: f.ID, Text: factText(f), When: f.SaidAt, Sources: f.Sources}, f.Importance)
	d.key = vectorKey{os1.KindFact, f.ID}
	return d
}

// updateDerived applies what one ingested turn changed to the loaded
// facts, instead of reloading them all: retired facts leave, a merged
// duplicate gets its new sources (keeping when it was first said), a new
// fact joins. Nothing is done while the derived items are stale (the next
// recall reloads them anyway). The caller holds ix.mu.
func (ix *userIndex) updateDerived(facts []*os1.Fact, retired []int64) {
	if ix.derivedStale {
		return
	}
	gone := map[int64]bool{}
	for _, id := range retired {
		gone[id] = true
	}
	pos := map[int64]int{}
	kept := ix.derived[:0]
	for _, d := range ix.derived {
		if d.key.kind == os1.KindFact && gone[d.key.id] {
			continue
		}
		if d.key.kind == os1.KindFact {
			pos[d.key.id] = len(kept)
		}
		kept = append(kept, d)
	}
	ix.derived = kept
	for _, f := range facts {
		if f.ID == 0 || len(f.Sources) == 0 || gone[f.ID] {
			continue
		}
		if i, ok := pos[f.ID]; ok {
			d := &ix.derived[i]
			d.item.Sources = f.Sources
			d.weight = max(d.weight, f.Importance)
			continue
		}
		pos[f.ID] = len(ix.derived)
		ix.derived = append(ix.derived, derivedFact(f))
	}
}

// matchesRef reports whether a turn was said, or says its event happened,
// within the span.
func matchesRef(d *doc, r *TimeRef) bool {
	in := func(t time.Time) bool {
		if r.AnyYear {
			return t.Month() == r.Month
		}
		return !t.Before(r.From) && t.Before(r.To)
	}
	if in(d.turn.SaidAt) {
		return true
	}
	if !d.eventFrom.IsZero() {
		if r.AnyYear {
			return d.eventFrom.Month() == r.Month
		}
		return d.eventFrom.Before(r.To) && d.eventTo.After(r.From)
	}
	return false
}

// spreadSessions re-ranks the head of cand so that each further turn from a
// session already represented is discounted by penalty per turn taken.
func spreadSessions(ix *userIndex, cand []scored, penalty float64, head int) []scored {
	head = min(len(cand), max(head*3, 50))
	out := make([]scored, 0, len(cand))
	taken := map[int64]int{}
	rest := append([]scored(nil), cand[:head]...)
	for len(rest) > 0 {
		best, bestScore := 0, -1.0
		for i, c := range rest {
			sc := c.score / (1 + penalty*float64(taken[ix.docs[c.doc].turn.Session]))
			if sc > bestScore {
				best, bestScore = i, sc
			}
		}
		c := rest[best]
		taken[ix.docs[c.doc].turn.Session]++
		out = append(out, scored{doc: c.doc, score: bestScore})
		rest = append(rest[:best], rest[best+1:]...)
	}
	return append(out, cand[head:]...)
}

// describe renders a recalled item for logs and tests.
func describe(r os1.Recalled) string {
	return fmt.Sprintf("%s %.2f %s %v", r.Kind, r.Score, strings.TrimSpace(r.Text), r.Sources)
}

// discountNeighbours re-ranks the head of cand greedily: a turn within two
// turns of the same session of one already taken has its score multiplied
// by (1 - discount).
func discountNeighbours(ix *userIndex, cand []scored, discount float64, want int) []scored {
	head := min(len(cand), max(want*4, 100))
	rest := append([]scored(nil), cand[:head]...)
	out := make([]scored, 0, len(cand))
	taken := map[int32]bool{}
	near := func(d int32) bool {
		x := &ix.docs[d]
		for _, n := range [...]int32{x.prev, x.next} {
			if n >= 0 && taken[n] {
				return true
			}
		}
		if x.prev >= 0 && ix.docs[x.prev].prev >= 0 && taken[ix.docs[x.prev].prev] {
			return true
		}
		return x.next >= 0 && ix.docs[x.next].next >= 0 && taken[ix.docs[x.next].next]
	}
	for len(rest) > 0 && len(out) < want {
		best, bestScore := -1, -1.0
		for i, c := range rest {
			sc := c.score
			if near(c.doc) {
				sc *= 1 - discount
			}
			if sc > bestScore {
				best, bestScore = i, sc
			}
		}
		c := rest[best]
		taken[c.doc] = true
		out = append(out, scored{doc: c.doc, score: bestScore})
		rest = append(rest[:best], rest[best+1:]...)
	}
	sort.Slice(rest, func(a, b int) bool { return rest[a].score > rest[b].score })
	out = append(out, rest...)
	return append(out, cand[head:]...)
}

// topK returns the k best candidates (in no order), partitioning in place.
func topK(c []scored, k int) []scored {
	lo, hi := 0, len(c)-1
	for lo < hi {
		p := c[(lo+hi)/2].score
		i, j := lo, hi
		for i <= j {
			for c[i].score > p {
				i++
			}
			for c[j].score < p {
				j--
			}
			if i <= j {
				c[i], c[j] = c[j], c[i]
				i++
				j--
			}
		}
		switch {
		case k-1 <= j:
			hi = j
		case k-1 >= i:
			lo = i
		default:
			return c[:k]
		}
	}
	return c[:k]
}
