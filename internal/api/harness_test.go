package api_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/idp"
	"github.com/paddockhq/paddock/internal/idp/github"
	"github.com/paddockhq/paddock/internal/idp/oidc"
	"github.com/paddockhq/paddock/internal/idp/saml"
	"github.com/paddockhq/paddock/internal/signin"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/api"
	"github.com/paddockhq/paddock/internal/auth"
	kc "github.com/paddockhq/paddock/internal/clusters"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/secrets"
	"github.com/paddockhq/paddock/internal/settings"
	"github.com/paddockhq/paddock/internal/store/sqlstore"
	"github.com/paddockhq/paddock/internal/tunnel"
	"github.com/paddockhq/paddock/internal/ui"
)

const adminPassword = "admin-password-1"

// clock is a settable time source shared by the auth service and the API.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a real API over a real SQLite store behind a real TLS listener.
type env struct {
	t     testing.TB
	srv   *httptest.Server
	store *sqlstore.Store
	auth  *auth.Service
	clock *clock
	api   *api.Server
	// settings are the run-time settings (flags: 24h/48h token TTLs).
	settings *settings.Service
}

func newEnv(t testing.TB) *env { return newEnvCache(t, time.Minute) }

// newEnvCache builds an env whose verified-token cache lasts cacheTTL.
func newEnvCache(t testing.TB, cacheTTL time.Duration) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	key, err := secrets.LoadOrCreateKeyFile(filepath.Join(dir, "key"))
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := secrets.New(key)
	st, err := sqlstore.Open(ctx, filepath.Join(dir, "paddock.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Now().UTC()}
	if _, err := auth.Bootstrap(ctx, st, adminPassword, c.Now()); err != nil {
		t.Fatal(err)
	}
	// The cache is on, as in production, so the revocation tests prove
	// that changes flush it.
	set := settings.New(st, settings.Defaults{TokenDefaultTTL: 24 * time.Hour, TokenMaxTTL: 48 * time.Hour,
		GroupRefresh: time.Hour, AgentImage: "paddockhq/paddock:latest", SessionTTL: time.Hour}, nil)
	svc := auth.NewService(st, auth.Options{Now: c.Now, SessionTTL: time.Hour, CacheTTL: cacheTTL,
		IdleTimeout: set.SessionIdleTimeout})
	acc := access.New(st, c.Now, nil)
	if _, err := acc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	a := api.New(api.Deps{Store: st, Auth: svc, Metrics: httpx.NewMetrics(), CAPEM: []byte("ca"), Version: "test",
		Settings: set, Now: c.Now, Access: acc, Sealer: sealer,
		SignIn: &signin.Service{Store: st, Auth: svc, Types: map[string]idp.Type{oidc.Type.Name: oidc.Type, saml.Type.Name: saml.Type,
			github.Type.Name: github.Type}, Deps: idp.Deps{Now: c.Now, Replay: &idp.MemoryReplay{}}},
		Tunnel: tunnel.NewServer(tunnel.ServerOptions{Authenticate: kc.AgentAuthenticator(st)}), UI: ui.Handler(),
		CloudTest: fakeCloudTest})
	srv := httptest.NewUnstartedServer(a.Handler())
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, store: st, auth: svc, clock: c, api: a, settings: set}
}

// client returns a client with a cookie jar, dialling from source (a
// loopback address such as 127.0.0.2) when given.
func (e *env) client(source string) *http.Client {
	jar, _ := cookiejar.New(nil)
	tr := e.srv.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: tr.TLSClientConfig.RootCAs}
	if source != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
		tr.DialContext = d.DialContext
	}
	return &http.Client{Jar: jar, Transport: tr}
}

type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map.
func (r resp) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

func (r resp) Code() string { s, _ := r.JSON()["error"].(string); return s }

// req sends method path with an optional bearer token and body (a string
// is sent raw, anything else as JSON).
func (e *env) req(c *http.Client, method, path, token string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	r, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	if c == nil {
		c = e.srv.Client()
	}
	res, err := c.Do(r)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: data}
}

func (e *env) must(r resp, status int) resp {
	e.t.Helper()
	if r.Status != status {
		e.t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// login returns a session token for username.
func (e *env) login(username, password string) string {
	e.t.Helper()
	r := e.must(e.req(nil, "POST", "/v1/auth/login", "", map[string]string{"username": username, "password": password}), 200)
	tok, _ := r.JSON()["token"].(string)
	return tok
}

func (e *env) admin() string { return e.login("admin", adminPassword) }

// createUser creates a user (as admin) and returns their id.
func (e *env) createUser(adminTok, username, password string, admin bool) string {
	e.t.Helper()
	r := e.must(e.req(nil, "POST", "/v1/users", adminTok, map[string]any{"username": username, "password": password, "admin": admin}), 201)
	return r.JSON()["id"].(string)
}
