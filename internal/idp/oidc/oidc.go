// Package oidc is the OpenID Connect identity connector: people sign in
// through their browser with the authorization code flow (PKCE S256, state
// and nonce), and the ID token is verified with go-oidc (issuer, audience,
// expiry, signature, allowed algorithms). The provider's discovery document
// is read lazily, on the first Begin or Check, and read again on the next
// call when it failed.
//
// The subject of an Identity is the ID token's "sub" claim. Username comes
// from the configured claim (preferred_username, then email, then sub),
// groups from the configured groups claim, optionally merged with the
// userinfo endpoint's.
package oidc

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/paddockhq/paddock/internal/idp"
)

// Type describes the oidc provider type.
var Type = idp.Type{Name: "oidc", SecretFields: []string{"clientSecret"}, New: New}

// Settings are the non-secret settings of an OIDC provider.
type Settings struct {
	// Issuer is the provider's issuer URL: https, or http on 127.0.0.1,
	// ::1 or localhost only (tests and development).
	Issuer   string `json:"issuer"`
	ClientID string `json:"clientID"`
	// Scopes default to openid, profile, email; openid is always asked.
	Scopes []string `json:"scopes,omitempty"`
	// UsernameClaim defaults to preferred_username; when the claim is
	// absent, email, then sub are used.
	UsernameClaim string `json:"usernameClaim,omitempty"`
	// GroupsClaim defaults to groups; it may be absent from the token.
	GroupsClaim string `json:"groupsClaim,omitempty"`
	// UserinfoGroups also reads the userinfo endpoint, for groups (and a
	// username, email or name the ID token lacks).
	UserinfoGroups bool `json:"userinfoGroups,omitempty"`
	// AllowedAlgs are the ID token signature algorithms accepted; default
	// RS256 and ES256. Never "none".
	AllowedAlgs []string `json:"allowedAlgs,omitempty"`
	// CACertPEM is trusted (besides the system roots) for the provider's
	// TLS.
	CACertPEM string `json:"caPEM,omitempty"`
}

const (
	// stateTTL bounds how long a sign-in may take between Begin and Finish.
	stateTTL = 10 * time.Minute
	// discoveryTimeout bounds reading the discovery document.
	discoveryTimeout = 10 * time.Second
	// defaultHTTPTimeout is the timeout of the default HTTP client.
	defaultHTTPTimeout = 10 * time.Second
)

var (
	defaultScopes = []string{gooidc.ScopeOpenID, "profile", "email"}
	defaultAlgs   = []string{gooidc.RS256, gooidc.ES256}
	// knownAlgs are the asymmetric algorithms go-oidc verifies.
	knownAlgs = map[string]bool{
		gooidc.RS256: true, gooidc.RS384: true, gooidc.RS512: true,
		gooidc.ES256: true, gooidc.ES384: true, gooidc.ES512: true,
		gooidc.PS256: true, gooidc.PS384: true, gooidc.PS512: true,
		gooidc.EdDSA: true,
	}
)

// Connector is a configured OIDC provider.
type Connector struct {
	name         string
	s            Settings
	clientSecret string
	client       *http.Client
	ownTransport *http.Transport // closed by Close when we made it
	now          func() time.Time

	mu sync.Mutex
	p  *discovered // nil until discovery succeeded
}

var (
	_ idp.RedirectConnector = (*Connector)(nil)
	_ idp.Checker           = (*Connector)(nil)
)

// New validates cfg and builds the connector. It does not contact the
// provider.
func New(cfg idp.Config) (idp.Connector, error) {
	s, err := parseSettings(cfg.Settings)
	if err != nil {
		return nil, err
	}
	c := &Connector{
		name:         cfg.Name,
		s:            s,
		clientSecret: cfg.Secrets["clientSecret"],
		now:          cfg.Deps.Now,
	}
	if c.now == nil {
		c.now = time.Now
	}
	if err := c.buildClient(cfg.Deps.HTTPClient); err != nil {
		return nil, err
	}
	return c, nil
}

// buildClient uses base (or a default with a timeout) and, when a CA is
// configured, a copy of its transport that also trusts the CA.
func (c *Connector) buildClient(base *http.Client) error {
	if base == nil {
		base = &http.Client{Timeout: defaultHTTPTimeout}
	}
	if c.s.CACertPEM == "" {
		c.client = base
		return nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM([]byte(c.s.CACertPEM)) {
		return fmt.Errorf("oidc: caPEM: no PEM certificate found")
	}
	var tr *http.Transport
	switch t := base.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	default:
		return fmt.Errorf("oidc: caPEM: cannot be applied to the server's HTTP transport (%T)", t)
	}
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tr.TLSClientConfig.RootCAs = pool
	cl := *base
	cl.Transport = tr
	c.client = &cl
	c.ownTransport = tr
	return nil
}

// Close releases idle connections of a transport the connector made.
func (c *Connector) Close() error {
	if c.ownTransport != nil {
		c.ownTransport.CloseIdleConnections()
	}
	return nil
}
