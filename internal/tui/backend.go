package tui

import (
	"context"
	"fmt"
	"sync"

	"os1/api"
)

// Backend is what the chat needs of a companion. Methods may be called from
// goroutines other than the UI's, but never two turns at once.
type Backend interface {
	// Me returns the person, their companion and the model in use.
	Me(ctx context.Context) (*api.Me, error)
	// History returns up to limit of the newest messages of the chat's
	// conversation, oldest first.
	History(ctx context.Context, limit int) ([]api.Message, error)
	// Send posts content and streams the turn's events to fn in order
	// (message, reply, delta…, then done or error), returning when the
	// turn has ended. A failed turn reports an error event to fn when it
	// can and also returns an error. When fn returns an error, Send stops
	// and returns it; when ctx ends, Send returns promptly.
	Send(ctx context.Context, content string, fn func(api.Event) error) error
	// Retry answers the last message from the person again, streaming
	// as Send does.
	Retry(ctx context.Context, fn func(api.Event) error) error
}

// Remote is a Backend that talks to an OS1 server through an api.Client.
type Remote struct {
	client *api.Client

	mu     sync.Mutex
	convID int64
}

var _ Backend = (*Remote)(nil)

// NewRemote returns a Backend on conversation convID of the server client
// talks to. With convID 0 it uses the person's most recently active
// conversation, or creates one when they have none; the choice is made on
// first use and kept.
func NewRemote(client *api.Client, convID int64) *Remote {
	return &Remote{client: client, convID: convID}
}

// Conversation returns the id of the conversation in use, choosing or
// creating it first if need be.
func (r *Remote) Conversation(ctx context.Context) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.convID != 0 {
		return r.convID, nil
	}
	list, err := r.client.ListConversations(ctx, 1, 0)
	if err != nil {
		return 0, fmt.Errorf("find latest conversation: %w", err)
	}
	if len(list) > 0 {
		r.convID = list[0].ID
		return r.convID, nil
	}
	conv, err := r.client.CreateConversation(ctx, api.ConversationCreate{})
	if err != nil {
		return 0, fmt.Errorf("create conversation: %w", err)
	}
	r.convID = conv.ID
	return r.convID, nil
}

// Me implements Backend.
func (r *Remote) Me(ctx context.Context) (*api.Me, error) {
	me, err := r.client.Me(ctx)
	if err != nil {
		return nil, fmt.Errorf("load profile: %w", err)
	}
	return me, nil
}

// History implements Backend.
func (r *Remote) History(ctx context.Context, limit int) ([]api.Message, error) {
	id, err := r.Conversation(ctx)
	if err != nil {
		return nil, err
	}
	page, err := r.client.Messages(ctx, id, 0, limit)
	if err != nil {
		return nil, fmt.Errorf("load messages of conversation %d: %w", id, err)
	}
	return page.Messages, nil
}

// Send implements Backend. A failed turn returns the *api.Error the server
// sent.
func (r *Remote) Send(ctx context.Context, content string, fn func(api.Event) error) error {
	id, err := r.Conversation(ctx)
	if err != nil {
		return err
	}
	_, err = r.client.SendMessage(ctx, id, content, fn)
	return err
}

// Retry implements Backend.
func (r *Remote) Retry(ctx context.Context, fn func(api.Event) error) error {
	id, err := r.Conversation(ctx)
	if err != nil {
		return err
	}
	_, err = r.client.Retry(ctx, id, fn)
	return err
}
