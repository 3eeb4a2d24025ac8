package card

import (
	"fmt"
	"strings"

	"os1/internal/os1"
)

// Export formats.
const (
	FormatJSON  = "json"
	FormatPNG   = "png"
	FormatCharx = "charx"
)

// ToPersona maps c onto a new persona (see [Card.Persona]); nil for a nil
// card. The persona holds only character text and OS1's grown parts: a
// persona has no place for rules, so nothing a card says can stand in for
// or come before OS1's honesty and care rules.
func ToPersona(c *Card) *os1.Persona {
	if c == nil {
		return nil
	}
	return c.Persona()
}

// Imported is a card read by [Import].
type Imported struct {
	Card     *Card
	Persona  *os1.Persona
	Format   string   // FormatJSON, FormatPNG or FormatCharx
	Warnings []string // for the person: honesty, unusable lorebook keys, dropped parts
}

// Import reads a card file of any supported format (see [Parse]) and maps
// it onto a persona ready to store, with the warnings to show the person.
// Errors are *os1.Error with code EINVALID or ETOOLARGE.
func Import(data []byte, filename string) (*Imported, error) {
	c, err := Parse(data, filename)
	if err != nil {
		return nil, err
	}
	if raw, ok := c.Data.Extensions[extOS1]; ok {
		if _, err := decodeOS1(raw); err != nil {
			return nil, err
		}
	}
	p := ToPersona(c)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(p.Name) == "" {
		return nil, invalid("the card has no name; give the character a name in a card editor and try again")
	}
	im := &Imported{Card: c, Persona: p, Format: FormatJSON, Warnings: c.Warnings()}
	switch {
	case c.Avatar != nil:
		im.Format = FormatPNG
	case c.Files != nil:
		im.Format = FormatCharx
		im.Warnings = append(im.Warnings, fmt.Sprintf("The card's %d asset file(s) were not stored; only the character was imported.", len(c.Files)))
	}
	if c.Data.CharacterBook != nil {
		for _, k := range c.Data.CharacterBook.Compile().Invalid {
			im.Warnings = append(im.Warnings, fmt.Sprintf("Lorebook %s is not a usable regular expression; that key will never match.", k))
		}
	}
	return im, nil
}

// ParseVersion reads a card version as people and URLs write it: "v2",
// "2", "chara_card_v2", and the same for 3; "" is V3.
func ParseVersion(s string) (Version, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "v3", "3", "3.0", SpecV3:
		return V3, nil
	case "v2", "2", "2.0", SpecV2:
		return V2, nil
	}
	return 0, invalid("unknown card spec %q; use v2 or v3", truncate(s, 40))
}

// Export encodes p as a card file: FormatJSON in version v, FormatPNG (with
// both the V2 "chara" and the V3 "ccv3" chunk, whatever v is) into avatar
// or, when avatar is nil, into a generated image, or FormatCharx (V3). It
// returns the file and its media type.
func Export(p *os1.Persona, format string, v Version, avatar []byte) ([]byte, string, error) {
	if p == nil {
		return nil, "", invalid("there is no persona to export")
	}
	if v != V2 && v != V3 {
		return nil, "", invalid("cards can be written as V2 or V3, not version %d", v)
	}
	c := FromPersona(p)
	switch strings.ToLower(format) {
	case FormatJSON, "":
		b, err := EncodeJSON(c, v)
		return b, "application/json", err
	case FormatPNG:
		b, err := EncodePNG(c, avatar)
		return b, "image/png", err
	case FormatCharx:
		b, err := EncodeCharx(c)
		return b, "application/zip", err
	}
	return nil, "", invalid("unknown card format %q; use json, png or charx", truncate(format, 40))
}

// FileName suggests a file name for p exported in format, made of the
// name's letters and digits ("Ilse Marren" → "ilse-marren.json").
func FileName(p *os1.Persona, format string) string {
	var b strings.Builder
	dash := false
	if p != nil {
		for _, r := range strings.ToLower(p.Name) {
			switch {
			case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
				if dash && b.Len() > 0 {
					b.WriteByte('-')
				}
				dash = false
				b.WriteRune(r)
			default:
				dash = true
			}
			if b.Len() >= 40 {
				break
			}
		}
	}
	name := b.String()
	if name == "" {
		name = "companion"
	}
	ext := strings.ToLower(format)
	if ext == "" {
		ext = FormatJSON
	}
	return name + "." + ext
}
