// Package openai is the model provider for OpenAI-compatible servers: OpenAI
// itself, vLLM, the llama.cpp server, LM Studio, OpenRouter and the like. Its
// [Client] streams chat completions, computes embeddings and lists models
// through github.com/openai/openai-go.
package openai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/shared"

	"os1/internal/llm"
	"os1/internal/os1"
)

// DefaultBaseURL is OpenAI's API.
const DefaultBaseURL = "https://api.openai.com/v1"

// DefaultTimeout is the default wait for the first chunk of a reply (and
// between chunks), and for a whole embeddings or models call.
const DefaultTimeout = 60 * time.Second

// Config configures a [Client]. Only Model is needed for a chat; everything
// else has a default.
type Config struct {
	// BaseURL is the API's base, e.g. "http://localhost:8000/v1" for vLLM.
	// A URL without a path gets "/v1". "": DefaultBaseURL.
	BaseURL string
	// APIKey is sent as a bearer token; "" sends none (local servers).
	APIKey string
	// Model is the chat model used when a request names none.
	Model string
	// EmbedModel is the embeddings model; "": Model.
	EmbedModel string
	// Timeout bounds the wait for the first chunk of a reply and then for
	// each next chunk (a long reply is never cut while it streams), and each
	// attempt of an embeddings or models call. 0: DefaultTimeout; negative:
	// no bound.
	Timeout time.Duration
	// MaxRetries is how often a transient failure before the first chunk is
	// retried. 0: llm.DefaultMaxRetries; negative: never.
	MaxRetries int
	// HTTPClient is the client to use; nil: a plain one. Its Timeout, if
	// any, applies to whole streams, so leave it 0.
	HTTPClient *http.Client
	// Logger receives retry warnings; nil: slog.Default().
	Logger *slog.Logger
}

// Client talks to one OpenAI-compatible server. It is safe for concurrent
// use.
type Client struct {
	cfg    Config
	base   string
	sdk    openai.Client
	policy llm.Policy
}

// Interface guards.
var (
	_ os1.ChatModel   = (*Client)(nil)
	_ os1.Embedder    = (*Client)(nil)
	_ os1.ModelLister = (*Client)(nil)
)

// New returns a client for the server cfg describes. It does not contact the
// server. It fails only on a malformed BaseURL.
func New(cfg Config) (*Client, error) {
	base, err := normalizeBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.EmbedModel == "" {
		cfg.EmbedModel = cfg.Model
	}
	c := &Client{
		cfg:    cfg,
		base:   base,
		policy: llm.Configured(cfg.MaxRetries, cfg.Timeout, DefaultTimeout, cfg.Logger),
	}
	c.sdk = openai.NewClient(
		option.WithBaseURL(base),
		option.WithAPIKey(cfg.APIKey),
		option.WithHTTPClient(llm.HTTPClient(cfg.HTTPClient)),
		option.WithMaxRetries(0), // llm.Stream retries, and only before the first chunk
	)
	return c, nil
}

// normalizeBaseURL checks a base URL and gives a bare host the "/v1" path
// every OpenAI-compatible server serves under.
func normalizeBaseURL(s string) (string, error) {
	if s == "" {
		return DefaultBaseURL, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", os1.Errorf(os1.EINVALID, "the OpenAI-compatible base URL %q is not an http(s) URL", s)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1"
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// Info describes the configured model.
func (c *Client) Info() os1.ModelInfo {
	return os1.ModelInfo{Provider: "openai", Model: c.cfg.Model, URL: c.base}
}

func (c *Client) endpoint(model string) llm.Endpoint {
	return llm.Endpoint{
		Provider:  "openai",
		Server:    "the model server",
		URL:       c.base,
		Model:     model,
		ModelHint: "check the model name (the server's /models list shows what it serves) and that the base URL is right",
	}
}

// Chat streams a reply to fn. See os1.ChatModel for the contract. Token
// counts are filled when the server reports usage.
func (c *Client) Chat(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
	model := req.Model
	if model == "" {
		model = c.cfg.Model
	}
	if model == "" {
		return nil, os1.Errorf(os1.EINVALID, "no model is configured for the OpenAI-compatible server at %s", c.base)
	}
	params := openai.ChatCompletionNewParams{
		Model:         shared.ChatModel(model),
		Messages:      make([]openai.ChatCompletionMessageParamUnion, 0, len(req.Messages)),
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	for _, m := range req.Messages {
		switch m.Role {
		case os1.RoleSystem:
			params.Messages = append(params.Messages, openai.SystemMessage(m.Content))
		case os1.RoleAssistant:
			params.Messages = append(params.Messages, openai.AssistantMessage(m.Content))
		default:
			params.Messages = append(params.Messages, openai.UserMessage(m.Content))
		}
	}
	if req.Temperature != nil {
		params.Temperature = openai.Float(*req.Temperature)
	}
	if req.MaxTokens > 0 {
		// max_tokens rather than max_completion_tokens: every
		// OpenAI-compatible server understands it.
		params.MaxTokens = openai.Int(int64(req.MaxTokens))
	}
	if req.JSON {
		params.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{
			OfJSONObject: &shared.ResponseFormatJSONObjectParam{},
		}
	}

	resp := &os1.ChatResponse{Model: model}
	var b strings.Builder
	err := llm.Stream(ctx, c.policy, c.endpoint(model), func(ctx context.Context, emit func(os1.Chunk) error) error {
		b.Reset()
		stream := c.sdk.Chat.Completions.NewStreaming(ctx, params)
		defer stream.Close()
		for stream.Next() {
			ev := stream.Current()
			if ev.Model != "" {
				resp.Model = ev.Model
			}
			if ev.Usage.PromptTokens > 0 || ev.Usage.CompletionTokens > 0 {
				resp.PromptTokens = int(ev.Usage.PromptTokens)
				resp.ReplyTokens = int(ev.Usage.CompletionTokens)
			}
			text := ""
			if len(ev.Choices) > 0 {
				text = ev.Choices[0].Delta.Content
			}
			b.WriteString(text)
			if err := emit(os1.Chunk{Content: text}); err != nil {
				return err
			}
		}
		var se *ssestream.StreamError
		if err := stream.Err(); errors.As(err, &se) {
			// An error event in a stream that began well.
			return &llm.ServerError{Message: llm.ServerMessage(se.Event.Data)}
		}
		return stream.Err()
	}, fn)
	if err != nil {
		return nil, err
	}
	resp.Content = b.String()
	return resp, nil
}

// Embed returns one vector per text, in order, from the embeddings
// endpoint with EmbedModel.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	model := c.cfg.EmbedModel
	if model == "" {
		return nil, os1.Errorf(os1.EINVALID, "no embeddings model is configured for the OpenAI-compatible server at %s", c.base)
	}
	var out [][]float32
	err := llm.Call(ctx, c.policy, c.endpoint(model), func(ctx context.Context) error {
		res, err := c.sdk.Embeddings.New(ctx, openai.EmbeddingNewParams{
			Model:          openai.EmbeddingModel(model),
			Input:          openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: texts},
			EncodingFormat: openai.EmbeddingNewParamsEncodingFormatFloat,
		})
		if err != nil {
			return err
		}
		if len(res.Data) != len(texts) {
			return fmt.Errorf("embeddings: got %d vectors for %d texts", len(res.Data), len(texts))
		}
		out = make([][]float32, len(texts))
		for _, d := range res.Data {
			if d.Index < 0 || int(d.Index) >= len(texts) {
				return fmt.Errorf("embeddings: vector index %d out of range", d.Index)
			}
			v := make([]float32, len(d.Embedding))
			for i, x := range d.Embedding {
				v[i] = float32(x)
			}
			out[d.Index] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListModels returns the ids of the models the server serves.
func (c *Client) ListModels(ctx context.Context) ([]string, error) {
	var ids []string
	err := llm.Call(ctx, c.policy, c.endpoint(""), func(ctx context.Context) error {
		ids = ids[:0]
		page, err := c.sdk.Models.List(ctx)
		if err != nil {
			return err
		}
		for _, m := range page.Data {
			ids = append(ids, m.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}
