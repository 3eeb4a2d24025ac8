// Package ollama is the model provider for a local Ollama server. Its
// [Client] streams chats (/api/chat), computes embeddings (/api/embed) and
// lists the pulled models (/api/tags) through github.com/ollama/ollama/api.
// [Probe] tells quickly whether an Ollama server answers at an address, and
// [PickModel] chooses a chat model from what is pulled.
package ollama

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

	"github.com/ollama/ollama/api"

	"os1/internal/llm"
	"os1/internal/os1"
)

// DefaultHost is where Ollama listens unless told otherwise.
const DefaultHost = "http://127.0.0.1:11434"

// DefaultTimeout is the default wait for the first chunk of a reply (and
// between chunks). It is long because Ollama loads the model on the first
// request, and a CPU reads a long prompt slowly.
const DefaultTimeout = 2 * time.Minute

// ProbeTimeout bounds [Probe].
const ProbeTimeout = 1500 * time.Millisecond

// Config configures a [Client].
type Config struct {
	// Host is the server's URL. "": DefaultHost. A bare "host:port" gets
	// "http://"; a bare host also gets Ollama's port 11434.
	Host string
	// Model is the chat model used when a request names none (see
	// PickModel to choose one from ListModels or Probe).
	Model string
	// EmbedModel is the embeddings model; "": Model.
	EmbedModel string
	// Timeout bounds the wait for the first chunk of a reply and then for
	// each next chunk, and each attempt of an embeddings or list call.
	// 0: DefaultTimeout; negative: no bound.
	Timeout time.Duration
	// MaxRetries is how often a transient failure before the first chunk is
	// retried. 0: llm.DefaultMaxRetries; negative: never.
	MaxRetries int
	// HTTPClient is the client to use; nil: a plain one. Leave its Timeout
	// 0: it would cut long streams.
	HTTPClient *http.Client
	// Logger receives retry warnings; nil: slog.Default().
	Logger *slog.Logger
}

// Client talks to one Ollama server. It is safe for concurrent use.
type Client struct {
	cfg    Config
	host   string
	api    *api.Client
	policy llm.Policy
}

// Interface guards.
var (
	_ os1.ChatModel   = (*Client)(nil)
	_ os1.Embedder    = (*Client)(nil)
	_ os1.ModelLister = (*Client)(nil)
)

// New returns a client for the Ollama server cfg describes. It does not
// contact the server. It fails only on a malformed Host.
func New(cfg Config) (*Client, error) {
	u, err := hostURL(cfg.Host)
	if err != nil {
		return nil, err
	}
	if cfg.EmbedModel == "" {
		cfg.EmbedModel = cfg.Model
	}
	return &Client{
		cfg:    cfg,
		host:   u.String(),
		api:    api.NewClient(u, llm.HTTPClient(cfg.HTTPClient)),
		policy: llm.Configured(cfg.MaxRetries, cfg.Timeout, DefaultTimeout, cfg.Logger),
	}, nil
}

// hostURL parses an Ollama host the way OLLAMA_HOST is written.
func hostURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		s = DefaultHost
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, os1.Errorf(os1.EINVALID, "the Ollama host %q is not an http(s) URL", s)
	}
	if u.Port() == "" && u.Scheme == "http" {
		u.Host += ":11434"
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// Info describes the configured model.
func (c *Client) Info() os1.ModelInfo {
	return os1.ModelInfo{Provider: "ollama", Model: c.cfg.Model, URL: c.host}
}

func (c *Client) endpoint(model string) llm.Endpoint {
	return endpoint(c.host, model)
}

func endpoint(host, model string) llm.Endpoint {
	return llm.Endpoint{
		Provider:  "ollama",
		Server:    "the Ollama server",
		URL:       host,
		Model:     model,
		ModelHint: fmt.Sprintf("pull it with `ollama pull %s`", model),
		StartHint: "start it with `ollama serve`",
		KeyHint:   "Ollama itself needs none; a proxy in front of it may",
	}
}

// errIncomplete is a stream that ended without Ollama's final "done"
// object: the connection broke, or the server died.
var errIncomplete = fmt.Errorf("the reply ended before Ollama said it was done: %w", io.ErrUnexpectedEOF)

// Chat streams a reply to fn. See os1.ChatModel for the contract. Token
// counts come from Ollama's prompt_eval_count and eval_count.
func (c *Client) Chat(ctx context.Context, req os1.ChatRequest, fn func(os1.Chunk) error) (*os1.ChatResponse, error) {
	model := req.Model
	if model == "" {
		model = c.cfg.Model
	}
	if model == "" {
		return nil, os1.Errorf(os1.EINVALID, "no Ollama model is configured; pull one (`ollama pull llama3.2`) and set it")
	}
	stream := true
	areq := &api.ChatRequest{
		Model:    model,
		Messages: make([]api.Message, 0, len(req.Messages)),
		Stream:   &stream,
		Options:  map[string]any{},
	}
	for _, m := range req.Messages {
		areq.Messages = append(areq.Messages, api.Message{Role: m.Role, Content: m.Content})
	}
	if req.Temperature != nil {
		areq.Options["temperature"] = *req.Temperature
	}
	if req.MaxTokens > 0 {
		areq.Options["num_predict"] = req.MaxTokens
	}
	if req.JSON {
		areq.Format = json.RawMessage(`"json"`)
	}

	resp := &os1.ChatResponse{Model: model}
	var b strings.Builder
	err := llm.Stream(ctx, c.policy, c.endpoint(model), func(ctx context.Context, emit func(os1.Chunk) error) error {
		b.Reset()
		done := false
		var emitErr error
		err := c.api.Chat(ctx, areq, func(r api.ChatResponse) error {
			if r.Model != "" {
				resp.Model = r.Model
			}
			b.WriteString(r.Message.Content)
			if r.Done {
				done = true
				resp.PromptTokens = r.PromptEvalCount
				resp.ReplyTokens = r.EvalCount
			}
			emitErr = emit(os1.Chunk{Content: r.Message.Content})
			return emitErr
		})
		if err != nil && err != emitErr && ctx.Err() == nil && !isTransport(err) {
			// An {"error": …} line in a stream that began well: the
			// model runner failed.
			return &llm.ServerError{Message: err.Error()}
		}
		if err == nil && !done {
			// The api client stops quietly when the body breaks.
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return errIncomplete
		}
		return err
	}, fn)
	if err != nil {
		return nil, err
	}
	resp.Content = b.String()
	return resp, nil
}

// isTransport reports whether err came from the HTTP exchange itself (and
// so carries its own classification).
func isTransport(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue)
}

// Embed returns one vector per text, in order, from /api/embed with
// EmbedModel.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	model := c.cfg.EmbedModel
	if model == "" {
		return nil, os1.Errorf(os1.EINVALID, "no Ollama embeddings model is configured; pull one (`ollama pull nomic-embed-text`) and set it")
	}
	var out [][]float32
	err := llm.Call(ctx, c.policy, c.endpoint(model), func(ctx context.Context) error {
		res, err := c.api.Embed(ctx, &api.EmbedRequest{Model: model, Input: texts})
		if err != nil {
			return err
		}
		if len(res.Embeddings) != len(texts) {
			return fmt.Errorf("embed: got %d vectors for %d texts", len(res.Embeddings), len(texts))
		}
		out = res.Embeddings
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListModels returns the names of the pulled models, most recently changed
// first (Ollama's order).
func (c *Client) ListModels(ctx context.Context) ([]string, error) {
	var names []string
	err := llm.Call(ctx, c.policy, c.endpoint(""), func(ctx context.Context) error {
		res, err := c.api.List(ctx)
		if err != nil {
			return err
		}
		names = modelNames(res)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return names, nil
}

func modelNames(res *api.ListResponse) []string {
	names := make([]string, 0, len(res.Models))
	for _, m := range res.Models {
		n := m.Name
		if n == "" {
			n = m.Model
		}
		names = append(names, n)
	}
	return names
}

// Probe tells within ProbeTimeout (or ctx's deadline, if sooner) whether an
// Ollama server answers at host ("" means DefaultHost), and returns the
// names of its pulled models (possibly none). It does not retry. An error
// is an *os1.Error with code EUNAVAILABLE (or EINVALID for a malformed
// host) whose message says what was tried.
func Probe(ctx context.Context, host string) (models []string, err error) {
	u, err := hostURL(host)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	hc := llm.HTTPClient(nil)
	defer hc.CloseIdleConnections()
	client := api.NewClient(u, hc)
	policy := llm.Policy{MaxRetries: 0}
	err = llm.Call(ctx, policy, endpoint(u.String(), ""), func(ctx context.Context) error {
		res, err := client.List(ctx)
		if err != nil {
			return err
		}
		models = modelNames(res)
		return nil
	})
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// The server is not answering in time.
			return nil, &llm.Error{
				App: os1.Errorf(os1.EUNAVAILABLE,
					"no Ollama server answered at %s within %v; start it with `ollama serve`", u, ProbeTimeout),
				Cause: err,
			}
		}
		return nil, err
	}
	return models, nil
}

// embeddingHints are name fragments of embedding-only model families.
var embeddingHints = []string{"embed", "bge-", "bge:", "minilm", "rerank", "paraphrase-multilingual"}

// IsEmbeddingModel tells from its name whether a model only computes
// embeddings (nomic-embed-text, mxbai-embed-large, bge-m3, all-minilm, …).
func IsEmbeddingModel(name string) bool {
	n := strings.ToLower(name)
	for _, h := range embeddingHints {
		if strings.Contains(n, h) {
			return true
		}
	}
	return strings.HasPrefix(n, "bge")
}

// PickModel returns the chat model to use when none is configured: the
// first model in the list (Ollama lists the most recently pulled first) that
// is not an embedding model, or "" when there is none.
func PickModel(models []string) string {
	for _, m := range models {
		if !IsEmbeddingModel(m) {
			return m
		}
	}
	return ""
}

// PickEmbedModel returns the first embedding model in the list, or "".
func PickEmbedModel(models []string) string {
	for _, m := range models {
		if IsEmbeddingModel(m) {
			return m
		}
	}
	return ""
}
