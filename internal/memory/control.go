package memory

import (
	"context"
	"sort"
	"strings"

	"os1/internal/os1"
)

// This file is what a person uses to see and control their memory: list,
// search, show with sources, edit, forget.

// Facts returns the user's facts, oldest first; retired ones too when
// withHistory is set.
func (s *Service) Facts(ctx context.Context, userID int64, withHistory bool) ([]*os1.Fact, error) {
	return s.store.Facts(ctx, userID, withHistory)
}

// People returns the people in the user's life, most mentioned first.
func (s *Service) People(ctx context.Context, userID int64) ([]*os1.Person, error) {
	return s.store.People(ctx, userID)
}

// Summaries returns the user's session summaries and reflections (kind ""
// for both), oldest first.
func (s *Service) Summaries(ctx context.Context, userID int64, kind string) ([]*os1.Summary, error) {
	return s.store.Summaries(ctx, userID, kind)
}

// List returns the user's memories of one kind (KindFact, KindPerson,
// KindSummary, KindReflection; "" for all of them) as uniform items, newest
// first. Retired facts are listed too, with Current false.
func (s *Service) List(ctx context.Context, userID int64, kind string) ([]os1.MemoryItem, error) {
	var items []os1.MemoryItem
	if kind == "" || kind == os1.KindFact {
		facts, err := s.store.Facts(ctx, userID, true)
		if err != nil {
			return nil, err
		}
		for _, f := range facts {
			items = append(items, factItem(f))
		}
	}
	if kind == "" || kind == os1.KindPerson {
		people, err := s.store.People(ctx, userID)
		if err != nil {
			return nil, err
		}
		for _, p := range people {
			items = append(items, personItem(p))
		}
	}
	if kind == "" || kind == os1.KindSummary || kind == os1.KindReflection {
		sums, err := s.store.Summaries(ctx, userID, kind)
		if err != nil {
			return nil, err
		}
		for _, sm := range sums {
			items = append(items, os1.MemoryItem{Kind: sm.Kind, ID: sm.ID, Text: sm.Text, When: sm.To, Current: true, Sources: sm.Sources})
		}
	}
	if kind != "" && kind != os1.KindFact && kind != os1.KindPerson && kind != os1.KindSummary && kind != os1.KindReflection {
		return nil, os1.Errorf(os1.EINVALID, "unknown memory kind %q", kind)
	}
	sort.SliceStable(items, func(a, b int) bool { return items[a].When.After(items[b].When) })
	return items, nil
}

func factItem(f *os1.Fact) os1.MemoryItem {
	return os1.MemoryItem{Kind: os1.KindFact, ID: f.ID, Text: factText(f), When: f.SaidAt, Current: f.Current(), Sources: f.Sources}
}

func personItem(p *os1.Person) os1.MemoryItem {
	text := p.Name
	if p.Relation != "" {
		text += " (" + p.Relation + ")"
	}
	return os1.MemoryItem{Kind: os1.KindPerson, ID: p.ID, Text: text, When: p.LastMentioned, Current: true, Sources: p.Sources}
}

// factText renders a fact as a sentence with its validity.
func factText(f *os1.Fact) string {
	subj := f.Subject
	if subj == "user" {
		subj = "The person"
	}
	text := subj + " " + f.Statement
	if !f.HoldsUntil.IsZero() {
		text += " (until " + f.HoldsUntil.Format("2 January 2006") + ")"
	}
	return text
}

// Search finds the user's memories relevant to query, best first: the
// same Recall the companion uses, without a budget.
func (s *Service) Search(ctx context.Context, userID int64, query string, limit int) ([]os1.Recalled, error) {
	if strings.TrimSpace(query) == "" {
		return nil, os1.Errorf(os1.EINVALID, "search needs a query")
	}
	res, err := s.Recall(ctx, os1.RecallQuery{UserID: userID, Text: query, Limit: limit})
	if err != nil {
		return nil, err
	}
	return res.Items, nil
}

// Show returns one of the user's memories with the messages it came from
// (those still stored). ENOTFOUND if it is not the user's.
func (s *Service) Show(ctx context.Context, userID int64, kind string, id int64) (*os1.MemoryItem, []*os1.Message, error) {
	var item *os1.MemoryItem
	switch kind {
	case os1.KindTurn:
		m, err := s.store.FindMessage(ctx, userID, id)
		if err != nil {
			return nil, nil, err
		}
		return &os1.MemoryItem{Kind: kind, ID: id, Text: m.Content, When: m.CreatedAt, Current: true, Sources: []int64{id}}, []*os1.Message{m}, nil
	case os1.KindFact:
		f, err := s.store.FindFact(ctx, userID, id)
		if err != nil {
			return nil, nil, err
		}
		it := factItem(f)
		item = &it
	default:
		list, err := s.List(ctx, userID, kind)
		if err != nil {
			return nil, nil, err
		}
		for i := range list {
			if list[i].ID == id && list[i].Kind == kind {
				item = &list[i]
			}
		}
		if item == nil {
			return nil, nil, os1.Errorf(os1.ENOTFOUND, "no such %s", kind)
		}
	}
	var msgs []*os1.Message
	for _, mid := range item.Sources {
		m, err := s.store.FindMessage(ctx, userID, mid)
		if os1.ErrorCode(err) == os1.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		msgs = append(msgs, m)
	}
	return item, msgs, nil
}

// EditFact corrects one of the user's facts. The old statement is kept as
// history (retired, replaced by the correction). ENOTFOUND if it is not
// the user's; EINVALID for an empty statement.
func (s *Service) EditFact(ctx context.Context, userID, id int64, statement string) (*os1.Fact, error) {
	f, err := s.store.EditFact(ctx, userID, id, statement)
	if err != nil {
		return nil, err
	}
	s.factsChanged(userID)
	return f, nil
}

// Forget removes one of the user's memories: a fact, person, summary or
// reflection by id, or a turn (by message id) from the index with whatever
// was derived from it. It is gone from recall at once. ENOTFOUND if there
// is no such item of the user's.
func (s *Service) Forget(ctx context.Context, userID int64, kind string, id int64) error {
	if err := s.store.ForgetItem(ctx, userID, kind, id); err != nil {
		return err
	}
	s.mu.Lock()
	ix := s.indexes[userID]
	s.mu.Unlock()
	if ix != nil && kind == os1.KindTurn {
		ix.mu.Lock()
		ix.forget(id)
		ix.mu.Unlock()
	}
	s.factsChanged(userID)
	return nil
}

// ForgetConversation removes a conversation's turns from the user's memory
// and everything derived from them; it returns how many turns it removed.
// Call it when a conversation is deleted (the messages themselves belong to
// the conversation store).
func (s *Service) ForgetConversation(ctx context.Context, userID, conversationID int64) (int, error) {
	n, err := s.store.ForgetConversation(ctx, userID, conversationID)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	ix := s.indexes[userID]
	s.mu.Unlock()
	if ix != nil {
		ix.mu.Lock()
		for i := range ix.docs {
			if ix.docs[i].turn.ConversationID == conversationID {
				ix.forget(ix.docs[i].turn.MessageID)
			}
		}
		ix.mu.Unlock()
	}
	s.factsChanged(userID)
	return n, nil
}

// factsChanged makes the next recall reload the user's facts and summaries.
func (s *Service) factsChanged(userID int64) {
	s.mu.Lock()
	ix := s.indexes[userID]
	s.mu.Unlock()
	if ix != nil {
		ix.mu.Lock()
		ix.derivedStale = true
		ix.mu.Unlock()
	}
}
