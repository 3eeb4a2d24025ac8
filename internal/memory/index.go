package memory

import (
	"math"
	"sort"
	"sync"
	"time"

	"os1/internal/os1"
)

// posting is one document's count of a term.
type posting struct {
	doc int32
	tf  uint16
}

// doc is one indexed turn.
type doc struct {
	turn    os1.Turn
	speaker int   // index into userIndex.speakers, -1 when unknown
	length  int   // number of terms
	prev    int32 // the previous turn of the same session, -1 if none
	next    int32 // the next turn of the same session, -1 if none
	// event is when the turn says its event happened ("yesterday", "last
	// week"), when it names a time; zero otherwise.
	eventFrom, eventTo time.Time
	forgotten          bool
	termIDs            []int32 // the distinct terms of the turn
}

// userIndex is the in-process BM25 index over one user's turns. The turns
// live in SQLite; the index is built from them lazily and kept in sync on
// Ingest.
type userIndex struct {
	mu       sync.RWMutex
	loaded   bool
	lastID   int64
	docs     []doc
	byID     map[int64]int32
	termIDs  map[string]int32
	names    []string // term id → term
	postings [][]posting
	totalLen int
	speakers []string       // distinct speaker names
	spTerms  map[string]int // a stemmed word of a speaker's name → speaker index
	sessions map[int64]*sessionInfo

	// derived holds the current facts, summaries and reflections, reloaded
	// when derivedStale is set.
	derived      []derivedItem
	derivedStale bool

	// vectors caches the stored vectors (with an embedder), reloaded when
	// vectorsStale is set.
	vectors      map[vectorKey][]float32
	vectorsStale bool

	forgotten int // how many docs are forgotten

	pending   float64 // importance since the last reflection job
	reflected int64   // the newest message id a reflection job covers
}

// sessionInfo groups the turns of one session.
type sessionInfo struct {
	first, last int32 // doc indexes
	start       time.Time
}

// derivedItem is a fact, summary or reflection as recall scores it.
type derivedItem struct {
	item   os1.Recalled
	key    vectorKey
	terms  map[string]bool
	weight float64 // importance
}

func newUserIndex() *userIndex {
	return &userIndex{derivedStale: true, byID: map[int64]int32{}, termIDs: map[string]int32{}, spTerms: map[string]int{}, sessions: map[int64]*sessionInfo{}}
}

// add indexes one turn; turns must come in message id order. ref is the
// time the turn's text names, if any. Callers hold mu.
func (ix *userIndex) add(t os1.Turn, ref *TimeRef) {
	if t.MessageID <= ix.lastID {
		return
	}
	ix.lastID = t.MessageID
	n := int32(len(ix.docs))
	d := doc{turn: t, speaker: -1, prev: -1, next: -1}
	if t.Speaker != "" {
		d.speaker = ix.speakerIndex(t.Speaker)
	}
	if s, ok := ix.sessions[t.Session]; ok {
		d.prev = s.last
		ix.docs[s.last].next = n
		s.last = n
	} else {
		ix.sessions[t.Session] = &sessionInfo{first: n, last: n, start: t.SaidAt}
	}
	if ref != nil && !ref.AnyYear {
		d.eventFrom, d.eventTo = ref.From, ref.To
	}
	counts := map[int32]uint16{}
	for _, w := range terms(t.Speaker + " " + t.Text) {
		id, ok := ix.termIDs[w]
		if !ok {
			id = int32(len(ix.postings))
			ix.termIDs[w] = id
			ix.names = append(ix.names, w)
			ix.postings = append(ix.postings, nil)
		}
		counts[id]++
		d.length++
	}
	d.termIDs = make([]int32, 0, len(counts))
	for id, c := range counts {
		ix.postings[id] = append(ix.postings[id], posting{doc: n, tf: c})
		d.termIDs = append(d.termIDs, id)
	}
	ix.totalLen += d.length
	ix.docs = append(ix.docs, d)
	ix.byID[t.MessageID] = n
}

func (ix *userIndex) speakerIndex(name string) int {
	for i, s := range ix.speakers {
		if s == name {
			return i
		}
	}
	ix.speakers = append(ix.speakers, name)
	i := len(ix.speakers) - 1
	for _, w := range terms(name) {
		ix.spTerms[w] = i
	}
	return i
}

// forget hides a turn from recall. Callers hold mu.
func (ix *userIndex) forget(id int64) {
	if n, ok := ix.byID[id]; ok && !ix.docs[n].forgotten {
		ix.docs[n].forgotten = true
		ix.forgotten++
	}
}

// idf is BM25's inverse document frequency (the non-negative variant).
func idf(df, n int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// score adds each document's BM25 score for the query terms (with their
// weights) into acc, which has one slot per document. Callers hold mu.
func (ix *userIndex) score(q map[string]float64, acc []float64, k1, b float64) {
	n := len(ix.docs)
	if n == 0 {
		return
	}
	avg := float64(ix.totalLen) / float64(n)
	for w, qw := range q {
		id, ok := ix.termIDs[w]
		if !ok {
			continue
		}
		ps := ix.postings[id]
		weight := idf(len(ps), n) * qw
		for _, p := range ps {
			tf := float64(p.tf)
			dl := float64(ix.docs[p.doc].length)
			acc[p.doc] += weight * tf * (k1 + 1) / (tf + k1*(1-b+b*dl/avg))
		}
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// feedback expands the query with the terms most typical of the best
// scoring turns (pseudo-relevance feedback) and adds their scores into acc.
// Callers hold mu.
func (ix *userIndex) feedback(q map[string]float64, acc []float64, tu Tuning) {
	top := make([]int32, 0, tu.FeedbackDocs)
	for i, s := range acc {
		if s <= 0 {
			continue
		}
		if len(top) < tu.FeedbackDocs {
			top = append(top, int32(i))
		} else {
			worst := 0
			for j := range top {
				if acc[top[j]] < acc[top[worst]] {
					worst = j
				}
			}
			if s > acc[top[worst]] {
				top[worst] = int32(i)
			}
		}
	}
	if len(top) == 0 {
		return
	}
	n := len(ix.docs)
	weights := map[int32]float64{}
	for _, d := range top {
		for _, id := range ix.docs[d].termIDs {
			w := ix.names[id]
			if _, inQ := q[w]; inQ {
				continue
			}
			if _, sp := ix.spTerms[w]; sp {
				continue
			}
			weights[id] += idf(len(ix.postings[id]), n)
		}
	}
	type tw struct {
		id int32
		w  float64
	}
	list := make([]tw, 0, len(weights))
	for id, w := range weights {
		if len(ix.postings[id]) > 1 {
			list = append(list, tw{id, w})
		}
	}
	sort.Slice(list, func(a, b int) bool { return list[a].w > list[b].w || list[a].w == list[b].w && list[a].id < list[b].id })
	exp := map[string]float64{}
	for _, t := range list[:min(len(list), tu.FeedbackTerms)] {
		exp[ix.names[t.id]] = tu.FeedbackW
	}
	ix.score(exp, acc, tu.K1, tu.B)
}
