package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"os1/internal/os1"
)

// StatusError is an HTTP error answer from a model server, as produced by the
// transport of [HTTPClient]. Message is the server's own explanation, taken
// from the usual JSON error envelopes when the body has one.
type StatusError struct {
	StatusCode int
	Message    string        // the server's explanation; may be empty
	RetryAfter time.Duration // from a Retry-After header; 0 when absent
}

// Error implements the error interface.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("HTTP %d", e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		s += " " + t
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// ServerError is a failure a server reported inside an answer that began
// well, such as Ollama's {"error": "…"} line in a 200 stream: the server
// failed.
type ServerError struct {
	Message string
}

// Error implements the error interface.
func (e *ServerError) Error() string { return e.Message }

// Error is an [*os1.Error] together with the failure that caused it. Its text
// is the person-facing message; errors.As finds the *os1.Error, and
// errors.Is / errors.As see the cause (for logs and tests).
type Error struct {
	App   *os1.Error
	Cause error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Cause == nil {
		return e.App.Message
	}
	return e.App.Message + " (" + e.Cause.Error() + ")"
}

// Unwrap returns the application error and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.App}
	}
	return []error{e.App, e.Cause}
}

// Kind sorts failures for the retry loop and for the messages.
type Kind int

// Kinds of failure.
const (
	KindOther       Kind = iota // anything not listed below: not retried
	KindUnreachable             // connection refused or reset, DNS, timeouts, broken streams: retried
	KindBusy                    // 429, 502, 503, 504, 529: retried
	KindAuth                    // 401, 403: the API key was refused
	KindNotFound                // 404: usually the model does not exist there
	KindServer                  // other 5xx: the server failed; not retried
	KindRejected                // other 4xx: the server rejected the request
	KindCanceled                // the caller's context ended
)

// Transient reports whether a failure of this kind is worth retrying.
func (k Kind) Transient() bool { return k == KindUnreachable || k == KindBusy }

// errFirstChunkTimeout is the cancel cause set when no chunk (or, for plain
// calls, no answer) arrived in time.
var errFirstChunkTimeout = errors.New("no answer within the timeout")

// Classify sorts err. It looks through wrapping, so SDK errors that wrap
// transport failures classify by the transport failure.
func Classify(err error) Kind {
	if err == nil {
		return KindOther
	}
	if errors.Is(err, errFirstChunkTimeout) {
		return KindUnreachable
	}
	var se *StatusError
	if errors.As(err, &se) {
		switch c := se.StatusCode; {
		case c == http.StatusUnauthorized || c == http.StatusForbidden:
			return KindAuth
		case c == http.StatusNotFound:
			return KindNotFound
		case c == http.StatusTooManyRequests || c == http.StatusBadGateway ||
			c == http.StatusServiceUnavailable || c == http.StatusGatewayTimeout || c == 529:
			return KindBusy
		case c >= 500:
			return KindServer
		default:
			return KindRejected
		}
	}
	var sv *ServerError
	if errors.As(err, &sv) {
		return KindServer
	}
	if errors.Is(err, context.Canceled) {
		return KindCanceled
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return KindUnreachable
	}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.As(err, &dnsErr), errors.As(err, &opErr):
		return KindUnreachable
	case errors.As(err, &netErr) && netErr.Timeout():
		return KindUnreachable
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// Any other failure to complete the HTTP exchange (a closed
		// connection, a malformed answer) means the server is not
		// answering properly.
		return KindUnreachable
	}
	return KindOther
}

// Endpoint describes a model server for error messages.
type Endpoint struct {
	Provider string // "openai", "ollama", "anthropic"
	// Server is how messages name the server, e.g. "the Ollama server";
	// "": "the model server".
	Server string
	URL    string // the base URL as configured
	Model  string // the model asked for
	// ModelHint tells how to fix a missing model, e.g. "pull it with
	// `ollama pull llama3.2`". Optional.
	ModelHint string
	// StartHint tells how to start the server, e.g. "start it with
	// `ollama serve`". Optional.
	StartHint string
	// KeyHint tells where the API key is set. Optional.
	KeyHint string
}

// Fail turns a failure of a call to this endpoint into the error a caller
// returns. Context cancellation comes back as a wrapped ctx error (errors.Is
// works); everything else as an [*Error] whose App code is EUNAVAILABLE for
// what an operator must fix on the model server's side, EINTERNAL for
// requests the server rejected. midReply says that part of a reply was
// already delivered.
func (ep Endpoint) Fail(err error, midReply bool) error {
	if err == nil {
		return nil
	}
	var le *Error
	if errors.As(err, &le) {
		return err
	}
	kind := Classify(err)
	if kind == KindCanceled {
		return fmt.Errorf("%s: %w", ep.Provider, err)
	}
	server := ep.Server
	if server == "" {
		server = "the model server"
	}
	at := server + " at " + ep.URL
	var msg string
	code := os1.EUNAVAILABLE
	var se *StatusError
	errors.As(err, &se)
	switch {
	case midReply && (kind == KindUnreachable || kind == KindBusy || kind == KindServer):
		msg = fmt.Sprintf("%s stopped in the middle of the reply: %s", at, short(err))
	case kind == KindUnreachable:
		msg = fmt.Sprintf("%s is not answering: %s", at, short(err))
		msg += "; check that it is running and that the URL is right"
		if ep.StartHint != "" {
			msg += " (" + ep.StartHint + ")"
		}
	case kind == KindBusy && se != nil && se.StatusCode == http.StatusTooManyRequests:
		msg = fmt.Sprintf("%s is limiting requests (HTTP 429)%s; try again in a moment", at, detail(se))
	case kind == KindBusy:
		msg = fmt.Sprintf("%s is not answering: it is busy or down (HTTP %d)%s; try again in a moment", at, se.StatusCode, detail(se))
	case kind == KindAuth:
		msg = fmt.Sprintf("%s refused the API key (HTTP %d)%s; check the API key", at, se.StatusCode, detail(se))
		if ep.KeyHint != "" {
			msg += " (" + ep.KeyHint + ")"
		}
	case kind == KindNotFound && ep.Model == "":
		msg = fmt.Sprintf("%s answered 404 Not Found%s; check the URL", at, detail(se))
	case kind == KindNotFound:
		msg = fmt.Sprintf("%s does not have the model %q%s", at, ep.Model, detail(se))
		if ep.ModelHint != "" {
			msg += "; " + ep.ModelHint
		}
	case kind == KindServer && se == nil:
		msg = fmt.Sprintf("%s failed: %s", at, short(err))
	case kind == KindServer:
		msg = fmt.Sprintf("%s failed (HTTP %d)%s", at, se.StatusCode, detail(se))
	case kind == KindRejected:
		code = os1.EINTERNAL
		msg = fmt.Sprintf("%s rejected the request (HTTP %d)%s", at, se.StatusCode, detail(se))
	case midReply:
		msg = fmt.Sprintf("%s stopped in the middle of the reply: %s", at, short(err))
	default:
		code = os1.EINTERNAL
		msg = fmt.Sprintf("%s answered in a way that could not be used: %s", at, short(err))
	}
	return &Error{App: &os1.Error{Code: code, Message: msg}, Cause: err}
}

// detail renders a status error's server message as ": msg", or "".
func detail(se *StatusError) string {
	if se == nil || se.Message == "" {
		return ""
	}
	return ": " + strings.TrimRight(se.Message, ". ")
}

// short renders a transport failure without the request line that url.Error
// puts in front ("Post \"http://…\": dial tcp …" becomes "dial tcp …").
func short(err error) string {
	var te *timeoutError
	if errors.As(err, &te) {
		return te.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return strings.TrimSpace(s)
}
