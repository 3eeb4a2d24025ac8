package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"os1/api"
	"os1/internal/companion"
	"os1/internal/os1"
)

// handleWebSocket serves a conversation over a WebSocket: the client sends
// api.WSRequest frames, the server answers each with the turn's api.Event
// frames. Frames that arrive during a turn wait for it. When the
// connection closes, a turn in progress is cancelled and its reply stored as
// interrupted.
func (s *Server) handleWebSocket(w http.ResponseWriter, r *http.Request, u *os1.User) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if _, err := s.Store.FindConversation(r.Context(), u.ID, id); err != nil {
		s.Error(w, r, err)
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has written the error
	}
	defer conn.CloseNow()
	conn.SetReadLimit(s.maxBody())

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	reqs := make(chan api.WSRequest, 8)
	readErr := make(chan error, 1)
	go func() {
		defer close(reqs)
		for {
			typ, data, err := conn.Read(ctx)
			if err != nil {
				readErr <- err
				cancel()
				return
			}
			var req api.WSRequest
			if typ != websocket.MessageText {
				err = os1.Errorf(os1.EINVALID, "send JSON text frames")
			} else {
				err = unmarshalStrict(data, &req)
			}
			if err != nil {
				s.writeWS(ctx, conn, api.Event{Type: api.EventError, Error: &api.ErrorBody{Code: os1.ErrorCode(err), Message: os1.ErrorMessage(err)}})
				continue
			}
			select {
			case reqs <- req:
			case <-ctx.Done():
				readErr <- ctx.Err() // the handler waits for it below
				return
			}
		}
	}()

	for req := range reqs {
		turn := companion.TurnRequest{UserID: u.ID, ConversationID: id}
		switch req.Type {
		case "message", "":
			turn.Content = req.Content
		case "retry":
			turn.Retry = true
		default:
			err := os1.Errorf(os1.EINVALID, "unknown frame type %q; use \"message\" or \"retry\"", req.Type)
			s.writeWS(ctx, conn, api.Event{Type: api.EventError, Error: &api.ErrorBody{Code: os1.ErrorCode(err), Message: os1.ErrorMessage(err)}})
			continue
		}
		started := false
		_, err := s.Engine.Turn(ctx, turn, func(ev companion.Event) error {
			started = true
			return s.writeWS(ctx, conn, EventDTO(ev))
		})
		if err != nil && !started {
			s.writeWS(ctx, conn, api.Event{Type: api.EventError, Error: &api.ErrorBody{Code: os1.ErrorCode(err), Message: os1.ErrorMessage(err)}})
		}
	}
	// Answer a client's normal close; when the server is going away (its
	// context cancelled) the deferred CloseNow drops the connection without
	// waiting up to five seconds for a closing handshake nobody may answer.
	err = <-readErr
	if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
		conn.Close(websocket.StatusNormalClosure, "")
	}
}

func (s *Server) writeWS(ctx context.Context, conn *websocket.Conn, ev api.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return conn.Write(ctx, websocket.MessageText, b)
}
