package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// MaxBodyBytes is the default limit for request bodies.
const MaxBodyBytes = 1 << 20

// HandlerFunc is an http handler that returns an error instead of writing
// one; Handle turns it into an http.Handler that writes the error envelope.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// Handle adapts h, writing any returned error as JSON.
func Handle(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			WriteError(w, r, err)
		}
	})
}

// WriteError writes err as the JSON error envelope and logs 5xx causes.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	he := AsError(err)
	if he.Status >= 500 {
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", LogPath(r), "err", err)
	}
	SetErrorCode(r.Context(), he.Code)
	for k, vs := range he.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	WriteJSON(w, he.Status, ErrorBody{Error: he.Code, Message: he.Message})
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// DecodeJSON reads the request body into v strictly: it must be JSON, at
// most MaxBodyBytes, hold exactly one value and no unknown fields. Errors
// are 400/413 with a message that says what is wrong.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	// The Content-Type is not checked: `curl -d` sends a form type with a
	// JSON body. Cross-site forms are stopped by the Origin and CSRF checks.
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err == nil {
			return BadRequest("request body must hold a single JSON value")
		}
		return decodeError(err)
	}
	return nil
}

func decodeError(err error) error {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		maxErr    *http.MaxBytesError
	)
	switch {
	case errors.As(err, &maxErr):
		return Errorf(http.StatusRequestEntityTooLarge, "payload_too_large", "request body exceeds %d bytes", maxErr.Limit)
	case errors.Is(err, io.EOF):
		return BadRequest("request body is empty; a JSON object is required")
	case errors.As(err, &syntaxErr):
		return BadRequest("malformed JSON at byte %d: %v", syntaxErr.Offset, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("malformed JSON: unexpected end of input")
	case errors.As(err, &typeErr):
		if typeErr.Field != "" {
			return BadRequest("field %q must be %s, not JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
		}
		return BadRequest("request body must be a JSON %s, not %s", typeErr.Type, typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return BadRequest("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		return BadRequest("malformed JSON: %v", fmt.Sprint(err))
	}
}
