package oidc

// A real, standards-complete OpenID Provider for the tests: zitadel/oidc's
// pkg/op over its example in-memory storage, on httptest TLS. The storage
// is wrapped to give users groups (scope "groups", claim "groups") and to
// tune clients (claims in the ID token, ID token lifetime). The login UI is
// replaced by completing the auth request in the storage directly.

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/zitadel/oidc/v3/example/server/storage"

	"github.com/paddockhq/paddock/internal/idp"
)

const (
	testCallback = "https://paddock.example/v1/auth/providers/corp/callback"
	testPassword = "correct horse"
)

// users of the test OP.
type users map[string]*storage.User

func (u users) GetUserByID(id string) *storage.User { return u[id] }
func (u users) ExampleClientID() string             { return "service" }
func (u users) GetUserByUsername(name string) *storage.User {
	for _, x := range u {
		if x.Username == name {
			return x
		}
	}
	return nil
}

// client tunes an example client.
type client struct {
	op.Client
	claimsInIDToken bool
	idTokenLifetime time.Duration
}

func (c client) IDTokenUserinfoClaimsAssertion() bool { return c.claimsInIDToken }
func (c client) IDTokenLifetime() time.Duration       { return c.idTokenLifetime }
func (c client) IsScopeAllowed(scope string) bool     { return scope == "groups" }

// opStorage adds groups and client tuning to the example storage.
type opStorage struct {
	*storage.Storage
	groups  map[string][]string // by user ID
	clients map[string]client
}

func (s *opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	t := s.clients[id]
	t.Client = c
	return t, nil
}

func (s *opStorage) addGroups(ui *zoidc.UserInfo, scopes []string) {
	for _, sc := range scopes {
		if sc == "groups" && ui.Subject != "" {
			ui.AppendClaims("groups", s.groups[ui.Subject])
		}
	}
}

// SetUserinfoFromRequest fills the ID token's claims (groups only for
// clients that get claims in the ID token).
func (s *opStorage) SetUserinfoFromRequest(ctx context.Context, ui *zoidc.UserInfo, r op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, r, scopes); err != nil {
		return err
	}
	if s.clients[r.GetClientID()].claimsInIDToken {
		s.addGroups(ui, scopes)
	}
	return nil
}

// SetUserinfoFromToken fills the userinfo endpoint's answer.
func (s *opStorage) SetUserinfoFromToken(ctx context.Context, ui *zoidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, ui, tokenID, subject, origin); err != nil {
		return err
	}
	s.addGroups(ui, []string{"groups"})
	return nil
}

// testOP is a running provider.
type testOP struct {
	srv     *httptest.Server
	store   *opStorage
	browser *http.Client // does not follow redirects
	caPEM   string
}

func (o *testOP) issuer() string { return o.srv.URL }

// Client IDs of the test OP (secret: "secret-" + id).
const (
	clientMain     = "paddock"      // claims in the ID token
	clientOther    = "other"        // a second client
	clientPlain    = "plain"        // spec behaviour: profile claims only at userinfo
	clientExpiring = "born-expired" // ID tokens expired an hour ago
)

func startOP(t *testing.T) *testOP {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS errors are tested
	srv.StartTLS()
	t.Cleanup(srv.Close)

	us := users{"u-1001": {
		ID: "u-1001", Username: "alice", Password: testPassword,
		FirstName: "Alice", LastName: "Liddell", Email: "alice@example.com",
		EmailVerified: true, PreferredLanguage: language.English,
	}}
	exampleClients := map[string]*storage.Client{}
	for _, id := range []string{clientMain, clientOther, clientPlain, clientExpiring} {
		exampleClients[id] = storage.WebClient(id, "secret-"+id, testCallback)
	}
	st := &opStorage{
		Storage: storage.NewStorageWithClients(us, exampleClients),
		groups:  map[string][]string{"u-1001": {"admins", "devs"}},
		clients: map[string]client{
			clientMain:     {claimsInIDToken: true, idTokenLifetime: time.Hour},
			clientOther:    {claimsInIDToken: true, idTokenLifetime: time.Hour},
			clientPlain:    {idTokenLifetime: time.Hour},
			clientExpiring: {claimsInIDToken: true, idTokenLifetime: -time.Hour},
		},
	}
	cfg := &op.Config{CryptoKey: sha256.Sum256([]byte("test")), CodeMethodS256: true}
	provider, err := op.NewProvider(cfg, st, op.StaticIssuer(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/", provider)

	browser := srv.Client()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &testOP{
		srv: srv, store: st, browser: browser,
		caPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})),
	}
}

// connector builds a connector for clientID with extra settings.
func (o *testOP) connector(t *testing.T, clientID string, edit func(*Settings), deps idp.Deps) *Connector {
	t.Helper()
	s := Settings{
		Issuer: o.issuer(), ClientID: clientID, CACertPEM: o.caPEM,
		Scopes: []string{"openid", "profile", "email", "groups"},
	}
	if edit != nil {
		edit(&s)
	}
	raw, _ := json.Marshal(s)
	c, err := New(idp.Config{Name: "corp", Settings: raw, Secrets: map[string]string{"clientSecret": "secret-" + clientID}, Deps: deps})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*Connector)
}

// login plays the browser: it follows authURL to the OP's login page,
// signs the user in, and returns the redirect to the callback.
func (o *testOP) login(t *testing.T, authURL, username string) *http.Request {
	t.Helper()
	loc := o.redirect(t, authURL)
	id := loc.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("authorize did not send to the login page: %s", loc)
	}
	if err := o.store.CheckUsernamePassword(username, testPassword, id); err != nil {
		t.Fatal(err)
	}
	cb := o.redirect(t, o.issuer()+"/authorize/callback?id="+url.QueryEscape(id))
	return httptest.NewRequest(http.MethodGet, cb.String(), nil)
}

// redirect GETs u and returns where the answer redirects to.
func (o *testOP) redirect(t *testing.T, u string) *url.URL {
	t.Helper()
	resp, err := o.browser.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET %s: %s, want a redirect", u, resp.Status)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// flow runs Begin and the browser's part of the flow.
func (o *testOP) flow(t *testing.T, c *Connector) (cb *http.Request, kept []byte) {
	t.Helper()
	authURL, kept, err := c.Begin(context.Background(), testCallback)
	if err != nil {
		t.Fatal(err)
	}
	return o.login(t, authURL, "alice"), kept
}
