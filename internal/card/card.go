package card

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"os1/internal/os1"
)

// Version is a character card format version.
type Version int

// Card format versions.
const (
	V1 Version = 1 // flat JSON, no spec field
	V2 Version = 2 // spec "chara_card_v2", spec_version "2.0"
	V3 Version = 3 // spec "chara_card_v3", spec_version "3.0"
)

// Spec names as they appear in the "spec" field.
const (
	SpecV2 = "chara_card_v2"
	SpecV3 = "chara_card_v3"
)

// Limits on untrusted input. Going over one gives an ETOOLARGE error.
const (
	MaxInputSize    = 20 << 20  // whole file
	MaxTextChunk    = 4 << 20   // one PNG text chunk, compressed or not
	MaxJSONDepth    = 128       // nesting of objects and arrays
	MaxCharxEntries = 1000      // files in a .charx zip
	MaxCharxTotal   = 64 << 20  // sum of uncompressed sizes in a .charx
	MaxCharxRatio   = 100       // uncompressed/compressed, for entries over 1 MiB
	MaxRegexLen     = 1000      // a use_regex key
	MaxRegexScan    = 256 << 10 // bytes of text a regex key scans (the most recent)
)

// Card is a character card in the union of the V1, V2 and V3 shapes.
//
// Version records the format it was read in; the encoders take the version
// to write as an argument. Two cards parsed from the same bytes are
// reflect.DeepEqual, and so are a card and the card parsed back from its own
// encoding in the same version.
type Card struct {
	Version     Version // format it was read in
	SpecVersion string  // "spec_version" as read ("2.0", "3.0"); "" for V1
	Data        Data    // the character

	// Extra holds unknown top-level fields verbatim (compact JSON). V2 cards
	// written by some tools repeat the V1 fields here.
	Extra map[string]json.RawMessage

	// Avatar is the card's PNG image with its card chunks removed, when the
	// card was read from a PNG; nil otherwise.
	Avatar []byte
	// Files holds the files of a .charx zip other than card.json, by their
	// path in the zip (e.g. "assets/icon/images/main.png"); nil otherwise.
	Files map[string][]byte
}

// Data is the character: the "data" object of V2 and V3 cards, or the
// whole of a V1 card.
type Data struct {
	Name                    string
	Description             string
	Personality             string
	Scenario                string
	FirstMes                string
	MesExample              string
	CreatorNotes            string
	SystemPrompt            string
	PostHistoryInstructions string
	AlternateGreetings      []string
	CharacterBook           *Lorebook
	Tags                    []string
	Creator                 string
	CharacterVersion        string
	Extensions              map[string]json.RawMessage // verbatim, compact JSON

	// V3 only.
	Assets                   []Asset
	Nickname                 string
	CreatorNotesMultilingual map[string]string
	Source                   []string
	GroupOnlyGreetings       []string
	CreationDate             *int64 // Unix seconds
	ModificationDate         *int64 // Unix seconds

	// Extra holds unknown fields of the data object verbatim (compact JSON).
	Extra map[string]json.RawMessage
}

// Asset is a V3 asset reference.
type Asset struct {
	Type  string
	URI   string
	Name  string
	Ext   string
	Extra map[string]json.RawMessage // unknown fields, verbatim
}

// Lorebook is a card's "character_book".
type Lorebook struct {
	Name              string
	Description       string
	ScanDepth         *int
	TokenBudget       *int
	RecursiveScanning *bool
	Extensions        map[string]json.RawMessage // verbatim, compact JSON
	Entries           []Entry
	Extra             map[string]json.RawMessage // unknown fields, verbatim
}

// Entry is one lorebook entry.
type Entry struct {
	Keys           []string
	Content        string
	Extensions     map[string]json.RawMessage // verbatim, compact JSON
	Enabled        bool
	InsertionOrder int
	CaseSensitive  bool
	UseRegex       bool // V3
	Constant       bool
	Name           string
	Priority       *int
	ID             json.RawMessage // a JSON number or string as read, compact; nil if absent
	Comment        string
	Selective      bool
	SecondaryKeys  []string
	Position       string                     // "before_char", "after_char" or ""
	Extra          map[string]json.RawMessage // unknown fields, verbatim
}

func invalid(format string, args ...any) error { return os1.Errorf(os1.EINVALID, format, args...) }
func tooLarge(format string, args ...any) error {
	return os1.Errorf(os1.ETOOLARGE, format, args...)
}

// ParseJSON reads a card from JSON: V2, V3 or V1.
func ParseJSON(data []byte) (*Card, error) {
	if len(data) > MaxInputSize {
		return nil, tooLarge("the card is %d bytes; the limit is %d MiB — remove embedded images or large extensions", len(data), MaxInputSize>>20)
	}
	if !utf8.Valid(data) {
		return nil, invalid("the card JSON is not valid UTF-8 text; re-save it as UTF-8")
	}
	if err := checkDepth(data); err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, invalid("the card is not a JSON object (%s); check that the file is a character card", jsonProblem(err))
	}
	if top == nil {
		return nil, invalid("the card is JSON null, not a character card")
	}
	c := &Card{}
	var spec string
	if raw, ok := top["spec"]; ok {
		if err := json.Unmarshal(raw, &spec); err != nil {
			return nil, invalid("card field spec is %s; it must be a string such as %q", kind(raw), SpecV2)
		}
	}
	switch spec {
	case SpecV2, SpecV3:
		c.Version = V2
		if spec == SpecV3 {
			c.Version = V3
		}
		delete(top, "spec")
		d := &decoder{obj: top, path: ""}
		d.str("spec_version", &c.SpecVersion, false)
		raw, ok := top["data"]
		if !ok || isNull(raw) {
			return nil, invalid("the %s card has no data object; it is incomplete", spec)
		}
		delete(top, "data")
		if err := decodeData(raw, "data", &c.Data); err != nil {
			return nil, err
		}
		if d.err != nil {
			return nil, d.err
		}
		c.Extra = d.rest()
	case "":
		if _, ok := top["name"]; !ok {
			return nil, invalid("the JSON has neither a spec field nor a name; it does not look like a character card")
		}
		c.Version = V1
		if err := decodeDataObj(top, "", &c.Data); err != nil {
			return nil, err
		}
	default:
		return nil, invalid("unsupported card spec %q; OS1 reads %q, %q and V1 cards", truncate(spec, 40), SpecV2, SpecV3)
	}
	return c, nil
}

func decodeData(raw json.RawMessage, path string, dst *Data) error {
	if raw[0] != '{' {
		return invalid("card field %s is %s; it must be an object", path, kind(raw))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return invalid("card field %s: %s", path, jsonProblem(err))
	}
	return decodeDataObj(obj, path+".", dst)
}

func decodeDataObj(obj map[string]json.RawMessage, prefix string, dst *Data) error {
	d := &decoder{obj: obj, path: prefix}
	d.str("name", &dst.Name, false)
	d.str("description", &dst.Description, false)
	d.str("personality", &dst.Personality, false)
	d.str("scenario", &dst.Scenario, false)
	d.str("first_mes", &dst.FirstMes, false)
	d.str("mes_example", &dst.MesExample, false)
	d.str("creator_notes", &dst.CreatorNotes, false)
	d.str("system_prompt", &dst.SystemPrompt, false)
	d.str("post_history_instructions", &dst.PostHistoryInstructions, false)
	d.strs("alternate_greetings", &dst.AlternateGreetings)
	d.strs("tags", &dst.Tags)
	d.str("creator", &dst.Creator, false)
	d.str("character_version", &dst.CharacterVersion, true)
	d.exts("extensions", &dst.Extensions)
	d.str("nickname", &dst.Nickname, false)
	d.strMap("creator_notes_multilingual", &dst.CreatorNotesMultilingual)
	d.strs("source", &dst.Source)
	d.strs("group_only_greetings", &dst.GroupOnlyGreetings)
	d.unix("creation_date", &dst.CreationDate)
	d.unix("modification_date", &dst.ModificationDate)
	if raw, ok := d.take("assets"); ok && d.err == nil {
		d.err = decodeAssets(raw, prefix+"assets", &dst.Assets)
	}
	if raw, ok := d.take("character_book"); ok && d.err == nil {
		dst.CharacterBook = &Lorebook{}
		d.err = decodeBook(raw, prefix+"character_book", dst.CharacterBook)
	}
	if d.err != nil {
		return d.err
	}
	dst.Extra = d.rest()
	return nil
}

func decodeAssets(raw json.RawMessage, path string, dst *[]Asset) error {
	items, err := array(raw, path)
	if err != nil {
		return err
	}
	for i, it := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		obj, err := object(it, p)
		if err != nil {
			return err
		}
		var a Asset
		d := &decoder{obj: obj, path: p + "."}
		d.str("type", &a.Type, false)
		d.str("uri", &a.URI, false)
		d.str("name", &a.Name, false)
		d.str("ext", &a.Ext, false)
		if d.err != nil {
			return d.err
		}
		a.Extra = d.rest()
		*dst = append(*dst, a)
	}
	return nil
}

func decodeBook(raw json.RawMessage, path string, b *Lorebook) error {
	obj, err := object(raw, path)
	if err != nil {
		return err
	}
	d := &decoder{obj: obj, path: path + "."}
	d.str("name", &b.Name, false)
	d.str("description", &b.Description, false)
	d.optInt("scan_depth", &b.ScanDepth)
	d.optInt("token_budget", &b.TokenBudget)
	d.optBool("recursive_scanning", &b.RecursiveScanning)
	d.exts("extensions", &b.Extensions)
	if raw, ok := d.take("entries"); ok && d.err == nil {
		items, err := array(raw, path+".entries")
		if err != nil {
			return err
		}
		for i, it := range items {
			var e Entry
			if err := decodeEntry(it, fmt.Sprintf("%s.entries[%d]", path, i), &e); err != nil {
				return err
			}
			b.Entries = append(b.Entries, e)
		}
	}
	if d.err != nil {
		return d.err
	}
	b.Extra = d.rest()
	return nil
}

func decodeEntry(raw json.RawMessage, path string, e *Entry) error {
	obj, err := object(raw, path)
	if err != nil {
		return err
	}
	d := &decoder{obj: obj, path: path + "."}
	d.strs("keys", &e.Keys)
	d.str("content", &e.Content, false)
	d.exts("extensions", &e.Extensions)
	e.Enabled = true // an entry that does not say is enabled, as in the tools that omit the field
	d.boolean("enabled", &e.Enabled)
	var order *int
	d.optInt("insertion_order", &order)
	if order != nil {
		e.InsertionOrder = *order
	}
	d.boolean("case_sensitive", &e.CaseSensitive)
	d.boolean("use_regex", &e.UseRegex)
	d.boolean("constant", &e.Constant)
	d.str("name", &e.Name, false)
	d.optInt("priority", &e.Priority)
	if raw, ok := d.take("id"); ok && d.err == nil {
		if raw[0] == '"' || isNumber(raw) {
			e.ID = canon(raw)
		} else {
			d.err = invalid("card field %sid is %s; it must be a number or a string", d.path, kind(raw))
		}
	}
	d.str("comment", &e.Comment, false)
	d.boolean("selective", &e.Selective)
	d.strs("secondary_keys", &e.SecondaryKeys)
	d.str("position", &e.Position, false)
	if d.err != nil {
		return d.err
	}
	e.Extra = d.rest()
	return nil
}

// decoder takes known fields out of a JSON object one by one, recording
// the first type error; rest returns what is left.
type decoder struct {
	obj  map[string]json.RawMessage
	path string
	err  error
}

// take removes key from the object; null counts as absent.
func (d *decoder) take(key string) (json.RawMessage, bool) {
	raw, ok := d.obj[key]
	if !ok {
		return nil, false
	}
	delete(d.obj, key)
	if isNull(raw) {
		return nil, false
	}
	return raw, true
}

func (d *decoder) wrong(key string, raw json.RawMessage, want string) {
	if d.err == nil {
		d.err = invalid("card field %s%s is %s; it must be %s — fix the card in a card editor", d.path, key, kind(raw), want)
	}
}

func (d *decoder) str(key string, dst *string, numberOK bool) {
	raw, ok := d.take(key)
	if !ok || d.err != nil {
		return
	}
	if numberOK && isNumber(raw) {
		*dst = string(raw)
		return
	}
	if raw[0] != '"' || json.Unmarshal(raw, dst) != nil {
		d.wrong(key, raw, "a string")
	}
}

func (d *decoder) strs(key string, dst *[]string) {
	raw, ok := d.take(key)
	if !ok || d.err != nil {
		return
	}
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		d.wrong(key, raw, "a list of strings")
		return
	}
	var out []string
	for i, it := range items {
		var s string
		if it[0] != '"' || json.Unmarshal(it, &s) != nil {
			d.wrong(fmt.Sprintf("%s[%d]", key, i), it, "a string")
			return
		}
		out = append(out, s)
	}
	*dst = out
}

func (d *decoder) strMap(key string, dst *map[string]string) {
	raw, ok := d.take(key)
	if !ok || d.err != nil {
		return
	}
	var m map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		d.wrong(key, raw, "an object of strings")
		return
	}
	if len(m) == 0 {
		return
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		var s string
		if v[0] != '"' || json.Unmarshal(v, &s) != nil {
			d.wrong(key+"."+k, v, "a string")
			return
		}
		out[k] = s
	}
	*dst = out
}

func (d *decoder) exts(key string, dst *map[string]json.RawMessage) {
	raw, ok := d.take(key)
	if !ok || d.err != nil {
		return
	}
	var m map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		d.wrong(key, raw, "an object")
		return
	}
	*dst = canonMap(m)
}

func (d *decoder) boolean(key string, dst *bool) {
	raw, ok := d.take(key)
	if !ok || d.err != nil {
		return
	}
	if json.Unmarshal(raw, dst) != nil || (raw[0] != 't' && raw[0] != 'f') {
		d.wrong(key, raw, "true or false")
	}
}

func (d *decoder) optBool(key string, dst **bool) {
	var b bool
	raw, ok := d.obj[key]
	if !ok || isNull(raw) {
		delete(d.obj, key)
		return
	}
	d.boolean(key, &b)
	if d.err == nil {
		*dst = &b
	}
}

func (d *decoder) optInt(key string, dst **int) {
	raw, ok := d.take(key)
	if !ok || d.err != nil {
		return
	}
	f, ok := number(raw)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<31 {
		d.wrong(key, raw, "a whole number")
		return
	}
	n := int(f)
	*dst = &n
}

func (d *decoder) unix(key string, dst **int64) {
	raw, ok := d.take(key)
	if !ok || d.err != nil {
		return
	}
	f, ok := number(raw)
	if !ok || math.Abs(f) > 1<<53 {
		d.wrong(key, raw, "a Unix time in seconds")
		return
	}
	n := int64(f)
	*dst = &n
}

// rest returns the fields not taken, canonicalised; nil if none.
func (d *decoder) rest() map[string]json.RawMessage { return canonMap(d.obj) }

func number(raw json.RawMessage) (float64, bool) {
	if !isNumber(raw) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	return f, err == nil && !math.IsInf(f, 0)
}

func isNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'))
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

func array(raw json.RawMessage, path string) ([]json.RawMessage, error) {
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		return nil, invalid("card field %s is %s; it must be a list", path, kind(raw))
	}
	return items, nil
}

func object(raw json.RawMessage, path string) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
		return nil, invalid("card field %s is %s; it must be an object", path, kind(raw))
	}
	return obj, nil
}

// kind names the JSON type of raw for error messages.
func kind(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "empty"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// canon returns raw in the form encoding/json writes it: compact, with
// <, >, & and U+2028/9 escaped. Parsing then encoding is then stable.
func canon(raw json.RawMessage) json.RawMessage {
	var c bytes.Buffer
	if err := json.Compact(&c, raw); err != nil {
		return append(json.RawMessage(nil), raw...)
	}
	var e bytes.Buffer
	json.HTMLEscape(&e, c.Bytes())
	return e.Bytes()
}

func canonMap(m map[string]json.RawMessage) map[string]json.RawMessage {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = canon(v)
	}
	return out
}

// checkDepth refuses JSON nested deeper than MaxJSONDepth before it is
// decoded.
func checkDepth(data []byte) error {
	depth, inStr, esc := 0, false, false
	for _, b := range data {
		switch {
		case inStr:
			if esc {
				esc = false
			} else if b == '\\' {
				esc = true
			} else if b == '"' {
				inStr = false
			}
		case b == '"':
			inStr = true
		case b == '{' || b == '[':
			depth++
			if depth > MaxJSONDepth {
				return invalid("the card JSON is nested more than %d levels deep; no real card is — the file is damaged or hostile", MaxJSONDepth)
			}
		case b == '}' || b == ']':
			depth--
		}
	}
	return nil
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	case errors.As(err, &te):
		return fmt.Sprintf("found %s where an object was expected", te.Value)
	}
	return err.Error()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// EncodeJSON writes c as an indented JSON card of version v (V2 or V3).
//
// V2 output writes the V3-only fields (assets, nickname,
// creator_notes_multilingual, source, group_only_greetings, the dates and
// use_regex) only when they are set, so a V2 export loses nothing; V2
// readers ignore them. Unknown fields and extensions are written in both
// versions.
func EncodeJSON(c *Card, v Version) ([]byte, error) {
	raw, err := encodeCompact(c, v)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, fmt.Errorf("indent card: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func encodeCompact(c *Card, v Version) ([]byte, error) {
	if c == nil {
		return nil, invalid("no card to encode")
	}
	if v != V2 && v != V3 {
		return nil, invalid("cards can be written as V2 or V3, not version %d", v)
	}
	w := &objWriter{}
	if v == V3 {
		w.field("spec", SpecV3)
		w.field("spec_version", "3.0")
	} else {
		w.field("spec", SpecV2)
		w.field("spec_version", "2.0")
	}
	w.raw("data", encodeData(&c.Data, v))
	w.extra(c.Extra, "spec", "spec_version", "data")
	if w.err != nil {
		return nil, fmt.Errorf("encode card: %w", w.err)
	}
	return w.bytes(), nil
}

func encodeData(d *Data, v Version) json.RawMessage {
	w := &objWriter{}
	w.field("name", d.Name)
	w.field("description", d.Description)
	w.field("personality", d.Personality)
	w.field("scenario", d.Scenario)
	w.field("first_mes", d.FirstMes)
	w.field("mes_example", d.MesExample)
	w.field("creator_notes", d.CreatorNotes)
	w.field("system_prompt", d.SystemPrompt)
	w.field("post_history_instructions", d.PostHistoryInstructions)
	w.field("alternate_greetings", nonNil(d.AlternateGreetings))
	if d.CharacterBook != nil {
		w.raw("character_book", encodeBook(d.CharacterBook, v))
	}
	w.field("tags", nonNil(d.Tags))
	w.field("creator", d.Creator)
	w.field("character_version", d.CharacterVersion)
	w.exts("extensions", d.Extensions)
	known := []string{"name", "description", "personality", "scenario", "first_mes", "mes_example",
		"creator_notes", "system_prompt", "post_history_instructions", "alternate_greetings",
		"character_book", "tags", "creator", "character_version", "extensions",
		"group_only_greetings", "nickname", "creator_notes_multilingual", "source",
		"creation_date", "modification_date", "assets"}
	// The V3 fields: always in V3 (group_only_greetings is required there),
	// and in V2 only when set, so that nothing is lost. V2 readers ignore
	// fields they do not know.
	if v == V3 || len(d.GroupOnlyGreetings) > 0 {
		w.field("group_only_greetings", nonNil(d.GroupOnlyGreetings))
	}
	if d.Nickname != "" {
		w.field("nickname", d.Nickname)
	}
	if d.CreatorNotesMultilingual != nil {
		w.field("creator_notes_multilingual", d.CreatorNotesMultilingual)
	}
	if d.Source != nil {
		w.field("source", d.Source)
	}
	if d.CreationDate != nil {
		w.field("creation_date", *d.CreationDate)
	}
	if d.ModificationDate != nil {
		w.field("modification_date", *d.ModificationDate)
	}
	if d.Assets != nil {
		var aw bytes.Buffer
		aw.WriteByte('[')
		for i, a := range d.Assets {
			if i > 0 {
				aw.WriteByte(',')
			}
			o := &objWriter{}
			o.field("type", a.Type)
			o.field("uri", a.URI)
			o.field("name", a.Name)
			o.field("ext", a.Ext)
			o.extra(a.Extra, "type", "uri", "name", "ext")
			aw.Write(o.bytes())
			if o.err != nil && w.err == nil {
				w.err = o.err
			}
		}
		aw.WriteByte(']')
		w.raw("assets", aw.Bytes())
	}
	w.extra(d.Extra, known...)
	if w.err != nil {
		return json.RawMessage(`{}`)
	}
	return w.bytes()
}

func encodeBook(b *Lorebook, v Version) json.RawMessage {
	w := &objWriter{}
	if b.Name != "" {
		w.field("name", b.Name)
	}
	if b.Description != "" {
		w.field("description", b.Description)
	}
	if b.ScanDepth != nil {
		w.field("scan_depth", *b.ScanDepth)
	}
	if b.TokenBudget != nil {
		w.field("token_budget", *b.TokenBudget)
	}
	if b.RecursiveScanning != nil {
		w.field("recursive_scanning", *b.RecursiveScanning)
	}
	w.exts("extensions", b.Extensions)
	var ew bytes.Buffer
	ew.WriteByte('[')
	for i := range b.Entries {
		if i > 0 {
			ew.WriteByte(',')
		}
		ew.Write(encodeEntry(&b.Entries[i], v))
	}
	ew.WriteByte(']')
	w.raw("entries", ew.Bytes())
	w.extra(b.Extra, "name", "description", "scan_depth", "token_budget", "recursive_scanning", "extensions", "entries")
	return w.bytes()
}

func encodeEntry(e *Entry, v Version) json.RawMessage {
	w := &objWriter{}
	w.field("keys", nonNil(e.Keys))
	w.field("content", e.Content)
	w.exts("extensions", e.Extensions)
	w.field("enabled", e.Enabled)
	w.field("insertion_order", e.InsertionOrder)
	w.field("case_sensitive", e.CaseSensitive)
	known := []string{"keys", "content", "extensions", "enabled", "insertion_order", "case_sensitive",
		"constant", "name", "priority", "id", "comment", "selective", "secondary_keys", "position", "use_regex"}
	if v == V3 || e.UseRegex {
		w.field("use_regex", e.UseRegex)
	}
	w.field("constant", e.Constant)
	if e.Name != "" {
		w.field("name", e.Name)
	}
	if e.Priority != nil {
		w.field("priority", *e.Priority)
	}
	if len(e.ID) > 0 {
		w.raw("id", e.ID)
	}
	if e.Comment != "" {
		w.field("comment", e.Comment)
	}
	w.field("selective", e.Selective)
	w.field("secondary_keys", nonNil(e.SecondaryKeys))
	if e.Position != "" {
		w.field("position", e.Position)
	}
	w.extra(e.Extra, known...)
	return w.bytes()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// objWriter writes a JSON object with keys in the order given.
type objWriter struct {
	buf bytes.Buffer
	n   int
	err error
}

func (w *objWriter) key(k string) {
	if w.n == 0 {
		w.buf.WriteByte('{')
	} else {
		w.buf.WriteByte(',')
	}
	w.n++
	kb, _ := json.Marshal(k)
	w.buf.Write(kb)
	w.buf.WriteByte(':')
}

func (w *objWriter) field(k string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		if w.err == nil {
			w.err = fmt.Errorf("field %s: %w", k, err)
		}
		return
	}
	w.key(k)
	w.buf.Write(b)
}

func (w *objWriter) raw(k string, v json.RawMessage) {
	if !json.Valid(v) {
		if w.err == nil {
			w.err = fmt.Errorf("field %s: invalid JSON value", k)
		}
		return
	}
	w.key(k)
	w.buf.Write(canon(v))
}

func (w *objWriter) exts(k string, m map[string]json.RawMessage) {
	if m == nil {
		w.key(k)
		w.buf.WriteString("{}")
		return
	}
	sub := &objWriter{}
	sub.extra(m)
	if sub.err != nil && w.err == nil {
		w.err = sub.err
	}
	w.key(k)
	w.buf.Write(sub.bytes())
}

// extra writes the fields of m in key order, skipping the names in skip
// (fields already written).
func (w *objWriter) extra(m map[string]json.RawMessage, skip ...string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if contains(skip, k) {
			continue
		}
		w.raw(k, m[k])
	}
}

func (w *objWriter) bytes() []byte {
	if w.n == 0 {
		return []byte("{}")
	}
	out := append([]byte(nil), w.buf.Bytes()...)
	return append(out, '}')
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Parse reads a character card from data, whatever its format: JSON, PNG
// or .charx, detected from the content (filename is used only in error
// messages and may be empty).
//
// Errors are *os1.Error with code EINVALID (malformed, unsupported or
// unsafe input) or ETOOLARGE (over a limit above).
func Parse(data []byte, filename string) (c *Card, err error) {
	defer func() {
		if r := recover(); r != nil { // a bug of ours must not take the server down
			c, err = nil, fmt.Errorf("parse card %s: unexpected failure: %v", filename, r)
		}
	}()
	if len(data) > MaxInputSize {
		return nil, tooLarge("%s is %d MiB; cards may be at most %d MiB", nameOr(filename), len(data)>>20, MaxInputSize>>20)
	}
	switch {
	case bytes.HasPrefix(data, pngSignature):
		return ParsePNG(data)
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return ParseCharx(data)
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return ParseJSON(trimmed)
	}
	if len(trimmed) == 0 {
		return nil, invalid("%s is empty", nameOr(filename))
	}
	return nil, invalid("%s is not a character card: expected JSON, a PNG with card data, or a .charx zip", nameOr(filename))
}

func nameOr(filename string) string {
	if filename == "" {
		return "the file"
	}
	name := filename
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return strconv.Quote(truncate(name, 80))
}
