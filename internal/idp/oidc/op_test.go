package oidc

// The tests run a real, standards-complete OpenID Provider in-process:
// zitadel/oidc's pkg/op on httptest TLS (testenv.StartOIDCProvider), with
// a user that has groups and clients tuned per test. Its login UI is
// replaced by completing the auth request in its storage directly.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/idp"
	"github.com/paddockhq/paddock/internal/testenv"
)

const testCallback = "https://paddock.example/v1/auth/providers/corp/callback"

// Client IDs of the test OP (secret: "secret-" + id).
const (
	clientMain     = "paddock"      // claims in the ID token
	clientOther    = "other"        // a second client
	clientPlain    = "plain"        // spec behaviour: profile claims only at userinfo
	clientExpiring = "born-expired" // ID tokens expired an hour ago
)

// testOP is a running provider.
type testOP struct{ *testenv.OIDCProvider }

func startOP(t *testing.T) *testOP {
	t.Helper()
	opts := testenv.OIDCOptions{Users: []testenv.OIDCUser{{
		Username: "alice", Subject: "u-1001", FirstName: "Alice", LastName: "Liddell",
		Email: "alice@example.com", Groups: []string{"admins", "devs"},
	}}}
	for id, c := range map[string]testenv.OIDCClient{
		clientMain:     {ClaimsInIDToken: true},
		clientOther:    {ClaimsInIDToken: true},
		clientPlain:    {},
		clientExpiring: {ClaimsInIDToken: true, IDTokenLifetime: -time.Hour},
	} {
		c.ID, c.Secret, c.RedirectURIs = id, "secret-"+id, []string{testCallback}
		opts.Clients = append(opts.Clients, c)
	}
	return &testOP{testenv.StartOIDCProvider(t, opts)}
}

// connector builds a connector for clientID with extra settings.
func (o *testOP) connector(t *testing.T, clientID string, edit func(*Settings), deps idp.Deps) *Connector {
	t.Helper()
	s := Settings{
		Issuer: o.Issuer(), ClientID: clientID, CACertPEM: o.CAPEM(),
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
	return httptest.NewRequest(http.MethodGet, o.Login(t, authURL, username).String(), nil)
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
