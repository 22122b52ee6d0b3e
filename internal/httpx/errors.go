package httpx

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an API error with its HTTP status and a stable machine code.
// Message is shown to the caller, so it must never hold secrets.
type Error struct {
	Status  int
	Code    string
	Message string
	// Header holds extra response headers (e.g. Retry-After).
	Header http.Header
	// Cause is logged, never returned to the caller.
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf builds an Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Common errors. Each returns a fresh value so callers may add headers.
func BadRequest(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, "bad_request", format, args...)
}

func Unauthorized(format string, args ...any) *Error {
	return Errorf(http.StatusUnauthorized, "unauthorized", format, args...)
}

func Forbidden(format string, args ...any) *Error {
	return Errorf(http.StatusForbidden, "forbidden", format, args...)
}

func NotFound(format string, args ...any) *Error {
	return Errorf(http.StatusNotFound, "not_found", format, args...)
}

func Conflict(format string, args ...any) *Error {
	return Errorf(http.StatusConflict, "conflict", format, args...)
}

func Invalid(format string, args ...any) *Error {
	return Errorf(http.StatusUnprocessableEntity, "validation_failed", format, args...)
}

// AsError converts any error to an *Error; unknown errors become a 500
// whose cause is kept for the log only.
func AsError(err error) *Error {
	var he *Error
	if errors.As(err, &he) {
		return he
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal server error", Cause: err}
}
