package mock_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"os1/internal/mock"
	"os1/internal/os1"
)

func TestChatModelStreams(t *testing.T) {
	m := &mock.ChatModel{ChatFn: mock.Stream(time.Millisecond, "a", "b", "c")}
	var got []string
	res, err := m.Chat(context.Background(), os1.ChatRequest{Messages: []os1.ChatMessage{{Role: "user", Content: "hi"}}},
		func(c os1.Chunk) error { got = append(got, c.Content); return nil })
	if err != nil || strings.Join(got, ",") != "a,b,c" || res.Content != "abc" {
		t.Fatalf("got %v, %+v, %v", got, res, err)
	}
	if last, ok := m.LastCall(); !ok || last.Messages[0].Content != "hi" {
		t.Fatalf("last call %+v", last)
	}
	if info := m.Info(); info.Provider != "mock" {
		t.Fatalf("info %+v", info)
	}
}

func TestChatModelStopsOnCancelAndCallbackError(t *testing.T) {
	m := &mock.ChatModel{ChatFn: mock.Stream(time.Hour, "never")}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := m.Chat(ctx, os1.ChatRequest{}, func(os1.Chunk) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	stop := errors.New("client gone")
	m.SetChat(mock.Stream(0, "a", "b"))
	n := 0
	if _, err := m.Chat(context.Background(), os1.ChatRequest{}, func(os1.Chunk) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err %v after %d chunks", err, n)
	}
	m.SetChat(mock.Fail(mock.Unavailable()))
	if _, err := m.Chat(context.Background(), os1.ChatRequest{}, nil); os1.ErrorCode(err) != os1.EUNAVAILABLE {
		t.Fatalf("err %v", err)
	}
	if _, err := (&mock.ChatModel{}).Chat(context.Background(), os1.ChatRequest{}, nil); err == nil {
		t.Fatalf("a ChatModel without ChatFn answered")
	}
}

func TestChatModelConcurrent(t *testing.T) {
	m := &mock.ChatModel{ChatFn: mock.Stream(0, "x")}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.Chat(context.Background(), os1.ChatRequest{}, func(os1.Chunk) error { return nil })
			m.SetChat(mock.Stream(0, "y"))
			m.Calls()
		}()
	}
	wg.Wait()
	if n := len(m.Calls()); n != 8 {
		t.Fatalf("%d calls recorded", n)
	}
}
