package emotion_test

import (
	"sync"
	"testing"

	"os1/internal/emotion"
)

func TestDetect_Rules(t *testing.T) {
	d := emotion.MustNew()
	for _, tc := range []struct {
		name    string
		text    string
		primary string
	}{
		{"plain word", "I feel sad", emotion.Sadness},
		{"negated joy becomes sadness", "I'm not happy", emotion.Sadness},
		{"negated joy, contraction without apostrophe", "i dont feel happy", emotion.Sadness},
		{"negated well-being", "I'm not okay", emotion.Sadness},
		{"negated worry is neutral", "I'm not worried at all", ""},
		{"negated anger is neutral", "I'm not angry anymore", ""},
		{"negation does not cross a clause", "I'm not sure, but I'm scared", emotion.Fear},
		{"can't stop is not a negation", "I can't stop crying", emotion.Sadness},
		{"can't thank enough is not a negation", "I can't thank you enough", emotion.Gratitude},
		{"never been so is not a negation", "I've never been so happy", emotion.Joy},
		{"negated calm becomes anxiety", "I can't relax", emotion.Anxiety},
		{"phrase", "I have no one to talk to", emotion.Loneliness},
		{"phrase with contraction", "I can't sleep", emotion.Anxiety},
		{"phrase with curly apostrophe", "I can’t sleep", emotion.Anxiety},
		{"phrase with intensifier inside", "I feel really down", emotion.Sadness},
		{"prefix entry", "I've been overthinking", emotion.Anxiety},
		{"emoji with variation selector", "❤️", emotion.Love},
		{"crying emoji", "😢", emotion.Sadness},
		{"elongated word", "soooo lonelyyy", emotion.Loneliness},
		{"upper case", "I AM FURIOUS", emotion.Anger},
		{"neutral", "I had pasta for dinner", ""},
		{"empty", "", ""},
		{"punctuation only", "?!...", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			em := d.Detect(tc.text)
			if em.Primary != tc.primary {
				t.Errorf("Detect(%q).Primary = %q, want %q (scores %v)", tc.text, em.Primary, tc.primary, em.Scores)
			}
		})
	}
}

func TestDetect_ScoresHaveEveryEmotionInRange(t *testing.T) {
	d := emotion.MustNew()
	for _, text := range []string{"", "hello", "I love you so so so much, thank you, I'm happy and a bit scared ❤️😢!!!"} {
		em := d.Detect(text)
		if len(em.Scores) != len(emotion.Names) {
			t.Fatalf("Detect(%q): %d scores, want %d", text, len(em.Scores), len(emotion.Names))
		}
		for _, n := range emotion.Names {
			s, ok := em.Scores[n]
			if !ok || s < 0 || s > 1 {
				t.Errorf("Detect(%q): score %s = %v (present %v), want in 0..1", text, n, s, ok)
			}
		}
		if em.Compound < -1 || em.Compound > 1 {
			t.Errorf("Detect(%q): compound %v out of range", text, em.Compound)
		}
	}
}

func TestDetect_Compound(t *testing.T) {
	d := emotion.MustNew()
	if c := d.Detect("This is wonderful, I love it").Compound; c <= 0.5 {
		t.Errorf("compound of a happy sentence = %v, want > 0.5", c)
	}
	if c := d.Detect("This is awful, I hate it").Compound; c >= -0.5 {
		t.Errorf("compound of an unhappy sentence = %v, want < -0.5", c)
	}
}

func TestDetect_Intensifiers(t *testing.T) {
	d := emotion.MustNew()
	plain := d.Detect("I am sad").Scores[emotion.Sadness]
	strong := d.Detect("I am so sad").Scores[emotion.Sadness]
	soft := d.Detect("I am a bit sad").Scores[emotion.Sadness]
	bang := d.Detect("I am sad!!!").Scores[emotion.Sadness]
	if !(strong > plain && plain > soft && bang > plain) {
		t.Errorf("sad: plain %v, so %v, a bit %v, !!! %v; want so > plain > a bit and !!! > plain", plain, strong, soft, bang)
	}
	if a, b := d.Detect("thank you").Scores[emotion.Gratitude], d.Detect("thank you so much").Scores[emotion.Gratitude]; b <= a {
		t.Errorf("gratitude: %v without, %v with 'so much'; want more with", a, b)
	}
}

func TestDetect_Concurrent(t *testing.T) {
	d := emotion.MustNew()
	want := d.Detect("I feel so alone tonight").Scores[emotion.Loneliness]
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if got := d.Detect("I feel so alone tonight").Scores[emotion.Loneliness]; got != want {
					t.Errorf("concurrent score %v, want %v", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkDetect(b *testing.B) {
	d := emotion.MustNew()
	text := "I can't sleep again, I miss you so much and honestly I feel really alone in this city 😢"
	b.ReportAllocs()
	for b.Loop() {
		d.Detect(text)
	}
}
