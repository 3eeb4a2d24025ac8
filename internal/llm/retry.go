package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"os1/internal/os1"
)

// Defaults for a [Policy].
const (
	DefaultMaxRetries = 2
	DefaultBackoff    = 250 * time.Millisecond
	DefaultMaxBackoff = 4 * time.Second
	// maxRetryAfter is the longest Retry-After a server may ask for and
	// still be retried; a longer one ends the call.
	maxRetryAfter = 20 * time.Second
)

// Policy says how calls to a model server are retried and timed.
type Policy struct {
	// MaxRetries is how many times a transient failure (see
	// [Kind.Transient]) is retried after the first attempt. Streamed calls
	// retry only while no chunk was delivered.
	MaxRetries int
	// Backoff is the delay before the first retry, doubled for each next one
	// up to MaxBackoff; each delay is jittered to between half and all of
	// it. A server's Retry-After is honoured when longer.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Timeout bounds, for a streamed call, the wait for the first chunk and
	// then for each next one (a long reply that keeps streaming is never
	// cut); for a plain call, each whole attempt. 0: no bound.
	Timeout time.Duration
	// Logger receives a warning for each retry. nil: slog.Default().
	Logger *slog.Logger
}

// Retries maps a configured retry count to a Policy's: 0 means the default
// (DefaultMaxRetries), a negative count means none.
func Retries(configured int) int {
	switch {
	case configured == 0:
		return DefaultMaxRetries
	case configured < 0:
		return 0
	}
	return configured
}

// Configured returns the Policy for a provider's configured retries and
// timeout: a retry count of 0 means DefaultMaxRetries and a negative one
// none (see Retries); a timeout of 0 means defaultTimeout and a negative
// one no bound.
func Configured(retries int, timeout, defaultTimeout time.Duration, logger *slog.Logger) Policy {
	switch {
	case timeout == 0:
		timeout = defaultTimeout
	case timeout < 0:
		timeout = 0
	}
	return Policy{MaxRetries: Retries(retries), Timeout: timeout, Logger: logger}
}

// delay returns the wait before retry number n (0-based).
func (p Policy) delay(n int, err error) (time.Duration, bool) {
	base, maxB := p.Backoff, p.MaxBackoff
	if base <= 0 {
		base = DefaultBackoff
	}
	if maxB <= 0 {
		maxB = DefaultMaxBackoff
	}
	d := base << n
	if d > maxB || d <= 0 {
		d = maxB
	}
	d = d/2 + rand.N(d/2+1)
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		if se.RetryAfter > maxRetryAfter {
			return 0, false
		}
		d = max(d, se.RetryAfter)
	}
	return d, true
}

func (p Policy) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

// Attempt is one try of a streamed call. It sends the request with ctx and
// calls emit for every event the server streams, in order: with the text
// of the reply when there is some, and with an empty chunk for events that
// carry none (so that the timeout sees the server is alive). It returns
// emit's error as soon as emit returns one.
type Attempt func(ctx context.Context, emit func(os1.Chunk) error) error

// callbackError marks an error returned by the caller's chunk function, so
// that it is handed back untouched and never retried.
type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }
func (e *callbackError) Unwrap() error { return e.err }

// Stream runs attempt, delivering the reply's non-empty chunks to fn, and
// returns nil once an attempt completes. A transient failure before the
// first chunk was delivered is retried per p; after a chunk was delivered
// nothing is retried. If fn returns an error, Stream returns that error as
// it is. If ctx ends, Stream returns promptly with an error wrapping
// ctx.Err(). Other failures come back through ep.Fail: *Error values with
// EUNAVAILABLE for a server that cannot be reached or used.
func Stream(ctx context.Context, p Policy, ep Endpoint, attempt Attempt, fn func(os1.Chunk) error) error {
	for try := 0; ; try++ {
		delivered, err := streamOnce(ctx, p.Timeout, attempt, fn)
		if err == nil {
			return nil
		}
		var cb *callbackError
		if errors.As(err, &cb) {
			return cb.err
		}
		if ctx.Err() != nil {
			return ep.Fail(ctx.Err(), delivered)
		}
		if delivered || try >= p.MaxRetries || !Classify(err).Transient() {
			return ep.Fail(err, delivered)
		}
		d, ok := p.delay(try, err)
		if !ok {
			return ep.Fail(err, false)
		}
		p.logger().Warn("model server call failed; retrying",
			"provider", ep.Provider, "url", ep.URL, "model", ep.Model,
			"attempt", try+1, "delay", d, "err", err)
		if err := sleep(ctx, d); err != nil {
			return ep.Fail(err, false)
		}
	}
}

// streamOnce runs one attempt with the chunk timeout armed.
func streamOnce(ctx context.Context, timeout time.Duration, attempt Attempt, fn func(os1.Chunk) error) (delivered bool, err error) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	w := newWatchdog(timeout, func() { cancel(errFirstChunkTimeout) })
	defer w.stop()
	err = attempt(actx, func(c os1.Chunk) error {
		if actx.Err() != nil {
			return context.Cause(actx)
		}
		if c.Content == "" {
			w.reset()
			return nil
		}
		w.stop()
		delivered = true
		if err := fn(c); err != nil {
			return &callbackError{err}
		}
		w.reset()
		return nil
	})
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(actx), errFirstChunkTimeout) {
		// The SDK saw a plain cancellation; report why it happened.
		err = &timeoutError{d: timeout, cause: err}
	}
	return delivered, err
}

// Call runs a plain (not streamed) request, retrying transient failures per
// p, each attempt bounded by p.Timeout. Errors come back like Stream's.
func Call(ctx context.Context, p Policy, ep Endpoint, call func(ctx context.Context) error) error {
	return Stream(ctx, p, ep, func(ctx context.Context, _ func(os1.Chunk) error) error {
		return call(ctx)
	}, nil)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// watchdog fires once when it is not reset within its timeout.
type watchdog struct {
	mu    sync.Mutex
	t     *time.Timer
	d     time.Duration
	fired bool
}

func newWatchdog(d time.Duration, fire func()) *watchdog {
	w := &watchdog{d: d}
	if d > 0 {
		w.t = time.AfterFunc(d, func() {
			w.mu.Lock()
			w.fired = true
			w.mu.Unlock()
			fire()
		})
	}
	return w
}

// reset restarts the countdown, unless it already fired.
func (w *watchdog) reset() {
	if w.t == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.fired {
		w.t.Reset(w.d)
	}
}

// stop pauses the countdown (while the caller's function runs).
func (w *watchdog) stop() {
	if w.t != nil {
		w.t.Stop()
	}
}

// timeoutError is a stream attempt ended by the chunk timeout.
type timeoutError struct {
	d     time.Duration
	cause error
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("nothing received for %v", e.d)
}

func (e *timeoutError) Unwrap() []error { return []error{errFirstChunkTimeout, e.cause} }
