// Package anthropic is the model provider for Anthropic's Messages API. Its
// [Client] streams replies through github.com/anthropics/anthropic-sdk-go
// and lists the available models.
package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
	"github.com/anthropics/anthropic-sdk-go/shared"

	"os1/internal/llm"
	"os1/internal/os1"
)

// DefaultBaseURL is Anthropic's API.
const DefaultBaseURL = "https://api.anthropic.com"

// DefaultMaxTokens is the reply limit sent when a request sets none (the API
// requires one).
const DefaultMaxTokens = 1024

// DefaultTimeout is the default wait for the first chunk of a reply (and
// between chunks), and for a whole models call.
const DefaultTimeout = 60 * time.Second

// jsonInstruction is added to the system prompt for ChatRequest.JSON: the
// Messages API has no JSON output switch.
const jsonInstruction = "Reply with a single JSON object and nothing else: no prose, no code fences."

// Config configures a [Client].
type Config struct {
	// BaseURL is the API's base. "": DefaultBaseURL.
	BaseURL string
	// APIKey is sent as x-api-key. Required.
	APIKey string
	// Model is the model used when a request names none, e.g.
	// "claude-sonnet-4-5".
	Model string
	// MaxTokens is the reply limit when a request sets none.
	// 0: DefaultMaxTokens.
	MaxTokens int
	// Timeout bounds the wait for the first chunk of a reply and then for
	// each next chunk, and each attempt of a models call.
	// 0: DefaultTimeout; negative: no bound.
	Timeout time.Duration
	// MaxRetries is how often a transient failure (including "overloaded")
	// before the first chunk is retried. 0: llm.DefaultMaxRetries;
	// negative: never.
	MaxRetries int
	// HTTPClient is the client to use; nil: a plain one. Leave its Timeout
	// 0: it would cut long streams.
	HTTPClient *http.Client
	// Logger receives retry warnings; nil: slog.Default().
	Logger *slog.Logger
}

// Client talks to the Anthropic Messages API. It is safe for concurrent use.
type Client struct {
	cfg    Config
	base   string
	sdk    anthropic.Client
	policy llm.Policy
}

// Interface guards.
var (
	_ os1.ChatModel   = (*Client)(nil)
	_ os1.ModelLister = (*Client)(nil)
)

// New returns a client for the API cfg describes. It does not contact the
// server. It fails on a malformed BaseURL or a missing APIKey.
func New(cfg Config) (*Client, error) {
	base := strings.TrimSuffix(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, os1.Errorf(os1.EINVALID, "the Anthropic base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.APIKey == "" {
		return nil, os1.Errorf(os1.EINVALID, "the Anthropic provider needs an API key")
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = DefaultMaxTokens
	}
	return &Client{
		cfg:  cfg,
		base: base,
		sdk: anthropic.NewClient(
			option.WithBaseURL(base+"/"),
			option.WithAPIKey(cfg.APIKey),
			option.WithHTTPClient(llm.HTTPClient(cfg.HTTPClient)),
			option.WithMaxRetries(0), // llm.Stream retries, and only before the first chunk
		),
		policy: llm.Configured(cfg.MaxRetries, cfg.Timeout, DefaultTimeout, cfg.Logger),
	}, nil
}

// Info describes the configured model.
func (c *Client) Info() os1.ModelInfo {
	return os1.ModelInfo{Provider: "anthropic", Model: c.cfg.Model, URL: c.base}
}

func (c *Client) endpoint(model string) llm.Endpoint {
	return llm.Endpoint{
		Provider:  "anthropic",
		Server:    "the Anthropic API",
		URL:       c.base,
		Model:     model,
		ModelHint: "check the model name (the models list shows the available ones)",
		KeyHint:   "a key from console.anthropic.com",
	}
}

// errIncomplete is a stream that ended without its message_stop event.
var errIncomplete = fmt.Errorf("the reply ended before message_stop: %w", io.ErrUnexpectedEOF)

// Chat streams a reply to fn. See os1.ChatModel for the contract. System
// messages go into the system parameter; consecutive messages of the same
// role are merged; JSON adds an instruction to the system prompt.
func (c *Client) Chat(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
	model := req.Model
	if model == "" {
		model = c.cfg.Model
	}
	if model == "" {
		return nil, os1.Errorf(os1.EINVALID, "no Anthropic model is configured")
	}
	system, msgs := Convert(req.Messages)
	if len(msgs) == 0 {
		return nil, os1.Errorf(os1.EINVALID, "a chat needs at least one user message")
	}
	if req.JSON {
		system = append(system, jsonInstruction)
	}
	params := anthropic.MessageNewParams{
		Model:     anthropic.Model(model),
		MaxTokens: int64(c.cfg.MaxTokens),
		Messages:  make([]anthropic.MessageParam, 0, len(msgs)),
	}
	if req.MaxTokens > 0 {
		params.MaxTokens = int64(req.MaxTokens)
	}
	if req.Temperature != nil {
		params.Temperature = anthropic.Float(*req.Temperature)
	}
	for _, s := range system {
		params.System = append(params.System, anthropic.TextBlockParam{Text: s})
	}
	for _, m := range msgs {
		block := anthropic.NewTextBlock(m.Content)
		if m.Role == os1.RoleAssistant {
			params.Messages = append(params.Messages, anthropic.NewAssistantMessage(block))
		} else {
			params.Messages = append(params.Messages, anthropic.NewUserMessage(block))
		}
	}

	resp := &os1.ChatResponse{Model: model}
	var b strings.Builder
	err := llm.Stream(ctx, c.policy, c.endpoint(model), func(ctx context.Context, emit func(os1.Chunk) error) error {
		b.Reset()
		stream := c.sdk.Messages.NewStreaming(ctx, params)
		defer stream.Close()
		stopped := false
		for stream.Next() {
			ev := stream.Current()
			text := ""
			switch ev.Type {
			case "message_start":
				if ev.Message.Model != "" {
					resp.Model = string(ev.Message.Model)
				}
				resp.PromptTokens = int(ev.Message.Usage.InputTokens)
			case "content_block_delta":
				if ev.Delta.Type == "text_delta" {
					text = ev.Delta.Text
				}
			case "message_delta":
				resp.ReplyTokens = int(ev.Usage.OutputTokens)
			case "message_stop":
				stopped = true
			}
			b.WriteString(text)
			if err := emit(os1.Chunk{Content: text}); err != nil {
				return err
			}
		}
		if err := stream.Err(); err != nil {
			return streamError(err)
		}
		if !stopped {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return errIncomplete
		}
		return nil
	}, fn)
	if err != nil {
		return nil, err
	}
	resp.Content = b.String()
	return resp, nil
}

// streamError gives an error event inside a stream (which arrives after a
// 200 answer) the status it stands for, so that "overloaded" is retried
// like a 529 answer.
func streamError(err error) error {
	var ae *anthropic.Error
	if !errors.As(err, &ae) || ae.StatusCode >= 400 {
		return err
	}
	status := 0
	switch ae.Type() {
	case shared.ErrorTypeOverloadedError:
		status = 529
	case shared.ErrorTypeRateLimitError:
		status = http.StatusTooManyRequests
	case shared.ErrorTypeAPIError:
		status = http.StatusInternalServerError
	case shared.ErrorTypeTimeoutError:
		status = http.StatusGatewayTimeout
	default:
		return err
	}
	msg := string(ae.Type())
	var env struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(ae.RawJSON()), &env) == nil && env.Error.Message != "" {
		msg += ": " + env.Error.Message
	}
	return &llm.StatusError{StatusCode: status, Message: msg}
}

// Convert shapes a conversation for the Messages API: it returns the system
// messages' contents in order, and the other messages with consecutive
// messages of one role merged (joined by a blank line), empty ones dropped,
// and a short user message put first when the conversation starts with the
// assistant (the API wants a user message first).
func Convert(in []os1.ChatMessage) (system []string, msgs []os1.ChatMessage) {
	for _, m := range in {
		if strings.TrimSpace(m.Content) == "" {
			continue
		}
		role := m.Role
		switch role {
		case os1.RoleSystem:
			system = append(system, m.Content)
			continue
		case os1.RoleAssistant:
		default:
			role = os1.RoleUser
		}
		if n := len(msgs); n > 0 && msgs[n-1].Role == role {
			msgs[n-1].Content += "\n\n" + m.Content
			continue
		}
		if len(msgs) == 0 && role == os1.RoleAssistant {
			msgs = append(msgs, os1.ChatMessage{Role: os1.RoleUser, Content: "(The conversation begins.)"})
		}
		msgs = append(msgs, os1.ChatMessage{Role: role, Content: m.Content})
	}
	return system, msgs
}

// ListModels returns the ids of the models the API offers.
func (c *Client) ListModels(ctx context.Context) ([]string, error) {
	var ids []string
	err := llm.Call(ctx, c.policy, c.endpoint(""), func(ctx context.Context) error {
		ids = ids[:0]
		pager := c.sdk.Models.ListAutoPaging(ctx, anthropic.ModelListParams{})
		for pager.Next() {
			ids = append(ids, pager.Current().ID)
		}
		return pager.Err()
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}
