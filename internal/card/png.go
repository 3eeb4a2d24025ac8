package card

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image/png"
	"io"
	"strings"

	"os1/internal/os1"
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// Text chunk keywords that carry card JSON.
const (
	keywordV2 = "chara"
	keywordV3 = "ccv3"
)

// maxChunks bounds the chunks of one PNG (real images have a few dozen).
const maxChunks = 100000

type pngChunk struct {
	typ  string
	data []byte
	raw  []byte // the whole chunk: length, type, data, CRC
}

// readChunks splits a PNG into its chunks up to and including IEND,
// checking lengths and CRCs. Bytes after IEND are ignored.
func readChunks(data []byte) ([]pngChunk, error) {
	if !bytes.HasPrefix(data, pngSignature) {
		return nil, invalid("the file is not a PNG image")
	}
	var chunks []pngChunk
	rest := data[len(pngSignature):]
	for {
		if len(rest) < 12 {
			return nil, invalid("the PNG is truncated (it ends inside a chunk header); download or export it again")
		}
		n := binary.BigEndian.Uint32(rest[:4])
		typ := rest[4:8]
		if n > 1<<31-1 || uint64(n) > uint64(len(rest)-12) {
			return nil, invalid("the PNG is truncated (a %q chunk claims %d bytes, %d remain); download or export it again", printable(typ), n, len(rest)-12)
		}
		for _, b := range typ {
			if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z') {
				return nil, invalid("the PNG is damaged (chunk type %q is not letters)", printable(typ))
			}
		}
		body := rest[8 : 8+n]
		want := binary.BigEndian.Uint32(rest[8+n : 12+n])
		if got := crc32.ChecksumIEEE(rest[4 : 8+n]); got != want {
			return nil, invalid("the PNG is damaged: the checksum of its %q chunk is wrong; download or export it again", string(typ))
		}
		if len(chunks) >= maxChunks {
			return nil, tooLarge("the PNG has more than %d chunks; it is damaged or hostile", maxChunks)
		}
		chunks = append(chunks, pngChunk{typ: string(typ), data: body, raw: rest[:12+n]})
		rest = rest[12+n:]
		if string(typ) == "IEND" {
			return chunks, nil
		}
	}
}

func printable(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r < 32 || r > 126 {
			return '?'
		}
		return r
	}, string(b))
}

// cardText returns the keyword and text of a tEXt, zTXt or iTXt chunk that
// carries card data, or ok=false for any other chunk.
func cardText(c pngChunk) (keyword string, text []byte, ok bool, err error) {
	switch c.typ {
	case "tEXt", "zTXt", "iTXt":
	default:
		return "", nil, false, nil
	}
	i := bytes.IndexByte(c.data, 0)
	if i < 0 {
		return "", nil, false, nil // malformed text chunk: not ours, keep it
	}
	keyword = strings.ToLower(string(c.data[:i]))
	if keyword != keywordV2 && keyword != keywordV3 {
		return "", nil, false, nil
	}
	if len(c.data) > MaxTextChunk {
		return keyword, nil, true, tooLarge("the PNG's %q text chunk is %d MiB; the limit is %d MiB", keyword, len(c.data)>>20, MaxTextChunk>>20)
	}
	body := c.data[i+1:]
	switch c.typ {
	case "tEXt":
		return keyword, body, true, nil
	case "zTXt":
		if len(body) < 1 || body[0] != 0 {
			return keyword, nil, true, invalid("the PNG's %q zTXt chunk uses an unknown compression method", keyword)
		}
		text, err = inflate(body[1:], keyword)
		return keyword, text, true, err
	default: // iTXt: flag, method, language\0, translated keyword\0, text
		if len(body) < 2 {
			return keyword, nil, true, invalid("the PNG's %q iTXt chunk is truncated", keyword)
		}
		flag, method := body[0], body[1]
		body = body[2:]
		for range 2 {
			j := bytes.IndexByte(body, 0)
			if j < 0 {
				return keyword, nil, true, invalid("the PNG's %q iTXt chunk is truncated", keyword)
			}
			body = body[j+1:]
		}
		if flag == 0 {
			return keyword, body, true, nil
		}
		if method != 0 {
			return keyword, nil, true, invalid("the PNG's %q iTXt chunk uses an unknown compression method", keyword)
		}
		text, err = inflate(body, keyword)
		return keyword, text, true, err
	}
}

func inflate(data []byte, keyword string) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, invalid("the PNG's %q chunk is not valid compressed data", keyword)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, MaxTextChunk+1))
	if err != nil {
		return nil, invalid("the PNG's %q chunk is not valid compressed data", keyword)
	}
	if len(out) > MaxTextChunk {
		return nil, tooLarge("the PNG's %q chunk expands to more than %d MiB", keyword, MaxTextChunk>>20)
	}
	return out, nil
}

// ParsePNG reads a card from a PNG's "ccv3" or "chara" text chunk (ccv3
// first; chara if ccv3 is missing or unreadable). The returned card's
// Avatar is the image without its card chunks.
func ParsePNG(data []byte) (*Card, error) {
	if len(data) > MaxInputSize {
		return nil, tooLarge("the PNG is %d MiB; cards may be at most %d MiB", len(data)>>20, MaxInputSize>>20)
	}
	chunks, err := readChunks(data)
	if err != nil {
		return nil, err
	}
	if chunks[0].typ != "IHDR" {
		return nil, invalid("the PNG is damaged: it does not start with an IHDR chunk")
	}
	texts := map[string][]byte{}
	avatar := append([]byte(nil), pngSignature...)
	for _, c := range chunks {
		kw, text, ok, err := cardText(c)
		if err != nil {
			return nil, err
		}
		if !ok {
			avatar = append(avatar, c.raw...)
			continue
		}
		if _, dup := texts[kw]; !dup {
			texts[kw] = text
		}
	}
	if len(texts) == 0 {
		return nil, invalid("the PNG holds no character card (no %q or %q text chunk); it is only an image", keywordV2, keywordV3)
	}
	var card *Card
	var firstErr error
	for _, kw := range []string{keywordV3, keywordV2} {
		text, ok := texts[kw]
		if !ok {
			continue
		}
		js, err := unbase64(text, kw)
		if err == nil {
			card, err = ParseJSON(js)
		}
		if err == nil {
			break
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if card == nil {
		return nil, firstErr
	}
	card.Avatar = avatar
	return card, nil
}

func unbase64(text []byte, keyword string) ([]byte, error) {
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, string(text))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if out, err := enc.DecodeString(s); err == nil {
			return out, nil
		}
	}
	return nil, invalid("the PNG's %q chunk is not valid base64, so the card inside is unreadable; export the card again", keyword)
}

// EncodePNG writes c into a PNG: a tEXt chunk "chara" with the V2 JSON and
// a tEXt chunk "ccv3" with the V3 JSON, both base64, placed before IEND.
// avatar is the image to use (any card chunks in it are replaced); if nil,
// a 256×256 placeholder with the name's initial is generated
// ([Placeholder]).
func EncodePNG(c *Card, avatar []byte) ([]byte, error) {
	if c == nil {
		return nil, invalid("no card to encode")
	}
	if avatar == nil {
		var err error
		if avatar, err = Placeholder(c.Data.Name); err != nil {
			return nil, err
		}
	}
	if len(avatar) > MaxInputSize {
		return nil, tooLarge("the avatar image is %d MiB; use one under %d MiB", len(avatar)>>20, MaxInputSize>>20)
	}
	chunks, err := readChunks(avatar)
	if err != nil {
		return nil, invalid("the avatar image is not a usable PNG: %s", os1.ErrorMessage(err))
	}
	if chunks[0].typ != "IHDR" {
		return nil, invalid("the avatar image is not a usable PNG: it does not start with an IHDR chunk")
	}
	if _, err := png.DecodeConfig(bytes.NewReader(avatar)); err != nil {
		return nil, invalid("the avatar image is not a usable PNG (%v)", err)
	}
	var texts [][]byte
	for _, v := range []Version{V2, V3} {
		js, err := encodeCompact(c, v)
		if err != nil {
			return nil, err
		}
		kw := keywordV2
		if v == V3 {
			kw = keywordV3
		}
		body := append([]byte(kw+"\x00"), base64.StdEncoding.EncodeToString(js)...)
		if len(body) > MaxTextChunk {
			return nil, tooLarge("the card is too large for a PNG (%d MiB of text; the limit is %d MiB); remove large extensions or export JSON", len(body)>>20, MaxTextChunk>>20)
		}
		texts = append(texts, body)
	}
	out := append([]byte(nil), pngSignature...)
	for _, ch := range chunks {
		if _, _, ok, _ := cardText(ch); ok {
			continue
		}
		if ch.typ == "IEND" {
			for _, t := range texts {
				out = appendChunk(out, "tEXt", t)
			}
		}
		out = append(out, ch.raw...)
	}
	if len(out) > MaxInputSize {
		return nil, tooLarge("the card PNG would be %d MiB; the limit is %d MiB; use a smaller avatar", len(out)>>20, MaxInputSize>>20)
	}
	return out, nil
}

func appendChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}
