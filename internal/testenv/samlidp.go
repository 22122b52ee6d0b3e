package testenv

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"encoding/xml"
	"html"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	gosaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlidp"
)

// SAMLOptions say who is signed in at a [SAMLIdP], and how it is served.
type SAMLOptions struct {
	NameID string // persistent unless NameIDFormat says otherwise
	// NameIDFormat defaults to persistent.
	NameIDFormat                string
	Username, Email, CommonName string   // attributes uid, mail, cn
	Groups                      []string // attribute "groups"
	TLS                         bool     // serve https (see CAPEM)
}

// SAMLIdP is a real SAML 2.0 identity provider running in the test
// process: crewjam's samlidp on httptest, with its own signing key. It is
// browser-less: its session provider always answers with Session (a user
// already signed in), so a GET of an AuthnRequest URL answers at once with
// the auto-submitting form carrying the signed SAMLResponse.
type SAMLIdP struct {
	srv    *httptest.Server
	Server *samlidp.Server
	// Session is the signed-in user; change its fields between sign-ins.
	Session *gosaml.Session
	// Browser trusts the IdP and does not follow redirects.
	Browser *http.Client
}

// StartSAMLIdP starts an IdP; it stops at cleanup.
func StartSAMLIdP(t testing.TB, opts SAMLOptions) *SAMLIdP {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if opts.TLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	key, cert := selfSigned(t, "Test SAML IdP")
	u, _ := url.Parse(srv.URL)
	idp, err := samlidp.New(samlidp.Options{URL: *u, Key: key, Signer: key, Certificate: cert,
		Store: &samlidp.MemoryStore{}, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	if opts.NameIDFormat == "" {
		opts.NameIDFormat = string(gosaml.PersistentNameIDFormat)
	}
	var groups []gosaml.AttributeValue
	for _, g := range opts.Groups {
		groups = append(groups, gosaml.AttributeValue{Type: "xs:string", Value: g})
	}
	p := &SAMLIdP{srv: srv, Server: idp, Browser: srv.Client(), Session: &gosaml.Session{
		ID: "s1", CreateTime: time.Now(), ExpireTime: time.Now().Add(time.Hour), Index: "i1",
		NameID: opts.NameID, NameIDFormat: opts.NameIDFormat,
		UserName: opts.Username, UserEmail: opts.Email, UserCommonName: opts.CommonName,
		CustomAttributes: []gosaml.Attribute{{Name: "groups",
			NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic", Values: groups}},
	}}
	p.Browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	idp.IDP.SessionProvider = fixedSession{p}
	mux.Handle("/", idp)
	return p
}

type fixedSession struct{ p *SAMLIdP }

func (f fixedSession) GetSession(http.ResponseWriter, *http.Request, *gosaml.IdpAuthnRequest) *gosaml.Session {
	return f.p.Session
}

// URL is the IdP's base URL.
func (p *SAMLIdP) URL() string { return p.srv.URL }

// MetadataURL is where the IdP publishes its metadata.
func (p *SAMLIdP) MetadataURL() string { return p.srv.URL + "/metadata" }

// CAPEM is the certificate to trust for the IdP's TLS; "" without TLS.
func (p *SAMLIdP) CAPEM() string {
	if p.srv.TLS == nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw}))
}

// RegisterSP gives the IdP a service provider's metadata under id (again:
// replaces it). encrypt: keep the SP's encryption key, so assertions come
// encrypted; otherwise they come in the clear (needed to tamper).
func (p *SAMLIdP) RegisterSP(t testing.TB, id string, metadata []byte, encrypt bool) {
	t.Helper()
	if !encrypt {
		var ed gosaml.EntityDescriptor
		if err := xml.Unmarshal(metadata, &ed); err != nil || len(ed.SPSSODescriptors) == 0 {
			t.Fatalf("SP metadata: %v\n%s", err, metadata)
		}
		var kds []gosaml.KeyDescriptor
		for _, kd := range ed.SPSSODescriptors[0].KeyDescriptors {
			if kd.Use != "encryption" {
				kds = append(kds, kd)
			}
		}
		ed.SPSSODescriptors[0].KeyDescriptors = kds
		metadata, _ = xml.Marshal(ed)
	}
	req, _ := http.NewRequest(http.MethodPut, p.srv.URL+"/services/"+url.PathEscape(id), strings.NewReader(string(metadata)))
	resp, err := p.Browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("registering SP %s at the IdP: %s", id, resp.Status)
	}
}

// SAMLPost is the form the browser POSTs to the SP's ACS URL.
type SAMLPost struct {
	ACS          string
	SAMLResponse string // base64, as in the form
	RelayState   string
}

// Form is the POST body.
func (f SAMLPost) Form() url.Values {
	v := url.Values{"SAMLResponse": {f.SAMLResponse}}
	if f.RelayState != "" {
		v.Set("RelayState", f.RelayState)
	}
	return v
}

var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	formField  = regexp.MustCompile(`name="(SAMLResponse|RelayState)" value="([^"]*)"`)
)

// Respond plays the browser at the IdP: it GETs authURL (an SP's
// AuthnRequest, HTTP-Redirect binding) and returns the auto-submitting
// form the IdP answers with.
func (p *SAMLIdP) Respond(t testing.TB, authURL string) SAMLPost {
	t.Helper()
	resp, err := p.Browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var f SAMLPost
	if m := formAction.FindSubmatch(body); m != nil {
		f.ACS = html.UnescapeString(string(m[1]))
	}
	for _, m := range formField.FindAllSubmatch(body, -1) {
		if v := html.UnescapeString(string(m[2])); string(m[1]) == "SAMLResponse" {
			f.SAMLResponse = v
		} else {
			f.RelayState = v
		}
	}
	if resp.StatusCode != http.StatusOK || f.SAMLResponse == "" || f.ACS == "" {
		t.Fatalf("IdP answered %s without a SAMLResponse form: %s", resp.Status, body)
	}
	return f
}

// selfSigned makes an RSA key and a self-signed certificate for it.
func selfSigned(t testing.TB, cn string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}
