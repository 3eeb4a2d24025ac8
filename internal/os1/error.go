package os1

import (
	"errors"
	"fmt"
)

// Application error codes. The HTTP layer maps them to status codes; every
// other layer only sets them.
const (
	ECONFLICT     = "conflict"     // the request conflicts with what is stored
	EINTERNAL     = "internal"     // a fault of ours; details are logged, not shown
	EINVALID      = "invalid"      // the input is malformed or breaks a rule
	ENOTFOUND     = "not_found"    // no such thing (or not the caller's)
	EUNAUTHORIZED = "unauthorized" // the caller is not signed in
	EFORBIDDEN    = "forbidden"    // signed in, but not allowed
	ETOOLARGE     = "too_large"    // the body or field is over its limit
	EUNAVAILABLE  = "unavailable"  // a dependency (the model server) is down
	ECLOSED       = "closed"       // the instance no longer accepts this (sunset)
	ERATELIMIT    = "rate_limited" // too many requests; try again later
)

// Error is an application error: a code from the list above and a message
// that is safe to show to the person.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("os1 error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, and
// "internal error" for any other non-nil error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
