package saml

// The tests run a real SAML IdP in-process: crewjam's samlidp on httptest
// (testenv.StartSAMLIdP), browser-less: its user is always signed in (with
// a persistent NameID and groups), so a GET of the AuthnRequest URL from
// Begin answers with the auto-submitting form carrying the SAMLResponse,
// which the tests capture and POST to Finish.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gosaml "github.com/crewjam/saml"

	"github.com/paddockhq/paddock/internal/idp"
	"github.com/paddockhq/paddock/internal/testenv"
)

const callback = "https://paddock.example/v1/auth/providers/corp/callback"

type harness struct {
	t       *testing.T
	idp     *testenv.SAMLIdP
	idpURL  string
	session *gosaml.Session
	offset  atomic.Int64 // added to time.Now for the connector (Deps.Now)
	replay  *idp.MemoryReplay
	conn    *Connector
}

// newHarness starts the IdP and builds a connector for it. encrypt: the
// SP metadata given to the IdP keeps its encryption key, so assertions
// come encrypted; otherwise they come in the clear (needed to tamper).
func newHarness(t *testing.T, encrypt bool, settings map[string]any) *harness {
	t.Helper()
	h := &harness{t: t, idp: testenv.StartSAMLIdP(t, testenv.SAMLOptions{
		NameID: "u-8f3a1c", Username: "alice", Email: "alice@corp.example", CommonName: "Alice Liddell",
		Groups: []string{"platform", "devs"},
	})}
	h.idpURL, h.session = h.idp.URL(), h.idp.Session

	certPEM, keyPEM, err := GenerateSPKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]any{
		"idpMetadataURL": h.idp.MetadataURL(), "spCertPEM": certPEM,
		"usernameAttribute": "uid", "groupsAttribute": "groups",
		"displayNameAttribute": "cn", "emailAttribute": "mail",
	}
	for k, v := range settings {
		base[k] = v
	}
	raw, _ := json.Marshal(base)
	h.replay = &idp.MemoryReplay{Now: h.now}
	c, err := New(idp.Config{
		Name: "corp", Settings: raw, Secrets: map[string]string{"spKeyPEM": keyPEM},
		Deps: idp.Deps{Now: h.now, HTTPClient: h.idp.Browser, Replay: h.replay},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.conn = c.(*Connector)

	md, _, err := h.conn.Metadata(callback)
	if err != nil {
		t.Fatal(err)
	}
	h.registerSP("paddock", md, encrypt)
	return h
}

func (h *harness) now() time.Time { return time.Now().Add(time.Duration(h.offset.Load())) }

// registerSP gives the IdP a service provider's metadata.
func (h *harness) registerSP(id string, md []byte, encrypt bool) {
	h.t.Helper()
	h.idp.RegisterSP(h.t, id, md, encrypt)
}

// follow GETs an AuthnRequest URL at the IdP and returns the SAMLResponse
// of the auto-submitting form (base64).
func (h *harness) follow(authURL string) string {
	h.t.Helper()
	return h.idp.Respond(h.t, authURL).SAMLResponse
}

// login runs Begin and the IdP, returning the kept state and SAMLResponse.
func (h *harness) login() ([]byte, string) {
	h.t.Helper()
	authURL, state, err := h.conn.Begin(context.Background(), callback)
	if err != nil {
		h.t.Fatal(err)
	}
	return state, h.follow(authURL)
}

// finish POSTs the SAMLResponse to the connector's ACS.
func (h *harness) finish(state []byte, samlResponse string) (*idp.Identity, error) {
	form := testenv.SAMLPost{SAMLResponse: samlResponse}.Form()
	r := httptest.NewRequest(http.MethodPost, callback, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.conn.Finish(context.Background(), callback, r, state)
}

func decodeResponse(t *testing.T, b64 string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
