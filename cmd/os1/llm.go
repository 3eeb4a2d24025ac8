package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os1/internal/memory"
	"time"

	"os1/internal/companion"
	"os1/internal/config"
	"os1/internal/emotion"
	"os1/internal/guard"
	"os1/internal/llm/anthropic"
	"os1/internal/llm/offline"
	"os1/internal/llm/ollama"
	"os1/internal/llm/openai"
	"os1/internal/os1"
	"os1/internal/sqlite"
	"os1/internal/webui"
)

// connectHelp tells a person how to connect a model.
const connectHelp = "To talk with a language model, start Ollama (`ollama serve`, then `ollama pull llama3.2`) and restart `os1 serve`, " +
	"or pass `--llm openai --llm-url http://HOST:PORT/v1` for an OpenAI-compatible server, or `--llm anthropic --llm-key KEY`."

var detector = emotion.MustNew()

// chooseModel builds the configured provider; with none configured it
// probes Ollama and falls back to the offline mind.
func chooseModel(ctx context.Context, cfg config.Config, logger *slog.Logger) (os1.ChatModel, error) {
	l := cfg.LLM
	switch l.Provider {
	case "offline":
		return offlineMind("The offline mind was chosen with --llm offline. " + connectHelp), nil
	case "openai":
		c, err := openai.New(openai.Config{BaseURL: l.URL, APIKey: l.Key, Model: l.Model, EmbedModel: l.EmbedModel, Timeout: l.Timeout.Duration, Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("openai provider: %w", err)
		}
		if l.Model == "" {
			name, err := firstModel(ctx, c)
			if err != nil {
				return nil, fmt.Errorf("no --llm-model given, and the server's model list could not tell one: %w", err)
			}
			logger.Info("no model named; using the server's first", "model", name)
			l.Model = name
			return chooseModel(ctx, config.Config{LLM: l}, logger)
		}
		return c, nil
	case "anthropic":
		model := l.Model
		if model == "" {
			model = defaultAnthropicModel
		}
		c, err := anthropic.New(anthropic.Config{BaseURL: l.URL, APIKey: l.Key, Model: model, Timeout: l.Timeout.Duration, Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("anthropic provider: %w", err)
		}
		return c, nil
	case "ollama":
		return ollamaClient(ctx, l, logger, true)
	}
	// Nothing chosen: Ollama if it answers, else the offline mind.
	models, err := ollama.Probe(ctx, l.URL)
	if err != nil {
		logger.Info("no Ollama server found", "reason", explain(err))
		return offlineMind("No model server was found at start-up. " + connectHelp), nil
	}
	if l.Model == "" && ollama.PickModel(models) == "" {
		logger.Warn("Ollama answers but has no chat model pulled; run `ollama pull llama3.2` and restart")
		return offlineMind("Ollama is running but has no chat model: run `ollama pull llama3.2` and restart `os1 serve`."), nil
	}
	return ollamaClient(ctx, l, logger, false)
}

// defaultAnthropicModel is used when --llm anthropic names no model.
const defaultAnthropicModel = "claude-sonnet-4-5"

func ollamaClient(ctx context.Context, l config.LLM, logger *slog.Logger, explicit bool) (os1.ChatModel, error) {
	if l.Model == "" {
		models, err := ollama.Probe(ctx, l.URL)
		if err != nil && explicit {
			return nil, fmt.Errorf("--llm ollama without --llm-model: %s", explain(err))
		}
		l.Model = ollama.PickModel(models)
		if l.Model == "" {
			return nil, fmt.Errorf("Ollama has no chat model pulled: run `ollama pull llama3.2`, or pass --llm-model")
		}
		logger.Info("using Ollama model", "model", l.Model)
	}
	c, err := ollama.New(ollama.Config{Host: l.URL, Model: l.Model, EmbedModel: l.EmbedModel, Timeout: l.Timeout.Duration, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("ollama provider: %w", err)
	}
	return c, nil
}

// firstModel returns the first model a server lists.
func firstModel(ctx context.Context, l os1.ModelLister) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	names, err := l.ListModels(ctx)
	if err != nil {
		return "", err
	}
	if len(names) == 0 {
		return "", fmt.Errorf("the server lists no models")
	}
	return names[0], nil
}

func offlineMind(note string) os1.ChatModel {
	m := offline.New(detector)
	m.Note = note
	return m
}

// wireExtras connects the optional parts of the engine.
// The memory reflects with the model when a real one is connected, and
// extractively on the offline mind.
func wireExtras(e *companion.Engine, db *sqlite.DB, model os1.ChatModel, logger *slog.Logger) *memory.Service {
	e.Emotion = detector
	if e.Guard == nil {
		// The crisis resources come from the [guard] settings when openApp
		// sets e.Guard from cfg.Guard.GuardOptions(); else the international default.
		e.Guard = guard.New(guard.Options{})
	}
	opts := memory.Options{Logger: logger.With("part", "memory")}
	if info := model.Info(); !info.Offline {
		opts.Model = model
		// Vectors too when the provider embeds; an embedder that cannot
		// (no embeddings model) switches itself off and recall stays lexical.
		if emb, ok := model.(os1.Embedder); ok {
			opts.Embedder, opts.EmbedModel = emb, info.Provider+":"+info.Model
		}
	}
	mem := memory.New(db, opts)
	e.Memory = mem
	if !model.Info().Offline {
		e.RefineEmotion = &emotion.Refiner{Model: model, Store: db, Logger: logger.With("part", "emotion")}
	}
	e.Self = newSelf(db, mem, model, logger.With("part", "self"))
	wb := newWellbeing(db, model, logger.With("part", "wellbeing"))
	e.Wellbeing, e.Romance = wb, wb.Romance
	return mem
}

// pageHandler returns the web page.
func pageHandler(info os1.ModelInfo) http.Handler {
	return webui.Handler(webui.Options{})
}
