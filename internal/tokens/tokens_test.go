package tokens_test

import (
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
