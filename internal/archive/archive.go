// Package archive is the export and import of everything a person has in
// OS1: a versioned JSON archive (their profile, companion, conversations
// with their messages, and their memory: the index over the turns, facts
// with their history, people, summaries and reflections) and a readable
// Markdown rendering of it. Other parts add their own sections (persona
// versions, wellbeing, …) under Extensions.
//
// An archive is decoded and validated completely before anything is
// stored, and imported in one transaction, so a malformed or hostile
// archive is refused with an error and changes nothing.
package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"os1/internal/os1"
)

// Format is the value of every archive's "format" field.
const Format = "os1-archive"

// Version is the archive format version this build writes. It reads
// versions 1 up to Version.
const Version = 1

// MaxBytes is the default limit on the size of an archive to decode.
const MaxBytes = 1 << 30

// Archive is everything a person has, as exported.
type Archive struct {
	Format     string         `json:"format"`  // always Format
	Version    int            `json:"version"` // the format version
	ExportedAt time.Time      `json:"exported_at"`
	Person     os1.PersonData `json:"person"`
	// Extensions holds the sections of other parts by name, each in its
	// own format (see Section).
	Extensions map[string]json.RawMessage `json:"extensions,omitempty"`
}

// Source is where an export reads from; *sqlite.DB and *memory.Service
// implement it.
type Source interface {
	PersonData(ctx context.Context, userID int64) (*os1.PersonData, error)
}

// Sink is where an import writes to; *sqlite.DB implements it. It stores
// the data as a new person in one transaction, sets d.User.ID, and returns
// the map from the archive's message ids to the new ones.
type Sink interface {
	ImportPersonData(ctx context.Context, d *os1.PersonData) (map[int64]int64, error)
}

// Section lets another part add its data to an archive and take it back on
// import. Export returns a JSON-encodable value (nil: no section); Import,
// when set, receives the section of an imported archive with the new
// person's id and the map of message ids.
type Section struct {
	Name   string
	Export func(ctx context.Context, userID int64) (any, error)
	Import func(ctx context.Context, userID int64, data json.RawMessage, messageIDs map[int64]int64) error
}

// Build collects everything the person has into an archive, with the
// given extension sections.
func Build(ctx context.Context, src Source, userID int64, sections ...Section) (*Archive, error) {
	d, err := src.PersonData(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	a := &Archive{Format: Format, Version: Version, ExportedAt: time.Now().UTC().Truncate(time.Second), Person: *d}
	for _, s := range sections {
		if s.Export == nil {
			continue
		}
		v, err := s.Export(ctx, userID)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", s.Name, err)
		}
		if v == nil {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", s.Name, err)
		}
		if a.Extensions == nil {
			a.Extensions = map[string]json.RawMessage{}
		}
		a.Extensions[s.Name] = b
	}
	return a, nil
}

// WriteJSON writes the archive as indented JSON.
func WriteJSON(w io.Writer, a *Archive) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	return nil
}

// Decode reads and validates an archive of at most maxBytes (0: MaxBytes).
// Every problem is an EINVALID (ETOOLARGE for size) error that says what
// is wrong.
func Decode(r io.Reader, maxBytes int64) (*Archive, error) {
	if maxBytes <= 0 {
		maxBytes = MaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read archive: %w", err)
	}
	if int64(len(data)) > maxBytes {
		return nil, os1.Errorf(os1.ETOOLARGE, "the archive is larger than %d bytes", maxBytes)
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, os1.Errorf(os1.EINVALID, "this is not an OS1 archive (not a JSON object: %v)", err)
	}
	if head.Format != Format {
		return nil, os1.Errorf(os1.EINVALID, "this is not an OS1 archive (format %q, want %q)", head.Format, Format)
	}
	if head.Version < 1 || head.Version > Version {
		return nil, os1.Errorf(os1.EINVALID, "archive format version %d is not supported (this OS1 reads versions 1 to %d; a newer OS1 may)", head.Version, Version)
	}
	var a Archive
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, os1.Errorf(os1.EINVALID, "the archive is damaged: %v", err)
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &a, nil
}

// Limits on the parts of an archive.
const (
	maxShortText = 1000
	maxLongText  = 64 << 10
)

// Validate checks that the archive can be imported as it is: a valid
// person, unique ids, every message in one of the conversations, turns of
// known messages, sane texts. It returns an EINVALID error naming the first
// problem.
func (a *Archive) Validate() error {
	bad := func(format string, args ...any) error {
		return os1.Errorf(os1.EINVALID, "the archive is invalid: "+format, args...)
	}
	if a.Format != Format || a.Version < 1 || a.Version > Version {
		return bad("format %q version %d", a.Format, a.Version)
	}
	d := &a.Person
	if err := d.User.Validate(); err != nil {
		return bad("person: %s", os1.ErrorMessage(err))
	}
	if c := d.Companion; c != nil && (len(c.Name) > 60 || len(c.Persona) > 32<<10 || !utf8.ValidString(c.Name+c.Persona)) {
		return bad("companion name or persona is too long or not UTF-8")
	}
	text := func(what, s string, max int, required bool) error {
		switch {
		case required && strings.TrimSpace(s) == "":
			return bad("%s is empty", what)
		case len(s) > max:
			return bad("%s is longer than %d bytes", what, max)
		case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
			return bad("%s is not valid text", what)
		}
		return nil
	}
	convs := map[int64]bool{}
	for i, c := range d.Conversations {
		if c == nil || c.ID <= 0 || convs[c.ID] {
			return bad("conversation %d has a missing or repeated id", i)
		}
		convs[c.ID] = true
		if err := c.Validate(); err != nil {
			return bad("conversation %d: %s", c.ID, os1.ErrorMessage(err))
		}
	}
	msgs := map[int64]bool{}
	var last int64
	for i, m := range d.Messages {
		if m == nil || m.ID <= 0 || msgs[m.ID] || m.ID <= last {
			return bad("message %d has a missing, repeated or out-of-order id", i)
		}
		msgs[m.ID], last = true, m.ID
		if !convs[m.ConversationID] {
			return bad("message %d belongs to conversation %d, which is not in the archive", m.ID, m.ConversationID)
		}
		switch m.Role {
		case os1.RoleUser, os1.RoleAssistant, os1.RoleSystem:
		default:
			return bad("message %d has role %q", m.ID, m.Role)
		}
		switch m.Status {
		case "":
			m.Status = os1.StatusComplete
		case os1.StatusComplete, os1.StatusStreaming, os1.StatusInterrupted:
		default:
			return bad("message %d has status %q", m.ID, m.Status)
		}
		if err := text(fmt.Sprintf("message %d", m.ID), m.Content, os1.MaxMessageBytes*2, false); err != nil {
			return err
		}
		if err := text(fmt.Sprintf("message %d's error or source", m.ID), m.Error+m.Source, maxShortText, false); err != nil {
			return err
		}
	}
	turns := map[int64]bool{}
	for _, t := range d.Turns {
		if !msgs[t.MessageID] || turns[t.MessageID] {
			return bad("a turn refers to message %d, which is not in the archive or is indexed twice", t.MessageID)
		}
		turns[t.MessageID] = true
		if !convs[t.ConversationID] {
			return bad("turn %d belongs to conversation %d, which is not in the archive", t.MessageID, t.ConversationID)
		}
		if err := text(fmt.Sprintf("turn %d", t.MessageID), t.Text+t.Speaker+t.Role, os1.MaxMessageBytes*2, false); err != nil {
			return err
		}
	}
	facts := map[int64]bool{}
	for i, f := range d.Facts {
		if f == nil || f.ID <= 0 || facts[f.ID] {
			return bad("fact %d has a missing or repeated id", i)
		}
		facts[f.ID] = true
		what := fmt.Sprintf("fact %d", f.ID)
		if err := text(what+"'s subject", f.Subject, maxShortText, true); err != nil {
			return err
		}
		if err := text(what, f.Statement, maxShortText*4, true); err != nil {
			return err
		}
		if err := text(what+"'s slot or origin", f.Slot+f.Origin, maxShortText, false); err != nil {
			return err
		}
		if f.Importance < 0 || f.Importance > 1 || f.Confidence < 0 || f.Confidence > 1 {
			return bad("%s has importance or confidence outside 0..1", what)
		}
	}
	names := map[string]bool{}
	for i, p := range d.People {
		if p == nil {
			return bad("person %d is empty", i)
		}
		if err := text(fmt.Sprintf("person %d's name", i), p.Name, 100, true); err != nil {
			return err
		}
		if err := text(fmt.Sprintf("person %q's relation", p.Name), p.Relation, 100, false); err != nil {
			return err
		}
		if k := strings.ToLower(p.Name); names[k] {
			return bad("the people list names %q twice", p.Name)
		} else {
			names[k] = true
		}
		if p.Mentions < 0 {
			return bad("person %q has a negative count", p.Name)
		}
	}
	for i, s := range d.Summaries {
		if s == nil || s.Kind != os1.KindSummary && s.Kind != os1.KindReflection {
			return bad("summary %d has no kind %q or %q", i, os1.KindSummary, os1.KindReflection)
		}
		if err := text(fmt.Sprintf("%s %d", s.Kind, i), s.Text, maxLongText, true); err != nil {
			return err
		}
		if s.Importance < 0 || s.Importance > 1 {
			return bad("%s %d has importance outside 0..1", s.Kind, i)
		}
	}
	for name := range a.Extensions {
		if err := text("an extension's name", name, 100, true); err != nil {
			return err
		}
	}
	return nil
}

// Result is what an import did.
type Result struct {
	User       os1.User        // the new person, with their new id
	MessageIDs map[int64]int64 // the archive's message ids → the new ones
	// Skipped names the extension sections no Section took.
	Skipped []string
}

// Import stores a validated archive as a new person: the core in one
// transaction (ECONFLICT when the name is taken), then each extension
// section a Section imports. Sections nobody imports are listed in
// Result.Skipped.
func Import(ctx context.Context, dst Sink, a *Archive, sections ...Section) (*Result, error) {
	if a == nil {
		return nil, os1.Errorf(os1.EINVALID, "no archive")
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	d := a.Person
	ids, err := dst.ImportPersonData(ctx, &d)
	if err != nil {
		var e *os1.Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, fmt.Errorf("import: %w", err)
	}
	res := &Result{User: d.User, MessageIDs: ids}
	byName := map[string]Section{}
	for _, s := range sections {
		byName[s.Name] = s
	}
	var names []string
	for name := range a.Extensions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s, ok := byName[name]
		if !ok || s.Import == nil {
			res.Skipped = append(res.Skipped, name)
			continue
		}
		if err := s.Import(ctx, d.User.ID, a.Extensions[name], ids); err != nil {
			return res, fmt.Errorf("import %s (the rest was imported): %w", name, err)
		}
	}
	return res, nil
}
