package persona

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"os1/internal/os1"
)

// Store is what the self needs of the store; *sqlite.DB implements it.
// Every method is scoped to the user.
type Store interface {
	FindUserByID(ctx context.Context, id int64) (*os1.User, error)
	UpdateUser(ctx context.Context, id int64, upd os1.UserUpdate) (*os1.User, error)
	CompanionByUser(ctx context.Context, userID int64) (*os1.Companion, error)
	UpdateCompanion(ctx context.Context, userID int64, upd os1.CompanionUpdate) (*os1.Companion, error)
	CreateConversation(ctx context.Context, userID int64, c *os1.Conversation) error
	AddMessages(ctx context.Context, ms ...*os1.Message) error
	RecentMessages(ctx context.Context, userID, conversationID int64, limit, maxTokens int) ([]*os1.Message, error)
	AddFact(ctx context.Context, f *os1.Fact) error
	SeedPeople(ctx context.Context, userID int64, people []*os1.Person) error

	PersonaVersions(ctx context.Context, userID int64, limit int) ([]*os1.PersonaVersion, error)
	PersonaVersion(ctx context.Context, userID int64, version int) (*os1.PersonaVersion, error)
	AddPersonaVersion(ctx context.Context, v *os1.PersonaVersion, prev int) error
	SelfState(ctx context.Context, userID int64) (*os1.SelfState, error)
	SaveOnboarding(ctx context.Context, userID int64, o *os1.Onboarding) error
	SaveAffect(ctx context.Context, userID int64, a *os1.AffectState) error
	SetFrozen(ctx context.Context, userID int64, frozen bool) error
	SetGrownUpTo(ctx context.Context, userID, reflectionID int64) error
	ReflectionsAfter(ctx context.Context, userID, afterID int64, limit int) ([]*os1.Summary, error)
	MoodSamples(ctx context.Context, userID int64, from, to time.Time) ([]os1.MoodSample, error)
}

// Memory hears the first meeting's answers, as it hears every message
// (memory.Service implements it).
type Memory interface {
	Ingest(ctx context.Context, m *os1.Message) error
}

// EmotionDetector finds the emotion in a text (emotion.Detector).
type EmotionDetector interface {
	Detect(text string) *os1.Emotion
}

// Options configure a [Service]. Only Store is required.
type Options struct {
	Store  Store
	Memory Memory // optional: answers given over the API are ingested
	// Model, when set and not the offline mind, chooses the companion's
	// name (structured output, validated); otherwise, or when its answer
	// is unusable, the name comes from the embedded list.
	Model    os1.ChatModel
	Emotion  EmotionDetector // optional: emotion of answers given over the API
	Logger   *slog.Logger
	Now      func() time.Time
	HalfLife time.Duration // how fast the affect returns to its baseline (default DefaultHalfLife)
	// MatchWorld returns the persona's world knowledge that the recent
	// conversation texts (oldest first) trigger; nil leaves world
	// knowledge out of the prompt. cmd wires card.MatchWorld.
	MatchWorld func(w *os1.World, texts []string) []string
	// NameTimeout bounds a model's name choice (default 30 s).
	NameTimeout time.Duration
}

// Service is the companion's self for every person: persona versions and
// growth, affect, the first meeting and the mood timeline. It is safe for
// concurrent use; changes to one person's self are serialised.
type Service struct {
	opts  Options
	store Store
	log   *slog.Logger
	locks sync.Map // user id → *sync.Mutex
}

// New returns a Service.
func New(opts Options) *Service {
	s := &Service{opts: opts, store: opts.Store, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.opts.HalfLife <= 0 {
		s.opts.HalfLife = DefaultHalfLife
	}
	if s.opts.NameTimeout <= 0 {
		s.opts.NameTimeout = 30 * time.Second
	}
	return s
}

func (s *Service) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// lock serialises changes to one person's self.
func (s *Service) lock(userID int64) func() {
	v, _ := s.locks.LoadOrStore(userID, &sync.Mutex{})
	mu := v.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// View is what the person sees of their companion.
type View struct {
	Name           string             `json:"name"`
	Version        int                `json:"version"` // the current persona version (0: the default, none stored yet)
	Persona        os1.Persona        `json:"persona"`
	Affect         map[string]float64 `json:"affect"`
	AffectText     string             `json:"affect_text"`
	GrowthFrozen   bool               `json:"growth_frozen"`
	OnboardingDone bool               `json:"onboarding_done"`
}

// Companion returns the person's companion as they see it: name, current
// persona, affect now, and whether growth is frozen.
func (s *Service) Companion(ctx context.Context, userID int64) (*View, error) {
	cur, err := s.current(ctx, userID)
	if err != nil {
		return nil, err
	}
	comp, err := s.store.CompanionByUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	st, err := s.store.SelfState(ctx, userID)
	if err != nil {
		return nil, err
	}
	a := Affect(st.Affect).Decayed(s.now(), s.opts.HalfLife)
	v := &View{Name: comp.DisplayName(), Version: cur.Version, Persona: cur.Persona, Affect: a.Map(), AffectText: a.Describe(),
		GrowthFrozen: st.Frozen, OnboardingDone: st.Onboarding.Step == StepDone}
	return v, nil
}

// Persona returns the person's current persona: the newest stored version,
// or the default persona (carrying the companion's name) when none is
// stored yet.
func (s *Service) Persona(ctx context.Context, userID int64) (*os1.Persona, error) {
	cur, err := s.current(ctx, userID)
	if err != nil {
		return nil, err
	}
	p := cur.Persona
	return &p, nil
}

// current returns the newest stored version, or an unstored version 0
// holding the default persona.
func (s *Service) current(ctx context.Context, userID int64) (*Version, error) {
	list, err := s.store.PersonaVersions(ctx, userID, 1)
	if err != nil {
		return nil, err
	}
	if len(list) > 0 {
		return list[0], nil
	}
	comp, err := s.store.CompanionByUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	p := DefaultPersona()
	p.Name = comp.Name
	return &Version{UserID: userID, Kind: KindSeed, Persona: p, Reason: seedReason}, nil
}

const seedReason = "The persona every OS1 companion starts with."

// Versions returns up to limit of the person's persona versions, newest
// first (limit ≤ 0: all). Before anything is stored it returns the seed
// version alone, unstored (version 0).
func (s *Service) Versions(ctx context.Context, userID int64, limit int) ([]*Version, error) {
	list, err := s.store.PersonaVersions(ctx, userID, limit)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		cur, err := s.current(ctx, userID)
		if err != nil {
			return nil, err
		}
		list = []*Version{cur}
	}
	return list, nil
}

// addVersion stores p as the person's next version, after storing the seed
// version first when nothing is stored yet, so that the journal always
// starts at the seed. When p equals the current persona nothing is stored
// and the current version is returned. The companion's name follows
// p.Name when it is set. Errors: EINVALID for an invalid persona;
// ECONFLICT when another change won twice in a row.
func (s *Service) addVersion(ctx context.Context, userID int64, kind string, p *os1.Persona, reason string, src Sources) (*Version, error) {
	if err := ValidatePersona(p); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		cur, err := s.current(ctx, userID)
		if err != nil {
			return nil, err
		}
		if cur.Version == 0 {
			seed := *cur
			err := s.store.AddPersonaVersion(ctx, &seed, 0)
			if os1.ErrorCode(err) == os1.ECONFLICT && attempt < 2 {
				continue // another change stored the seed first
			}
			if err != nil {
				return nil, err
			}
			cur = &seed
		}
		changes := Diff(&cur.Persona, p)
		if len(changes) == 0 {
			return cur, nil
		}
		v := &Version{UserID: userID, Kind: kind, Persona: *p, Reason: reason, Changes: changes, Sources: src}
		err = s.store.AddPersonaVersion(ctx, v, cur.Version)
		if os1.ErrorCode(err) == os1.ECONFLICT && attempt < 2 {
			continue
		}
		if err != nil {
			return nil, err
		}
		if p.Name != "" {
			comp, err := s.store.CompanionByUser(ctx, userID)
			if err != nil {
				return nil, err
			}
			if comp.Name != p.Name {
				name := p.Name
				if _, err := s.store.UpdateCompanion(ctx, userID, os1.CompanionUpdate{Name: &name}); err != nil {
					return nil, fmt.Errorf("rename companion: %w", err)
				}
			}
		}
		return v, nil
	}
}

// SetPersona stores p as the person's new persona version (kind "edit"),
// with reason as its journal entry; the companion takes p.Name when it is
// set. When p equals the current persona nothing new is stored and the
// current version is returned. OS1's rules are not part of a persona, so
// nothing set here can remove them. Errors: EINVALID for an invalid or
// oversized persona.
func (s *Service) SetPersona(ctx context.Context, userID int64, p *os1.Persona, reason string) (*Version, error) {
	if p == nil {
		return nil, os1.Errorf(os1.EINVALID, "persona is missing")
	}
	unlock := s.lock(userID)
	defer unlock()
	if reason = clip(oneLine(reason), 500); reason == "" {
		reason = "The persona was replaced."
	}
	return s.addVersion(ctx, userID, KindEdit, p, reason, Sources{})
}

// Version returns one of the person's stored versions; ENOTFOUND if there
// is none with that number.
func (s *Service) Version(ctx context.Context, userID int64, version int) (*Version, error) {
	return s.store.PersonaVersion(ctx, userID, version)
}

// Revert makes the persona of an earlier version current again, as a new
// version (the journal keeps everything). The companion keeps its current
// name. ENOTFOUND if there is no such version.
func (s *Service) Revert(ctx context.Context, userID int64, version int) (*Version, error) {
	unlock := s.lock(userID)
	defer unlock()
	old, err := s.store.PersonaVersion(ctx, userID, version)
	if err != nil {
		return nil, err
	}
	cur, err := s.current(ctx, userID)
	if err != nil {
		return nil, err
	}
	p := old.Persona
	p.Name, p.Nickname = cur.Persona.Name, cur.Persona.Nickname
	return s.addVersion(ctx, userID, KindRevert, &p, fmt.Sprintf("You went back to version %d.", version), Sources{Version: version})
}

// SetGrowthFrozen freezes or unfreezes the companion's growth. While it is
// frozen, reflections do not change the persona, and those made meanwhile
// are not applied later.
func (s *Service) SetGrowthFrozen(ctx context.Context, userID int64, frozen bool) error {
	unlock := s.lock(userID)
	defer unlock()
	return s.store.SetFrozen(ctx, userID, frozen)
}

// Patch holds persona fields a person may edit; nil fields stay.
type Patch struct {
	Description   *string     `json:"description"`
	Personality   *string     `json:"personality"`
	Scenario      *string     `json:"scenario"`
	Values        *[]string   `json:"values"`
	Traits        *os1.Traits `json:"traits"`
	Interests     *[]string   `json:"interests"`
	SpeakingStyle *string     `json:"speaking_style"`
	Boundaries    *[]string   `json:"boundaries"`
	Reason        string      `json:"reason"` // optional words for the journal
}

// Edit applies patch to the current persona as a new version (kind
// "edit"). EINVALID when a field is out of range or too long, or when the
// patch changes nothing.
func (s *Service) Edit(ctx context.Context, userID int64, patch Patch) (*Version, error) {
	unlock := s.lock(userID)
	defer unlock()
	cur, err := s.current(ctx, userID)
	if err != nil {
		return nil, err
	}
	p := cur.Persona
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.Description, patch.Description)
	set(&p.Personality, patch.Personality)
	set(&p.Scenario, patch.Scenario)
	set(&p.SpeakingStyle, patch.SpeakingStyle)
	if patch.Values != nil {
		p.Values = *patch.Values
	}
	if patch.Interests != nil {
		p.Interests = *patch.Interests
	}
	if patch.Boundaries != nil {
		p.Boundaries = *patch.Boundaries
	}
	if patch.Traits != nil {
		t := *patch.Traits
		p.Traits = &t
	}
	if len(Diff(&cur.Persona, &p)) == 0 {
		return nil, os1.Errorf(os1.EINVALID, "the edit changes nothing; send the fields to change")
	}
	reason := clip(oneLine(patch.Reason), 500)
	if reason == "" {
		reason = "You edited the persona."
	}
	return s.addVersion(ctx, userID, KindEdit, &p, reason, Sources{})
}
