package card_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"os1/internal/card"
	"os1/internal/os1"
)

// The fuzz targets run with, for example:
//
//	go test -fuzz=FuzzParsePNG -fuzztime=40s -fuzzminimizetime=2s ./internal/card/
//
// (without -fuzzminimizetime, minimizing a new input as large as the PNG
// seeds can stall a worker for a minute). Interesting inputs found so far
// are kept in testdata/fuzz and run by plain go test.

// seeds adds every testdata file with one of the extensions as a seed.
func seeds(f *testing.F, exts ...string) {
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		for _, ext := range exts {
			if strings.HasSuffix(name, ext) {
				b, err := os.ReadFile(name)
				if err != nil {
					f.Fatal(err)
				}
				f.Add(b)
			}
		}
	}
}

// checkParsed is what every fuzz target asserts: a refusal is a clear
// EINVALID or ETOOLARGE error; an accepted card exports and imports again
// (V2 and V3) to the same persona.
func checkParsed(t *testing.T, c *card.Card, err error) {
	t.Helper()
	if err != nil {
		if code := os1.ErrorCode(err); code != os1.EINVALID && code != os1.ETOOLARGE {
			t.Fatalf("error code %s: %v", code, err)
		}
		if os1.ErrorMessage(err) == "" {
			t.Fatalf("error without a message")
		}
		return
	}
	p := card.ToPersona(c)
	for _, v := range []card.Version{card.V2, card.V3} {
		data, err := card.EncodeJSON(card.FromPersona(p), v)
		if err != nil {
			t.Fatalf("export v%d of an accepted card: %v", v, err)
		}
		again, err := card.ParseJSON(data)
		if err != nil {
			t.Fatalf("re-import v%d: %v\n%s", v, err, data)
		}
		if p2 := card.ToPersona(again); !reflect.DeepEqual(p, p2) {
			a, _ := json.Marshal(p)
			b, _ := json.Marshal(p2)
			t.Fatalf("v%d round trip changed the persona:\n%s\n%s", v, a, b)
		}
	}
}

func FuzzParseJSON(f *testing.F) {
	seeds(f, ".json")
	f.Add([]byte(`{"spec":"chara_card_v3","data":{"name":"x","character_book":{"entries":[{"id":1e400,"keys":["/(/"],"use_regex":true}]}}}`))
	f.Add([]byte(`{"name":"\u2028<>&","extensions":{"os1":{"traits":null}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := card.ParseJSON(data)
		checkParsed(t, c, err)
		if err == nil && c.Data.CharacterBook != nil {
			c.Data.CharacterBook.Activate(string(data), card.ActivateOptions{TokenBudget: 50})
			p := card.ToPersona(c)
			card.MatchWorld(p.World, []string{string(data)})
			card.PersonaText(p, "you", []string{string(data)})
		}
	})
}

func FuzzParsePNG(f *testing.F) {
	seeds(f, ".png")
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := card.ParsePNG(data)
		checkParsed(t, c, err)
		if err == nil {
			// The avatar left after removing the card chunks is a PNG we
			// can write a card into again.
			if _, err := card.EncodePNG(c, c.Avatar); err != nil && os1.ErrorCode(err) == os1.EINTERNAL {
				t.Fatalf("re-encode into its own avatar: %v", err)
			}
		}
	})
}

func FuzzParseCharx(f *testing.F) {
	seeds(f, ".charx")
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := card.ParseCharx(data)
		checkParsed(t, c, err)
		if err == nil && c.Files != nil {
			if _, err := card.EncodeCharx(c); err != nil {
				t.Fatalf("re-encode an accepted charx: %v", err)
			}
		}
	})
}
