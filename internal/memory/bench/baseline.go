package bench

import (
	"math"
	"sort"
	"strings"
	"unicode"
)

// baseline is plain BM25 over one conversation's turns (k1 1.2, b 0.75):
// lower-case words of the turn's text, no stemming, no stopwords, nothing
// else. It is the reference row of the report.
type baseline struct {
	ids  []int64
	tfs  []map[string]int
	lens []int
	df   map[string]int
	sum  int
}

func newBaseline() *baseline { return &baseline{df: map[string]int{}} }

func plainWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func (b *baseline) add(id int64, text string) {
	tf := map[string]int{}
	ws := plainWords(text)
	for _, w := range ws {
		if tf[w] == 0 {
			b.df[w]++
		}
		tf[w]++
	}
	b.ids = append(b.ids, id)
	b.tfs = append(b.tfs, tf)
	b.lens = append(b.lens, len(ws))
	b.sum += len(ws)
}

// search returns the ids of the k best turns for query.
func (b *baseline) search(query string, k int) []int64 {
	n := float64(len(b.ids))
	avg := float64(b.sum) / n
	type hit struct {
		i int
		s float64
	}
	var hits []hit
	q := map[string]bool{}
	for _, w := range plainWords(query) {
		q[w] = true
	}
	for i, tf := range b.tfs {
		s := 0.0
		for w := range q {
			if f := float64(tf[w]); f > 0 {
				df := float64(b.df[w])
				s += math.Log(1+(n-df+0.5)/(df+0.5)) * f * 2.2 / (f + 1.2*(0.25+0.75*float64(b.lens[i])/avg))
			}
		}
		if s > 0 {
			hits = append(hits, hit{i, s})
		}
	}
	sort.SliceStable(hits, func(x, y int) bool { return hits[x].s > hits[y].s })
	var out []int64
	for _, h := range hits[:min(k, len(hits))] {
		out = append(out, b.ids[h.i])
	}
	return out
}
