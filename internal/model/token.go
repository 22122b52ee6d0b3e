package model

import "time"

// TokenKind tells a browser session from an API token.
type TokenKind string

const (
	// TokenSession is created by a login and carried by the session cookie
	// (and returned once in the login response).
	TokenSession TokenKind = "session"
	// TokenAPI is created explicitly through /v1/tokens.
	TokenAPI TokenKind = "api"
	// TokenShell is the short-lived credential of a browser kubectl shell
	// session: it works only through the Kubernetes proxy
	// (/k8s/clusters/...), so the shell cannot use it to call Paddock's own
	// API (e.g. to mint a longer-lived token).
	TokenShell TokenKind = "shell"
)

// Token is a bearer credential. Only a hash of its secret is stored.
type Token struct {
	ID          string
	UserID      string
	Kind        TokenKind
	Description string
	// Hash is the hex SHA-256 of the secret token string.
	Hash       string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt time.Time // zero when never used
}

// Expired reports whether the token is past its expiry at now.
func (t Token) Expired(now time.Time) bool { return !now.Before(t.ExpiresAt) }
