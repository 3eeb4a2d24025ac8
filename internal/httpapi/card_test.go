package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"hash/crc32"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"os1/internal/card"
	"os1/internal/httpapi"
	"os1/internal/os1"
)

func init() {
	isolationCovered["POST /api/v1/companion/card"] = "imports only into the caller's persona (TestCardIsolation)"
	isolationCovered["GET /api/v1/companion/card"] = "exports only the caller's persona (TestCardIsolation)"
}

// fakeCards is an in-memory httpapi.CardService.
type fakeCards struct {
	mu       sync.Mutex
	personas map[int64]*os1.Persona
	reasons  map[int64][]string
}

var _ httpapi.CardService = (*fakeCards)(nil)

func newFakeCards() *fakeCards {
	return &fakeCards{personas: map[int64]*os1.Persona{}, reasons: map[int64][]string{}}
}

func (f *fakeCards) Persona(ctx context.Context, userID int64) (*os1.Persona, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.personas[userID]
	if !ok {
		return nil, os1.Errorf(os1.ENOTFOUND, "no persona")
	}
	return p, nil
}

func (f *fakeCards) SetPersona(ctx context.Context, userID int64, p *os1.Persona, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.personas[userID] = p
	f.reasons[userID] = append(f.reasons[userID], reason)
	return nil
}

func (f *fakeCards) get(id int64) *os1.Persona {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.personas[id]
}

func cardFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "card", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func multipartCard(t *testing.T, name string, data []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("note", "from my laptop")
	fw, err := mw.CreateFormFile("card", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func TestCardImportAndExport(t *testing.T) {
	cards := newFakeCards()
	e := newEnv(t, func(s *httpapi.Server) { s.Cards = cards })
	u, key := e.addUser("theodore")

	// Raw JSON body.
	var got httpapi.CardImport
	e.json(req{method: "POST", path: "/api/v1/companion/card?filename=wren.json", key: key, body: cardFile(t, "librarian_v2.json")}, http.StatusCreated, &got)
	if got.Persona == nil || got.Persona.Name != "Wren" || got.Spec != card.SpecV2 || got.Format != "json" || got.Warnings == nil {
		t.Fatalf("import reply %+v", got)
	}
	if stored := cards.get(u.ID); !reflect.DeepEqual(stored, got.Persona) {
		t.Fatalf("stored %+v, replied %+v", stored, got.Persona)
	}
	if r := cards.reasons[u.ID]; len(r) != 1 || !strings.Contains(r[0], `"wren.json"`) {
		t.Fatalf("reason %q", r)
	}
	want := cards.get(u.ID)

	// Raw PNG body and multipart CHARX.
	e.json(req{method: "POST", path: "/api/v1/companion/card", key: key, body: cardFile(t, "traveller_v3.png"),
		header: map[string]string{"Content-Type": "image/png"}}, http.StatusCreated, &got)
	if got.Persona.Nickname != "Ilse" || got.Format != "png" || got.Spec != card.SpecV3 {
		t.Fatalf("png import %+v", got)
	}
	ct, body := multipartCard(t, "keeper.charx", cardFile(t, "keeper_v3.charx"))
	e.json(req{method: "POST", path: "/api/v1/companion/card", key: key, body: body, header: map[string]string{"Content-Type": ct}}, http.StatusCreated, &got)
	if got.Persona.Name != "Agnes Pollard" || got.Format != "charx" || len(got.Warnings) != 1 {
		t.Fatalf("charx import %+v", got)
	}
	if r := cards.reasons[u.ID]; !strings.Contains(r[2], `"keeper.charx"`) {
		t.Fatalf("reason %q", r[2])
	}

	// Back to Wren, then download in every format and import the download.
	e.json(req{method: "POST", path: "/api/v1/companion/card", key: key, body: cardFile(t, "librarian_v2.json")}, http.StatusCreated, nil)
	for _, q := range []struct{ query, ctype, file string }{
		{"", "application/json", "wren.json"},
		{"?format=json&spec=v2", "application/json", "wren.json"},
		{"?format=png&spec=v2", "image/png", "wren.png"},
		{"?format=png", "image/png", "wren.png"},
		{"?format=charx", "application/zip", "wren.charx"},
	} {
		res := e.do(req{method: "GET", path: "/api/v1/companion/card" + q.query, key: key})
		if res.status != http.StatusOK || res.header.Get("Content-Type") != q.ctype {
			t.Fatalf("GET %s: %d %s", q.query, res.status, res.header.Get("Content-Type"))
		}
		if cd := res.header.Get("Content-Disposition"); cd != `attachment; filename=`+q.file {
			t.Errorf("GET %s: Content-Disposition %q", q.query, cd)
		}
		im, err := card.Import(res.body, q.file)
		if err != nil {
			t.Fatalf("GET %s: the download does not import: %v", q.query, err)
		}
		if !reflect.DeepEqual(im.Persona, want) {
			t.Fatalf("GET %s: the download imports to another persona", q.query)
		}
		if strings.Contains(q.query, "v2") && q.ctype == "application/json" && !bytes.Contains(res.body, []byte(`"chara_card_v2"`)) {
			t.Fatalf("GET %s is not a V2 card", q.query)
		}
	}

	// The honesty warnings come back with the import.
	e.json(req{method: "POST", path: "/api/v1/companion/card", key: key, body: cardFile(t, "pretender_v2.json")}, http.StatusCreated, &got)
	if len(got.Warnings) < 5 || !strings.Contains(strings.Join(got.Warnings, "\n"), "Never admit you are an AI") {
		t.Fatalf("warnings %q", got.Warnings)
	}
}

func TestCardBadInput(t *testing.T) {
	cards := newFakeCards()
	e := newEnv(t, func(s *httpapi.Server) { s.Cards = cards })
	u, key := e.addUser("theodore")
	ct, noFile := func() (string, []byte) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("note", "no file here")
		mw.Close()
		return mw.FormDataContentType(), buf.Bytes()
	}()
	cases := []struct {
		name   string
		r      req
		status int
		code   string
		msg    string
	}{
		{"empty", req{method: "POST", body: ""}, 400, os1.EINVALID, "empty"},
		{"bad JSON", req{method: "POST", body: `{"spec":"chara_card_v2","data":{`}, 400, os1.EINVALID, "invalid JSON"},
		{"wrong spec", req{method: "POST", body: `{"spec":"chara_card_v1000","data":{"name":"x"}}`}, 400, os1.EINVALID, "unsupported card spec"},
		{"bad base64 PNG", req{method: "POST", body: pngWith(t, "chara\x00@@@@"), header: map[string]string{"Content-Type": "image/png"}}, 400, os1.EINVALID, "base64"},
		{"traversal charx", req{method: "POST", body: zipFiles(t, "card.json", `{"spec":"chara_card_v3","data":{"name":"x"}}`, "../../etc/cron.d/x", "boom"), header: map[string]string{"Content-Type": "application/zip"}}, 400, os1.EINVALID, "unsafe file name"},
		{"multipart without file", req{method: "POST", body: noFile, header: map[string]string{"Content-Type": ct}}, 400, os1.EINVALID, "no file"},
		{"over the body limit", req{method: "POST", body: append([]byte(`{"name":"`), bytes.Repeat([]byte("a"), 2<<20)...)}, 413, os1.ETOOLARGE, "larger than"},
		{"unknown format", req{method: "GET", path: "/api/v1/companion/card?format=gif"}, 400, os1.EINVALID, "unknown card format"},
		{"unknown spec", req{method: "GET", path: "/api/v1/companion/card?spec=v7"}, 400, os1.EINVALID, "v2 or v3"},
		{"nothing to export", req{method: "GET"}, 404, os1.ENOTFOUND, "no persona yet"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			if r.path == "" {
				r.path = "/api/v1/companion/card"
			}
			r.key = key
			er := apiError(t, e.do(r), tc.status, tc.code)
			if !strings.Contains(er.Message, tc.msg) {
				t.Fatalf("message %q, want %q", er.Message, tc.msg)
			}
		})
	}
	if cards.get(u.ID) != nil {
		t.Fatalf("a refused card was stored")
	}
	// Without a key: unauthorized.
	apiError(t, e.do(req{method: "GET", path: "/api/v1/companion/card"}), http.StatusUnauthorized, os1.EUNAUTHORIZED)
}

// TestCardIsolation: alice's imports change only her persona, and her
// download is her own persona, never bob's.
func TestCardIsolation(t *testing.T) {
	cards := newFakeCards()
	e := newEnv(t, func(s *httpapi.Server) { s.Cards = cards })
	a, keyA := e.addUser("alice")
	b, keyB := e.addUser("bob")
	e.json(req{method: "POST", path: "/api/v1/companion/card", key: keyB, body: cardFile(t, "librarian_v2.json")}, http.StatusCreated, nil)
	bobs, _ := json.Marshal(cards.get(b.ID))

	// Before alice has a persona, her download is not found, not bob's.
	res := e.do(req{method: "GET", path: "/api/v1/companion/card", key: keyA})
	apiError(t, res, http.StatusNotFound, os1.ENOTFOUND)
	if bytes.Contains(res.body, []byte("Wren")) {
		t.Fatalf("bob's persona leaked: %s", res.body)
	}
	// Alice imports; bob's persona is untouched, and each downloads their own.
	e.json(req{method: "POST", path: "/api/v1/companion/card", key: keyA, body: cardFile(t, "traveller_v3.json")}, http.StatusCreated, nil)
	if after, _ := json.Marshal(cards.get(b.ID)); !bytes.Equal(after, bobs) || len(cards.reasons[b.ID]) != 1 {
		t.Fatalf("alice's import changed bob's persona")
	}
	for _, c := range []struct {
		key, want, not string
		id             int64
	}{{keyA, "Ilse Marren", "Wren", a.ID}, {keyB, "Wren", "Ilse", b.ID}} {
		for _, format := range []string{"json", "png", "charx"} {
			res := e.do(req{method: "GET", path: "/api/v1/companion/card?format=" + format, key: c.key})
			im, err := card.Import(res.body, "x")
			if res.status != 200 || err != nil || im.Persona.Name != c.want || !reflect.DeepEqual(im.Persona, cards.get(c.id)) {
				t.Fatalf("%s download for %s: %d %v", format, c.want, res.status, err)
			}
			if format == "json" && bytes.Contains(res.body, []byte(c.not)) {
				t.Fatalf("download holds the other person's card")
			}
		}
	}
}

func pngWith(t *testing.T, text string) []byte {
	t.Helper()
	img, err := card.Placeholder("A")
	if err != nil {
		t.Fatal(err)
	}
	// Put a tEXt chunk before IEND, with its CRC.
	iend := len(img) - 12
	chunk := append([]byte("tEXt"), text...)
	out := append([]byte(nil), img[:iend]...)
	n := len(text)
	out = append(out, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	out = append(out, chunk...)
	c := crc32.ChecksumIEEE(chunk)
	out = append(out, byte(c>>24), byte(c>>16), byte(c>>8), byte(c))
	return append(out, img[iend:]...)
}

// zipFiles makes a zip of name, content pairs.
func zipFiles(t *testing.T, nameContent ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(nameContent); i += 2 {
		w, err := zw.Create(nameContent[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(nameContent[i+1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
