package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"os1/api"
	"os1/internal/os1"
)

// statusOf maps application error codes to HTTP statuses.
var statusOf = map[string]int{
	os1.ECONFLICT:     http.StatusConflict,
	os1.EINVALID:      http.StatusBadRequest,
	os1.ENOTFOUND:     http.StatusNotFound,
	os1.EUNAUTHORIZED: http.StatusUnauthorized,
	os1.EFORBIDDEN:    http.StatusForbidden,
	os1.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	os1.EUNAVAILABLE:  http.StatusServiceUnavailable,
	os1.ECLOSED:       http.StatusGone,
	os1.ERATELIMIT:    http.StatusTooManyRequests,
	os1.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status for an error's code.
func ErrorStatus(err error) int {
	if st, ok := statusOf[os1.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// Error writes err as a JSON error. Internal errors are logged and shown
// only as "internal error".
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := os1.ErrorCode(err), os1.ErrorMessage(err)
	if code == os1.EINTERNAL {
		s.logger().Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, ErrorStatus(err), api.ErrorResponse{Error: api.ErrorBody{Code: code, Message: msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// decodeJSON reads one JSON object from the body into v. It returns an
// EINVALID error naming the problem (syntax, wrong type, unknown field,
// trailing data, invalid UTF-8) or ETOOLARGE when the body is over the limit.
func decodeJSON(r io.Reader, v any) error {
	body, err := io.ReadAll(r)
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return os1.Errorf(os1.ETOOLARGE, "request body is larger than %d bytes", maxErr.Limit)
	} else if err != nil {
		return os1.Errorf(os1.EINVALID, "could not read the request body: %v", err)
	}
	return unmarshalStrict(body, v)
}

// decodeOptionalJSON is decodeJSON for endpoints whose body may be empty.
func decodeOptionalJSON(r io.Reader, v any) error {
	body, err := io.ReadAll(r)
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return os1.Errorf(os1.ETOOLARGE, "request body is larger than %d bytes", maxErr.Limit)
	} else if err != nil {
		return os1.Errorf(os1.EINVALID, "could not read the request body: %v", err)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	return unmarshalStrict(body, v)
}

// decodeLenientJSON is decodeJSON that ignores unknown fields, for the
// OpenAI-compatible endpoint: its clients send many fields OS1 has no use
// for (tools, tool_call_id, response_format, …) and must still be answered.
func decodeLenientJSON(r io.Reader, v any) error {
	body, err := io.ReadAll(r)
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return os1.Errorf(os1.ETOOLARGE, "request body is larger than %d bytes", maxErr.Limit)
	} else if err != nil {
		return os1.Errorf(os1.EINVALID, "could not read the request body: %v", err)
	}
	return unmarshalJSON(body, v, false)
}

func unmarshalStrict(body []byte, v any) error { return unmarshalJSON(body, v, true) }

// unmarshalJSON decodes one JSON value from body into v; strict refuses
// fields v does not have.
func unmarshalJSON(body []byte, v any, strict bool) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return os1.Errorf(os1.EINVALID, "request body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		return os1.Errorf(os1.EINVALID, "request body is not valid UTF-8")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return os1.Errorf(os1.EINVALID, "malformed JSON at byte %d: %v", syn.Offset, syn)
		case errors.As(err, &typ):
			if typ.Field != "" {
				return os1.Errorf(os1.EINVALID, "field %q must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
			}
			return os1.Errorf(os1.EINVALID, "the body must be a JSON object, not %s", typ.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return os1.Errorf(os1.EINVALID, "%s", strings.TrimPrefix(err.Error(), "json: "))
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			return os1.Errorf(os1.EINVALID, "malformed JSON: the body ends too early")
		default:
			return os1.Errorf(os1.EINVALID, "malformed JSON: %v", err)
		}
	}
	// Only white space may follow. (dec.More would miss a stray '}' or ']'.)
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return os1.Errorf(os1.EINVALID, "malformed JSON: unexpected data after the object")
	}
	return nil
}

func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "int", "int64", "int32", "float64", "uint", "uint64":
		return "a number"
	case "bool":
		return "true or false"
	case "ptr":
		return "a value of another type"
	}
	return fmt.Sprintf("a %s", kind)
}
