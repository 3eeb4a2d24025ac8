package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"os1/api"
	"os1/internal/httpapi"
	"os1/internal/os1"
)

var knownCodes = map[string]bool{
	os1.ECONFLICT: true, os1.EINVALID: true, os1.ENOTFOUND: true, os1.EUNAUTHORIZED: true, os1.EFORBIDDEN: true,
	os1.ETOOLARGE: true, os1.EUNAVAILABLE: true, os1.ECLOSED: true, os1.ERATELIMIT: true,
}

// FuzzDecodeMessage posts arbitrary bytes as a message body. The server
// never fails (a panic would be a recovered 500): it either stores the
// message and its reply (201) or answers with a 4xx JSON error and stores
// nothing.
func FuzzDecodeMessage(f *testing.F) {
	for _, seed := range []string{
		`{"content":"hello"}`,
		`{"content":""}`,
		`{"content":"   "}`,
		`{"content":5}`,
		`{"content":null}`,
		`{"content":"a\u0000b"}`,
		`{"content":"\ud800"}`,
		`{"content":"\ud83d\ude00 ok"}`,
		`{"content":"hi","role":"system"}`,
		`{"content":"hi"}{"content":"again"}`,
		`{"content":"hi"} `,
		`{"Content":"case"}`,
		`{"content":"a","content":"b"}`,
		`[]`, `null`, `"str"`, `0`, `true`, ``, ` `,
		`{`, `{"content":`, `{"content":"unterminated`,
		"{\"content\":\"caf\xe9\"}",
		"{\"content\":\"\xef\xbb\xbfbom\"}",
		"\xef\xbb\xbf{\"content\":\"leading bom\"}",
		"{\"content\":\"tab\there\"}",
		`{"content":"\\"}`,
		strings.Repeat("[", 500),
		`{"content":"` + strings.Repeat("x", 5000) + `"}`,
	} {
		f.Add([]byte(seed))
	}
	e := newEnv(f, func(s *httpapi.Server) { s.MaxBodyBytes = 4 << 10 })
	u, key := e.addUser("ada")
	conv := e.newConversation(key, "")
	handler := e.srv.Handler()
	path := convPath(conv, "/messages")

	count := func(t *testing.T) int {
		var n int
		if err := e.db.Reader().QueryRow("SELECT count(*) FROM messages").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		before := count(t)
		r := httptest.NewRequest("POST", path, bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("body %q: Content-Type %q", body, w.Header().Get("Content-Type"))
		}
		after := count(t)
		switch {
		case w.Code == http.StatusCreated:
			var tr api.TurnResponse
			if err := json.Unmarshal(w.Body.Bytes(), &tr); err != nil {
				t.Fatalf("body %q: reply %s: %v", body, w.Body.Bytes(), err)
			}
			var sent api.MessageCreate
			if err := json.Unmarshal(body, &sent); err != nil || sent.Content != tr.Message.Content {
				t.Fatalf("body %q accepted as %q (%v)", body, tr.Message.Content, err)
			}
			if err := os1.ValidateContent(tr.Message.Content); err != nil {
				t.Fatalf("body %q: stored an invalid message: %v", body, err)
			}
			if after != before+2 {
				t.Fatalf("body %q: %d messages stored, want 2", body, after-before)
			}
			m, err := e.db.FindMessage(t.Context(), u.ID, tr.Message.ID)
			if err != nil || m.Content != sent.Content {
				t.Fatalf("body %q: stored %+v (%v)", body, m, err)
			}
		case w.Code >= 400 && w.Code < 500:
			var er api.ErrorResponse
			if err := json.Unmarshal(w.Body.Bytes(), &er); err != nil || !knownCodes[er.Error.Code] || er.Error.Message == "" {
				t.Fatalf("body %q: error reply %s (%v)", body, w.Body.Bytes(), err)
			}
			if after != before {
				t.Fatalf("body %q: refused but %d messages stored", body, after-before)
			}
		default:
			t.Fatalf("body %q: status %d: %s", body, w.Code, w.Body.Bytes())
		}
	})
}

// FuzzDecodeChatCompletion posts arbitrary bytes to the OpenAI-compatible
// endpoint: a 200 or a 4xx error in OpenAI's shape, never a server error.
func FuzzDecodeChatCompletion(f *testing.F) {
	for _, seed := range []string{
		`{"model":"os1","messages":[{"role":"user","content":"hi"}]}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"parts"}]}]}`,
		`{"messages":[{"role":"user","content":[{"type":"image_url"}]}]}`,
		`{"messages":[{"role":"system","content":null},{"role":"user","content":"x"}]}`,
		`{"messages":[{"role":"assistant","content":"a"}]}`,
		`{"messages":[{"role":"user","content":{"text":"obj"}}]}`,
		`{"messages":null}`, `{"messages":[null]}`, `{"stream":"yes"}`, `{}`, `[]`, ``,
		`{"messages":[{"role":"user","content":"hi"}],"stream":true}`,
		"{\"messages\":[{\"role\":\"system\",\"content\":\"\\udc00\"},{\"role\":\"user\",\"content\":\"x\"}]}",
	} {
		f.Add([]byte(seed))
	}
	e := newEnv(f, func(s *httpapi.Server) { s.MaxBodyBytes = 4 << 10 })
	_, key := e.addUser("ada")
	handler := e.srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/v1/chat/completions", bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		if w.Code == http.StatusOK {
			return
		}
		var er struct {
			Error struct{ Message, Type, Code string } `json:"error"`
		}
		if w.Code < 400 || w.Code >= 500 {
			t.Fatalf("body %q: status %d: %s", body, w.Code, w.Body.Bytes())
		}
		if err := json.Unmarshal(w.Body.Bytes(), &er); err != nil || er.Error.Message == "" || er.Error.Code == "" {
			t.Fatalf("body %q: error reply %s (%v)", body, w.Body.Bytes(), err)
		}
	})
}
