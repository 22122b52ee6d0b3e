// Package idp owns the contract between Paddock and identity providers:
// what a connector may offer (password login, browser redirect login,
// refreshing a person's groups, searching groups, a connection test), what
// it returns (an Identity with a stable subject), and how a provider type
// is described (its secret fields, its constructor). Connectors live in
// sub-packages (ldap, oidc, saml, github); the explicit registry of types
// is in the wiring point. In the style of Dex's connectors.
package idp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// Identity is what a provider vouches for after a sign-in.
type Identity struct {
	// Subject is the provider's stable id for the person — never a name
	// they could choose (OIDC sub, LDAP entryUUID or DN, SAML persistent
	// NameID, GitHub numeric user id).
	Subject     string
	Username    string
	DisplayName string
	Email       string
	// Groups are the provider's group names, without any prefix.
	Groups []string
}

// Errors connectors return (wrapped with detail).
var (
	// ErrBadCredentials: unknown user or wrong password. Its message must
	// not say which.
	ErrBadCredentials = errors.New("invalid username or password")
	// ErrGone: the person no longer exists at the provider (Refresh).
	ErrGone = errors.New("no longer known to the identity provider")
	// ErrRefused: the provider answered but refused the sign-in (bad
	// state, nonce, signature, audience, replay...). The wrapped detail is
	// for the log and the admin's test, not for the user.
	ErrRefused = errors.New("sign-in refused")
	// ErrUnavailable: the provider could not be reached in time.
	ErrUnavailable = errors.New("identity provider unavailable")
)

// Connector is a configured provider. It implements any of the
// interfaces below; Close releases pooled connections.
type Connector interface {
	Close() error
}

// PasswordConnector signs people in with a username and password.
type PasswordConnector interface {
	Login(ctx context.Context, username, password string) (*Identity, error)
}

// RedirectConnector signs people in through their browser.
type RedirectConnector interface {
	// Begin returns where to send the browser and opaque state that the
	// caller keeps server-side (bound to the browser by a cookie) until
	// the callback. callbackURL is where the provider must send the
	// browser back.
	Begin(ctx context.Context, callbackURL string) (authURL string, state []byte, err error)
	// Finish completes the sign-in from the callback request (a GET with
	// a code, or a POST with a SAML response) and the kept state.
	Finish(ctx context.Context, callbackURL string, r *http.Request, state []byte) (*Identity, error)
}

// Refresher re-reads a person's groups without their password. ErrGone
// when the person no longer exists.
type Refresher interface {
	Refresh(ctx context.Context, id *Identity) (*Identity, error)
}

// GroupSearcher finds the provider's groups by name, for granting access
// to groups nobody from them has signed in with yet.
type GroupSearcher interface {
	SearchGroups(ctx context.Context, query string, limit int) ([]string, error)
}

// Checker tests the connection and configuration (service bind, discovery
// document, metadata) and returns a precise error.
type Checker interface {
	Check(ctx context.Context) error
}

// MetadataServer serves provider-specific public documents (SAML SP
// metadata) at /v1/auth/providers/{name}/metadata.
type MetadataServer interface {
	Metadata(callbackURL string) ([]byte, string, error) // body, content type
}

// ReplayGuard remembers one-time values (SAML assertion IDs) until they
// expire: Use reports false when id was used before.
type ReplayGuard interface {
	Use(ctx context.Context, id string, until time.Time) (bool, error)
}

// Deps are what connectors get from the server.
type Deps struct {
	Now        func() time.Time
	HTTPClient *http.Client // for talking to the provider; nil: a default with timeouts
	Log        *slog.Logger
	Replay     ReplayGuard
}

// Config is one provider's configuration as stored.
type Config struct {
	Name string
	// Settings are the type's non-secret settings (JSON object).
	Settings json.RawMessage
	// Secrets hold the type's SecretFields that are set.
	Secrets map[string]string
	Deps    Deps
}

// Type describes a kind of provider.
type Type struct {
	Name string
	// SecretFields are settings that are write-only: stored encrypted,
	// never returned.
	SecretFields []string
	// New validates cfg and builds the connector. Validation errors must
	// name the field.
	New func(cfg Config) (Connector, error)
}

// Loopback reports a host that never leaves the machine (127.0.0.0/8, ::1,
// localhost): the only place a provider may be spoken to without TLS.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
