package main

import (
	"context"
	"log/slog"

	"os1/internal/card"
	"os1/internal/companion"
	"os1/internal/httpapi"
	"os1/internal/memory"
	"os1/internal/os1"
	"os1/internal/persona"
	"os1/internal/sqlite"
)

// newSelf builds the companion's self: persona versions and growth, affect,
// the first meeting (asked in the chat itself, or over the API) and the
// mood timeline. With a real model connected the companion chooses its
// name with it; on the offline mind, from the embedded list.
func newSelf(db *sqlite.DB, mem *memory.Service, model os1.ChatModel, logger *slog.Logger) *persona.Service {
	return persona.New(persona.Options{
		Store:      db,
		Memory:     mem,
		Model:      model,
		Emotion:    detector,
		Logger:     logger,
		MatchWorld: card.MatchWorld,
	})
}

// selfService returns the engine's self for the HTTP routes, or nil when
// none is wired.
func selfService(e *companion.Engine) httpapi.SelfService {
	if s, ok := e.Self.(*persona.Service); ok && s != nil {
		return s
	}
	return nil
}

// cardAdapter lets the card import and export store personas through the
// persona service: each import is a new version with its reason.
type cardAdapter struct{ *persona.Service }

// Persona returns the current persona, named as the companion is when the
// persona itself has no name yet.
func (a cardAdapter) Persona(ctx context.Context, userID int64) (*os1.Persona, error) {
	p, err := a.Service.Persona(ctx, userID)
	if err != nil || p.Name != "" {
		return p, err
	}
	if v, err := a.Service.Companion(ctx, userID); err == nil {
		p.Name = v.Name
	}
	return p, nil
}

// SetPersona stores p as a new version.
func (a cardAdapter) SetPersona(ctx context.Context, userID int64, p *os1.Persona, reason string) error {
	_, err := a.Service.SetPersona(ctx, userID, p, reason)
	return err
}

// cardService returns the card routes' persona store, or nil (no card
// routes) when the engine has no persona service.
func cardService(e *companion.Engine) httpapi.CardService {
	if s, ok := e.Self.(*persona.Service); ok && s != nil {
		return cardAdapter{s}
	}
	return nil
}
