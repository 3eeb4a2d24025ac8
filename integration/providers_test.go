package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"os1/api"
	"os1/internal/llm/llmtest"
)

// TestProvidersStreamThroughEveryTransport runs the real binary against a
// fake OpenAI-compatible server and a fake Ollama server (each speaking its
// real wire format over HTTP) and checks that a reply arrives chunk by chunk
// — every provider chunk as its own piece, in order — over SSE, over
// WebSocket and over the OpenAI-compatible endpoint (read with the official
// openai-go client).
func TestProvidersStreamThroughEveryTransport(t *testing.T) {
	chunks := []string{"The ", "sea ", "at ", "night ", "is ", "loud."}
	whole := strings.Join(chunks, "")
	providers := []struct {
		name  string
		start func() (*llmtest.Server, []string)
	}{
		{"openai", func() (*llmtest.Server, []string) {
			f := llmtest.NewOpenAI(llmtest.Options{Chunks: chunks, Delay: 20 * time.Millisecond})
			return f, []string{"OS1_LLM=openai", "OS1_LLM_URL=" + f.URL + "/v1", "OS1_LLM_MODEL=fake-chat"}
		}},
		{"ollama", func() (*llmtest.Server, []string) {
			f := llmtest.NewOllama(llmtest.Options{Chunks: chunks, Delay: 20 * time.Millisecond, Models: []string{"llama3.2:latest"}})
			return f, []string{"OLLAMA_HOST=" + f.URL}
		}},
	}
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			fake, env := p.start()
			defer fake.Close()
			data := t.TempDir()
			key := addUser(t, data, "theodore")
			s := serve(t, env, "--data", data)
			client := api.NewClient(s.URL, key)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			conv, err := client.CreateConversation(ctx, api.ConversationCreate{})
			if err != nil {
				t.Fatal(err)
			}
			check := func(transport string, got []string, final string) {
				t.Helper()
				if strings.Join(got, "|") != strings.Join(chunks, "|") || final != whole {
					t.Errorf("%s: pieces %q, final %q; want %q", transport, got, final, chunks)
				}
			}

			// SSE.
			var pieces []string
			reply, err := client.SendMessage(ctx, conv.ID, "Tell me about the sea (sse)", func(ev api.Event) error {
				if ev.Type == api.EventDelta {
					pieces = append(pieces, ev.Delta)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("sse: %v", err)
			}
			check("sse", pieces, reply.Content)

			// WebSocket.
			ws, err := client.Dial(ctx, conv.ID)
			if err != nil {
				t.Fatalf("ws dial: %v", err)
			}
			defer ws.Close()
			if err := ws.SendMessage(ctx, "Tell me about the sea (ws)"); err != nil {
				t.Fatalf("ws send: %v", err)
			}
			pieces = nil
			for {
				ev, err := ws.Next(ctx)
				if err != nil {
					t.Fatalf("ws: %v", err)
				}
				if ev.Type == api.EventDelta {
					pieces = append(pieces, ev.Delta)
				}
				if ev.Type == api.EventError {
					t.Fatalf("ws error event: %+v", ev)
				}
				if ev.Type == api.EventDone {
					check("ws", pieces, ev.Message.Content)
					break
				}
			}

			// OpenAI-compatible endpoint, official client, streaming.
			oc := openai.NewClient(option.WithBaseURL(s.URL+"/v1"), option.WithAPIKey(key), option.WithMaxRetries(0))
			stream := oc.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
				Model:    "os1",
				Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Tell me about the sea (openai)")},
			})
			pieces = nil
			acc := openai.ChatCompletionAccumulator{}
			for stream.Next() {
				c := stream.Current()
				acc.AddChunk(c)
				if len(c.Choices) > 0 && c.Choices[0].Delta.Content != "" {
					pieces = append(pieces, c.Choices[0].Delta.Content)
				}
			}
			if err := stream.Err(); err != nil {
				t.Fatalf("openai stream: %v", err)
			}
			if len(acc.Choices) != 1 {
				t.Fatalf("openai: %d choices", len(acc.Choices))
			}
			check("openai", pieces, acc.Choices[0].Message.Content)

			// The provider was asked for each turn once, with OS1's system
			// prompt first (background work such as naming or reflecting
			// may ask it other things); everything is stored once, complete.
			turns := 0
			for _, r := range fake.ChatRequests() {
				if last := r.Messages[len(r.Messages)-1]; !r.JSON && strings.HasPrefix(last.Content, "Tell me about the sea") {
					turns++
					if r.Messages[0].Role != "system" {
						t.Errorf("turn request without the system prompt first: %+v", r.Messages[0])
					}
				}
			}
			if turns != 3 {
				t.Fatalf("provider asked for %d turns, want 3", turns)
			}
			msgs := messages(t, s.URL, key, conv.ID)
			if len(msgs) != 6 {
				t.Fatalf("stored %d messages, want 6", len(msgs))
			}
			for i, m := range msgs {
				if i%2 == 1 && (m.Content != whole || m.Status != api.StatusComplete) {
					t.Fatalf("reply %d stored as %+v", i, m)
				}
			}
		})
	}
}
