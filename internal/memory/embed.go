package memory

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"os1/internal/os1"
)

// JobEmbed is the kind of the background job that embeds the person's
// turns, facts, summaries and reflections that have no vector yet.
const JobEmbed = "embed"

// Embedding limits: items per embedder call, calls per job, and how long
// recall waits for the query's vector before it goes on without it.
const (
	embedBatch         = 64
	embedBatchesPerJob = 50
	queryEmbedTimeout  = 2 * time.Second
	semanticTop        = 50
)

// embedJob embeds what of the user's memory has no vector from the
// configured model.
func (s *Service) embedJob(ctx context.Context, job *os1.Job) error {
	if s.opts.Embedder == nil || s.embedOff.Load() {
		return nil
	}
	for range embedBatchesPerJob {
		items, err := s.store.MissingVectors(ctx, job.UserID, s.opts.EmbedModel, embedBatch)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			break
		}
		texts := make([]string, len(items))
		for i, it := range items {
			texts[i] = truncate(it.Text, 8000)
		}
		vecs, err := s.opts.Embedder.Embed(ctx, texts)
		if err != nil {
			if s.embedFailed(err) {
				return nil
			}
			return fmt.Errorf("embed: %w", err)
		}
		s.embedFails.Store(0)
		if len(vecs) != len(items) {
			return fmt.Errorf("embed: got %d vectors for %d texts", len(vecs), len(items))
		}
		for i := range items {
			items[i].Vector = vecs[i]
		}
		if err := s.store.SaveVectors(ctx, job.UserID, s.opts.EmbedModel, items); err != nil {
			return err
		}
	}
	s.mu.Lock()
	ix := s.indexes[job.UserID]
	s.mu.Unlock()
	if ix != nil {
		ix.mu.Lock()
		ix.vectorsStale = true
		ix.mu.Unlock()
	}
	return nil
}

// maxEmbedFailures is how many embedder failures in a row switch
// embeddings off for the life of the service.
const maxEmbedFailures = 3

// embedFailed records an embedder failure and reports whether embeddings
// are now off: at once when the embedder says it cannot work (EINVALID,
// e.g. no embeddings model configured), or after maxEmbedFailures in a row
// (the server offers no embeddings endpoint for the model).
func (s *Service) embedFailed(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	if os1.ErrorCode(err) == os1.EINVALID || s.embedFails.Add(1) >= maxEmbedFailures {
		if !s.embedOff.Swap(true) {
			s.log.Warn("embeddings are off until restart: the embedder does not work; recall is lexical", "err", err)
		}
		return true
	}
	return false
}

// vectorKey names an item's vector in the index's cache.
type vectorKey struct {
	kind string
	id   int64
}

// loadVectors reloads the user's vectors into the index when they changed.
func (s *Service) loadVectors(ctx context.Context, userID int64, ix *userIndex) error {
	ix.mu.RLock()
	stale := ix.vectorsStale || ix.vectors == nil
	ix.mu.RUnlock()
	if !stale {
		return nil
	}
	list, err := s.store.Vectors(ctx, userID, s.opts.EmbedModel)
	if err != nil {
		return err
	}
	m := make(map[vectorKey][]float32, len(list))
	for _, e := range list {
		if norm(e.Vector) > 0 {
			m[vectorKey{e.Kind, e.ID}] = e.Vector
		}
	}
	ix.mu.Lock()
	ix.vectors, ix.vectorsStale = m, false
	ix.mu.Unlock()
	return nil
}

// queryVector embeds the query for recall, or returns nil when there is no
// embedder, no stored vector, or the embedder fails or is slow (recall
// then is lexical only).
func (s *Service) queryVector(ctx context.Context, userID int64, ix *userIndex, text string) []float32 {
	if s.opts.Embedder == nil || s.embedOff.Load() {
		return nil
	}
	if err := s.loadVectors(ctx, userID, ix); err != nil {
		s.log.Warn("load vectors", "err", err)
		return nil
	}
	ix.mu.RLock()
	have := len(ix.vectors) > 0
	ix.mu.RUnlock()
	if !have {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, queryEmbedTimeout)
	defer cancel()
	vecs, err := s.opts.Embedder.Embed(ctx, []string{text})
	if err != nil {
		s.embedFailed(err)
		s.log.Warn("embed query; recalling without vectors", "err", err)
		return nil
	}
	if len(vecs) != 1 || norm(vecs[0]) == 0 {
		return nil
	}
	s.embedFails.Store(0)
	return vecs[0]
}

// semanticTurns adds, for the semanticTop turns most similar to the query
// vector, weight × their cosine similarity into acc. Callers hold ix.mu.
func (ix *userIndex) semanticTurns(qv []float32, acc []float64, weight float64) {
	type sim struct {
		doc int
		cos float64
	}
	var sims []sim
	for i := range ix.docs {
		if ix.docs[i].forgotten {
			continue
		}
		if v, ok := ix.vectors[vectorKey{os1.KindTurn, ix.docs[i].turn.MessageID}]; ok {
			if c := cosine(qv, v); c > 0 {
				sims = append(sims, sim{i, c})
			}
		}
	}
	sort.Slice(sims, func(a, b int) bool { return sims[a].cos > sims[b].cos })
	for _, sm := range sims[:min(len(sims), semanticTop)] {
		acc[sm.doc] += weight * sm.cos
	}
}

// cosine is the cosine similarity of two vectors (0 when their lengths
// differ or one is zero).
func cosine(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

func norm(v []float32) float64 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	return math.Sqrt(n)
}
