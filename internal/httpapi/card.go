package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"os1/internal/card"
	"os1/internal/os1"
)

// CardService is what the card routes need of the persona service. Both
// methods work on the given user's companion only.
type CardService interface {
	// Persona returns the user's current persona, or an ENOTFOUND error
	// when there is none yet.
	Persona(ctx context.Context, userID int64) (*os1.Persona, error)
	// SetPersona stores p as the user's new current persona (a new
	// version), with a reason the person can read.
	SetPersona(ctx context.Context, userID int64, p *os1.Persona, reason string) error
}

// cardRoutes adds the character card routes when s.Cards is set.
func (s *Server) cardRoutes(mux *http.ServeMux) {
	if s.Cards == nil {
		return
	}
	mux.Handle("POST /api/v1/companion/card", s.auth(s.handleImportCard))
	mux.Handle("GET /api/v1/companion/card", s.auth(s.handleExportCard))
}

// CardImport is the reply of POST /api/v1/companion/card: the persona now
// stored, what was read, and what the person should know about it.
type CardImport struct {
	Persona  *os1.Persona `json:"persona"`
	Spec     string       `json:"spec"`   // "chara_card_v2", "chara_card_v3" or "v1"
	Format   string       `json:"format"` // "json", "png" or "charx"
	Warnings []string     `json:"warnings"`
}

// handleImportCard imports a character card as the caller's persona. The
// card is the raw body (any Content-Type: JSON, PNG or a .charx zip; the
// format is read from the bytes) or the first file of a multipart form.
func (s *Server) handleImportCard(w http.ResponseWriter, r *http.Request, u *os1.User) {
	data, name, err := readCardUpload(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	im, err := card.Import(data, name)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	spec := map[card.Version]string{card.V1: "v1", card.V2: card.SpecV2, card.V3: card.SpecV3}[im.Card.Version]
	what := "a character card"
	if name != "" {
		what = fmt.Sprintf("the character card %q", name)
	}
	reason := fmt.Sprintf("Imported %s (%s, %s).", what, spec, strings.ToUpper(im.Format))
	if err := s.Cards.SetPersona(r.Context(), u.ID, im.Persona, reason); err != nil {
		s.Error(w, r, err)
		return
	}
	if im.Warnings == nil {
		im.Warnings = []string{}
	}
	writeJSON(w, http.StatusCreated, CardImport{Persona: im.Persona, Spec: spec, Format: im.Format, Warnings: im.Warnings})
}

// readCardUpload returns the uploaded card's bytes and file name (if one
// was given), within card.MaxInputSize and the server's body limit.
func readCardUpload(r *http.Request) ([]byte, string, error) {
	read := func(rd io.Reader) ([]byte, error) {
		b, err := io.ReadAll(io.LimitReader(rd, card.MaxInputSize+1))
		var maxErr *http.MaxBytesError
		switch {
		case errors.As(err, &maxErr):
			return nil, os1.Errorf(os1.ETOOLARGE, "the card is larger than the %d bytes this server accepts in a request", maxErr.Limit)
		case err != nil:
			return nil, os1.Errorf(os1.EINVALID, "could not read the card: %v", err)
		case len(b) > card.MaxInputSize:
			return nil, os1.Errorf(os1.ETOOLARGE, "the card is larger than %d MiB; character cards are smaller", card.MaxInputSize>>20)
		}
		return b, nil
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		b, err := read(r.Body)
		name := r.URL.Query().Get("filename")
		if _, p, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil && p["filename"] != "" {
			name = p["filename"]
		}
		return b, baseName(name), err
	}
	if params["boundary"] == "" {
		return nil, "", os1.Errorf(os1.EINVALID, "the multipart form has no boundary; send the card as a file field or as the raw body")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", os1.Errorf(os1.EINVALID, "the multipart form is malformed: %v", err)
	}
	for range 16 {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, "", os1.Errorf(os1.ETOOLARGE, "the card is larger than the %d bytes this server accepts in a request", maxErr.Limit)
		} else if err != nil {
			return nil, "", os1.Errorf(os1.EINVALID, "the multipart form is malformed: %v", err)
		}
		if part.FileName() == "" {
			part.Close()
			continue
		}
		b, err := read(part)
		part.Close()
		return b, baseName(part.FileName()), err
	}
	return nil, "", os1.Errorf(os1.EINVALID, "the form has no file; attach the card (JSON, PNG or .charx) as a file field")
}

// baseName is the last element of a client's file name, for messages.
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// handleExportCard downloads the caller's persona as a character card:
// ?format=json|png|charx (default json) and ?spec=v2|v3 (default v3).
// PNG cards carry both the V2 and the V3 chunk.
func (s *Server) handleExportCard(w http.ResponseWriter, r *http.Request, u *os1.User) {
	q := r.URL.Query()
	format := strings.ToLower(q.Get("format"))
	if format == "" {
		format = card.FormatJSON
	}
	v, err := card.ParseVersion(q.Get("spec"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	switch format {
	case card.FormatJSON, card.FormatPNG, card.FormatCharx:
	default:
		s.Error(w, r, os1.Errorf(os1.EINVALID, "unknown card format %q; use json, png or charx", format))
		return
	}
	p, err := s.Cards.Persona(r.Context(), u.ID)
	if os1.ErrorCode(err) == os1.ENOTFOUND {
		s.Error(w, r, os1.Errorf(os1.ENOTFOUND, "your companion has no persona yet; import a card or finish the first meeting first"))
		return
	} else if err != nil {
		s.Error(w, r, err)
		return
	}
	data, ctype, err := card.Export(p, format, v, nil)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": card.FileName(p, format)}))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}
