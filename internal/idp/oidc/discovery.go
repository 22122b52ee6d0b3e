package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/paddockhq/paddock/internal/idp"
)

// Errors of discovery and Check (wrapped with detail). An unreachable
// provider is idp.ErrUnavailable.
var (
	// ErrDiscovery: the discovery document is missing or unusable.
	ErrDiscovery = errors.New("unusable OpenID discovery document")
	// ErrIssuerMismatch: the discovery document names another issuer.
	ErrIssuerMismatch = errors.New("issuer in the discovery document does not match the configured issuer")
	// ErrNoJWKS: the provider publishes no key set to verify tokens with.
	ErrNoJWKS = errors.New("provider publishes no signing keys (JWKS)")
)

// maxDocument bounds the documents read from the provider.
const maxDocument = 1 << 20

// discoveryDoc holds the fields of the discovery document used here.
type discoveryDoc struct {
	Issuer           string   `json:"issuer"`
	AuthURL          string   `json:"authorization_endpoint"`
	TokenURL         string   `json:"token_endpoint"`
	UserinfoURL      string   `json:"userinfo_endpoint"`
	JWKSURL          string   `json:"jwks_uri"`
	Algs             []string `json:"id_token_signing_alg_values_supported"`
	TokenAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
}

// discovered is what a successful discovery yields.
type discovered struct {
	doc      discoveryDoc
	provider *gooidc.Provider
	verifier *gooidc.IDTokenVerifier
	endpoint oauth2.Endpoint
}

// provider returns the cached discovery, or discovers now.
func (c *Connector) provider(ctx context.Context) (*discovered, error) {
	c.mu.Lock()
	d := c.p
	c.mu.Unlock()
	if d != nil {
		return d, nil
	}
	d, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.p == nil {
		c.p = d
	}
	d = c.p
	c.mu.Unlock()
	return d, nil
}

// discover reads and checks the discovery document.
func (c *Connector) discover(ctx context.Context) (*discovered, error) {
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	wellKnown := strings.TrimSuffix(c.s.Issuer, "/") + "/.well-known/openid-configuration"
	var doc discoveryDoc
	if err := c.getJSON(ctx, wellKnown, &doc, ErrDiscovery); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	if doc.Issuer != c.s.Issuer {
		return nil, fmt.Errorf("%w: %s names %q, configured %q", ErrIssuerMismatch, wellKnown, doc.Issuer, c.s.Issuer)
	}
	if doc.AuthURL == "" || doc.TokenURL == "" {
		return nil, fmt.Errorf("%w: %s lacks authorization_endpoint or token_endpoint", ErrDiscovery, wellKnown)
	}
	if doc.JWKSURL == "" {
		return nil, fmt.Errorf("%w: %s has no jwks_uri", ErrNoJWKS, wellKnown)
	}
	// The secret and the keys travel to these: https (or loopback http).
	for _, e := range [][2]string{{"token_endpoint", doc.TokenURL}, {"jwks_uri", doc.JWKSURL}, {"userinfo_endpoint", doc.UserinfoURL}} {
		if e[1] == "" {
			continue
		}
		if err := checkIssuer(e[1]); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrDiscovery, e[0], err)
		}
	}
	if len(doc.Algs) > 0 && !slices.ContainsFunc(c.s.AllowedAlgs, func(a string) bool { return slices.Contains(doc.Algs, a) }) {
		return nil, fmt.Errorf("%w: the provider signs ID tokens with %v, none of allowedAlgs %v", ErrDiscovery, doc.Algs, c.s.AllowedAlgs)
	}
	pc := gooidc.ProviderConfig{
		IssuerURL:   doc.Issuer,
		AuthURL:     doc.AuthURL,
		TokenURL:    doc.TokenURL,
		UserInfoURL: doc.UserinfoURL,
		JWKSURL:     doc.JWKSURL,
		Algorithms:  c.s.AllowedAlgs,
	}
	p := pc.NewProvider(gooidc.ClientContext(context.Background(), c.client))
	return &discovered{
		doc:      doc,
		provider: p,
		verifier: p.Verifier(&gooidc.Config{ClientID: c.s.ClientID, SupportedSigningAlgs: c.s.AllowedAlgs, Now: c.now}),
		endpoint: oauth2.Endpoint{AuthURL: doc.AuthURL, TokenURL: doc.TokenURL, AuthStyle: c.authStyle(doc.TokenAuthMethods)},
	}, nil
}

// authStyle picks how the client secret is sent: Basic unless the
// provider only offers client_secret_post (or there is no secret).
func (c *Connector) authStyle(methods []string) oauth2.AuthStyle {
	if c.clientSecret == "" {
		return oauth2.AuthStyleInParams
	}
	if len(methods) == 0 || slices.Contains(methods, "client_secret_basic") || !slices.Contains(methods, "client_secret_post") {
		return oauth2.AuthStyleInHeader
	}
	return oauth2.AuthStyleInParams
}

// getJSON GETs a JSON document. Network errors and 5xx are
// idp.ErrUnavailable; other failures wrap bad.
func (c *Connector) getJSON(ctx context.Context, url string, v any, bad error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", bad, url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", idp.ErrUnavailable, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument))
	if err != nil {
		return fmt.Errorf("%w: reading %s: %v", idp.ErrUnavailable, url, err)
	}
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("%w: %s: HTTP %d", idp.ErrUnavailable, url, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("%w: %s: HTTP %d", bad, url, resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %s is not valid JSON: %v", bad, url, err)
	}
	return nil
}

// Check reads the discovery document and the key set afresh.
func (c *Connector) Check(ctx context.Context) error {
	d, err := c.discover(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	var jwks struct {
		Keys []struct {
			Kty string `json:"kty"`
			Use string `json:"use"`
		} `json:"keys"`
	}
	if err := c.getJSON(ctx, d.doc.JWKSURL, &jwks, ErrNoJWKS); err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	n := 0
	for _, k := range jwks.Keys {
		if k.Kty != "" && (k.Use == "" || k.Use == "sig") {
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("%w: %s holds no signing key", ErrNoJWKS, d.doc.JWKSURL)
	}
	c.mu.Lock()
	if c.p == nil {
		c.p = d
	}
	c.mu.Unlock()
	return nil
}
