// Package tokens estimates how many tokens a text costs a model, with
// tiktoken's cl100k_base encoding loaded from the copy embedded in the
// binary (nothing is downloaded). Models differ in their tokenisers; the
// count is an estimate used to fit context into a budget, and errs on the
// generous side by adding a small per-message overhead.
package tokens

import (
	"log/slog"
	"sync"
	"unicode/utf8"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

// MessageOverhead is what a chat message costs beyond its content (role and
// separators), as in OpenAI's accounting.
const MessageOverhead = 4

// Counter counts tokens. The zero value is ready to use and safe for
// concurrent use; the encoding loads on first use (about 100 ms).
type Counter struct {
	once sync.Once
	enc  *tiktoken.Tiktoken

	// Counts of short texts seen recently (remembered items recur from
	// turn to turn); cleared when it reaches cacheSize entries.
	mu    sync.Mutex
	cache map[string]int
}

const (
	cacheSize    = 4096
	cacheMaxText = 2048
)

// Default is a shared Counter.
var Default = &Counter{}

func (c *Counter) load() {
	c.once.Do(func() {
		tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
		enc, err := tiktoken.GetEncoding("cl100k_base")
		if err != nil {
			slog.Warn("token encoding unavailable; estimating from length", "err", err)
			return
		}
		c.enc = enc
	})
}

// Warm loads the encoding now, so the first turn does not pay for it.
func (c *Counter) Warm() { c.load() }

// Count returns the number of tokens in s.
func (c *Counter) Count(s string) int {
	if s == "" {
		return 0
	}
	c.load()
	if c.enc == nil {
		return utf8.RuneCountInString(s)/3 + 1
	}
	if len(s) > cacheMaxText {
		return len(c.enc.EncodeOrdinary(s))
	}
	c.mu.Lock()
	n, ok := c.cache[s]
	c.mu.Unlock()
	if ok {
		return n
	}
	n = len(c.enc.EncodeOrdinary(s))
	c.mu.Lock()
	if c.cache == nil || len(c.cache) >= cacheSize {
		c.cache = make(map[string]int, 256)
	}
	c.cache[s] = n
	c.mu.Unlock()
	return n
}

// CountMessage returns the tokens a chat message with content s costs.
func (c *Counter) CountMessage(s string) int { return c.Count(s) + MessageOverhead }
