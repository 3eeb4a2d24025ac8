package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// Error is an error reply of the server, or an error event of a streamed
// turn. Code is one of the stable codes ("invalid", "not_found",
// "unauthorized", "unavailable", …); Message is meant for people.
type Error struct {
	Status  int    // the HTTP status; 0 when the error came as an event of a stream
	Code    string // a stable code; "" when the server sent no error body
	Message string // a message meant for people
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("os1 api: %s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("os1 api: %d %s: %s", e.Status, e.Code, e.Message)
}

// Client talks to an OS1 server's HTTP API. Its fields may be set after
// NewClient and must not change while requests are in flight; a Client is
// safe for concurrent use.
type Client struct {
	// BaseURL is the server's root, e.g. "http://127.0.0.1:8080"; the
	// client appends "/api/v1/…".
	BaseURL string
	// Key is the API key sent as "Authorization: Bearer <key>"; "" sends none.
	Key string
	// HTTPClient makes the requests; nil means http.DefaultClient. It should
	// have no overall Timeout, which would cut long streamed replies short:
	// bound calls with their context instead.
	HTTPClient *http.Client
}

// NewClient returns a Client for the server at baseURL, authenticating
// with key.
func NewClient(baseURL, key string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Key: key}
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return http.DefaultClient
}

func (c *Client) url(path string, q url.Values) string {
	u := strings.TrimRight(c.BaseURL, "/") + "/api/v1" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// newRequest builds a request with the auth header and, when body is not
// nil, a JSON body.
func (c *Client) newRequest(ctx context.Context, method, path string, q url.Values, body any) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s body: %w", method, path, err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(path, q), r)
	if err != nil {
		return nil, fmt.Errorf("new request %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	return req, nil
}

// do sends a JSON request and decodes a 2xx JSON reply into out (when not
// nil). A non-2xx reply is returned as *Error.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	req, err := c.newRequest(ctx, method, path, q, body)
	if err != nil {
		return err
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return decodeError(resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode reply: %w", method, path, err)
	}
	return nil
}

// decodeError turns a non-2xx reply into *Error. A body that is not an
// ErrorResponse still yields an *Error with the status and a code derived
// from it.
func decodeError(resp *http.Response) error {
	e := &Error{Status: resp.StatusCode}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var er ErrorResponse
	if json.Unmarshal(b, &er) == nil && (er.Error.Code != "" || er.Error.Message != "") {
		e.Code, e.Message = er.Error.Code, er.Error.Message
		return e
	}
	e.Code = codeForStatus(resp.StatusCode)
	e.Message = strings.TrimSpace(string(b))
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// codeForStatus guesses the error code of a reply that carried none (e.g.
// from a proxy in front of the server).
func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return "invalid"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return "unavailable"
	default:
		return "internal"
	}
}

// Me returns the signed-in person, their companion and the server's model.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var me Me
	if err := c.do(ctx, http.MethodGet, "/me", nil, nil, &me); err != nil {
		return nil, err
	}
	return &me, nil
}

// UpdateMe changes the signed-in person's settings and returns the result.
func (c *Client) UpdateMe(ctx context.Context, upd MeUpdate) (*Me, error) {
	var me Me
	if err := c.do(ctx, http.MethodPatch, "/me", nil, upd, &me); err != nil {
		return nil, err
	}
	return &me, nil
}

// Status returns the server's public status; it needs no key.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var st Status
	if err := c.do(ctx, http.MethodGet, "/status", nil, nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// ListConversations returns the person's conversations, most recently
// active first. A limit or offset of 0 is left to the server's default.
func (c *Client) ListConversations(ctx context.Context, limit, offset int) ([]Conversation, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	var list ConversationList
	if err := c.do(ctx, http.MethodGet, "/conversations", q, nil, &list); err != nil {
		return nil, err
	}
	return list.Conversations, nil
}

// CreateConversation starts a new conversation.
func (c *Client) CreateConversation(ctx context.Context, create ConversationCreate) (*Conversation, error) {
	var conv Conversation
	if err := c.do(ctx, http.MethodPost, "/conversations", nil, create, &conv); err != nil {
		return nil, err
	}
	return &conv, nil
}

// Conversation returns one of the person's conversations; a missing one (or
// another person's) is an *Error with code "not_found".
func (c *Client) Conversation(ctx context.Context, id int64) (*Conversation, error) {
	var conv Conversation
	if err := c.do(ctx, http.MethodGet, "/conversations/"+strconv.FormatInt(id, 10), nil, nil, &conv); err != nil {
		return nil, err
	}
	return &conv, nil
}

// Messages returns the newest page of a conversation's messages with ids
// below before (0: the newest of all), oldest first. limit 0 is left to the
// server's default. HasMore tells whether older messages exist.
func (c *Client) Messages(ctx context.Context, convID, before int64, limit int) (*MessageList, error) {
	return c.messages(ctx, convID, before, 0, limit)
}

// MessagesAfter returns the oldest page of a conversation's messages with
// ids above after, oldest first; use it to catch up with new messages.
func (c *Client) MessagesAfter(ctx context.Context, convID, after int64, limit int) (*MessageList, error) {
	return c.messages(ctx, convID, 0, after, limit)
}

func (c *Client) messages(ctx context.Context, convID, before, after int64, limit int) (*MessageList, error) {
	q := url.Values{}
	if before > 0 {
		q.Set("before", strconv.FormatInt(before, 10))
	}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var list MessageList
	if err := c.do(ctx, http.MethodGet, convPath(convID, "/messages"), q, nil, &list); err != nil {
		return nil, err
	}
	return &list, nil
}

// Turn posts a message and waits for the whole reply, without streaming.
// When the message was stored but the reply failed, the server answers with
// an error status and the stored pair: Turn then returns both the
// TurnResponse (its Reply interrupted, with Message.Error saying why) and
// an *Error.
func (c *Client) Turn(ctx context.Context, convID int64, content string) (*TurnResponse, error) {
	path := convPath(convID, "/messages")
	req, err := c.newRequest(ctx, http.MethodPost, path, nil, MessageCreate{Content: content})
	if err != nil {
		return nil, err
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("POST %s: read reply: %w", path, err)
	}
	var tr TurnResponse
	decodeErr := json.Unmarshal(body, &tr)
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		if decodeErr != nil {
			return nil, fmt.Errorf("POST %s: decode reply: %w", path, decodeErr)
		}
		return &tr, nil
	}
	if decodeErr == nil && tr.Reply.ID != 0 {
		why := tr.Reply.Error
		if why == "" {
			why = "the reply was interrupted"
		}
		return &tr, &Error{Status: resp.StatusCode, Code: codeForStatus(resp.StatusCode), Message: why}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return nil, decodeError(resp)
}

// SendMessage posts a message and streams the turn over Server-Sent Events.
// It calls fn for every event, in order (message, reply, delta…, then done
// or error), from the calling goroutine. It returns the finished reply on
// a done event. An error event is returned as an *Error with Status 0
// (the event, passed to fn first, carries the interrupted reply, if one was
// stored). A refused request is an *Error with the HTTP status. When fn
// returns an error, the stream is closed and that error is returned as is.
// When ctx ends mid-stream, the stream is closed and an error wrapping
// ctx.Err() is returned. A stream that ends before done or error yields an
// error wrapping io.ErrUnexpectedEOF.
func (c *Client) SendMessage(ctx context.Context, convID int64, content string, fn func(Event) error) (*Message, error) {
	return c.stream(ctx, convPath(convID, "/messages"), MessageCreate{Content: content}, fn)
}

// Retry answers the conversation's last message from the person again,
// streaming as SendMessage does. Use it after a reply failed.
func (c *Client) Retry(ctx context.Context, convID int64, fn func(Event) error) (*Message, error) {
	return c.stream(ctx, convPath(convID, "/retry"), nil, fn)
}

func (c *Client) stream(ctx context.Context, path string, body any, fn func(Event) error) (*Message, error) {
	if fn == nil {
		fn = func(Event) error { return nil }
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := c.newRequest(ctx, http.MethodPost, path, nil, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, streamErr(ctx, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, decodeError(resp)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "application/json" {
		// A server that does not stream answered with the whole turn.
		return replayTurn(resp.Body, path, fn)
	}
	r := NewEventReader(resp.Body)
	for {
		ev, err := r.Next()
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = fmt.Errorf("stream ended before the reply was done: %w", io.ErrUnexpectedEOF)
		}
		if err != nil {
			return nil, streamErr(ctx, path, err)
		}
		if err := fn(ev); err != nil {
			return nil, err
		}
		switch ev.Type {
		case EventDone:
			if ev.Message == nil {
				return nil, fmt.Errorf("POST %s: done event without a message", path)
			}
			return ev.Message, nil
		case EventError:
			e := &Error{Code: "internal", Message: "the reply failed"}
			if ev.Error != nil {
				e.Code, e.Message = ev.Error.Code, ev.Error.Message
			}
			return nil, e
		}
	}
}

// streamErr reports a failed or cut stream, preferring the context's error
// when the context ended.
func streamErr(ctx context.Context, path string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("POST %s: %w", path, ctxErr)
	}
	return fmt.Errorf("POST %s: %w", path, err)
}

// replayTurn turns a whole TurnResponse into the events a stream would
// have carried.
func replayTurn(body io.Reader, path string, fn func(Event) error) (*Message, error) {
	var tr TurnResponse
	if err := json.NewDecoder(body).Decode(&tr); err != nil {
		return nil, fmt.Errorf("POST %s: decode reply: %w", path, err)
	}
	msg, reply := tr.Message, tr.Reply
	events := []Event{{Type: EventMessage, Message: &msg}, {Type: EventReply, Message: &reply}}
	if reply.Content != "" {
		events = append(events, Event{Type: EventDelta, Delta: reply.Content})
	}
	final := Event{Type: EventDone, Message: &reply}
	if reply.Status == StatusInterrupted {
		why := reply.Error
		if why == "" {
			why = "the reply was interrupted"
		}
		final = Event{Type: EventError, Message: &reply, Error: &ErrorBody{Code: "unavailable", Message: why}}
	}
	for _, ev := range append(events, final) {
		if err := fn(ev); err != nil {
			return nil, err
		}
	}
	if final.Type == EventError {
		return nil, &Error{Code: final.Error.Code, Message: final.Error.Message}
	}
	return &reply, nil
}

func convPath(convID int64, suffix string) string {
	return "/conversations/" + strconv.FormatInt(convID, 10) + suffix
}

// Conn is a WebSocket session on one conversation, opened by [Client.Dial].
// The client sends [WSRequest] frames and the server answers each with the
// [Event]s of a turn. Send and Next may be called from different
// goroutines, but each from one goroutine at a time.
type Conn struct {
	ws *websocket.Conn
}

// wsReadLimit bounds one incoming frame: a done event holds a whole reply.
const wsReadLimit = 4 << 20

// Dial opens a WebSocket session on a conversation. A refused handshake is
// returned as *Error when the server sent one.
func (c *Client) Dial(ctx context.Context, convID int64) (*Conn, error) {
	h := http.Header{}
	if c.Key != "" {
		h.Set("Authorization", "Bearer "+c.Key)
	}
	u := c.url(convPath(convID, "/ws"), nil)
	ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: c.HTTPClient, HTTPHeader: h})
	if err != nil {
		if resp != nil && resp.Body != nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
			return nil, decodeError(resp)
		}
		return nil, fmt.Errorf("dial %s: %w", u, err)
	}
	ws.SetReadLimit(wsReadLimit)
	return &Conn{ws: ws}, nil
}

// Send sends one request frame.
func (c *Conn) Send(ctx context.Context, req WSRequest) error {
	if err := wsjson.Write(ctx, c.ws, req); err != nil {
		return fmt.Errorf("websocket send: %w", err)
	}
	return nil
}

// SendMessage asks the server to answer content.
func (c *Conn) SendMessage(ctx context.Context, content string) error {
	return c.Send(ctx, WSRequest{Type: "message", Content: content})
}

// Retry asks the server to answer the last message from the person again.
func (c *Conn) Retry(ctx context.Context) error {
	return c.Send(ctx, WSRequest{Type: "retry"})
}

// Next waits for the next event. When the server closes the session it
// returns an error for which websocket.CloseStatus reports the status.
// When ctx ends while Next waits, the session is closed and cannot be used
// again (the websocket package's rule).
func (c *Conn) Next(ctx context.Context) (Event, error) {
	var ev Event
	if err := wsjson.Read(ctx, c.ws, &ev); err != nil {
		return Event{}, fmt.Errorf("websocket read: %w", err)
	}
	return ev, nil
}

// Close ends the session with a normal closure.
func (c *Conn) Close() error {
	return c.ws.Close(websocket.StatusNormalClosure, "")
}
