package memory

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"os1/internal/os1"
)

// Store is what the memory needs from the database; *sqlite.DB implements it.
// Every method is scoped by user id.
type Store interface {
	IngestTurn(ctx context.Context, in *os1.TurnIngest) error
	ReflectedUpTo(ctx context.Context, userID int64) (int64, error)
	MemoryTurns(ctx context.Context, userID, afterID int64) ([]os1.Turn, error)
	Facts(ctx context.Context, userID int64, withHistory bool) ([]*os1.Fact, error)
	FindFact(ctx context.Context, userID, id int64) (*os1.Fact, error)
	AddFact(ctx context.Context, f *os1.Fact) error
	EditFact(ctx context.Context, userID, id int64, statement string) (*os1.Fact, error)
	People(ctx context.Context, userID int64) ([]*os1.Person, error)
	Summaries(ctx context.Context, userID int64, kind string) ([]*os1.Summary, error)
	ForgetItem(ctx context.Context, userID int64, kind string, id int64) error
	ForgetConversation(ctx context.Context, userID, conversationID int64) (int, error)
	FindMessage(ctx context.Context, userID, id int64) (*os1.Message, error)
	ClaimJob(ctx context.Context, lease time.Duration, kinds ...string) (*os1.Job, error)
	CompleteJob(ctx context.Context, jobID int64, results []*os1.Summary) error
	FailJob(ctx context.Context, jobID int64, msg string, retryAfter time.Duration, giveUp bool) error
	NotePeople(ctx context.Context, userID int64, people []*os1.Person) error
	MissingVectors(ctx context.Context, userID int64, model string, limit int) ([]os1.Embedded, error)
	SaveVectors(ctx context.Context, userID int64, model string, items []os1.Embedded) error
	Vectors(ctx context.Context, userID int64, model string) ([]os1.Embedded, error)
	PersonData(ctx context.Context, userID int64) (*os1.PersonData, error)
}

// Options configure a Service. The zero value works offline.
type Options struct {
	// Model, when set, summarises and reflects in the background. Nil:
	// extractive summaries and reflections.
	Model os1.ChatModel
	// Model also extracts facts from each of the person's messages in the
	// background (structured JSON, validated; dropped when unusable), on
	// top of the rules that run at once.
	//
	// Embedder, when set, embeds every turn, fact, summary and reflection
	// in the background; recall then blends the cosine similarity of the
	// query's vector into its scores. Nil: lexical recall only. An
	// embedder that reports EINVALID (no embeddings model configured) is
	// switched off for the life of the service, and so is one that fails
	// several times in a row.
	Embedder os1.Embedder
	// EmbedModel names the embedder's model; vectors are stored per model,
	// so changing it embeds everything again (default "default").
	EmbedModel string
	// Logger receives background errors; nil discards them.
	Logger *slog.Logger
	// SpeakerName names the speaker of a message (the person's or the
	// companion's name) for indexing; nil leaves speakers unnamed.
	SpeakerName func(ctx context.Context, m *os1.Message) string
	// FactsFromAllRoles extracts facts from assistant messages too (when
	// both sides of the history are people, as in an imported chat log).
	// By default only the person's messages yield facts.
	FactsFromAllRoles bool
	// SessionGap is the pause that starts a new session (default 2h).
	SessionGap time.Duration
	// ReflectAt is the importance sum that triggers a reflection job
	// (default 12; negative turns reflections off).
	ReflectAt float64
	// Tuning overrides DefaultTuning when non-nil.
	Tuning *Tuning
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// Service is OS1's memory: it indexes every message, extracts facts and
// people, reflects in the background, and recalls. It is safe for
// concurrent use.
type Service struct {
	store  Store
	opts   Options
	tuning Tuning
	log    *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	indexes map[int64]*userIndex
	wake    chan struct{}

	embedOff   atomic.Bool  // the embedder cannot work (not configured)
	embedFails atomic.Int32 // embedder failures in a row
}

// Interface guard.
var _ os1.Memory = (*Service)(nil)

// New returns a memory service over store.
func New(store Store, opts Options) *Service {
	s := &Service{store: store, opts: opts, tuning: DefaultTuning, log: opts.Logger, now: opts.Now, indexes: map[int64]*userIndex{}, wake: make(chan struct{}, 1)}
	if opts.Tuning != nil {
		s.tuning = *opts.Tuning
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.opts.SessionGap <= 0 {
		s.opts.SessionGap = 2 * time.Hour
	}
	if s.opts.ReflectAt == 0 {
		s.opts.ReflectAt = 12
	}
	if s.opts.EmbedModel == "" {
		s.opts.EmbedModel = "default"
	}
	return s
}

// index returns the user's in-process index, loading it from the store on
// first use.
func (s *Service) index(ctx context.Context, userID int64) (*userIndex, error) {
	s.mu.Lock()
	ix, ok := s.indexes[userID]
	if !ok {
		ix = newUserIndex()
		s.indexes[userID] = ix
	}
	s.mu.Unlock()
	ix.mu.RLock()
	loaded := ix.loaded
	ix.mu.RUnlock()
	if loaded {
		return ix, nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.loaded {
		return ix, nil
	}
	turns, err := s.store.MemoryTurns(ctx, userID, ix.lastID)
	if err != nil {
		return nil, fmt.Errorf("load memory index: %w", err)
	}
	if ix.reflected, err = s.store.ReflectedUpTo(ctx, userID); err != nil {
		return nil, fmt.Errorf("load memory index: %w", err)
	}
	for _, t := range turns {
		ix.add(t, findTimeRef(strings.ToLower(t.Text), t.SaidAt))
		if t.MessageID > ix.reflected {
			ix.pending += t.Importance
		}
	}
	ix.loaded = true
	return ix, nil
}

// Ingest indexes a message that was just stored: the episodic index and the
// rule-based facts and people, synchronously; reflections are queued for the
// background. Messages that are not complete (a reply still streaming) or
// not from the person or the companion are skipped.
func (s *Service) Ingest(ctx context.Context, m *os1.Message) error {
	speaker := ""
	if s.opts.SpeakerName != nil {
		speaker = s.opts.SpeakerName(ctx, m)
	}
	return s.IngestAs(ctx, m, speaker)
}

// IngestAs is Ingest with the speaker's name given.
func (s *Service) IngestAs(ctx context.Context, m *os1.Message, speaker string) error {
	if m.ID == 0 || m.UserID == 0 {
		return os1.Errorf(os1.EINVALID, "ingest needs a stored message")
	}
	if m.Status != "" && m.Status != os1.StatusComplete || m.Role == os1.RoleSystem || strings.TrimSpace(m.Content) == "" {
		return nil
	}
	ix, err := s.index(ctx, m.UserID)
	if err != nil {
		return err
	}
	ref := findTimeRef(strings.ToLower(m.Content), m.CreatedAt)
	in := &os1.TurnIngest{
		Turn: os1.Turn{MessageID: m.ID, UserID: m.UserID, ConversationID: m.ConversationID, Role: m.Role, Speaker: speaker, Text: m.Content, SaidAt: m.CreatedAt},
	}
	if m.Role == os1.RoleUser || s.opts.FactsFromAllRoles {
		subject := speaker
		if subject == "" {
			subject = "user"
		}
		ex := extract(subject, m.Content, m.CreatedAt, ref)
		in.Facts, in.People, in.Turn.Importance = ex.facts, ex.people, ex.importance
		for _, f := range in.Facts {
			f.Sources = []int64{m.ID}
		}
		for _, p := range in.People {
			p.Sources = []int64{m.ID}
		}
		if s.opts.Model != nil {
			in.Jobs = append(in.Jobs, os1.Job{Kind: JobExtract, Payload: fmt.Sprintf(`{"message":%d}`, m.ID)})
		}
	} else {
		in.Turn.Importance = importance(m.Content) / 2
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	// A pause or another conversation starts a new session.
	in.Turn.Session = m.ID
	if n := len(ix.docs); n > 0 {
		last := ix.docs[n-1].turn
		if last.ConversationID == m.ConversationID && !m.CreatedAt.Before(last.SaidAt) && m.CreatedAt.Sub(last.SaidAt) <= s.opts.SessionGap {
			in.Turn.Session = last.Session
		}
	}
	if s.opts.Embedder != nil && !s.embedOff.Load() {
		in.Jobs = append(in.Jobs, os1.Job{Kind: JobEmbed, Payload: "{}"})
	}
	if s.opts.ReflectAt > 0 && ix.pending+in.Turn.Importance >= s.opts.ReflectAt {
		in.Reflect, in.ReflectAfter = true, ix.reflected
	}
	if err := s.store.IngestTurn(ctx, in); err != nil {
		return fmt.Errorf("ingest message %d: %w", m.ID, err)
	}
	ix.add(in.Turn, ref)
	ix.pending += in.Turn.Importance
	if len(in.Facts) > 0 {
		ix.updateDerived(in.Facts, in.Retired)
	}
	if in.Reflect {
		ix.pending, ix.reflected = 0, m.ID
	}
	if in.Reflect || len(in.Jobs) > 0 {
		s.wakeUp()
	}
	return nil
}

// wakeUp tells Run that there is background work.
func (s *Service) wakeUp() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// PersonData returns everything stored about the person, for an export
// (see package archive).
func (s *Service) PersonData(ctx context.Context, userID int64) (*os1.PersonData, error) {
	return s.store.PersonData(ctx, userID)
}
