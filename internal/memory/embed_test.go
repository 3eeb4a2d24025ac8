package memory

import (
	"context"
	"strings"
	"testing"
	"time"

	"os1/internal/mock"
	"os1/internal/os1"
)

// conceptEmbedder is a fake embedder that maps words to a few concepts, so
// that texts about the same thing in other words are near each other.
func conceptEmbedder() *mock.Embedder {
	concepts := [][]string{
		{"car", "automobile", "vehicle", "sedan", "drive"},
		{"sad", "unhappy", "down", "blue", "miserable"},
		{"food", "pasta", "dinner", "meal", "cook"},
	}
	return &mock.Embedder{EmbedFn: func(ctx context.Context, texts []string) ([][]float32, error) {
		out := make([][]float32, len(texts))
		for i, t := range texts {
			v := make([]float32, len(concepts)+1)
			v[len(concepts)] = 0.05 // never a zero vector
			for _, w := range strings.Fields(strings.ToLower(NormalizeText(t))) {
				for c, words := range concepts {
					for _, cw := range words {
						if w == cw {
							v[c]++
						}
					}
				}
			}
			out[i] = v
		}
		return out, nil
	}}
}

func TestEmbeddingsBlendIntoRecall(t *testing.T) {
	emb := conceptEmbedder()
	f := newFixture(t, Options{ReflectAt: -1, Embedder: emb, EmbedModel: "concepts"})
	ctx := context.Background()
	sedan := f.say(os1.RoleUser, "I finally bought a sedan yesterday.", day0)
	f.say(os1.RoleUser, "We cooked pasta for dinner.", day0.Add(time.Hour))
	f.say(os1.RoleUser, "The weather was nice.", day0.Add(2*time.Hour))
	if len(emb.Calls()) != 0 {
		t.Fatal("ingest called the embedder; embedding must run in the background")
	}
	// Before the vectors exist, "automobile" shares no word with anything.
	if items := f.recall("automobile", day0); len(items) != 0 {
		t.Fatalf("lexical recall found %v", items)
	}
	if _, err := f.mem.RunPending(ctx); err != nil {
		t.Fatal(err)
	}
	vecs, err := f.db.Vectors(ctx, f.user, "concepts")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, v := range vecs {
		kinds[v.Kind]++
		if len(v.Vector) != 4 {
			t.Fatalf("stored vector %v", v.Vector)
		}
	}
	if kinds[os1.KindTurn] != 3 || kinds[os1.KindFact] == 0 {
		t.Fatalf("stored vectors per kind: %v; want every turn and the facts", kinds)
	}
	items := f.recall("automobile", day0)
	if len(items) == 0 {
		t.Fatal("nothing recalled by meaning")
	}
	if !has(items[0], sedan.ID) {
		t.Fatalf("top item %s, want the sedan turn", describe(items[0]))
	}
	// Forgetting removes the vectors too.
	if err := f.mem.Forget(ctx, f.user, os1.KindTurn, sedan.ID); err != nil {
		t.Fatal(err)
	}
	for _, it := range f.recall("automobile", day0) {
		if has(it, sedan.ID) {
			t.Errorf("forgotten turn recalled by meaning: %s", describe(it))
		}
	}
	vecs, _ = f.db.Vectors(ctx, f.user, "concepts")
	for _, v := range vecs {
		if v.Kind == os1.KindTurn && v.ID == sedan.ID {
			t.Error("the forgotten turn's vector is still stored")
		}
	}
}

func TestEmbedderFailuresFallBackToLexical(t *testing.T) {
	emb := &mock.Embedder{EmbedFn: func(ctx context.Context, texts []string) ([][]float32, error) {
		return nil, os1.Errorf(os1.EINVALID, "no embeddings model is configured")
	}}
	f := newFixture(t, Options{ReflectAt: -1, Embedder: emb})
	f.say(os1.RoleUser, "I bought a sedan.", day0)
	if _, err := f.mem.RunPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !f.mem.embedOff.Load() {
		t.Fatal("an embedder without a model must be switched off")
	}
	calls := len(emb.Calls())
	if items := f.recall("sedan", day0); len(items) == 0 {
		t.Fatal("lexical recall broke")
	}
	f.say(os1.RoleUser, "Another sedan story.", day0.Add(time.Hour))
	f.mem.RunPending(context.Background())
	if len(emb.Calls()) != calls {
		t.Error("the switched-off embedder is still called")
	}
}

func has(it os1.Recalled, id int64) bool {
	for _, s := range it.Sources {
		if s == id {
			return true
		}
	}
	return false
}

func TestCosine(t *testing.T) {
	if c := cosine([]float32{1, 0}, []float32{2, 0}); c < 0.999 {
		t.Errorf("parallel = %v", c)
	}
	if c := cosine([]float32{1, 0}, []float32{0, 1}); c != 0 {
		t.Errorf("orthogonal = %v", c)
	}
	if c := cosine([]float32{1}, []float32{1, 2}); c != 0 {
		t.Errorf("mismatched = %v", c)
	}
}

func TestFailingEmbedderIsSwitchedOff(t *testing.T) {
	emb := &mock.Embedder{EmbedFn: func(ctx context.Context, texts []string) ([][]float32, error) {
		return nil, os1.Errorf(os1.EUNAVAILABLE, "404 model does not support embeddings")
	}}
	f := newFixture(t, Options{ReflectAt: -1, Embedder: emb})
	for i := range maxEmbedFailures {
		if f.mem.embedOff.Load() {
			t.Fatalf("switched off after %d failures", i)
		}
		f.say(os1.RoleUser, "I bought a sedan.", day0.Add(time.Duration(i)*time.Hour))
		f.mem.RunPending(context.Background())
	}
	if !f.mem.embedOff.Load() {
		t.Fatal("still on after repeated failures")
	}
	if items := f.recall("sedan", day0); len(items) == 0 {
		t.Fatal("lexical recall broke")
	}
}
