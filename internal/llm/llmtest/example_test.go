package llmtest_test

import (
	"context"
	"fmt"

	"os1/internal/llm/llmtest"
	"os1/internal/llm/ollama"
	"os1/internal/os1"
)

// A reply held mid-way: the test sees the first chunks, does what it wants
// to do while the reply streams (kill the server, cancel, …), then lets the
// stream go on.
func Example_hold() {
	hold := make(chan struct{})
	srv := llmtest.NewOllama(llmtest.Options{Chunks: []string{"I", " am", " here."}, Hold: hold, HoldAfter: 2})
	defer srv.Close()
	model, _ := ollama.New(ollama.Config{Host: srv.URL, Model: "fake-chat"})

	go func() {
		<-srv.Held() // two chunks are out
		close(hold)
	}()
	resp, err := model.Chat(context.Background(), os1.ChatRequest{
		Messages: []os1.ChatMessage{{Role: os1.RoleUser, Content: "Are you there?"}},
	}, func(c os1.Chunk) error {
		fmt.Printf("%q\n", c.Content)
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, _ := srv.LastChat()
	fmt.Println(resp.Content, "|", r.Model, r.Messages[0].Content)
	// Output:
	// "I"
	// " am"
	// " here."
	// I am here. | fake-chat Are you there?
}
