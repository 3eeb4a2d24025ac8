package card

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"os1/internal/os1"
)

// extOS1 is the data.extensions key under which OS1 keeps the persona parts
// cards have no field for.
const extOS1 = "os1"

// os1Extension is the value of data.extensions.os1.
type os1Extension struct {
	Values        []string    `json:"values,omitempty"`
	Traits        *os1.Traits `json:"traits,omitempty"`
	Interests     []string    `json:"interests,omitempty"`
	SpeakingStyle string      `json:"speaking_style,omitempty"`
	Boundaries    []string    `json:"boundaries,omitempty"`
}

func (x *os1Extension) empty() bool {
	return x.Values == nil && x.Traits == nil && x.Interests == nil && x.SpeakingStyle == "" && x.Boundaries == nil
}

// Persona maps the card onto a new os1.Persona. Nothing is lost: fields
// without a Persona counterpart stay in Persona.Extensions and
// Persona.Extra, and data.extensions.os1 (written by [FromPersona]) fills
// values, traits, interests, speaking style and boundaries. Top-level
// unknown fields, Avatar and Files are not part of the Persona.
func (c *Card) Persona() *os1.Persona {
	d := &c.Data
	p := &os1.Persona{
		Name:                     d.Name,
		Nickname:                 d.Nickname,
		Description:              d.Description,
		Personality:              d.Personality,
		Scenario:                 d.Scenario,
		FirstMessage:             d.FirstMes,
		AlternateGreetings:       slices.Clone(d.AlternateGreetings),
		GroupOnlyGreetings:       slices.Clone(d.GroupOnlyGreetings),
		ExampleDialogues:         d.MesExample,
		SystemPrompt:             d.SystemPrompt,
		PostHistoryInstructions:  d.PostHistoryInstructions,
		CreatorNotes:             d.CreatorNotes,
		CreatorNotesMultilingual: maps.Clone(d.CreatorNotesMultilingual),
		Tags:                     slices.Clone(d.Tags),
		Creator:                  d.Creator,
		CharacterVersion:         d.CharacterVersion,
		Source:                   slices.Clone(d.Source),
		CreationDate:             clonePtr(d.CreationDate),
		ModificationDate:         clonePtr(d.ModificationDate),
		Extensions:               maps.Clone(d.Extensions),
		Extra:                    maps.Clone(d.Extra),
	}
	for _, a := range d.Assets {
		p.Assets = append(p.Assets, os1.PersonaAsset{Type: a.Type, URI: a.URI, Name: a.Name, Ext: a.Ext, Extra: maps.Clone(a.Extra)})
	}
	if raw, ok := p.Extensions[extOS1]; ok {
		if x, err := decodeOS1(raw); err == nil && !x.empty() { // otherwise keep it verbatim
			p.Values, p.Traits, p.Interests = x.Values, x.Traits, x.Interests
			p.SpeakingStyle, p.Boundaries = x.SpeakingStyle, x.Boundaries
			delete(p.Extensions, extOS1)
		}
	}
	if len(p.Extensions) == 0 {
		p.Extensions = nil
	}
	if b := d.CharacterBook; b != nil {
		p.World = &os1.World{
			Name:              b.Name,
			Description:       b.Description,
			ScanDepth:         clonePtr(b.ScanDepth),
			TokenBudget:       clonePtr(b.TokenBudget),
			RecursiveScanning: clonePtr(b.RecursiveScanning),
			Entries:           make([]os1.WorldEntry, 0, len(b.Entries)),
			Extensions:        maps.Clone(b.Extensions),
			Extra:             maps.Clone(b.Extra),
		}
		for _, e := range b.Entries {
			p.World.Entries = append(p.World.Entries, os1.WorldEntry{
				ID:             idString(e.ID),
				Name:           e.Name,
				Comment:        e.Comment,
				Keys:           slices.Clone(e.Keys),
				SecondaryKeys:  slices.Clone(e.SecondaryKeys),
				Content:        e.Content,
				Enabled:        e.Enabled,
				InsertionOrder: e.InsertionOrder,
				Constant:       e.Constant,
				Selective:      e.Selective,
				CaseSensitive:  e.CaseSensitive,
				UseRegex:       e.UseRegex,
				Priority:       clonePtr(e.Priority),
				Position:       e.Position,
				Extensions:     maps.Clone(e.Extensions),
				Extra:          maps.Clone(e.Extra),
			})
		}
	}
	return p
}

// FromPersona builds a V3 card from p. Values, traits, interests, speaking
// style and boundaries go into data.extensions.os1. A world entry ID that
// is a decimal integer is written as a JSON number, any other as a string.
// The result encodes as V2 or V3; for p == nil it is an empty card.
func FromPersona(p *os1.Persona) *Card {
	c := &Card{Version: V3, SpecVersion: "3.0"}
	if p == nil {
		return c
	}
	c.Data = Data{
		Name:                     p.Name,
		Description:              p.Description,
		Personality:              p.Personality,
		Scenario:                 p.Scenario,
		FirstMes:                 p.FirstMessage,
		MesExample:               p.ExampleDialogues,
		CreatorNotes:             p.CreatorNotes,
		SystemPrompt:             p.SystemPrompt,
		PostHistoryInstructions:  p.PostHistoryInstructions,
		AlternateGreetings:       slices.Clone(p.AlternateGreetings),
		Tags:                     slices.Clone(p.Tags),
		Creator:                  p.Creator,
		CharacterVersion:         p.CharacterVersion,
		Extensions:               canonMap(p.Extensions),
		Nickname:                 p.Nickname,
		CreatorNotesMultilingual: maps.Clone(p.CreatorNotesMultilingual),
		Source:                   slices.Clone(p.Source),
		GroupOnlyGreetings:       slices.Clone(p.GroupOnlyGreetings),
		CreationDate:             clonePtr(p.CreationDate),
		ModificationDate:         clonePtr(p.ModificationDate),
		Extra:                    canonMap(p.Extra),
	}
	x := os1Extension{Values: p.Values, Traits: p.Traits, Interests: p.Interests, SpeakingStyle: p.SpeakingStyle, Boundaries: p.Boundaries}
	if !x.empty() {
		if raw, err := json.Marshal(x); err == nil {
			if c.Data.Extensions == nil {
				c.Data.Extensions = map[string]json.RawMessage{}
			}
			c.Data.Extensions[extOS1] = canon(raw)
		}
	}
	for _, a := range p.Assets {
		c.Data.Assets = append(c.Data.Assets, Asset{Type: a.Type, URI: a.URI, Name: a.Name, Ext: a.Ext, Extra: canonMap(a.Extra)})
	}
	if w := p.World; w != nil {
		b := &Lorebook{
			Name:              w.Name,
			Description:       w.Description,
			ScanDepth:         clonePtr(w.ScanDepth),
			TokenBudget:       clonePtr(w.TokenBudget),
			RecursiveScanning: clonePtr(w.RecursiveScanning),
			Extensions:        canonMap(w.Extensions),
			Extra:             canonMap(w.Extra),
		}
		for _, e := range w.Entries {
			b.Entries = append(b.Entries, Entry{
				Keys:           slices.Clone(e.Keys),
				Content:        e.Content,
				Extensions:     canonMap(e.Extensions),
				Enabled:        e.Enabled,
				InsertionOrder: e.InsertionOrder,
				CaseSensitive:  e.CaseSensitive,
				UseRegex:       e.UseRegex,
				Constant:       e.Constant,
				Name:           e.Name,
				Priority:       clonePtr(e.Priority),
				ID:             idJSON(e.ID),
				Comment:        e.Comment,
				Selective:      e.Selective,
				SecondaryKeys:  slices.Clone(e.SecondaryKeys),
				Position:       e.Position,
				Extra:          canonMap(e.Extra),
			})
		}
		c.Data.CharacterBook = b
	}
	return c
}

// decodeOS1 reads data.extensions.os1 strictly: known fields of the right
// types, traits from 0 to 1.
func decodeOS1(raw json.RawMessage) (*os1Extension, error) {
	var x os1Extension
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&x); err != nil {
		return nil, invalid("card field data.extensions.os1 is not what OS1 writes (%s); remove it or fix it", jsonProblem(err))
	}
	if err := (&os1.Persona{Traits: x.Traits}).Validate(); err != nil {
		return nil, invalid("card field data.extensions.os1: %s", os1.ErrorMessage(err))
	}
	return &x, nil
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// idString turns a card entry id (JSON number or string) into text.
func idString(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// idJSON is the inverse of idString: integers become numbers.
func idJSON(id string) json.RawMessage {
	if id == "" {
		return nil
	}
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && strconv.FormatInt(n, 10) == id {
		return json.RawMessage(id)
	}
	b, _ := json.Marshal(id)
	return b
}
