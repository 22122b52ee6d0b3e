package e2e

import (
	"encoding/base64"
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	gosaml "github.com/crewjam/saml"

	"github.com/paddockhq/paddock/internal/idp/saml"
	"github.com/paddockhq/paddock/internal/testenv"
)

// TestSAMLSignIn signs a person in through the real server and a real
// SAML IdP (crewjam's samlidp, in-process): the admin configures the
// provider, the IdP learns Paddock's SP metadata from the server, the
// browser carries the AuthnRequest to the IdP and its signed (encrypted)
// response back, and the session works. A response used twice, or
// tampered with, is refused.
func TestSAMLSignIn(t *testing.T) {
	idp := testenv.StartSAMLIdP(t, testenv.SAMLOptions{NameID: "persistent-7c1e", Username: "scully",
		Email: "scully@fbi.example", CommonName: "Dana Scully", Groups: []string{"xfiles", "pathology"}})
	s := start(t, options{env: bootstrapEnv})
	admin := s.login("admin", bootstrapPassword)
	certPEM, keyPEM, err := saml.GenerateSPKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	s.must("PUT", "/v1/auth/providers/sso", admin, map[string]any{"type": "saml", "enabled": true,
		"idpMetadataURL": idp.MetadataURL(), "spCertPEM": certPEM, "spKeyPEM": keyPEM,
		"usernameAttribute": "uid", "groupsAttribute": "groups", "displayNameAttribute": "cn"}, 200, nil)

	callback := s.URL + "/v1/auth/providers/sso/callback"
	md := s.newBrowser(false).visit("GET", "/v1/auth/providers/sso/metadata", nil).want(t, 200).body
	var ed gosaml.EntityDescriptor
	if err := xml.Unmarshal([]byte(md), &ed); err != nil || ed.EntityID != s.URL+"/v1/auth/providers/sso/metadata" ||
		len(ed.SPSSODescriptors) != 1 || ed.SPSSODescriptors[0].AssertionConsumerServices[0].Location != callback {
		t.Fatalf("SP metadata (%v): %s", err, md)
	}
	idp.RegisterSP(t, "paddock", []byte(md), true)

	// The sign-in, hop by hop.
	b := s.newBrowser(true)
	h := b.visit("GET", "/v1/auth/providers/sso/login?return=/projects", nil)
	lc := h.cookie(t, loginCookie)
	form := idp.Respond(t, h.redirect(t, idp.URL()+"/sso?SAMLRequest="))
	if form.ACS != callback || !strings.Contains(decode(t, form.SAMLResponse), "EncryptedAssertion") {
		t.Fatalf("the IdP posts to %s (want %s), or in the clear", form.ACS, callback)
	}
	// The IdP's page submits the form: a cross-site POST with its Origin.
	b.origin = strings.TrimSuffix(idp.URL(), "/")
	h = b.visit("POST", form.ACS, form.Form())
	h.redirect(t, "/projects")
	me := s.me(t, h.cookie(t, sessionCookie).Value)
	slices.Sort(me.ProviderGroups)
	if me.Username != "scully" || me.Provider != "sso" || !slices.Equal(me.ProviderGroups, []string{"sso:pathology", "sso:xfiles"}) {
		t.Fatalf("scully after SAML sign-in: %+v", me)
	}

	// The same response again: with the login cookie it answered (kept by
	// an attacker), and with a fresh one.
	bare := s.newBrowser(false)
	bare.visit("POST", callback, form.Form(), lc).want(t, 401)
	fresh := bare.visit("GET", "/v1/auth/providers/sso/login", nil).cookie(t, loginCookie)
	bare.visit("POST", callback, form.Form(), fresh).want(t, 401)

	// A tampered response (assertions in the clear, a group added) is
	// refused; the untouched one is then accepted with the same cookie.
	idp.RegisterSP(t, "paddock", []byte(md), false)
	h = bare.visit("GET", "/v1/auth/providers/sso/login", nil)
	lc = h.cookie(t, loginCookie)
	form = idp.Respond(t, h.redirect(t, idp.URL()))
	xmlResp := decode(t, form.SAMLResponse)
	forged := strings.Replace(xmlResp, ">pathology<", ">admins<", 1)
	if forged == xmlResp {
		t.Fatalf("no group to tamper with in %s", xmlResp)
	}
	bad := form
	bad.SAMLResponse = base64.StdEncoding.EncodeToString([]byte(forged))
	bare.visit("POST", callback, bad.Form(), lc).want(t, 401)
	h = bare.visit("POST", callback, form.Form(), lc)
	h.redirect(t, "/")
	if again := s.me(t, h.cookie(t, sessionCookie).Value); again.ID != me.ID {
		t.Fatalf("second sign-in of scully: %+v, first %+v", again, me)
	}
}

func decode(t *testing.T, b64 string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
