package card_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"os1/internal/card"
	"os1/internal/os1"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func importFile(t testing.TB, name string) *card.Imported {
	t.Helper()
	im, err := card.Import(readTestdata(t, name), name)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return im
}

// cardFiles are the realistic cards of testdata, in every format.
var cardFiles = []string{
	"librarian_v2.json",     // V2 JSON, lorebook, extensions, unknown fields
	"traveller_v3.json",     // V3 JSON: nickname, multilingual notes, assets, regex keys
	"keeper_v3.json",        // V3 JSON: lorebook with every flag, OS1's grown parts
	"companion_os1_v3.json", // V3 JSON as OS1 writes it
	"pretender_v2.json",     // V2 JSON that asks to claim to be human
	"gardener_v1.json",      // flat V1
	"gardener_v2.png",       // PNG with only the V2 "chara" chunk
	"traveller_v3.png",      // PNG with "ccv3" and "chara"
	"keeper_v3.charx",       // V3 .charx with an asset
}

// TestRoundTripKeepsEveryField exports each card's persona as V2 and V3
// JSON, as PNG (generated and given avatar) and as CHARX, imports it again
// and compares the personas field for field.
func TestRoundTripKeepsEveryField(t *testing.T) {
	avatar, err := card.Placeholder("Zed")
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		name   string
		format string
		v      card.Version
		avatar []byte
	}
	targets := []target{
		{"json v2", card.FormatJSON, card.V2, nil},
		{"json v3", card.FormatJSON, card.V3, nil},
		{"png v2", card.FormatPNG, card.V2, nil},
		{"png v3 own avatar", card.FormatPNG, card.V3, avatar},
		{"charx", card.FormatCharx, card.V3, nil},
	}
	for _, name := range cardFiles {
		first := importFile(t, name).Persona
		for _, tg := range targets {
			t.Run(name+"/"+tg.name, func(t *testing.T) {
				data, _, err := card.Export(first, tg.format, tg.v, tg.avatar)
				if err != nil {
					t.Fatalf("export: %v", err)
				}
				again, err := card.Import(data, "again."+tg.format)
				if err != nil {
					t.Fatalf("import the export: %v\n%s", err, data)
				}
				if !reflect.DeepEqual(first, again.Persona) {
					a, _ := json.MarshalIndent(first, "", " ")
					b, _ := json.MarshalIndent(again.Persona, "", " ")
					t.Fatalf("round trip changed the persona:\nbefore %s\nafter  %s", a, b)
				}
				// The stored form (the persona's JSON) round-trips too.
				stored, err := json.Marshal(again.Persona)
				if err != nil {
					t.Fatal(err)
				}
				var back os1.Persona
				if err := json.Unmarshal(stored, &back); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(first, &back) {
					t.Fatalf("the stored JSON form changed the persona")
				}
			})
		}
	}
}

// fullPersona sets every field of os1.Persona, World and WorldEntry.
func fullPersona() *os1.Persona {
	i := func(n int) *int { return &n }
	i64 := func(n int64) *int64 { return &n }
	b := func(v bool) *bool { return &v }
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	return &os1.Persona{
		Name:                     "Samantha",
		Nickname:                 "Sam",
		Description:              "{{char}} is an AI companion who is curious about everything {{user}} notices.",
		Personality:              "warm, playful, candid",
		Scenario:                 "Evening conversations after {{user}}'s work.",
		FirstMessage:             "Hi! How was today, really?",
		AlternateGreetings:       []string{"Hey you.", "Back already? Good."},
		GroupOnlyGreetings:       []string{"Hello, everyone."},
		ExampleDialogues:         "<START>\n{{user}}: hi\n{{char}}: Hi! Tell me one small thing.",
		SystemPrompt:             "Be brief.",
		PostHistoryInstructions:  "Ask one question at most.",
		CreatorNotes:             "Made in OS1.",
		CreatorNotesMultilingual: map[string]string{"es": "Hecho en OS1.", "en": "Made in OS1."},
		Tags:                     []string{"companion", "warm"},
		Creator:                  "theodore",
		CharacterVersion:         "7",
		Source:                   []string{"os1:local"},
		CreationDate:             i64(1700000000),
		ModificationDate:         i64(1760000000),
		Assets: []os1.PersonaAsset{
			{Type: "icon", URI: "ccdefault:", Name: "main", Ext: "png", Extra: map[string]json.RawMessage{"x_hint": raw(`"soft"`)}},
		},
		Values:        []string{"honesty", "care"},
		Traits:        &os1.Traits{Openness: 0.81, Conscientiousness: 0.5, Extraversion: 0.62, Agreeableness: 0.9, Neuroticism: 0.15},
		Interests:     []string{"music", "people's stories"},
		SpeakingStyle: "light, quick, warm",
		Boundaries:    []string{"never claims to be human"},
		World: &os1.World{
			Name:              "Home",
			Description:       "Things about {{user}}'s world.",
			ScanDepth:         i(5),
			TokenBudget:       i(250),
			RecursiveScanning: b(true),
			Entries: []os1.WorldEntry{{
				ID: "12", Name: "Catherine", Comment: "ex-wife", Keys: []string{"Catherine"}, SecondaryKeys: []string{"divorce", "letter"},
				Content: "Catherine and {{user}} are divorcing.", Enabled: true, InsertionOrder: 5, Constant: true, Selective: true,
				CaseSensitive: true, UseRegex: true, Priority: i(3), Position: "after_char",
				Extensions: map[string]json.RawMessage{"selectiveLogic": raw(`3`)},
				Extra:      map[string]json.RawMessage{"x_tool": raw(`{"a":[1,2]}`)},
			}, {
				ID: "note-2", Keys: []string{"letters"}, Content: "{{user}} writes letters for other people.", Enabled: false,
			}},
			Extensions: map[string]json.RawMessage{"world_info_id": raw(`"home"`)},
			Extra:      map[string]json.RawMessage{"x_book": raw(`true`)},
		},
		Extensions: map[string]json.RawMessage{"chub": raw(`{"id":1}`), "fav": raw(`false`)},
		Extra:      map[string]json.RawMessage{"x_rating": raw(`{"stars":5}`)},
	}
}

// nonZero fails for every zero field of v (a struct), recursively into
// structs, pointers and the first element of slices.
func nonZero(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			t.Errorf("%s is not set in fullPersona", path)
			return
		}
		nonZero(t, path, v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			nonZero(t, path+"."+v.Type().Field(i).Name, v.Field(i))
		}
	case reflect.Slice:
		if v.Len() == 0 {
			t.Errorf("%s is not set in fullPersona", path)
			return
		}
		nonZero(t, path+"[0]", v.Index(0))
	default:
		if v.IsZero() {
			t.Errorf("%s is not set in fullPersona", path)
		}
	}
}

// TestRoundTripFullPersona round-trips a persona with every field set (a
// field added to os1.Persona later fails here until it is carried).
func TestRoundTripFullPersona(t *testing.T) {
	p := fullPersona()
	nonZero(t, "Persona", reflect.ValueOf(p))
	for _, format := range []string{card.FormatJSON, card.FormatPNG, card.FormatCharx} {
		for _, v := range []card.Version{card.V2, card.V3} {
			data, ctype, err := card.Export(p, format, v, nil)
			if err != nil {
				t.Fatalf("%s v%d: %v", format, v, err)
			}
			if ctype == "" {
				t.Fatalf("%s: no content type", format)
			}
			im, err := card.Import(data, "")
			if err != nil {
				t.Fatalf("%s v%d: import: %v", format, v, err)
			}
			if !reflect.DeepEqual(p, im.Persona) {
				a, _ := json.Marshal(p)
				b, _ := json.Marshal(im.Persona)
				t.Fatalf("%s v%d changed the persona:\n%s\n%s", format, v, a, b)
			}
		}
	}
}

// TestCardRoundTrip checks the card level: parse, encode in the card's own
// version, parse again gives an equal card (top-level fields included).
func TestCardRoundTrip(t *testing.T) {
	for _, name := range []string{"librarian_v2.json", "traveller_v3.json", "keeper_v3.json", "pretender_v2.json"} {
		data := readTestdata(t, name)
		c, err := card.ParseJSON(data)
		if err != nil {
			t.Fatal(err)
		}
		out, err := card.EncodeJSON(c, c.Version)
		if err != nil {
			t.Fatal(err)
		}
		again, err := card.ParseJSON(out)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c, again) {
			t.Errorf("%s: card changed in a round trip:\n%#v\n%#v", name, c.Data, again.Data)
		}
	}
}

func TestParseFieldsMapOntoPersona(t *testing.T) {
	p := importFile(t, "traveller_v3.json").Persona
	if p.Name != "Ilse Marren" || p.Nickname != "Ilse" || p.DisplayName() != "Ilse" {
		t.Errorf("names %q %q", p.Name, p.Nickname)
	}
	if p.CreatorNotesMultilingual["de"] == "" || len(p.Source) != 2 || *p.CreationDate != 1735689600 {
		t.Errorf("V3 metadata %+v %v %v", p.CreatorNotesMultilingual, p.Source, p.CreationDate)
	}
	if len(p.Assets) != 3 || string(p.Assets[2].Extra["x_note"]) != `"default"` {
		t.Errorf("assets %+v", p.Assets)
	}
	if p.World == nil || len(p.World.Entries) != 3 || p.World.Entries[0].ID != "vallere" || p.World.Entries[1].ID != "7" || !p.World.Entries[0].UseRegex {
		t.Errorf("world %+v", p.World)
	}
	if _, ok := p.Extensions["chub"]; !ok {
		t.Errorf("unknown extension lost: %v", p.Extensions)
	}

	k := importFile(t, "keeper_v3.json").Persona
	if k.Traits == nil || k.Traits.Conscientiousness != 0.9 || len(k.Values) != 3 || k.SpeakingStyle == "" || len(k.Boundaries) != 1 {
		t.Errorf("OS1 extension not mapped: %+v", k)
	}
	if _, ok := k.Extensions["os1"]; ok {
		t.Errorf("os1 extension kept raw as well as mapped")
	}

	l := importFile(t, "librarian_v2.json")
	if string(l.Persona.Extra["x_reader_rating"]) != `{"stars":5}` {
		t.Errorf("unknown data field lost: %v", l.Persona.Extra)
	}
	if !strings.Contains(string(l.Persona.Extensions["x_unknown_tool"]), "12345678901234567890") {
		t.Errorf("big number in an extension changed: %s", l.Persona.Extensions["x_unknown_tool"])
	}
	if l.Format != card.FormatJSON || importFile(t, "traveller_v3.png").Format != card.FormatPNG || importFile(t, "keeper_v3.charx").Format != card.FormatCharx {
		t.Errorf("formats not reported")
	}
	if g := importFile(t, "gardener_v2.png").Persona; g.Name != "Tomas" || !strings.Contains(g.Description, "community garden") {
		t.Errorf("V2 PNG %+v", g)
	}
}

// pngTexts returns the tEXt chunks of a PNG by keyword.
func pngTexts(t *testing.T, data []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	rest := data[8:]
	for len(rest) >= 12 {
		n := binary.BigEndian.Uint32(rest)
		typ := string(rest[4:8])
		body := rest[8 : 8+n]
		if typ == "tEXt" {
			k, v, _ := bytes.Cut(body, []byte{0})
			out[string(k)] = string(v)
		}
		rest = rest[12+n:]
	}
	return out
}

func TestExportPNGWritesBothChunksIntoAValidImage(t *testing.T) {
	p := importFile(t, "keeper_v3.json").Persona
	for _, avatar := range [][]byte{nil, readTestdata(t, "gardener_v2.png")} {
		data, ctype, err := card.Export(p, card.FormatPNG, card.V3, avatar)
		if err != nil {
			t.Fatal(err)
		}
		if ctype != "image/png" {
			t.Errorf("content type %q", ctype)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("exported PNG does not decode: %v", err)
		}
		if img.Bounds().Dx() != 256 {
			t.Errorf("image %v", img.Bounds())
		}
		texts := pngTexts(t, data)
		if len(texts) != 2 {
			t.Fatalf("text chunks %v, want exactly chara and ccv3 (the avatar's old card replaced)", len(texts))
		}
		for kw, spec := range map[string]string{"chara": card.SpecV2, "ccv3": card.SpecV3} {
			js, err := base64.StdEncoding.DecodeString(texts[kw])
			if err != nil {
				t.Fatalf("%s chunk: %v", kw, err)
			}
			var top struct {
				Spec string `json:"spec"`
				Data struct {
					Name string `json:"name"`
				} `json:"data"`
			}
			if err := json.Unmarshal(js, &top); err != nil || top.Spec != spec || top.Data.Name != "Agnes Pollard" {
				t.Errorf("%s chunk: %+v %v", kw, top, err)
			}
		}
	}
}

func TestExportJSONSpec(t *testing.T) {
	p := importFile(t, "librarian_v2.json").Persona
	for v, want := range map[card.Version]string{card.V2: `"spec": "chara_card_v2"`, card.V3: `"spec": "chara_card_v3"`} {
		data, _, err := card.Export(p, card.FormatJSON, v, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(want)) || !json.Valid(data) {
			t.Errorf("v%d: %s", v, data[:80])
		}
	}
	if _, err := card.ParseVersion("v4"); os1.ErrorCode(err) != os1.EINVALID {
		t.Errorf("v4: %v", err)
	}
	if v, err := card.ParseVersion("V2"); err != nil || v != card.V2 {
		t.Errorf("V2: %v %v", v, err)
	}
	if _, _, err := card.Export(p, "gif", card.V3, nil); os1.ErrorCode(err) != os1.EINVALID {
		t.Errorf("gif: %v", err)
	}
	if got := card.FileName(&os1.Persona{Name: "Ilse Marren!"}, "png"); got != "ilse-marren.png" {
		t.Errorf("file name %q", got)
	}
}

// hostilePNG builds a PNG with the given extra chunks before IEND.
func hostilePNG(t *testing.T, chunks ...[2]string) []byte {
	t.Helper()
	img, err := card.Placeholder("X")
	if err != nil {
		t.Fatal(err)
	}
	iend := len(img) - 12
	out := append([]byte(nil), img[:iend]...)
	for _, c := range chunks {
		out = appendChunk(out, c[0], []byte(c[1]))
	}
	return append(out, img[iend:]...)
}

func appendChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}
