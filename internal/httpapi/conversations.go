package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"os1/api"
	"os1/internal/companion"
	"os1/internal/os1"
)

// UserDTO converts a user to its wire form.
func UserDTO(u *os1.User) api.User {
	return api.User{ID: u.ID, Name: u.Name, DisplayName: u.DisplayName, CreatedAt: u.CreatedAt}
}

// ModelDTO converts model info to its wire form.
func ModelDTO(m os1.ModelInfo) api.Model {
	return api.Model{Provider: m.Provider, Model: m.Model, Offline: m.Offline, Note: m.Note}
}

func conversationDTO(c *os1.Conversation) api.Conversation {
	return api.Conversation{ID: c.ID, Title: c.Title, ExternalKey: c.ExternalKey, MessageCount: c.MessageCount, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// MessageDTO converts a message to its wire form (nil for nil).
func MessageDTO(m *os1.Message) *api.Message {
	if m == nil {
		return nil
	}
	return &api.Message{ID: m.ID, ConversationID: m.ConversationID, Role: m.Role, Content: m.Content, Status: m.Status,
		Error: m.Error, Source: m.Source, Guard: m.Guard, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
}

func (s *Server) me(r *http.Request, u *os1.User) api.Me {
	me := api.Me{User: UserDTO(u), Model: ModelDTO(s.Model)}
	if c, err := s.Store.CompanionByUser(r.Context(), u.ID); err == nil {
		me.Companion = api.Companion{ID: c.ID, Name: c.DisplayName()}
	}
	return me
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, u *os1.User) {
	writeJSON(w, http.StatusOK, s.me(r, u))
}

func (s *Server) handleUpdateMe(w http.ResponseWriter, r *http.Request, u *os1.User) {
	var req api.MeUpdate
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.Store.UpdateUser(r.Context(), u.ID, os1.UserUpdate{DisplayName: req.DisplayName})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.me(r, u))
}

// pathID parses the {id} path value.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, os1.Errorf(os1.ENOTFOUND, "no such conversation")
	}
	return id, nil
}

// queryInt parses an optional non-negative integer query parameter.
func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, os1.Errorf(os1.EINVALID, "query parameter %s must be a non-negative integer", name)
	}
	return n, nil
}

func (s *Server) handleListConversations(w http.ResponseWriter, r *http.Request, u *os1.User) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	offset, err := queryInt(r, "offset")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, err := s.Store.ListConversations(r.Context(), u.ID, int(min(limit, 500)), int(min(offset, 1<<31)))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := api.ConversationList{Conversations: make([]api.Conversation, len(list))}
	for i, c := range list {
		out.Conversations[i] = conversationDTO(c)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleCreateConversation(w http.ResponseWriter, r *http.Request, u *os1.User) {
	var req api.ConversationCreate
	// An empty body is allowed: a conversation without a title.
	if err := decodeOptionalJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	c := &os1.Conversation{Title: strings.TrimSpace(req.Title)}
	if err := s.Store.CreateConversation(r.Context(), u.ID, c); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, conversationDTO(c))
}

func (s *Server) handleConversation(w http.ResponseWriter, r *http.Request, u *os1.User) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := s.Store.FindConversation(r.Context(), u.ID, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, conversationDTO(c))
}

func (s *Server) handleListMessages(w http.ResponseWriter, r *http.Request, u *os1.User) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var f os1.MessageFilter
	var limit int64
	if f.BeforeID, err = queryInt(r, "before"); err == nil {
		if f.AfterID, err = queryInt(r, "after"); err == nil {
			limit, err = queryInt(r, "limit")
		}
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f.Limit = int(min(limit, 500))
	if f.Limit == 0 {
		f.Limit = 50
	}
	// Ask for one more, to tell whether there are older messages.
	probe := f
	probe.Limit = f.Limit + 1
	list, err := s.Store.ListMessages(r.Context(), u.ID, id, probe)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := api.MessageList{Messages: []api.Message{}}
	if len(list) > f.Limit {
		if f.AfterID > 0 {
			list = list[:f.Limit]
		} else {
			list = list[1:]
			out.HasMore = true
		}
	}
	for _, m := range list {
		out.Messages = append(out.Messages, *MessageDTO(m))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handlePostMessage(w http.ResponseWriter, r *http.Request, u *os1.User) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req api.MessageCreate
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	s.runTurn(w, r, companion.TurnRequest{UserID: u.ID, ConversationID: id, Content: req.Content})
}

func (s *Server) handleRetry(w http.ResponseWriter, r *http.Request, u *os1.User) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.runTurn(w, r, companion.TurnRequest{UserID: u.ID, ConversationID: id, Retry: true})
}

func wantsSSE(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/event-stream") || r.URL.Query().Get("stream") == "true"
}

// runTurn answers a turn as an SSE stream or, for plain clients, as one
// JSON reply once the turn is over.
func (s *Server) runTurn(w http.ResponseWriter, r *http.Request, req companion.TurnRequest) {
	if !wantsSSE(r) {
		res, err := s.Engine.Turn(r.Context(), req, nil)
		if res == nil || res.Reply == nil {
			if err == nil {
				err = os1.Errorf(os1.EINTERNAL, "turn ended without a reply")
			}
			s.Error(w, r, err)
			return
		}
		tr := api.TurnResponse{Message: *MessageDTO(res.Message), Reply: *MessageDTO(res.Reply)}
		if err != nil {
			// The message is stored; the reply is stored interrupted. The
			// body is an error like any other, and carries the stored pair.
			if os1.ErrorCode(err) == os1.EINTERNAL {
				s.logger().Error("turn failed", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeJSON(w, ErrorStatus(err), turnErrorResponse{TurnResponse: tr,
				Error: api.ErrorBody{Code: os1.ErrorCode(err), Message: os1.ErrorMessage(err)}})
			return
		}
		writeJSON(w, http.StatusCreated, tr)
		return
	}

	sse := newSSEWriter(w)
	started := false
	_, err := s.Engine.Turn(r.Context(), req, func(ev companion.Event) error {
		if !started {
			sse.start()
			started = true
		}
		return sse.send(ev.Type, EventDTO(ev))
	})
	if err != nil && !started {
		// Nothing was stored: answer with a plain JSON error.
		s.Error(w, r, err)
	}
}

// turnErrorResponse is the reply to a turn whose message was stored but
// whose reply failed: an api.ErrorResponse that also holds the stored pair
// (api.TurnResponse), so that either kind of client can read it.
type turnErrorResponse struct {
	Error api.ErrorBody `json:"error"`
	api.TurnResponse
}

// EventDTO converts a turn event to its wire form.
func EventDTO(ev companion.Event) api.Event {
	out := api.Event{Type: ev.Type, Message: MessageDTO(ev.Message), Delta: ev.Delta}
	if ev.Err != nil {
		out.Error = &api.ErrorBody{Code: os1.ErrorCode(ev.Err), Message: os1.ErrorMessage(ev.Err)}
	}
	return out
}

// sseWriter writes Server-Sent Events and flushes each one.
type sseWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func newSSEWriter(w http.ResponseWriter) *sseWriter {
	return &sseWriter{w: w, rc: http.NewResponseController(w)}
}

func (s *sseWriter) start() {
	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	s.w.WriteHeader(http.StatusOK)
}

func (s *sseWriter) send(event string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if event != "" {
		if _, err := s.w.Write([]byte("event: " + event + "\n")); err != nil {
			return err
		}
	}
	if _, err := s.w.Write(append(append([]byte("data: "), b...), '\n', '\n')); err != nil {
		return err
	}
	return s.rc.Flush()
}

// sendRaw writes one data line as it is (OpenAI's "[DONE]").
func (s *sseWriter) sendRaw(data string) error {
	if _, err := s.w.Write([]byte("data: " + data + "\n\n")); err != nil {
		return err
	}
	return s.rc.Flush()
}
