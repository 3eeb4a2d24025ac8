package card_test

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"strings"
	"testing"

	"os1/internal/card"
	"os1/internal/os1"
)

func zipOf(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zlibOf(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

const goodV2 = `{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Ada","description":"d"}}`

// TestHostileCardsAreRefused feeds malformed and hostile cards to Import:
// each gives the right error code and a message saying what is wrong.
func TestHostileCardsAreRefused(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	huge := strings.Repeat("A", card.MaxTextChunk+8)
	bomb := zlibOf(bytes.Repeat([]byte("A"), card.MaxTextChunk+1024)) // a few KiB that inflate past the limit
	zbomb := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		zw.Create("card.json")
		w, _ := zw.Create("assets/bomb.bin")
		w.Write(bytes.Repeat([]byte{0}, 8<<20)) // 8 MiB of zeros compress about 1000:1
		zw.Close()
		return buf.Bytes()
	}()
	// A zip whose headers claim more than MaxCharxTotal in all.
	liar := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for i := range 3 {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: "assets/big" + string(rune('a'+i)), Method: zip.Store,
				UncompressedSize64: 30 << 20, CompressedSize64: 30 << 20})
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte("x"))
		}
		zw.Close()
		return buf.Bytes()
	}()
	many := func() []byte {
		var files [][2]string
		for i := range card.MaxCharxEntries + 1 {
			files = append(files, [2]string{"assets/" + strings.Repeat("a", i%7+1) + string(rune('0'+i%10)) + "/" + itoa(i), ""})
		}
		return zipOf(t, files...)
	}()
	deep := `{"spec":"chara_card_v2","data":{"name":"x","extensions":{"a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}}}`

	cases := []struct {
		name string
		data []byte
		code string
		msg  string
	}{
		{"empty", nil, os1.EINVALID, "empty"},
		{"not a card", []byte("hello there"), os1.EINVALID, "not a character card"},
		{"invalid JSON", []byte(`{"spec":"chara_card_v2","data":{"name":"x",}`), os1.EINVALID, "invalid JSON"},
		{"wrong spec", []byte(`{"spec":"chara_card_v9","data":{"name":"x"}}`), os1.EINVALID, `unsupported card spec "chara_card_v9"`},
		{"spec not a string", []byte(`{"spec":3,"data":{}}`), os1.EINVALID, "spec is a number"},
		{"no data", []byte(`{"spec":"chara_card_v3","spec_version":"3.0"}`), os1.EINVALID, "no data object"},
		{"data not an object", []byte(`{"spec":"chara_card_v2","data":[1]}`), os1.EINVALID, "data is a list"},
		{"name not a string", []byte(`{"spec":"chara_card_v2","data":{"name":5}}`), os1.EINVALID, "data.name is a number"},
		{"entry keys not strings", []byte(`{"spec":"chara_card_v3","data":{"name":"x","character_book":{"entries":[{"keys":[1],"content":""}]}}}`), os1.EINVALID, "character_book.entries[0].keys[0]"},
		{"no name", []byte(`{"spec":"chara_card_v2","data":{"description":"nameless"}}`), os1.EINVALID, "no name"},
		{"trait out of range", []byte(`{"spec":"chara_card_v3","data":{"name":"x","extensions":{"os1":{"traits":{"openness":7}}}}}`), os1.EINVALID, "openness is 7"},
		{"non-UTF-8 JSON", []byte("{\"spec\":\"chara_card_v2\",\"data\":{\"name\":\"\xff\xfe\"}}"), os1.EINVALID, "not valid UTF-8"},
		{"deep nesting", []byte(deep), os1.EINVALID, "nested more than"},
		{"too large", append([]byte("{"), bytes.Repeat([]byte(" "), card.MaxInputSize)...), os1.ETOOLARGE, "MiB"},
		{"PNG without card", hostilePNG(t), os1.EINVALID, "holds no character card"},
		{"PNG bad base64", hostilePNG(t, [2]string{"tEXt", "chara\x00!!!not base64***"}), os1.EINVALID, "not valid base64"},
		{"PNG base64 of garbage", hostilePNG(t, [2]string{"tEXt", "ccv3\x00" + b64("\x00\x01garbage")}), os1.EINVALID, "not a JSON object"},
		{"PNG wrong spec", hostilePNG(t, [2]string{"tEXt", "ccv3\x00" + b64(`{"spec":"other","data":{}}`)}), os1.EINVALID, "unsupported card spec"},
		{"PNG non-UTF-8 card", hostilePNG(t, [2]string{"tEXt", "chara\x00" + b64("{\"name\":\"\xc3\x28\"}")}), os1.EINVALID, "UTF-8"},
		{"PNG huge chunk", hostilePNG(t, [2]string{"tEXt", "chara\x00" + huge}), os1.ETOOLARGE, "limit"},
		{"PNG zTXt bomb", hostilePNG(t, [2]string{"zTXt", "chara\x00\x00" + string(bomb)}), os1.ETOOLARGE, "expands to more than"},
		{"PNG iTXt bomb", hostilePNG(t, [2]string{"iTXt", "ccv3\x00\x01\x00\x00\x00" + string(bomb)}), os1.ETOOLARGE, "expands to more than"},
		{"PNG truncated", hostilePNG(t, [2]string{"tEXt", "chara\x00" + b64(goodV2)})[:200], os1.EINVALID, "truncated"},
		{"PNG bad CRC", func() []byte {
			b := hostilePNG(t, [2]string{"tEXt", "chara\x00" + b64(goodV2)})
			b[20] ^= 0xff // inside IHDR's data
			return b
		}(), os1.EINVALID, "checksum"},
		{"PNG many chunks", func() []byte {
			var cs [][2]string
			for range 100001 {
				cs = append(cs, [2]string{"teXt", ""})
			}
			return hostilePNG(t, cs...)
		}(), os1.ETOOLARGE, "more than 100000 chunks"},
		{"charx traversal", zipOf(t, [2]string{"card.json", goodV2}, [2]string{"../evil.sh", "rm -rf"}), os1.EINVALID, "unsafe file name"},
		{"charx nested traversal", zipOf(t, [2]string{"card.json", goodV2}, [2]string{"assets/../../x", ""}), os1.EINVALID, "unsafe file name"},
		{"charx absolute", zipOf(t, [2]string{"/etc/passwd", "x"}, [2]string{"card.json", goodV2}), os1.EINVALID, "unsafe file name"},
		{"charx drive letter", zipOf(t, [2]string{"C:/Windows/x", "x"}, [2]string{"card.json", goodV2}), os1.EINVALID, "unsafe file name"},
		{"charx backslash", zipOf(t, [2]string{`assets\..\..\x`, "x"}, [2]string{"card.json", goodV2}), os1.EINVALID, "unsafe file name"},
		{"charx no card.json", zipOf(t, [2]string{"assets/a.png", "x"}), os1.EINVALID, "no card.json"},
		{"charx card.json twice", zipOf(t, [2]string{"card.json", goodV2}, [2]string{"./card.json", goodV2}), os1.EINVALID, "twice"},
		{"charx bad card", zipOf(t, [2]string{"card.json", `{"spec":"chara_card_v3","data":7}`}), os1.EINVALID, "data is a number"},
		{"charx zip bomb", zbomb, os1.ETOOLARGE, "zip bomb"},
		{"charx declared too large", liar, os1.ETOOLARGE, "unpack to more than"},
		{"charx too many files", many, os1.ETOOLARGE, "files; the limit is"},
		{"charx truncated", zipOf(t, [2]string{"card.json", goodV2})[:30], os1.EINVALID, "not a readable zip"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := card.Import(tc.data, "card.file")
			if err == nil {
				t.Fatalf("accepted")
			}
			if got := os1.ErrorCode(err); got != tc.code {
				t.Fatalf("code %s, want %s: %v", got, tc.code, err)
			}
			if msg := os1.ErrorMessage(err); !strings.Contains(msg, tc.msg) || len(msg) < 20 {
				t.Fatalf("message %q, want one containing %q", msg, tc.msg)
			}
		})
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestPNGFallsBackToChara: a damaged ccv3 chunk does not hide a good chara.
func TestPNGFallsBackToChara(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte(goodV2))
	im, err := card.Import(hostilePNG(t, [2]string{"tEXt", "ccv3\x00%%%"}, [2]string{"tEXt", "chara\x00" + b64}), "x.png")
	if err != nil || im.Persona.Name != "Ada" {
		t.Fatalf("%v %+v", err, im)
	}
}

func TestAvatarMustBeAPNG(t *testing.T) {
	p := &os1.Persona{Name: "Ada"}
	for _, bad := range [][]byte{[]byte("GIF89a"), []byte("\x89PNG\r\n\x1a\n")} {
		if _, _, err := card.Export(p, card.FormatPNG, card.V3, bad); os1.ErrorCode(err) != os1.EINVALID {
			t.Errorf("avatar %q: %v", bad, err)
		}
	}
}
