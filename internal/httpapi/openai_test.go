package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"os1/internal/companion"
	"os1/internal/httpapi"
	"os1/internal/mock"
	"os1/internal/os1"
)

// openAIClient is the official client, changed only in its base URL and key.
func (e *env) openAIClient(key string) openai.Client {
	return openai.NewClient(option.WithBaseURL(e.ts.URL+"/v1/"), option.WithAPIKey(key))
}

func chatParams(msgs ...openai.ChatCompletionMessageParamUnion) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{Model: "os1", Messages: msgs}
}

// onlyConversation returns the person's single conversation.
func (e *env) onlyConversation(userID int64) *os1.Conversation {
	e.t.Helper()
	list, err := e.db.ListConversations(context.Background(), userID, 100, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(list) != 1 {
		e.t.Fatalf("%d conversations, want 1", len(list))
	}
	return list[0]
}

func TestOpenAIModels(t *testing.T) {
	e := newEnv(t)
	_, key := e.addUser("ada")
	client := e.openAIClient(key)
	page, err := client.Models.List(context.Background())
	if err != nil {
		t.Fatalf("list models: %v", err)
	}
	var ids []string
	for _, m := range page.Data {
		ids = append(ids, m.ID)
		if m.Object != "model" {
			t.Errorf("model %+v", m)
		}
	}
	if !slices.Contains(ids, "os1") {
		t.Fatalf("models %v, want os1", ids)
	}
}

func TestOpenAICompletion(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	client := e.openAIClient(key)
	var hres *http.Response
	res, err := client.Chat.Completions.New(context.Background(), chatParams(
		openai.SystemMessage("Answer in the voice of a lighthouse keeper."),
		openai.UserMessage("What do you see tonight?"),
	), option.WithResponseInto(&hres))
	if err != nil {
		t.Fatalf("completion: %v", err)
	}
	if len(res.Choices) != 1 || res.Choices[0].Message.Content != replyText() || res.Choices[0].FinishReason != "stop" {
		t.Fatalf("completion %+v", res)
	}
	conv := e.onlyConversation(u.ID)
	if hres.Header.Get(httpapi.ConversationHeader) != strconv.FormatInt(conv.ID, 10) {
		t.Fatalf("header %q, conversation %d", hres.Header.Get(httpapi.ConversationHeader), conv.ID)
	}
	if got := roles(e.storedMessages(u.ID, conv.ID)); got != "user:What do you see tonight?|assistant:"+replyText() {
		t.Fatalf("stored %q", got)
	}

	// The companion's own rules come first; the client's instruction after.
	call, _ := e.model.LastCall()
	if len(call.Messages) == 0 || call.Messages[0].Role != os1.RoleSystem {
		t.Fatalf("prompt %+v", call.Messages)
	}
	system := call.Messages[0].Content
	rules := strings.Index(system, companion.Rules)
	client1 := strings.Index(system, "lighthouse keeper")
	if rules < 0 || client1 < 0 || client1 < rules {
		t.Fatalf("system prompt: rules at %d, client instruction at %d:\n%s", rules, client1, system)
	}
	for _, m := range call.Messages[1:] {
		if m.Role == os1.RoleSystem {
			t.Fatalf("the client's system message reached the model on its own: %+v", call.Messages)
		}
	}
}

func TestOpenAIStreaming(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	g := newGate()
	chunks := []string{"Waves", " and ", "stars."}
	e.model.SetChat(g.chat(chunks...))
	client := e.openAIClient(key)
	stream := client.Chat.Completions.NewStreaming(context.Background(), chatParams(openai.UserMessage("Describe the sea")))
	defer stream.Close()
	acc := openai.ChatCompletionAccumulator{}
	var got []string
	for _, c := range chunks {
		g.open(t) // the next chunk exists only now; it must reach the client before the next
		for {
			if !stream.Next() {
				t.Fatalf("stream ended early: %v", stream.Err())
			}
			ch := stream.Current()
			acc.AddChunk(ch)
			if len(ch.Choices) > 0 && ch.Choices[0].Delta.Content != "" {
				got = append(got, ch.Choices[0].Delta.Content)
				break
			}
		}
		if got[len(got)-1] != c {
			t.Fatalf("chunk %q, want %q", got[len(got)-1], c)
		}
	}
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream: %v", err)
	}
	if len(acc.Choices) != 1 || acc.Choices[0].Message.Content != "Waves and stars." || acc.Choices[0].FinishReason != "stop" {
		t.Fatalf("accumulated %+v", acc.Choices)
	}
	conv := e.onlyConversation(u.ID)
	if got := roles(e.storedMessages(u.ID, conv.ID)); got != "user:Describe the sea|assistant:Waves and stars." {
		t.Fatalf("stored %q", got)
	}
}

// TestOpenAIHistory: clients resend the whole history; OS1 stores each
// turn once, answers a "regenerate" again without a second copy, and stores
// a genuinely repeated message twice.
func TestOpenAIHistory(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	client := e.openAIClient(key)
	ctx := context.Background()
	n := 0
	e.model.SetChat(func(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
		n++
		text := "Reply " + strconv.Itoa(n)
		return &os1.ChatResponse{Content: text}, fn(os1.Chunk{Content: text})
	})

	var history []openai.ChatCompletionMessageParamUnion
	history = append(history, openai.SystemMessage("Be brief."))
	for _, text := range []string{"Good morning", "I slept badly", "Maybe a walk will help"} {
		history = append(history, openai.UserMessage(text))
		res, err := client.Chat.Completions.New(ctx, chatParams(history...))
		if err != nil {
			t.Fatalf("turn %q: %v", text, err)
		}
		history = append(history, res.Choices[0].Message.ToParam())
	}
	conv := e.onlyConversation(u.ID)
	want := "user:Good morning|assistant:Reply 1|user:I slept badly|assistant:Reply 2|user:Maybe a walk will help|assistant:Reply 3"
	if got := roles(e.storedMessages(u.ID, conv.ID)); got != want {
		t.Fatalf("after 3 calls:\n%s\nwant\n%s", got, want)
	}

	// Regenerate: the same history without the last reply.
	regen := history[:len(history)-1]
	res, err := client.Chat.Completions.New(ctx, chatParams(regen...))
	if err != nil {
		t.Fatalf("regenerate: %v", err)
	}
	if res.Choices[0].Message.Content != "Reply 4" {
		t.Fatalf("regenerated %q", res.Choices[0].Message.Content)
	}
	want += "|assistant:Reply 4"
	if got := roles(e.storedMessages(u.ID, conv.ID)); got != want {
		t.Fatalf("after regenerate:\n%s\nwant\n%s", got, want)
	}
	// The regenerated prompt ends with that message, once.
	call, _ := e.model.LastCall()
	if last := call.Messages[len(call.Messages)-1]; last.Content != "Maybe a walk will help" ||
		call.Messages[len(call.Messages)-2].Content != "Reply 2" {
		t.Fatalf("regenerate prompt %+v", call.Messages)
	}

	// The client keeps the regenerated reply and the person says the same
	// thing again: that is a new turn, stored twice.
	history = append(regen, res.Choices[0].Message.ToParam(), openai.UserMessage("Maybe a walk will help"))
	if _, err := client.Chat.Completions.New(ctx, chatParams(history...)); err != nil {
		t.Fatalf("repeat: %v", err)
	}
	want += "|user:Maybe a walk will help|assistant:Reply 5"
	if got := roles(e.storedMessages(u.ID, conv.ID)); got != want {
		t.Fatalf("after a repeated message:\n%s\nwant\n%s", got, want)
	}
}

// TestOpenAIConversationSelection: the user field and the header pick (or
// create) distinct conversations.
func TestOpenAIConversationSelection(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	client := e.openAIClient(key)
	ctx := context.Background()
	send := func(text string, opts ...option.RequestOption) *http.Response {
		t.Helper()
		return sendWith(t, client, chatParams(openai.UserMessage(text)), opts...)
	}
	withUser := func(text, user string) *http.Response {
		t.Helper()
		p := chatParams(openai.UserMessage(text))
		p.User = openai.String(user)
		return sendWith(t, client, p)
	}

	phone := withUser("from the phone", "phone")
	laptop := withUser("from the laptop", "laptop")
	phone2 := withUser("phone again", "phone")
	if phone.Header.Get(httpapi.ConversationHeader) == laptop.Header.Get(httpapi.ConversationHeader) ||
		phone.Header.Get(httpapi.ConversationHeader) != phone2.Header.Get(httpapi.ConversationHeader) {
		t.Fatalf("conversations: phone %s, laptop %s, phone again %s", phone.Header.Get(httpapi.ConversationHeader),
			laptop.Header.Get(httpapi.ConversationHeader), phone2.Header.Get(httpapi.ConversationHeader))
	}
	byKey := func(k string) *os1.Conversation {
		c, err := e.db.FindConversationByKey(ctx, u.ID, k)
		if err != nil {
			t.Fatalf("conversation %q: %v", k, err)
		}
		return c
	}
	if got := roles(e.storedMessages(u.ID, byKey("phone").ID)); got != "user:from the phone|assistant:"+replyText()+"|user:phone again|assistant:"+replyText() {
		t.Fatalf("phone conversation %q", got)
	}

	// The header names a conversation by id…
	own := e.newConversation(key, "made in the page")
	send("into the page's conversation", option.WithHeader(httpapi.ConversationHeader, strconv.FormatInt(own, 10)))
	if got := roles(e.storedMessages(u.ID, own)); got != "user:into the page's conversation|assistant:"+replyText() {
		t.Fatalf("header by id: %q", got)
	}
	// …or by key, and wins over the user field.
	p := chatParams(openai.UserMessage("tagged"))
	p.User = openai.String("phone")
	sendWith(t, client, p, option.WithHeader(httpapi.ConversationHeader, "car"))
	if got := roles(e.storedMessages(u.ID, byKey("car").ID)); got != "user:tagged|assistant:"+replyText() {
		t.Fatalf("header by key: %q", got)
	}
	// An unknown id is not created.
	_, err := client.Chat.Completions.New(ctx, chatParams(openai.UserMessage("lost")), option.WithHeader(httpapi.ConversationHeader, "999999"))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown conversation id: %v", err)
	}
	list, _ := e.db.ListConversations(ctx, u.ID, 100, 0)
	if len(list) != 4 { // phone, laptop, the page's, car
		t.Fatalf("%d conversations", len(list))
	}
}

func sendWith(t *testing.T, client openai.Client, p openai.ChatCompletionNewParams, opts ...option.RequestOption) *http.Response {
	t.Helper()
	var hres *http.Response
	if _, err := client.Chat.Completions.New(context.Background(), p, append(opts, option.WithResponseInto(&hres))...); err != nil {
		t.Fatalf("completion: %v", err)
	}
	return hres
}

func TestOpenAIWrongKey(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada")
	before := e.dump(0)
	for _, key := range []string{"os1_notarealkey", "sk-something-else"} {
		client := e.openAIClient(key)
		_, err := client.Chat.Completions.New(context.Background(), chatParams(openai.UserMessage("let me in")))
		var apiErr *openai.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
			t.Fatalf("key %q: error %v, want a 401", key, err)
		}
		if _, err := client.Models.List(context.Background()); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
			t.Fatalf("models with key %q: %v", key, err)
		}
	}
	if after := e.dump(0); after != before {
		t.Fatalf("a refused request changed the store")
	}
	if calls := e.model.Calls(); len(calls) != 0 {
		t.Fatalf("the model was called %d times", len(calls))
	}
}

// TestOpenAIToleratesClientFields: requests as real clients send them, with
// fields OS1 does not use (tools, tool results, response format, …), are
// answered, not refused.
func TestOpenAIToleratesClientFields(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	body := `{"model":"os1","messages":[
		{"role":"system","content":"Be kind."},
		{"role":"user","content":"What's the weather?"},
		{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{}"}}],"refusal":null},
		{"role":"tool","tool_call_id":"call_1","content":"sunny"},
		{"role":"user","content":[{"type":"text","text":"Thanks!"}]}],
		"tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}],
		"tool_choice":"auto","parallel_tool_calls":false,"response_format":{"type":"text"},
		"logprobs":false,"logit_bias":{},"stream":false,"stream_options":null,"temperature":0.7,"top_p":1,
		"reasoning_effort":"low","service_tier":"auto","prompt_cache_key":"x","safety_identifier":"y"}`
	res := e.do(req{method: "POST", path: "/v1/chat/completions", key: key, body: body})
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	conv := e.onlyConversation(u.ID)
	if got := roles(e.storedMessages(u.ID, conv.ID)); got != "user:Thanks!|assistant:"+replyText() {
		t.Fatalf("stored %q", got)
	}
}

// TestOpenAIModelDown: the client sees an error, the message is kept once
// (the client's own retries included), and resending the history later
// answers that message without storing it again.
func TestOpenAIModelDown(t *testing.T) {
	e := newEnv(t)
	u, key := e.addUser("ada")
	client := e.openAIClient(key)
	ctx := context.Background()
	e.model.SetChat(mockFailUnavailable())

	history := []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Is anyone there?")}
	_, err := client.Chat.Completions.New(ctx, chatParams(history...))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("completion with the model down: %v", err)
	}
	stream := client.Chat.Completions.NewStreaming(ctx, chatParams(history...))
	for stream.Next() {
	}
	if stream.Err() == nil {
		t.Fatalf("a stream with the model down ended without an error")
	}
	stream.Close()
	conv := e.onlyConversation(u.ID)
	list := e.storedMessages(u.ID, conv.ID)
	users := 0
	for _, m := range list {
		if m.Role == os1.RoleUser {
			users++
		} else if m.Status != os1.StatusInterrupted || m.Error == "" {
			t.Fatalf("reply %+v, want interrupted with a reason", m)
		}
	}
	if users != 1 || len(list) < 3 {
		t.Fatalf("stored %s", roles(list))
	}

	e.model.SetChat(mockStream())
	res, err := client.Chat.Completions.New(ctx, chatParams(history...))
	if err != nil || res.Choices[0].Message.Content != replyText() {
		t.Fatalf("after the model came back: %v", err)
	}
	list = e.storedMessages(u.ID, conv.ID)
	if list[0].Content != "Is anyone there?" || roles(list[1:]) == "" || list[len(list)-1].Status != os1.StatusComplete {
		t.Fatalf("stored %s", roles(list))
	}
	for _, m := range list[1:] {
		if m.Role == os1.RoleUser {
			t.Fatalf("the message was stored again: %s", roles(list))
		}
	}
}

func mockFailUnavailable() mock.ChatFunc { return mock.Fail(mock.Unavailable()) }
func mockStream() mock.ChatFunc          { return mock.Stream(0, replyChunks...) }
