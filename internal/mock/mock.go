// Package mock holds fakes of the os1 interfaces for tests. Each fake has a
// function field per method; a test sets the functions it needs. Fakes
// record their calls and are safe for concurrent use.
package mock

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"os1/internal/os1"
)

// Interface guards.
var (
	_ os1.ChatModel   = (*ChatModel)(nil)
	_ os1.Embedder    = (*Embedder)(nil)
	_ os1.ModelLister = (*ModelLister)(nil)
)

// ChatFunc is the signature of os1.ChatModel's Chat method.
type ChatFunc func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error)

// ChatModel is a fake os1.ChatModel. ChatFn answers Chat (nil: an error);
// InfoFn answers Info (nil: provider "mock", model "mock-1"). Every request
// is recorded before ChatFn runs. Set the fields before the first call, or
// change ChatFn later with SetChat.
type ChatModel struct {
	ChatFn ChatFunc
	InfoFn func() os1.ModelInfo

	mu    sync.Mutex
	calls []os1.ChatRequest
}

// Chat records req and calls ChatFn.
func (m *ChatModel) Chat(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
	m.mu.Lock()
	m.calls = append(m.calls, cloneRequest(req))
	chat := m.ChatFn
	m.mu.Unlock()
	if chat == nil {
		return nil, fmt.Errorf("mock: ChatModel.ChatFn is not set")
	}
	return chat(ctx, req, fn)
}

// Info calls InfoFn, or describes a model named "mock-1".
func (m *ChatModel) Info() os1.ModelInfo {
	m.mu.Lock()
	info := m.InfoFn
	m.mu.Unlock()
	if info == nil {
		return os1.ModelInfo{Provider: "mock", Model: "mock-1"}
	}
	return info()
}

// SetChat replaces ChatFn; safe while other goroutines call Chat.
func (m *ChatModel) SetChat(fn ChatFunc) {
	m.mu.Lock()
	m.ChatFn = fn
	m.mu.Unlock()
}

// Calls returns copies of the requests received so far, in order.
func (m *ChatModel) Calls() []os1.ChatRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]os1.ChatRequest, len(m.calls))
	copy(out, m.calls)
	return out
}

// LastCall returns the most recent request; ok is false if there was none.
func (m *ChatModel) LastCall() (req os1.ChatRequest, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.calls) == 0 {
		return os1.ChatRequest{}, false
	}
	return m.calls[len(m.calls)-1], true
}

func cloneRequest(req os1.ChatRequest) os1.ChatRequest {
	req.Messages = append([]os1.ChatMessage(nil), req.Messages...)
	return req
}

// Stream returns a ChatFunc that sends chunks one by one, waiting delay
// before each, and then returns the whole reply. It stops with ctx's error
// when ctx is done and with fn's error when fn fails.
func Stream(delay time.Duration, chunks ...string) ChatFunc {
	return func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
		var sb strings.Builder
		for _, c := range chunks {
			if delay > 0 {
				t := time.NewTimer(delay)
				select {
				case <-ctx.Done():
					t.Stop()
					return nil, ctx.Err()
				case <-t.C:
				}
			} else if err := ctx.Err(); err != nil {
				return nil, err
			}
			if err := fn(os1.Chunk{Content: c}); err != nil {
				return nil, err
			}
			sb.WriteString(c)
		}
		return &os1.ChatResponse{Model: "mock-1", Content: sb.String()}, nil
	}
}

// Fail returns a ChatFunc that fails with err before sending anything.
func Fail(err error) ChatFunc {
	return func(context.Context, os1.ChatRequest, func(os1.Chunk) error) (*os1.ChatResponse, error) {
		return nil, err
	}
}

// Unavailable is the error a provider returns when its server is down.
func Unavailable() error {
	return os1.Errorf(os1.EUNAVAILABLE, "the model server at mock://model is not reachable")
}

// Embedder is a fake os1.Embedder. EmbedFn answers Embed (nil: one
// zero-length vector per text).
type Embedder struct {
	EmbedFn func(ctx context.Context, texts []string) ([][]float32, error)

	mu    sync.Mutex
	calls [][]string
}

// Embed records texts and calls EmbedFn.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	e.mu.Lock()
	e.calls = append(e.calls, append([]string(nil), texts...))
	embed := e.EmbedFn
	e.mu.Unlock()
	if embed == nil {
		return make([][]float32, len(texts)), nil
	}
	return embed(ctx, texts)
}

// Calls returns the texts of each Embed call so far.
func (e *Embedder) Calls() [][]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([][]string(nil), e.calls...)
}

// ModelLister is a fake os1.ModelLister. ListModelsFn answers ListModels
// (nil: no models).
type ModelLister struct {
	ListModelsFn func(ctx context.Context) ([]string, error)
}

// ListModels calls ListModelsFn.
func (l *ModelLister) ListModels(ctx context.Context) ([]string, error) {
	if l.ListModelsFn == nil {
		return nil, nil
	}
	return l.ListModelsFn(ctx)
}
