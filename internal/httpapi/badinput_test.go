package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"os1/api"
	"os1/internal/httpapi"
	"os1/internal/os1"
)

type badCase struct {
	name   string
	method string
	path   string // %d is the conversation id
	body   any
	header map[string]string
	status int
	code   string
	openai bool // the reply is in OpenAI's error shape
}

// TestBadInput sends malformed, wrong and oversized requests: each gets a
// 4xx JSON error with the right code, and nothing stored changes.
func TestBadInput(t *testing.T) {
	e := newEnv(t, func(s *httpapi.Server) { s.MaxBodyBytes = 4 << 10 })
	_, key := e.addUser("ada")
	conv := e.newConversation(key, "")
	e.postMessage(key, conv, "a first message")

	msgs := "/api/v1/conversations/%d/messages"
	long := strings.Repeat("x", 5000)
	cases := []badCase{
		{"malformed JSON", "POST", msgs, `{"content": "hi"`, nil, 400, os1.EINVALID, false},
		{"unquoted key", "POST", msgs, `{content: "hi"}`, nil, 400, os1.EINVALID, false},
		{"not JSON at all", "POST", msgs, `content=hi`, nil, 400, os1.EINVALID, false},
		{"wrong type number", "POST", msgs, `{"content": 5}`, nil, 400, os1.EINVALID, false},
		{"wrong type object", "POST", msgs, `{"content": {"text": "hi"}}`, nil, 400, os1.EINVALID, false},
		{"array body", "POST", msgs, `["hi"]`, nil, 400, os1.EINVALID, false},
		{"string body", "POST", msgs, `"hi"`, nil, 400, os1.EINVALID, false},
		{"null body", "POST", msgs, `null`, nil, 400, os1.EINVALID, false},
		{"unknown field", "POST", msgs, `{"content": "hi", "role": "system"}`, nil, 400, os1.EINVALID, false},
		{"trailing data", "POST", msgs, `{"content": "hi"} {"content": "again"}`, nil, 400, os1.EINVALID, false},
		{"trailing brace", "POST", msgs, `{"content": "hi"}}`, nil, 400, os1.EINVALID, false},
		{"trailing bracket", "POST", msgs, `{"content": "hi"}]`, nil, 400, os1.EINVALID, false},
		{"openai trailing brace", "POST", "/v1/chat/completions", `{"messages": [{"role": "user", "content": "hi"}]}}`, nil, 400, os1.EINVALID, true},
		{"empty body", "POST", msgs, nil, nil, 400, os1.EINVALID, false},
		{"whitespace body", "POST", msgs, " \n\t ", nil, 400, os1.EINVALID, false},
		{"empty object", "POST", msgs, `{}`, nil, 400, os1.EINVALID, false},
		{"empty message", "POST", msgs, `{"content": ""}`, nil, 400, os1.EINVALID, false},
		{"whitespace message", "POST", msgs, `{"content": " \n\t\u00a0 "}`, nil, 400, os1.EINVALID, false},
		{"invalid UTF-8 in string", "POST", msgs, []byte("{\"content\": \"caf\xe9 \xff\xfe\"}"), nil, 400, os1.EINVALID, false},
		{"invalid UTF-8 outside string", "POST", msgs, []byte("{\"content\": \"hi\"}\xff"), nil, 400, os1.EINVALID, false},
		{"escaped NUL", "POST", msgs, `{"content": "a\u0000b"}`, nil, 400, os1.EINVALID, false},
		{"raw NUL byte", "POST", msgs, []byte("{\"content\": \"a\x00b\"}"), nil, 400, os1.EINVALID, false},
		{"deep nesting", "POST", msgs, strings.Repeat("[", 2000) + strings.Repeat("]", 2000), nil, 400, os1.EINVALID, false},
		{"body over the limit", "POST", msgs, fmt.Sprintf(`{"content": %q}`, long), nil, 413, os1.ETOOLARGE, false},
		{"body over the limit, streaming", "POST", msgs, fmt.Sprintf(`{"content": %q}`, long),
			map[string]string{"Accept": "text/event-stream"}, 413, os1.ETOOLARGE, false},
		{"invalid message, streaming", "POST", msgs, `{"content": ""}`, map[string]string{"Accept": "text/event-stream"}, 400, os1.EINVALID, false},
		{"unknown conversation", "POST", "/api/v1/conversations/987654/messages", `{"content": "hi"}`, nil, 404, os1.ENOTFOUND, false},
		{"non-numeric id", "POST", "/api/v1/conversations/abc/messages", `{"content": "hi"}`, nil, 404, os1.ENOTFOUND, false},
		{"zero id", "POST", "/api/v1/conversations/0/messages", `{"content": "hi"}`, nil, 404, os1.ENOTFOUND, false},
		{"negative id", "POST", "/api/v1/conversations/-1/messages", `{"content": "hi"}`, nil, 404, os1.ENOTFOUND, false},
		{"overflowing id", "POST", "/api/v1/conversations/99999999999999999999/messages", `{"content": "hi"}`, nil, 404, os1.ENOTFOUND, false},
		{"retry unknown conversation", "POST", "/api/v1/conversations/987654/retry", nil, nil, 404, os1.ENOTFOUND, false},
		{"retry answered message", "POST", "/api/v1/conversations/%d/retry", nil, nil, 409, os1.ECONFLICT, false},
		{"get unknown conversation", "GET", "/api/v1/conversations/987654", nil, nil, 404, os1.ENOTFOUND, false},
		{"get non-numeric", "GET", "/api/v1/conversations/1e3", nil, nil, 404, os1.ENOTFOUND, false},
		{"ws non-numeric", "GET", "/api/v1/conversations/x/ws", nil, nil, 404, os1.ENOTFOUND, false},
		{"limit not a number", "GET", msgs + "?limit=ten", nil, nil, 400, os1.EINVALID, false},
		{"negative limit", "GET", msgs + "?limit=-1", nil, nil, 400, os1.EINVALID, false},
		{"before not a number", "GET", msgs + "?before=yesterday", nil, nil, 400, os1.EINVALID, false},
		{"after fractional", "GET", msgs + "?after=1.5", nil, nil, 400, os1.EINVALID, false},
		{"list limit bad", "GET", "/api/v1/conversations?limit=x", nil, nil, 400, os1.EINVALID, false},
		{"list offset negative", "GET", "/api/v1/conversations?offset=-3", nil, nil, 400, os1.EINVALID, false},
		{"unknown endpoint", "GET", "/api/v1/nothing", nil, nil, 404, os1.ENOTFOUND, false},
		{"wrong method", "PUT", "/api/v1/conversations/%d", `{}`, nil, 404, os1.ENOTFOUND, false},
		{"patch me wrong type", "PATCH", "/api/v1/me", `{"display_name": 5}`, nil, 400, os1.EINVALID, false},
		{"patch me unknown field", "PATCH", "/api/v1/me", `{"display_name": "x", "name": "root"}`, nil, 400, os1.EINVALID, false},
		{"patch me too long", "PATCH", "/api/v1/me", fmt.Sprintf(`{"display_name": %q}`, strings.Repeat("n", 101)), nil, 400, os1.EINVALID, false},
		{"patch me empty body", "PATCH", "/api/v1/me", nil, nil, 400, os1.EINVALID, false},
		{"patch me over the limit", "PATCH", "/api/v1/me", fmt.Sprintf(`{"display_name": %q}`, long), nil, 413, os1.ETOOLARGE, false},
		{"create conversation wrong type", "POST", "/api/v1/conversations", `{"title": ["a"]}`, nil, 400, os1.EINVALID, false},
		{"create conversation unknown field", "POST", "/api/v1/conversations", `{"title": "a", "user_id": 2}`, nil, 400, os1.EINVALID, false},
		{"create conversation long title", "POST", "/api/v1/conversations", fmt.Sprintf(`{"title": %q}`, strings.Repeat("t", 201)), nil, 400, os1.EINVALID, false},
		{"create conversation bad UTF-8", "POST", "/api/v1/conversations", []byte("{\"title\": \"\xc3\x28\"}"), nil, 400, os1.EINVALID, false},
		{"sign in malformed", "POST", "/api/v1/session", `{"name": `, nil, 400, os1.EINVALID, false},
		{"sign in wrong type", "POST", "/api/v1/session", `{"name": "ada", "key": 1}`, nil, 400, os1.EINVALID, false},
		{"openai malformed", "POST", "/v1/chat/completions", `{"messages": [`, nil, 400, os1.EINVALID, true},
		{"openai wrong type", "POST", "/v1/chat/completions", `{"messages": "hi"}`, nil, 400, os1.EINVALID, true},
		{"openai content number", "POST", "/v1/chat/completions", `{"messages": [{"role": "user", "content": 5}]}`, nil, 400, os1.EINVALID, true},
		{"openai no messages", "POST", "/v1/chat/completions", `{"model": "os1", "messages": []}`, nil, 400, os1.EINVALID, true},
		{"openai last not user", "POST", "/v1/chat/completions", `{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}`, nil, 400, os1.EINVALID, true},
		{"openai unknown role", "POST", "/v1/chat/completions", `{"messages": [{"role": "wizard", "content": "hi"}]}`, nil, 400, os1.EINVALID, true},
		{"openai empty message", "POST", "/v1/chat/completions", `{"messages": [{"role": "user", "content": "  "}]}`, nil, 400, os1.EINVALID, true},
		{"openai NUL", "POST", "/v1/chat/completions", `{"messages": [{"role": "user", "content": "a\u0000"}]}`, nil, 400, os1.EINVALID, true},
		{"openai invalid UTF-8", "POST", "/v1/chat/completions", []byte("{\"messages\": [{\"role\": \"user\", \"content\": \"\xff\"}]}"), nil, 400, os1.EINVALID, true},
		{"openai over the limit", "POST", "/v1/chat/completions", fmt.Sprintf(`{"messages": [{"role": "user", "content": %q}]}`, long), nil, 413, os1.ETOOLARGE, true},
		{"openai stream invalid", "POST", "/v1/chat/completions", `{"stream": true, "messages": [{"role": "user", "content": ""}]}`, nil, 400, os1.EINVALID, true},
		{"openai unknown endpoint", "POST", "/v1/embeddings", `{}`, nil, 404, "unknown_url", true},
	}

	before := e.dump(0)
	calls := len(e.model.Calls())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.path
			if strings.Contains(path, "%d") {
				path = fmt.Sprintf(path, conv)
			}
			res := e.do(req{method: c.method, path: path, key: key, body: c.body, header: c.header})
			if c.openai {
				openAIError(t, res, c.status, c.code)
			} else {
				apiError(t, res, c.status, c.code)
			}
			if after := e.dump(0); after != before {
				t.Fatalf("the store changed:\nbefore\n%s\nafter\n%s", before, after)
			}
		})
	}
	if n := len(e.model.Calls()); n != calls {
		t.Fatalf("bad requests reached the model %d times", n-calls)
	}
	// A message of exactly the limit's size still goes through.
	ok := strings.Repeat("y", 4<<10-len(`{"content":""}`))
	e.json(req{method: "POST", path: convPath(conv, "/messages"), key: key, body: `{"content":"` + ok + `"}`}, http.StatusCreated, nil)
}

// TestDefaultBodyLimit: without MaxBodyBytes the limit is 1 MiB; a 2 MiB
// body is refused and a message over 64 KiB inside a smaller body too.
func TestDefaultBodyLimit(t *testing.T) {
	e := newEnv(t)
	_, key := e.addUser("ada")
	conv := e.newConversation(key, "")
	before := e.dump(0)
	huge := fmt.Sprintf(`{"content": %q}`, strings.Repeat("z", 2<<20))
	apiError(t, e.do(req{method: "POST", path: convPath(conv, "/messages"), key: key, body: huge}), 413, os1.ETOOLARGE)
	openAIError(t, e.do(req{method: "POST", path: "/v1/chat/completions", key: key,
		body: fmt.Sprintf(`{"messages": [{"role": "user", "content": %q}]}`, strings.Repeat("z", 2<<20))}), 413, os1.ETOOLARGE)
	// Within the body limit but over the message limit.
	big := fmt.Sprintf(`{"content": %q}`, strings.Repeat("z", os1.MaxMessageBytes+1))
	apiError(t, e.do(req{method: "POST", path: convPath(conv, "/messages"), key: key, body: big}), 413, os1.ETOOLARGE)
	if after := e.dump(0); after != before {
		t.Fatalf("the store changed")
	}
	// Just under 1 MiB of JSON is read (and then refused for the message's size, not the body's).
	under := fmt.Sprintf(`{"content": %q}`, strings.Repeat("z", 1<<20-100))
	apiError(t, e.do(req{method: "POST", path: convPath(conv, "/messages"), key: key, body: under}), 413, os1.ETOOLARGE)
	var tr api.TurnResponse
	e.json(req{method: "POST", path: convPath(conv, "/messages"), key: key, body: fmt.Sprintf(`{"content": %q}`, strings.Repeat("z", os1.MaxMessageBytes))}, http.StatusCreated, &tr)
}

// openAIError checks an error in OpenAI's shape:
// {"error":{"message","type","param","code"}}.
func openAIError(t *testing.T, res resp, wantStatus int, wantCode string) {
	t.Helper()
	if res.status != wantStatus {
		t.Fatalf("status %d, want %d; body %s", res.status, wantStatus, res.body)
	}
	var er struct {
		Error struct {
			Message string  `json:"message"`
			Type    string  `json:"type"`
			Param   *string `json:"param"`
			Code    string  `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(res.body, &er); err != nil || er.Error.Code != wantCode || er.Error.Message == "" || er.Error.Type == "" {
		t.Fatalf("body %s: want an OpenAI error with code %q (%v)", res.body, wantCode, err)
	}
}
