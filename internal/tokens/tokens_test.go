package tokens_test

import (
	"strconv"
	"strings"
	"testing"

	"os1/internal/tokens"
)

func TestCount(t *testing.T) {
	c := &tokens.Counter{}
	if got := c.Count(""); got != 0 {
		t.Fatalf("Count(\"\") = %d, want 0", got)
	}
	// "hello world" is two tokens in cl100k_base.
	if got := c.Count("hello world"); got != 2 {
		t.Fatalf("Count(hello world) = %d, want 2", got)
	}
	long := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 100)
	if got := c.Count(long); got < 900 || got > 1100 {
		t.Fatalf("Count(100 sentences) = %d, want about 1000", got)
	}
	if got := c.CountMessage("hello world"); got != 2+tokens.MessageOverhead {
		t.Fatalf("CountMessage = %d", got)
	}
}

func BenchmarkCount(b *testing.B) {
	c := &tokens.Counter{}
	c.Warm()
	s := strings.Repeat("I went hiking with my sister Anna last weekend and it was lovely. ", 4)
	for b.Loop() {
		c.Count(s)
	}
}

// TestCountCached checks that repeated and many distinct texts keep their
// exact counts through the cache of recent texts.
func TestCountCached(t *testing.T) {
	c := &tokens.Counter{}
	for round := 0; round < 2; round++ {
		if got := c.Count("hello world"); got != 2 {
			t.Fatalf("round %d: Count(hello world) = %d, want 2", round, got)
		}
	}
	ref := &tokens.Counter{}
	texts := make([]string, 5000) // more than the cache holds: it is cleared on the way
	want := make([]int, len(texts))
	for i := range texts {
		texts[i] = strings.Repeat("word ", i%9+1) + strconv.Itoa(i*7919)
		want[i] = ref.Count(texts[i])
	}
	for pass := 0; pass < 2; pass++ {
		for i, s := range texts {
			if got := c.Count(s); got != want[i] {
				t.Fatalf("pass %d: Count(%q) = %d, want %d", pass, s, got, want[i])
			}
		}
	}
}
