package testenv

import (
	"context"
	"crypto/sha256"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// OIDCUser is a person at an [OIDCProvider].
type OIDCUser struct {
	Username, Subject   string // preferred_username and sub
	FirstName, LastName string
	Email               string
	Groups              []string // claim "groups" (scope "groups")
}

// OIDCClient is a client registered at an [OIDCProvider].
type OIDCClient struct {
	ID, Secret   string
	RedirectURIs []string
	// ClaimsInIDToken puts the profile, email and groups claims in the ID
	// token; otherwise (the spec's behaviour) only the userinfo endpoint
	// has them.
	ClaimsInIDToken bool
	// IDTokenLifetime: an hour when zero; negative makes expired tokens.
	IDTokenLifetime time.Duration
}

// OIDCOptions are the users and clients an [OIDCProvider] starts with.
type OIDCOptions struct {
	Users   []OIDCUser
	Clients []OIDCClient
}

// OIDCProvider is a real, standards-complete OpenID Provider running in the
// test process: zitadel/oidc's pkg/op over its example in-memory storage,
// on httptest TLS, with the authorization code flow (PKCE S256), discovery,
// JWKS, token and userinfo endpoints. Only its login UI is replaced: see
// [OIDCProvider.Login].
type OIDCProvider struct {
	srv   *httptest.Server
	store *opStorage
	// Browser trusts the provider and does not follow redirects.
	Browser *http.Client
}

// oidcPassword is every user's password; Login signs users in directly.
const oidcPassword = "correct horse"

// StartOIDCProvider starts an OpenID Provider; it stops at cleanup.
func StartOIDCProvider(t testing.TB, opts OIDCOptions) *OIDCProvider {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // tests make TLS errors
	srv.StartTLS()
	t.Cleanup(srv.Close)

	us := opUsers{}
	st := &opStorage{groups: map[string][]string{}, clients: map[string]OIDCClient{}}
	for _, u := range opts.Users {
		us[u.Subject] = &storage.User{ID: u.Subject, Username: u.Username, Password: oidcPassword,
			FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, EmailVerified: u.Email != "",
			PreferredLanguage: language.English}
		st.groups[u.Subject] = u.Groups
	}
	st.Storage = storage.NewStorageWithClients(us, map[string]*storage.Client{})
	for _, c := range opts.Clients {
		st.SetClient(c)
	}
	cfg := &op.Config{CryptoKey: sha256.Sum256([]byte("test")), CodeMethodS256: true}
	provider, err := op.NewProvider(cfg, st, op.StaticIssuer(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/", provider)
	browser := srv.Client()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &OIDCProvider{srv: srv, store: st, Browser: browser}
}

// Issuer is the provider's issuer URL.
func (o *OIDCProvider) Issuer() string { return o.srv.URL }

// CAPEM is the certificate to trust for the provider's TLS.
func (o *OIDCProvider) CAPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: o.srv.Certificate().Raw}))
}

// SetClient registers a client, or replaces the one with its ID (to set
// its redirect URIs once the relying party knows them).
func (o *OIDCProvider) SetClient(c OIDCClient) { o.store.SetClient(c) }

// Login plays the browser at the provider: it GETs authURL (the relying
// party's authorization request), signs username in as the login page
// would, and returns where the provider then redirects: the client's
// redirect URI with the code and state, or with an error.
func (o *OIDCProvider) Login(t testing.TB, authURL, username string) *url.URL {
	t.Helper()
	loc := o.redirect(t, authURL)
	id := loc.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("authorize did not send to the login page: %s", loc)
	}
	if err := o.store.CheckUsernamePassword(username, oidcPassword, id); err != nil {
		t.Fatal(err)
	}
	return o.redirect(t, o.Issuer()+"/authorize/callback?id="+url.QueryEscape(id))
}

// redirect GETs u and returns where the answer redirects to.
func (o *OIDCProvider) redirect(t testing.TB, u string) *url.URL {
	t.Helper()
	resp, err := o.Browser.Get(u)
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

// opUsers is the example storage's user store.
type opUsers map[string]*storage.User

func (u opUsers) GetUserByID(id string) *storage.User { return u[id] }
func (u opUsers) ExampleClientID() string             { return "service" }
func (u opUsers) GetUserByUsername(name string) *storage.User {
	for _, x := range u {
		if x.Username == name {
			return x
		}
	}
	return nil
}

// opClient tunes an example client.
type opClient struct {
	op.Client
	cfg OIDCClient
}

func (c opClient) IDTokenUserinfoClaimsAssertion() bool { return c.cfg.ClaimsInIDToken }
func (c opClient) IsScopeAllowed(scope string) bool     { return scope == "groups" }
func (c opClient) IDTokenLifetime() time.Duration {
	if c.cfg.IDTokenLifetime == 0 {
		return time.Hour
	}
	return c.cfg.IDTokenLifetime
}

// opStorage adds groups and changeable, tuned clients to the example
// storage.
type opStorage struct {
	*storage.Storage
	groups  map[string][]string // by subject
	mu      sync.Mutex
	clients map[string]OIDCClient
}

func (s *opStorage) SetClient(c OIDCClient) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c.ID] = c
}

func (s *opStorage) client(id string) (OIDCClient, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	return c, ok
}

func (s *opStorage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.client(id)
	if !ok {
		return nil, errors.New("client not found")
	}
	return opClient{storage.RedirectGlobsClient(storage.WebClient(c.ID, c.Secret, c.RedirectURIs...)), c}, nil
}

func (s *opStorage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if c, ok := s.client(id); !ok || c.Secret != secret {
		return errors.New("invalid client")
	}
	return nil
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
	if c, _ := s.client(r.GetClientID()); c.ClaimsInIDToken {
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
