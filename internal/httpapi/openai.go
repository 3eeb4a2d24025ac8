package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"os1/internal/companion"
	"os1/internal/os1"
)

// The OpenAI-compatible endpoints let any chat client talk to the person's
// companion. The "model" is the companion: memory, persona and guards apply.
//
// Such clients resend the whole history on every call. OS1 keeps the
// history itself, so it takes only the last user message as the new turn of
// the person's conversation — the one named by the X-OS1-Conversation header
// (an id, or any other string as a key), else by the request's "user" field
// (a key), else the person's latest conversation — and never stores what it
// already holds. A request that repeats the last stored message without the
// reply OS1 gave to it (a "regenerate") answers that message again.

// ConversationHeader names the conversation of an OpenAI-style request.
const ConversationHeader = "X-OS1-Conversation"

type oaContentPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// oaContent is a message content: a string or an array of parts.
type oaContent string

func (c *oaContent) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*c = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*c = oaContent(s)
		return nil
	}
	var parts []oaContentPart
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("content must be a string or an array of parts")
	}
	var sb strings.Builder
	for _, p := range parts {
		if p.Type == "text" {
			if sb.Len() > 0 {
				sb.WriteString("\n")
			}
			sb.WriteString(p.Text)
		}
	}
	*c = oaContent(sb.String())
	return nil
}

type oaMessage struct {
	Role    string    `json:"role"`
	Content oaContent `json:"content"`
	Name    string    `json:"name,omitempty"`
}

type oaChatRequest struct {
	Model         string          `json:"model"`
	Messages      []oaMessage     `json:"messages"`
	Stream        bool            `json:"stream"`
	User          string          `json:"user"`
	StreamOptions json.RawMessage `json:"stream_options"`
	// Sampling fields clients send; the companion's own settings apply.
	Temperature         json.RawMessage `json:"temperature"`
	TopP                json.RawMessage `json:"top_p"`
	MaxTokens           json.RawMessage `json:"max_tokens"`
	MaxCompletionTokens json.RawMessage `json:"max_completion_tokens"`
	N                   json.RawMessage `json:"n"`
	Stop                json.RawMessage `json:"stop"`
	PresencePenalty     json.RawMessage `json:"presence_penalty"`
	FrequencyPenalty    json.RawMessage `json:"frequency_penalty"`
	Seed                json.RawMessage `json:"seed"`
	Metadata            json.RawMessage `json:"metadata"`
	Store               json.RawMessage `json:"store"`
}

type oaError struct {
	Error oaErrorBody `json:"error"`
}

type oaErrorBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

func writeOpenAIError(w http.ResponseWriter, status int, typ, code, msg string) {
	writeJSON(w, status, oaError{Error: oaErrorBody{Message: msg, Type: typ, Code: code}})
}

func (s *Server) openAIError(w http.ResponseWriter, r *http.Request, err error) {
	st := ErrorStatus(err)
	typ := "invalid_request_error"
	if st >= 500 {
		typ = "server_error"
		if os1.ErrorCode(err) == os1.EINTERNAL {
			s.logger().Error("chat completion failed", "err", err)
		}
	}
	writeOpenAIError(w, st, typ, os1.ErrorCode(err), os1.ErrorMessage(err))
}

// modelIDs returns the model names under which the person's companion is listed.
func (s *Server) modelIDs(r *http.Request, u *os1.User) []string {
	ids := []string{"os1"}
	if c, err := s.Store.CompanionByUser(r.Context(), u.ID); err == nil && c.Name != "" && !strings.EqualFold(c.Name, "os1") {
		ids = append(ids, strings.ToLower(c.Name))
	}
	return ids
}

func (s *Server) handleOpenAIModels(w http.ResponseWriter, r *http.Request, u *os1.User) {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	out := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list"}
	for _, id := range s.modelIDs(r, u) {
		out.Data = append(out.Data, model{ID: id, Object: "model", Created: u.CreatedAt.Unix(), OwnedBy: "os1"})
	}
	writeJSON(w, http.StatusOK, out)
}

// resolveConversation finds (or creates) the conversation a request is for.
func (s *Server) resolveConversation(r *http.Request, u *os1.User, userField string) (*os1.Conversation, error) {
	ctx := r.Context()
	key := strings.TrimSpace(r.Header.Get(ConversationHeader))
	if key != "" {
		if id, err := strconv.ParseInt(key, 10, 64); err == nil {
			return s.Store.FindConversation(ctx, u.ID, id)
		}
	} else {
		key = strings.TrimSpace(userField)
	}
	if key != "" {
		c, err := s.Store.FindConversationByKey(ctx, u.ID, key)
		if os1.ErrorCode(err) != os1.ENOTFOUND {
			return c, err
		}
		c = &os1.Conversation{Title: key, ExternalKey: key}
		if err := s.Store.CreateConversation(ctx, u.ID, c); err != nil {
			if os1.ErrorCode(err) == os1.ECONFLICT { // created by a concurrent request
				return s.Store.FindConversationByKey(ctx, u.ID, key)
			}
			return nil, err
		}
		return c, nil
	}
	c, err := s.Store.LatestConversation(ctx, u.ID)
	if os1.ErrorCode(err) != os1.ENOTFOUND {
		return c, err
	}
	c = &os1.Conversation{}
	return c, s.Store.CreateConversation(ctx, u.ID, c)
}

// isRegenerate reports whether a request re-asks the conversation's last
// stored message: its last user message equals the stored one, and the
// message before it is not the reply OS1 gave to that stored message.
func (s *Server) isRegenerate(r *http.Request, u *os1.User, conv *os1.Conversation, msgs []oaMessage) (bool, error) {
	recent, err := s.Store.RecentMessages(r.Context(), u.ID, conv.ID, 20, 0)
	if err != nil {
		return false, err
	}
	last := msgs[len(msgs)-1]
	for i := len(recent) - 1; i >= 0; i-- {
		m := recent[i]
		if m.Role != os1.RoleUser {
			continue
		}
		if m.Content != string(last.Content) {
			return false, nil
		}
		// The last complete reply to m, if any.
		var answer *os1.Message
		for _, a := range recent[i+1:] {
			if a.Role == os1.RoleAssistant && a.Status == os1.StatusComplete {
				answer = a
			}
		}
		if answer == nil {
			return true, nil // never answered in full: answer it now
		}
		// If the client shows that answer before its last message, the
		// last message is new (the person said the same thing again).
		if len(msgs) >= 2 && msgs[len(msgs)-2].Role == os1.RoleAssistant && string(msgs[len(msgs)-2].Content) == answer.Content {
			return false, nil
		}
		return true, nil
	}
	return false, nil
}

func (s *Server) handleChatCompletions(w http.ResponseWriter, r *http.Request, u *os1.User) {
	var req oaChatRequest
	if err := decodeLenientJSON(r.Body, &req); err != nil {
		s.openAIError(w, r, err)
		return
	}
	var system []string
	var convo []oaMessage
	for _, m := range req.Messages {
		switch m.Role {
		case "system", "developer":
			system = append(system, string(m.Content))
		case "user", "assistant":
			convo = append(convo, m)
		case "tool", "function":
			// Tool results are not part of a companion conversation.
		default:
			s.openAIError(w, r, os1.Errorf(os1.EINVALID, "unknown message role %q", m.Role))
			return
		}
	}
	if len(convo) == 0 || convo[len(convo)-1].Role != "user" {
		s.openAIError(w, r, os1.Errorf(os1.EINVALID, "the last message must be the user's: it is the new turn"))
		return
	}
	content := string(convo[len(convo)-1].Content)
	if err := os1.ValidateContent(content); err != nil {
		s.openAIError(w, r, err)
		return
	}
	conv, err := s.resolveConversation(r, u, req.User)
	if err != nil {
		s.openAIError(w, r, err)
		return
	}
	regen, err := s.isRegenerate(r, u, conv, convo)
	if err != nil {
		s.openAIError(w, r, err)
		return
	}
	turn := companion.TurnRequest{UserID: u.ID, ConversationID: conv.ID, Content: content, Retry: regen, Regenerate: regen,
		ClientSystem: strings.Join(system, "\n\n")}
	model := req.Model
	if model == "" {
		model = "os1"
	}
	created := time.Now().Unix()
	w.Header().Set(ConversationHeader, strconv.FormatInt(conv.ID, 10))

	if !req.Stream {
		res, err := s.Engine.Turn(r.Context(), turn, nil)
		if err != nil {
			s.openAIError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"id": fmt.Sprintf("chatcmpl-%d", res.Reply.ID), "object": "chat.completion", "created": created, "model": model,
			"choices": []map[string]any{{
				"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": res.Reply.Content},
			}},
			"usage": map[string]int{"prompt_tokens": res.Message.Tokens, "completion_tokens": res.Reply.Tokens,
				"total_tokens": res.Message.Tokens + res.Reply.Tokens},
		})
		return
	}

	sse := newSSEWriter(w)
	var id string
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{
			"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
			"choices": []map[string]any{{"index": 0, "delta": delta, "finish_reason": finish}},
		}
	}
	started := false
	_, err = s.Engine.Turn(r.Context(), turn, func(ev companion.Event) error {
		switch ev.Type {
		case companion.EventReply:
			id = fmt.Sprintf("chatcmpl-%d", ev.Message.ID)
			sse.start()
			started = true
			return sse.send("", chunk(map[string]any{"role": "assistant", "content": ""}, nil))
		case companion.EventDelta:
			return sse.send("", chunk(map[string]any{"content": ev.Delta}, nil))
		case companion.EventDone:
			if err := sse.send("", chunk(map[string]any{}, "stop")); err != nil {
				return err
			}
			return sse.sendRaw("[DONE]")
		case companion.EventError:
			body := oaErrorBody{Message: os1.ErrorMessage(ev.Err), Type: "server_error", Code: os1.ErrorCode(ev.Err)}
			return sse.send("", oaError{Error: body})
		}
		return nil
	})
	if err != nil && !started {
		s.openAIError(w, r, err)
	}
}
