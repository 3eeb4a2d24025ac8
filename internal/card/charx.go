package card

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"unicode/utf8"
)

// ParseCharx reads a V3 .charx zip: card.json at the root, other files
// (usually under assets/) into Card.Files.
//
// It refuses zips with more than MaxCharxEntries files, more than
// MaxCharxTotal bytes uncompressed, a large entry compressed more than
// MaxCharxRatio to 1 (a zip bomb), duplicate names, or unsafe names
// (absolute, "..", backslashes, drive letters).
func ParseCharx(data []byte) (*Card, error) {
	if len(data) > MaxInputSize {
		return nil, tooLarge("the .charx is %d MiB; cards may be at most %d MiB", len(data)>>20, MaxInputSize>>20)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, invalid("the .charx is not a readable zip archive (%v); export it again", err)
	}
	if len(zr.File) > MaxCharxEntries {
		return nil, tooLarge("the .charx has %d files; the limit is %d", len(zr.File), MaxCharxEntries)
	}
	var declared uint64
	for _, f := range zr.File {
		declared += f.UncompressedSize64
		if declared > MaxCharxTotal {
			return nil, tooLarge("the .charx would unpack to more than %d MiB; the limit is %d MiB", MaxCharxTotal>>20, MaxCharxTotal>>20)
		}
		if f.UncompressedSize64 > 1<<20 && f.UncompressedSize64 > MaxCharxRatio*max(f.CompressedSize64, 1) {
			return nil, tooLarge("the .charx entry %q is compressed more than %d to 1; it looks like a zip bomb and was refused", truncate(f.Name, 80), MaxCharxRatio)
		}
	}
	var cardJSON []byte
	files := map[string][]byte{}
	var total int64
	for _, f := range zr.File {
		name, err := safeName(f.Name)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(f.Name, "/") || f.FileInfo().IsDir() {
			continue
		}
		if _, dup := files[name]; dup || (name == "card.json" && cardJSON != nil) {
			return nil, invalid("the .charx holds %q twice; it is damaged", name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, invalid("the .charx entry %q cannot be read (%v)", name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, MaxCharxTotal-total+1))
		rc.Close()
		if err != nil {
			return nil, invalid("the .charx entry %q is damaged (%v); export it again", name, err)
		}
		total += int64(len(b))
		if total > MaxCharxTotal {
			return nil, tooLarge("the .charx unpacks to more than %d MiB; the limit is %d MiB", MaxCharxTotal>>20, MaxCharxTotal>>20)
		}
		if name == "card.json" {
			cardJSON = b
		} else {
			files[name] = b
		}
	}
	if cardJSON == nil {
		return nil, invalid("the .charx has no card.json at its root; it is not a character card")
	}
	c, err := ParseJSON(cardJSON)
	if err != nil {
		return nil, err
	}
	if len(files) > 0 {
		c.Files = files
	}
	return c, nil
}

// safeName checks a zip entry name and returns it cleaned.
func safeName(name string) (string, error) {
	bad := name == "" || !utf8.ValidString(name) || strings.ContainsAny(name, "\\\x00") ||
		strings.HasPrefix(name, "/") || (len(name) >= 2 && name[1] == ':')
	if !bad {
		for _, el := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
			if el == ".." {
				bad = true
			}
		}
	}
	if bad {
		return "", invalid("the .charx contains an unsafe file name %q (absolute or leaving the archive); it was refused — do not open it with other tools either", truncate(name, 80))
	}
	return path.Clean(name), nil
}

// EncodeCharx writes c as a V3 .charx zip: card.json (V3) and c.Files.
func EncodeCharx(c *Card) ([]byte, error) {
	js, err := EncodeJSON(c, V3)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	write := func(name string, b []byte) error {
		w, err := zw.Create(name)
		if err != nil {
			return fmt.Errorf("charx %s: %w", name, err)
		}
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("charx %s: %w", name, err)
		}
		return nil
	}
	if err := write("card.json", js); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(c.Files))
	for n := range c.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		clean, err := safeName(n)
		if err != nil || clean != n || n == "card.json" {
			return nil, invalid("cannot write file %q into a .charx: unsafe or reserved name", truncate(n, 80))
		}
		if err := write(n, c.Files[n]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("charx: %w", err)
	}
	return buf.Bytes(), nil
}
