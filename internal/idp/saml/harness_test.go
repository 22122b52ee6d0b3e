package saml

// The tests run crewjam's samlidp in-process as a real IdP (httptest),
// browser-less: its SessionProvider is replaced by one that returns a fixed,
// already signed-in session with groups, so a GET of the AuthnRequest URL
// from Begin answers with the auto-submitting form carrying the
// SAMLResponse, which the tests capture and POST to Finish.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"html"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gosaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlidp"

	"github.com/paddockhq/paddock/internal/idp"
)

const callback = "https://paddock.example/v1/auth/providers/corp/callback"

// fixedSession is a SessionProvider whose user is always signed in.
type fixedSession struct{ s *gosaml.Session }

func (f fixedSession) GetSession(http.ResponseWriter, *http.Request, *gosaml.IdpAuthnRequest) *gosaml.Session {
	return f.s
}

type harness struct {
	t       *testing.T
	idpURL  string
	idp     *samlidp.Server
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
	h := &harness{t: t}
	var handler atomic.Pointer[http.Handler]
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*handler.Load()).ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	h.idpURL = ts.URL

	certPEM, keyPEM, err := GenerateSPKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := parseCert(certPEM)
	key, _ := parseKey(keyPEM)
	u, _ := url.Parse(ts.URL)
	h.idp, err = samlidp.New(samlidp.Options{
		URL: *u, Key: key, Signer: key, Certificate: cert,
		Store:  &samlidp.MemoryStore{},
		Logger: log.New(io.Discard, "", 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	h.session = &gosaml.Session{
		ID: "s1", CreateTime: time.Now(), ExpireTime: time.Now().Add(time.Hour), Index: "i1",
		NameID: "u-8f3a1c", NameIDFormat: string(gosaml.PersistentNameIDFormat),
		UserName: "alice", UserEmail: "alice@corp.example", UserCommonName: "Alice Liddell",
		CustomAttributes: []gosaml.Attribute{{
			Name: "groups", NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
			Values: []gosaml.AttributeValue{{Type: "xs:string", Value: "platform"}, {Type: "xs:string", Value: "devs"}},
		}},
	}
	h.idp.IDP.SessionProvider = fixedSession{h.session}
	var hh http.Handler = h.idp
	handler.Store(&hh)

	base := map[string]any{
		"idpMetadataURL": ts.URL + "/metadata", "spCertPEM": certPEM,
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
		Deps: idp.Deps{Now: h.now, HTTPClient: ts.Client(), Replay: h.replay},
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
	if !encrypt {
		var ed gosaml.EntityDescriptor
		if err := xml.Unmarshal(md, &ed); err != nil {
			h.t.Fatal(err)
		}
		var kds []gosaml.KeyDescriptor
		for _, kd := range ed.SPSSODescriptors[0].KeyDescriptors {
			if kd.Use != "encryption" {
				kds = append(kds, kd)
			}
		}
		ed.SPSSODescriptors[0].KeyDescriptors = kds
		md, _ = xml.Marshal(ed)
	}
	req, _ := http.NewRequest(http.MethodPut, h.idpURL+"/services/"+id, strings.NewReader(string(md)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		h.t.Fatalf("registering SP %s: HTTP %d", id, resp.StatusCode)
	}
}

var samlResponseField = regexp.MustCompile(`name="SAMLResponse" value="([^"]*)"`)

// follow GETs an AuthnRequest URL at the IdP and returns the SAMLResponse
// of the auto-submitting form (base64).
func (h *harness) follow(authURL string) string {
	h.t.Helper()
	resp, err := http.Get(authURL)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := samlResponseField.FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		h.t.Fatalf("IdP answered HTTP %d without a SAMLResponse form: %s", resp.StatusCode, body)
	}
	return html.UnescapeString(string(m[1]))
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
	form := url.Values{"SAMLResponse": {samlResponse}}
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
