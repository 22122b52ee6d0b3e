package httpx

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"
)

// Chain applies middleware so that the first listed is the outermost.
func Chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// StatusRecorder remembers the status code and bytes written.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
	Bytes  int64
}

func (s *StatusRecorder) WriteHeader(code int) {
	if s.Status == 0 {
		s.Status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *StatusRecorder) Write(b []byte) (int, error) {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.Bytes += int64(n)
	return n, err
}

// Flush passes flushes through (watch streams need them).
func (s *StatusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack passes connection upgrades through.
func (s *StatusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("response writer cannot hijack")
	}
	if s.Status == 0 {
		s.Status = http.StatusSwitchingProtocols
	}
	return h.Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *StatusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Observe is the outermost middleware: it assigns the request id, recovers
// panics into a 500 envelope, and writes one structured access-log line and
// the request metrics when the request ends.
func Observe(m *Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			info := &Info{ID: r.Header.Get("X-Request-Id")}
			if !validRequestID(info.ID) {
				info.ID = newRequestID()
			}
			w.Header().Set("X-Request-Id", info.ID)
			ctx := context.WithValue(r.Context(), infoKey{}, info)
			r = r.WithContext(ctx)
			rec := &StatusRecorder{ResponseWriter: w}
			defer func() {
				if p := recover(); p != nil {
					if p == http.ErrAbortHandler {
						panic(p)
					}
					slog.ErrorContext(ctx, "panic serving request", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					if rec.Status == 0 {
						WriteError(rec, r, errors.New("panic"))
					}
				}
				if rec.Status == 0 {
					rec.Status = http.StatusOK
				}
				route := info.Route
				if route == "" {
					route = r.Pattern
				}
				if route == "" {
					route = "unmatched"
				}
				path := LogPath(r)
				elapsed := time.Since(start)
				m.observe(route, r.Method, rec.Status, elapsed)
				slog.LogAttrs(ctx, levelFor(rec.Status), "request",
					slog.String("id", info.ID), slog.String("method", r.Method),
					slog.String("route", route), slog.String("path", path),
					slog.Int("status", rec.Status), slog.Int64("bytes", rec.Bytes),
					slog.Duration("duration", elapsed), slog.String("remote", ClientIP(r)),
					slog.String("actor", info.Actor), slog.String("error", info.ErrorCode))
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// SecurityHeaders sets the headers every response should carry.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Strict-Transport-Security", "max-age=31536000")
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'")
		next.ServeHTTP(w, r)
	})
}
