package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
)

type infoKey struct{}

// Info is per-request state that outer middleware creates and inner layers
// fill in (the matched route, the acting user, the error code), so logs,
// metrics and the audit log all describe the same request.
type Info struct {
	ID        string
	Route     string
	Actor     string
	ActorID   string
	ErrorCode string
}

// SecretPathPrefixes are URL paths that carry a credential (an import
// token); logs and audit records show them as LogPath does. Set once at
// start-up by the wiring point.
var SecretPathPrefixes []string

// LogPath is the request path as logs and audit records may show it.
func LogPath(r *http.Request) string {
	for _, p := range SecretPathPrefixes {
		if strings.HasPrefix(r.URL.Path, p) || strings.HasPrefix(r.URL.EscapedPath(), p) {
			return p + "[redacted]"
		}
	}
	return r.URL.Path
}

// InfoFrom returns the request's Info, or a throwaway one outside the chain.
func InfoFrom(ctx context.Context) *Info {
	if i, ok := ctx.Value(infoKey{}).(*Info); ok {
		return i
	}
	return &Info{}
}

// SetErrorCode records the API error code of the response.
func SetErrorCode(ctx context.Context, code string) { InfoFrom(ctx).ErrorCode = code }

// SetActor records who made the request, for logs and the audit trail.
func SetActor(ctx context.Context, username, id string) {
	i := InfoFrom(ctx)
	i.Actor, i.ActorID = username, id
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validRequestID accepts a caller-supplied id only when it is short and made
// of safe characters, so it cannot inject into logs.
func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// ClientIP returns the peer address of the request. Forwarding headers are
// not trusted: Paddock terminates TLS itself.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return strings.TrimSpace(r.RemoteAddr)
	}
	return host
}
