package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"os1/api"
	"os1/internal/archive"
	"os1/internal/os1"
)

// MemoryService is what the memory routes need; *memory.Service
// implements it. Every method works on the given user's memories only.
type MemoryService interface {
	// List returns the user's memories of a kind ("" for all), newest first.
	List(ctx context.Context, userID int64, kind string) ([]os1.MemoryItem, error)
	// Search returns the user's memories relevant to query, best first.
	Search(ctx context.Context, userID int64, query string, limit int) ([]os1.Recalled, error)
	// Show returns one memory with its source messages (ENOTFOUND if it
	// is not the user's).
	Show(ctx context.Context, userID int64, kind string, id int64) (*os1.MemoryItem, []*os1.Message, error)
	// EditFact corrects a fact, keeping the old statement as history.
	EditFact(ctx context.Context, userID, id int64, statement string) (*os1.Fact, error)
	// Forget removes a memory from recall and the index.
	Forget(ctx context.Context, userID int64, kind string, id int64) error
	// ForgetConversation forgets a conversation's turns and what was
	// derived from them; it returns how many turns it removed.
	ForgetConversation(ctx context.Context, userID, conversationID int64) (int, error)
	// PersonData returns everything stored about the user, for the export.
	PersonData(ctx context.Context, userID int64) (*os1.PersonData, error)
}

// memoryRoutes adds the memory routes when s.Memory is set.
func (s *Server) memoryRoutes(mux *http.ServeMux) {
	if s.Memory == nil {
		return
	}
	mux.Handle("GET /api/v1/memory", s.auth(s.handleListMemory))
	mux.Handle("GET /api/v1/memory/{kind}/{id}", s.auth(s.handleShowMemory))
	mux.Handle("PATCH /api/v1/memory/facts/{id}", s.auth(s.handleEditFact))
	mux.Handle("DELETE /api/v1/memory/{kind}/{id}", s.auth(s.handleForgetMemory))
	mux.Handle("DELETE /api/v1/conversations/{id}/memory", s.auth(s.handleForgetConversation))
	mux.Handle("GET /api/v1/export", s.auth(s.handleExport))
}

// MemoryList is the reply of GET /api/v1/memory without ?q=: the
// memories, newest first.
type MemoryList struct {
	Items []os1.MemoryItem `json:"items"`
}

// MemorySearch is the reply of GET /api/v1/memory?q=: what recall finds,
// best first, each with its source message ids.
type MemorySearch struct {
	Results []os1.Recalled `json:"results"`
}

// MemoryShow is one memory with the messages it came from.
type MemoryShow struct {
	Item    *os1.MemoryItem `json:"item"`
	Sources []*api.Message  `json:"sources"`
}

// FactEdit is the body of PATCH /api/v1/memory/facts/{id}.
type FactEdit struct {
	Statement string `json:"statement"`
}

// FactEdited is its reply: the corrected fact, which replaces Replaces.
type FactEdited struct {
	Fact     *os1.Fact `json:"fact"`
	Replaces int64     `json:"replaces"`
}

// memoryKind maps a path segment (singular or plural) to a memory kind.
func memoryKind(seg string) (string, error) {
	switch seg {
	case "fact", "facts":
		return os1.KindFact, nil
	case "person", "people":
		return os1.KindPerson, nil
	case "summary", "summaries":
		return os1.KindSummary, nil
	case "reflection", "reflections":
		return os1.KindReflection, nil
	case "turn", "turns":
		return os1.KindTurn, nil
	}
	return "", os1.Errorf(os1.ENOTFOUND, "no memory kind %q (facts, people, summaries, reflections, turns)", seg)
}

// memoryPath parses {kind}/{id}.
func memoryPath(r *http.Request) (string, int64, error) {
	kind, err := memoryKind(r.PathValue("kind"))
	if err != nil {
		return "", 0, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return "", 0, os1.Errorf(os1.ENOTFOUND, "no such %s", kind)
	}
	return kind, id, nil
}

func (s *Server) handleListMemory(w http.ResponseWriter, r *http.Request, u *os1.User) {
	q := r.URL.Query()
	kind := ""
	if k := q.Get("kind"); k != "" {
		var err error
		if kind, err = memoryKind(k); err != nil {
			s.Error(w, r, os1.Errorf(os1.EINVALID, "%s", os1.ErrorMessage(err)))
			return
		}
		if kind == os1.KindTurn {
			s.Error(w, r, os1.Errorf(os1.EINVALID, "turns are not listed; search them with ?q="))
			return
		}
	}
	if text := q.Get("q"); text != "" {
		if len(text) > 2000 {
			s.Error(w, r, os1.Errorf(os1.EINVALID, "the query is longer than 2000 bytes"))
			return
		}
		limit, err := queryInt(r, "limit")
		if err != nil {
			s.Error(w, r, err)
			return
		}
		if limit == 0 || limit > 100 {
			limit = 20
		}
		res, err := s.Memory.Search(r.Context(), u.ID, text, int(limit))
		if err != nil {
			s.Error(w, r, err)
			return
		}
		if kind != "" {
			var only []os1.Recalled
			for _, it := range res {
				if it.Kind == kind {
					only = append(only, it)
				}
			}
			res = only
		}
		writeJSON(w, http.StatusOK, MemorySearch{Results: nonNil(res)})
		return
	}
	items, err := s.Memory.List(r.Context(), u.ID, kind)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, MemoryList{Items: nonNil(items)})
}

func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

func (s *Server) handleShowMemory(w http.ResponseWriter, r *http.Request, u *os1.User) {
	kind, id, err := memoryPath(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	item, msgs, err := s.Memory.Show(r.Context(), u.ID, kind, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := MemoryShow{Item: item, Sources: []*api.Message{}}
	for _, m := range msgs {
		out.Sources = append(out.Sources, MessageDTO(m))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleEditFact(w http.ResponseWriter, r *http.Request, u *os1.User) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.Error(w, r, os1.Errorf(os1.ENOTFOUND, "no such fact"))
		return
	}
	var req FactEdit
	if err := decodeJSON(r.Body, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	req.Statement = strings.TrimSpace(req.Statement)
	if req.Statement == "" || len(req.Statement) > 1000 {
		s.Error(w, r, os1.Errorf(os1.EINVALID, "statement must be 1 to 1000 bytes"))
		return
	}
	f, err := s.Memory.EditFact(r.Context(), u.ID, id, req.Statement)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, FactEdited{Fact: f, Replaces: id})
}

func (s *Server) handleForgetMemory(w http.ResponseWriter, r *http.Request, u *os1.User) {
	kind, id, err := memoryPath(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Memory.Forget(r.Context(), u.ID, kind, id); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleForgetConversation(w http.ResponseWriter, r *http.Request, u *os1.User) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if _, err := s.Store.FindConversation(r.Context(), u.ID, id); err != nil {
		s.Error(w, r, err)
		return
	}
	n, err := s.Memory.ForgetConversation(r.Context(), u.ID, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"forgotten_turns": n})
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// handleExport sends the signed-in person's archive: JSON by default,
// the Markdown rendering with ?format=markdown.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request, u *os1.User) {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "markdown" {
		s.Error(w, r, os1.Errorf(os1.EINVALID, "format must be json or markdown"))
		return
	}
	a, err := archive.Build(r.Context(), s.Memory, u.ID, s.ArchiveSections...)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	ext, ctype := "json", "application/json; charset=utf-8"
	if format == "markdown" {
		ext, ctype = "md", "text/markdown; charset=utf-8"
		err = archive.WriteMarkdown(&buf, a)
	} else {
		err = archive.WriteJSON(&buf, a)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	name := fmt.Sprintf("os1-%s-%s.%s", unsafeFileChars.ReplaceAllString(u.Name, "_"), time.Now().UTC().Format("20060102"), ext)
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}
