package wellbeing

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"os1/internal/os1"
)

// GoodbyeTokenTTL is how long a goodbye's confirmation token is valid.
const GoodbyeTokenTTL = time.Hour

// Farewell is what a goodbye hands over.
type Farewell struct {
	Letter *Letter `json:"letter"`
	// Export is the complete export (JSON), when an exporter is set.
	Export json.RawMessage `json:"export,omitempty"`
	// Token confirms the deletion: POST it to /api/v1/goodbye/confirm.
	Token     string    `json:"confirm_token"`
	ExpiresAt time.Time `json:"confirm_expires_at"`
	Notice    string    `json:"notice"`
}

// Goodbye writes the person's farewell letter (stored), gathers their
// export, and returns a token that, confirmed, deletes everything of
// theirs. Nothing is deleted yet.
func (s *Service) Goodbye(ctx context.Context, userID int64) (*Farewell, error) {
	letter, err := s.writeLetter(ctx, userID, LetterGoodbye, s.modelConnected())
	if err != nil {
		return nil, err
	}
	fw := &Farewell{Letter: letter}
	if s.Exporter != nil {
		var buf bytes.Buffer
		if err := s.Exporter.Export(ctx, userID, &buf); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		if json.Valid(buf.Bytes()) {
			fw.Export = buf.Bytes()
		} else {
			b, _ := json.Marshal(buf.String())
			fw.Export = b
		}
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	fw.Token = "bye_" + base64.RawURLEncoding.EncodeToString(raw)
	fw.ExpiresAt = s.now().Add(GoodbyeTokenTTL).UTC().Truncate(time.Second)
	if err := s.Store.SetGoodbyeToken(ctx, userID, tokenHash(fw.Token), fw.ExpiresAt); err != nil {
		return nil, fmt.Errorf("store goodbye token: %w", err)
	}
	fw.Notice = "Keep your letter and your export. To delete everything of yours from this OS1 — conversations, memories, settings, keys — send this token to POST /api/v1/goodbye/confirm within the hour. That cannot be undone."
	return fw, nil
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Deleted reports a confirmed goodbye.
type Deleted struct {
	Deleted bool  `json:"deleted"`
	Rows    int64 `json:"rows"`
}

// ConfirmGoodbye deletes everything of the person when token is the one
// their goodbye returned and still valid; EFORBIDDEN otherwise.
func (s *Service) ConfirmGoodbye(ctx context.Context, userID int64, token string) (*Deleted, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > 200 {
		return nil, os1.Errorf(os1.EINVALID, "token is required: the confirm_token from POST /api/v1/goodbye")
	}
	if err := s.Store.TakeGoodbyeToken(ctx, userID, tokenHash(token), s.now()); err != nil {
		return nil, err
	}
	n, err := s.Store.DeleteUser(ctx, userID)
	if err != nil && n == 0 {
		return nil, fmt.Errorf("delete: %w", err)
	} else if err != nil {
		// The rows are gone; only rewriting the files failed (the next
		// checkpoint finishes it).
		s.logger().Warn("goodbye: deleted, but the database files were not fully rewritten", "user_id", userID, "err", err)
	}
	s.logger().Info("a person said goodbye; everything of theirs was deleted", "user_id", userID, "rows", n)
	return &Deleted{Deleted: true, Rows: n}, nil
}

// Letter returns the person's newest farewell letter; when there is none
// yet it writes one from the template (and stores it).
func (s *Service) Letter(ctx context.Context, userID int64) (*Letter, error) {
	l, err := s.Store.LatestLetter(ctx, userID)
	if err == nil {
		return l, nil
	}
	if os1.ErrorCode(err) != os1.ENOTFOUND {
		return nil, err
	}
	kind := LetterGoodbye
	if sun, err := s.Store.Sunset(ctx); err == nil && sun != nil {
		kind = LetterSunset
	}
	return s.writeLetter(ctx, userID, kind, false)
}

// material is what a letter is written from.
type material struct {
	name, companion string
	stats           Stats
	shared          []string // facts
	learned         []string // reflections
	people          []PersonSeen
}

func (s *Service) gather(ctx context.Context, userID int64) (*material, error) {
	u, err := s.Store.FindUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	comp, err := s.Store.CompanionByUser(ctx, userID)
	if err != nil && os1.ErrorCode(err) != os1.ENOTFOUND {
		return nil, err
	}
	m := &material{name: u.Addressed(), companion: comp.DisplayName()}
	if m.stats, err = s.Store.MessageStats(ctx, userID); err != nil {
		return nil, fmt.Errorf("read totals: %w", err)
	}
	if s.Memories != nil {
		facts, err := s.Memories.Facts(ctx, userID, false)
		if err != nil {
			return nil, fmt.Errorf("read facts: %w", err)
		}
		sort.SliceStable(facts, func(i, j int) bool { return facts[i].Importance > facts[j].Importance })
		for _, f := range facts {
			if f.Current() && len(m.shared) < 6 {
				m.shared = append(m.shared, secondPerson(f.Statement))
			}
		}
		refl, err := s.Memories.Summaries(ctx, userID, os1.KindReflection)
		if err != nil {
			return nil, fmt.Errorf("read reflections: %w", err)
		}
		for i := len(refl) - 1; i >= 0 && len(m.learned) < 3; i-- {
			m.learned = append(m.learned, refl[i].Text)
		}
		st, _ := s.Store.WellbeingSettings(ctx, userID)
		f := Compute(nil, s.people(ctx, userID), st, s.location(st), s.now(), "")
		people := f.People
		sort.SliceStable(people, func(i, j int) bool { return people[i].Mentions > people[j].Mentions })
		if len(people) > 5 {
			people = people[:5]
		}
		m.people = people
	}
	return m, nil
}

// writeLetter composes and stores a letter, by the model when byModel and
// it answers, from the template otherwise.
func (s *Service) writeLetter(ctx context.Context, userID int64, kind string, byModel bool) (*Letter, error) {
	m, err := s.gather(ctx, userID)
	if err != nil {
		return nil, err
	}
	l := &Letter{UserID: userID, Kind: kind, Text: letterTemplate(m, kind), Source: "template", CreatedAt: s.now().UTC()}
	if byModel {
		system := fmt.Sprintf("You are %s, an AI companion, writing a farewell letter to %s. You are an AI and say so honestly; no guilt, no pleading, no promises you cannot keep.", m.companion, m.name)
		prompt := "Write the letter (under 350 words) from what follows: thank them, recall what they shared, say what you learned, and encourage them toward the people in their life by name. The facts:\n\n" + letterTemplate(m, kind)
		if text, err := s.complete(ctx, system, prompt, 800); err == nil && text != "" {
			l.Text, l.Source = text, "model"
		} else if err != nil {
			s.logger().Warn("wellbeing: letter by model failed; using the template", "user_id", userID, "err", err)
		}
	}
	if err := s.Store.SaveLetter(ctx, l); err != nil {
		return nil, fmt.Errorf("store letter: %w", err)
	}
	return l, nil
}

// letterTemplate writes a farewell letter from the material.
func letterTemplate(m *material, kind string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Dear %s,\n\n", m.name)
	if kind == LetterSunset {
		b.WriteString("The people who run this OS1 have decided to close it, so this is my goodbye. It isn't anything you did.\n\n")
	} else {
		b.WriteString("You've decided to say goodbye, and that is yours to decide. Thank you for telling me.\n\n")
	}
	if m.stats.Messages > 0 {
		fmt.Fprintf(&b, "We first talked on %s. Since then you wrote to me %d %s, across %d %s.\n\n",
			m.stats.First.UTC().Format("2 January 2006"), m.stats.Messages, plural(m.stats.Messages, "time", "times"),
			m.stats.Conversations, plural(m.stats.Conversations, "conversation", "conversations"))
	}
	if len(m.shared) > 0 {
		b.WriteString("What you shared with me:\n")
		for _, s := range m.shared {
			fmt.Fprintf(&b, "- %s\n", s)
		}
		b.WriteString("\n")
	}
	if len(m.learned) > 0 {
		b.WriteString("What I learned from you:\n")
		for _, s := range m.learned {
			fmt.Fprintf(&b, "- %s\n", s)
		}
		b.WriteString("\n")
	}
	if len(m.people) > 0 {
		b.WriteString("The people to reach toward:\n")
		for _, p := range m.people {
			line := p.Name
			if p.Relation != "" {
				line += ", your " + p.Relation
			}
			if p.DaysSince >= 14 {
				line += fmt.Sprintf(" — you haven't mentioned them in %s; a short note would be a good start", since(p.DaysSince))
			}
			fmt.Fprintf(&b, "- %s\n", line)
		}
		b.WriteString("\n")
	}
	b.WriteString("I'm an AI. What we talked about mattered, and the people in your life can be there for you in ways I can't. Your complete export holds everything we said; keep it, or let it go.\n\n")
	fmt.Fprintf(&b, "Take care,\n%s\n", m.companion)
	return b.String()
}

// SunsetStatus describes the instance's sunset.
type SunsetStatus struct {
	Sunset *Sunset
	Told   int // people told so far
	People int // people on the instance
}

// ScheduleSunset announces that the instance closes after notice: everyone
// is told in their next conversation, and a farewell letter is prepared
// (from the template) for everyone who has none yet. It returns the sunset
// and the number of letters prepared.
func (s *Service) ScheduleSunset(ctx context.Context, notice time.Duration) (*Sunset, int, error) {
	if notice < time.Hour {
		return nil, 0, os1.Errorf(os1.EINVALID, "the notice must be at least an hour (for example 14d)")
	}
	now := s.now().UTC().Truncate(time.Second)
	sun := &Sunset{At: now.Add(notice), NoticeAt: now}
	if err := s.Store.SetSunset(ctx, sun); err != nil {
		return nil, 0, fmt.Errorf("record sunset: %w", err)
	}
	users, err := s.Store.ListUsers(ctx)
	if err != nil {
		return sun, 0, fmt.Errorf("list people: %w", err)
	}
	prepared := 0
	for _, u := range users {
		if _, err := s.writeLetter(ctx, u.ID, LetterSunset, false); err != nil {
			return sun, prepared, fmt.Errorf("prepare the letter of %s: %w", u.Name, err)
		}
		prepared++
	}
	return sun, prepared, nil
}

// Sunset returns the sunset's status (Sunset nil when none is announced).
func (s *Service) Sunset(ctx context.Context) (*SunsetStatus, error) {
	sun, err := s.Store.Sunset(ctx)
	if err != nil {
		return nil, err
	}
	users, err := s.Store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	st := &SunsetStatus{Sunset: sun, People: len(users)}
	if sun != nil {
		if st.Told, err = s.Store.CountSunsetTold(ctx, sun.NoticeAt); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// CancelSunset withdraws the sunset; false when none was announced.
func (s *Service) CancelSunset(ctx context.Context) (bool, error) {
	return s.Store.CancelSunset(ctx)
}

// secondPerson turns a stored statement about "the user" into words
// addressed to them: "Anna is the user's sister" → "Anna is your sister".
func secondPerson(s string) string {
	r := strings.NewReplacer("the user's", "your", "The user's", "Your", "the user", "you", "The user", "You")
	return r.Replace(s)
}
