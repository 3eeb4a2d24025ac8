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
}

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
	return len(c.enc.EncodeOrdinary(s))
}

// CountMessage returns the tokens a chat message with content s costs.
func (c *Counter) CountMessage(s string) int { return c.Count(s) + MessageOverhead }
