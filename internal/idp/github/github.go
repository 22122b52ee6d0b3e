// Package github is the GitHub connector: an OAuth app (github.com or
// GitHub Enterprise Server) signing people in through their browser.
//
// Begin sends the browser to <base>/login/oauth/authorize with a random
// state and a PKCE challenge (both kept server-side by the caller), asking
// for the "read:org" scope when teams are loaded. Finish checks the state
// in constant time, exchanges the code at <base>/login/oauth/access_token
// and reads the person from the REST API:
//
//   - GET /user: Subject is the numeric user id (logins can be renamed and
//     reused), Username the login, DisplayName the name, Email the public
//     email;
//   - GET /user/orgs and GET /user/teams (loadTeams, the default): groups
//     "<org>" and "<org>:<team-slug>", following Link rel="next" pages on
//     the API host only.
//
// The API is https://api.github.com for github.com and <base>/api/v3 for
// Enterprise, unless apiURL says otherwise. Errors: a refused code, state
// or token (HTTP 401, 403) is idp.ErrRefused; a rate limit (403 or 429 with
// X-RateLimit-Remaining: 0), a 5xx or a network failure is
// idp.ErrUnavailable.
package github

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/paddockhq/paddock/internal/idp"
)

// Type is the GitHub provider type.
var Type = idp.Type{Name: "github", SecretFields: []string{"clientSecret"}, New: New}

// Settings are the non-secret settings of a GitHub provider; the OAuth
// app's client secret is the secret clientSecret.
type Settings struct {
	ClientID string `json:"clientID"`
	// BaseURL: default https://github.com; Enterprise:
	// https://ghe.example.com.
	BaseURL string `json:"baseURL,omitempty"`
	// APIURL: default https://api.github.com, or <baseURL>/api/v3.
	APIURL string `json:"apiURL,omitempty"`
	// CACertPEM: CA certificates to trust for baseURL and apiURL (in
	// addition to the system ones).
	CACertPEM string `json:"caPEM,omitempty"`
	// LoadTeams: read organizations and teams as groups. Default true.
	LoadTeams *bool `json:"loadTeams,omitempty"`
}

const (
	defaultBaseURL = "https://github.com"
	defaultAPIURL  = "https://api.github.com"
	// maxStateAge bounds the time between Begin and Finish.
	maxStateAge = 15 * time.Minute
)

// Connector is a configured GitHub provider.
type Connector struct {
	settings  Settings
	loadTeams bool
	secret    string
	base      *url.URL
	api       *url.URL
	client    *http.Client
	deps      idp.Deps
	log       *slog.Logger
}

var (
	_ idp.RedirectConnector = (*Connector)(nil)
	_ idp.Checker           = (*Connector)(nil)
)

// New validates cfg and builds the connector.
func New(cfg idp.Config) (idp.Connector, error) {
	var s Settings
	if len(cfg.Settings) > 0 {
		dec := json.NewDecoder(bytes.NewReader(cfg.Settings))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("settings: %w", err)
		}
	}
	c := &Connector{settings: s, loadTeams: s.LoadTeams == nil || *s.LoadTeams, deps: cfg.Deps}
	if strings.TrimSpace(s.ClientID) == "" {
		return nil, errors.New("clientID: required")
	}
	if c.secret = cfg.Secrets["clientSecret"]; c.secret == "" {
		return nil, errors.New("clientSecret: required")
	}
	var err error
	if c.base, err = parseBase("baseURL", s.BaseURL, defaultBaseURL); err != nil {
		return nil, err
	}
	apiDefault := defaultAPIURL
	if c.base.String() != defaultBaseURL {
		apiDefault = c.base.String() + "/api/v3"
	}
	if c.api, err = parseBase("apiURL", s.APIURL, apiDefault); err != nil {
		return nil, err
	}
	if c.client, err = httpClient(cfg.Deps.HTTPClient, s.CACertPEM); err != nil {
		return nil, err
	}
	c.log = cfg.Deps.Log
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("provider", cfg.Name, "type", "github")
	return c, nil
}

// parseBase parses an absolute http(s) URL without query or trailing slash.
func parseBase(field, s, def string) (*url.URL, error) {
	if s == "" {
		s = def
	}
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s: must be an absolute http(s) URL without query", field)
	}
	if u.Scheme == "http" && !idp.Loopback(u.Hostname()) {
		return nil, fmt.Errorf("%s: must be https (the client secret and tokens travel there); http only on loopback", field)
	}
	return u, nil
}

// httpClient is base (or a default with timeouts) trusting caPEM too.
func httpClient(base *http.Client, caPEM string) (*http.Client, error) {
	if base == nil {
		base = &http.Client{Timeout: 30 * time.Second}
	}
	if caPEM == "" {
		return base, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM([]byte(caPEM)) {
		return nil, errors.New("caPEM: no PEM certificate found")
	}
	var tr *http.Transport
	switch t := base.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	default:
		return nil, errors.New("caPEM: the server's HTTP client does not allow setting a CA")
	}
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tr.TLSClientConfig.RootCAs = pool
	c := *base
	c.Transport = tr
	return &c, nil
}

// Close releases idle connections of a client the connector made.
func (c *Connector) Close() error {
	if c.client != c.deps.HTTPClient {
		c.client.CloseIdleConnections()
	}
	return nil
}

func (c *Connector) now() time.Time {
	if c.deps.Now != nil {
		return c.deps.Now()
	}
	return time.Now()
}

func (c *Connector) oauth(callbackURL string) *oauth2.Config {
	cfg := &oauth2.Config{
		ClientID:     c.settings.ClientID,
		ClientSecret: c.secret,
		RedirectURL:  callbackURL,
		Endpoint: oauth2.Endpoint{
			AuthURL:   c.base.String() + "/login/oauth/authorize",
			TokenURL:  c.base.String() + "/login/oauth/access_token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
	if c.loadTeams {
		cfg.Scopes = []string{"read:org"}
	}
	return cfg
}
