package card

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated card files in testdata")

// TestGenerateTestdata writes the PNG and CHARX cards of testdata from the
// JSON ones when run with -update; otherwise it checks they are there.
func TestGenerateTestdata(t *testing.T) {
	files := map[string]func(t *testing.T) []byte{
		// A V2-only PNG: just the "chara" chunk, as older tools write.
		"gardener_v2.png": func(t *testing.T) []byte {
			c := mustParseFile(t, "gardener_v1.json")
			js, err := encodeCompact(c, V2)
			if err != nil {
				t.Fatal(err)
			}
			img, err := Placeholder(c.Data.Name)
			if err != nil {
				t.Fatal(err)
			}
			chunks, err := readChunks(img)
			if err != nil {
				t.Fatal(err)
			}
			out := append([]byte(nil), pngSignature...)
			for _, ch := range chunks {
				if ch.typ == "IEND" {
					out = appendChunk(out, "tEXt", append([]byte("chara\x00"), base64.StdEncoding.EncodeToString(js)...))
				}
				out = append(out, ch.raw...)
			}
			return out
		},
		// A V3 PNG with both chunks.
		"traveller_v3.png": func(t *testing.T) []byte {
			c := mustParseFile(t, "traveller_v3.json")
			out, err := EncodePNG(c, nil)
			if err != nil {
				t.Fatal(err)
			}
			return out
		},
		// A .charx with the card and its icon.
		"keeper_v3.charx": func(t *testing.T) []byte {
			js, err := os.ReadFile(filepath.Join("testdata", "keeper_v3.json"))
			if err != nil {
				t.Fatal(err)
			}
			icon, err := Placeholder("Agnes")
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for _, f := range []struct {
				name string
				data []byte
			}{{"card.json", js}, {"assets/icon/images/main.png", icon}} {
				w, err := zw.Create(f.name)
				if err != nil {
					t.Fatal(err)
				}
				w.Write(f.data)
			}
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		},
	}
	for name, gen := range files {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, gen(t), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s is missing; run go test ./internal/card -run TestGenerateTestdata -update", path)
		}
	}
}

func mustParseFile(t *testing.T, name string) *Card {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, name)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return c
}
