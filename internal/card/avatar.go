package card

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"unicode"
)

// glyphs is a 5×7 bitmap font for the avatar's initial: each row is five
// bits, the leftmost pixel in the highest bit.
var glyphs = map[rune][7]uint8{
	'A': {0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001},
	'B': {0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110},
	'C': {0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110},
	'D': {0b11110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11110},
	'E': {0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111},
	'F': {0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000},
	'G': {0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111},
	'H': {0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001},
	'I': {0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110},
	'J': {0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100},
	'K': {0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001},
	'L': {0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111},
	'M': {0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001},
	'N': {0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001},
	'O': {0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110},
	'P': {0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000},
	'Q': {0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101},
	'R': {0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001},
	'S': {0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110},
	'T': {0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100},
	'U': {0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110},
	'V': {0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100},
	'W': {0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010},
	'X': {0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001},
	'Y': {0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100, 0b00100},
	'Z': {0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111},
	'0': {0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110},
	'1': {0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110},
	'2': {0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111},
	'3': {0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110},
	'4': {0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010},
	'5': {0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110},
	'6': {0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110},
	'7': {0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000},
	'8': {0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110},
	'9': {0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100},
}

// accents maps common accented capitals to the letter drawn for them.
var accents = strings.NewReplacer("À", "A", "Á", "A", "Â", "A", "Ã", "A", "Ä", "A", "Å", "A", "Ç", "C",
	"È", "E", "É", "E", "Ê", "E", "Ë", "E", "Ì", "I", "Í", "I", "Î", "I", "Ï", "I", "Ñ", "N",
	"Ò", "O", "Ó", "O", "Ô", "O", "Õ", "O", "Ö", "O", "Ø", "O", "Ù", "U", "Ú", "U", "Û", "U", "Ü", "U",
	"Ý", "Y", "Ž", "Z", "Š", "S", "Č", "C", "Ł", "L")

// initial returns the glyph for the first letter or digit of name, and
// whether there is one.
func initial(name string) ([7]uint8, bool) {
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			continue
		}
		s := accents.Replace(string(unicode.ToUpper(r)))
		for _, c := range s {
			g, ok := glyphs[c]
			return g, ok
		}
	}
	return [7]uint8{}, false
}

// Placeholder returns a 256×256 PNG avatar for a card that has none: a
// soft warm gradient with a lighter disc and, when name starts with a
// Latin letter or a digit, that initial.
func Placeholder(name string) ([]byte, error) {
	const n = 256
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	glyph, hasGlyph := initial(name)
	const cell = 18 // pixels per font cell
	gx, gy := (n-5*cell)/2, (n-7*cell)/2
	for y := range n {
		for x := range n {
			t := float64(x+y) / float64(2*(n-1))
			r, g, b := 250-40*t, 190-90*t, 140-70*t
			// A lighter disc in the middle, its edge softened over 3 px.
			dx, dy := float64(x)-n/2+0.5, float64(y)-n/2+0.5
			d := dx*dx + dy*dy
			if a := disc(d, 96); a > 0 {
				r, g, b = mix(r, 255, 0.22*a), mix(g, 236, 0.22*a), mix(b, 214, 0.22*a)
			}
			if hasGlyph {
				cx, cy := (x-gx)/cell, (y-gy)/cell
				if x >= gx && y >= gy && cx < 5 && cy < 7 && glyph[cy]&(1<<(4-cx)) != 0 {
					r, g, b = 255, 248, 240
				}
			}
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(r), G: uint8(g), B: uint8(b), A: 255})
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode placeholder: %w", err)
	}
	return buf.Bytes(), nil
}

// disc is 1 inside a circle of the given radius (d is the squared
// distance from its centre), 0 outside, and ramps over 3 px at the edge.
func disc(d, radius float64) float64 {
	inner, outer := (radius-3)*(radius-3), radius*radius
	switch {
	case d <= inner:
		return 1
	case d >= outer:
		return 0
	}
	return (outer - d) / (outer - inner)
}

func mix(a, b, t float64) float64 { return a + (b-a)*t }
