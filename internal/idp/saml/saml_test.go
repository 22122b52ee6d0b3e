package saml

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	gosaml "github.com/crewjam/saml"

	"github.com/paddockhq/paddock/internal/idp"
)

func wantRefused(t *testing.T, err error, detail string) {
	t.Helper()
	if !errors.Is(err, idp.ErrRefused) {
		t.Fatalf("want ErrRefused, got %v", err)
	}
	if !strings.Contains(err.Error(), detail) {
		t.Fatalf("error %q does not mention %q", err, detail)
	}
}

func TestEncryptedSignedAssertionAccepted(t *testing.T) {
	h := newHarness(t, true, nil)
	state, resp := h.login()
	if !strings.Contains(decodeResponse(t, resp), "EncryptedAssertion") {
		t.Fatal("the IdP did not encrypt the assertion")
	}
	id, err := h.finish(state, resp)
	if err != nil {
		t.Fatal(err)
	}
	want := &idp.Identity{
		Subject: "u-8f3a1c", Username: "alice", DisplayName: "Alice Liddell",
		Email: "alice@corp.example", Groups: []string{"platform", "devs"},
	}
	if !reflect.DeepEqual(id, want) {
		t.Fatalf("identity %+v, want %+v", id, want)
	}
}

func TestReplayRefused(t *testing.T) {
	h := newHarness(t, false, nil)
	state, resp := h.login()
	id, err := h.finish(state, resp)
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "u-8f3a1c" || len(id.Groups) != 2 {
		t.Fatalf("identity %+v", id)
	}
	_, err = h.finish(state, resp)
	wantRefused(t, err, "replay")
}

func TestWrongAudienceRefused(t *testing.T) {
	h := newHarness(t, false, nil)
	_, state, err := h.conn.Begin(context.Background(), callback)
	if err != nil {
		t.Fatal(err)
	}
	var ks keptState
	if err := json.Unmarshal(state, &ks); err != nil {
		t.Fatal(err)
	}
	// Another SP of the same IdP, with the same ACS URL, asks for an
	// assertion under our request ID: only the audience differs.
	certPEM, keyPEM, _ := GenerateSPKeyPair()
	cert, _ := parseCert(certPEM)
	key, _ := parseKey(keyPEM)
	acs, _ := url.Parse(callback)
	other := &gosaml.ServiceProvider{
		EntityID: "https://other.example/saml", Key: key, Certificate: cert,
		AcsURL: *acs, IDPMetadata: h.conn.idpMeta,
		AuthnNameIDFormat:                gosaml.PersistentNameIDFormat,
		AssertionConsumerServiceBindings: []string{gosaml.HTTPPostBinding},
	}
	md, _ := xml.Marshal(other.Metadata())
	h.registerSP("other", md, false)
	req, err := other.MakeAuthenticationRequest(ssoLocation(h.conn.idpMeta), gosaml.HTTPRedirectBinding, gosaml.HTTPPostBinding)
	if err != nil {
		t.Fatal(err)
	}
	req.ID = ks.RequestID
	u, err := req.Redirect("", other)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.finish(state, h.follow(u.String()))
	wantRefused(t, err, "AudienceRestriction")
}

func TestExpiredRefused(t *testing.T) {
	h := newHarness(t, false, nil)
	state, resp := h.login()
	h.offset.Store(int64(10 * time.Minute))
	_, err := h.finish(state, resp)
	wantRefused(t, err, "expire")
}

// The configured skew (60 s) is stricter than crewjam's (180 s). The
// request is dated 80 s in the past, so samlidp sets NotOnOrAfter to 10 s
// from now, and crewjam alone would still accept the assertion at +75 s.
func TestConfiguredSkewApplied(t *testing.T) {
	h := newHarness(t, false, nil)
	h.offset.Store(int64(-80 * time.Second))
	state, resp := h.login()
	h.offset.Store(int64(75 * time.Second))
	_, err := h.finish(state, resp)
	wantRefused(t, err, "allowed skew 1m0s")

	h.offset.Store(int64(-80 * time.Second))
	state, resp = h.login()
	h.offset.Store(int64(62 * time.Second))
	if _, err := h.finish(state, resp); err != nil {
		t.Fatalf("within the skew: %v", err)
	}
}

// modify decodes a SAMLResponse, lets f edit it and encodes it again.
func modify(t *testing.T, b64 string, f func(doc *etree.Document)) string {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(decodeResponse(t, b64)); err != nil {
		t.Fatal(err)
	}
	f(doc)
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString([]byte(s))
}

// removeSignature removes the enveloped signature of el, if any.
func removeSignature(el *etree.Element) {
	for _, c := range el.ChildElements() {
		if c.Tag == "Signature" {
			el.RemoveChild(c)
		}
	}
}

// samlidp signs both the Response and the Assertion; re-serializing the
// Response with both signatures removed gives an unsigned assertion.
func TestUnsignedRefused(t *testing.T) {
	h := newHarness(t, false, nil)
	state, resp := h.login()
	unsigned := modify(t, resp, func(doc *etree.Document) {
		removeSignature(doc.Root())
		removeSignature(doc.Root().SelectElement("Assertion"))
	})
	_, err := h.finish(state, unsigned)
	wantRefused(t, err, "signature element not present")
}

func addGroup(doc *etree.Document) {
	attr := doc.FindElement("//Attribute[@Name='groups']")
	v := attr.SelectElement("AttributeValue").Copy()
	v.SetText("cluster-admins")
	attr.AddChild(v)
}

func TestTamperedAssertionRefused(t *testing.T) {
	h := newHarness(t, false, nil)
	// Both signatures kept: the Response signature no longer matches.
	state, resp := h.login()
	_, err := h.finish(state, modify(t, resp, addGroup))
	wantRefused(t, err, "signature on Response: Signature could not be verified")

	// Response signature removed: the Assertion's no longer matches.
	state, resp = h.login()
	_, err = h.finish(state, modify(t, resp, func(doc *etree.Document) {
		removeSignature(doc.Root())
		addGroup(doc)
	}))
	wantRefused(t, err, "signature on Assertion: Signature could not be verified")
}

func TestTransientNameIDRefused(t *testing.T) {
	h := newHarness(t, false, nil)
	h.session.NameIDFormat = string(gosaml.TransientNameIDFormat)
	state, resp := h.login()
	_, err := h.finish(state, resp)
	wantRefused(t, err, "not a stable identifier")
}

func TestOtherRequestRefused(t *testing.T) {
	h := newHarness(t, false, nil)
	_, resp := h.login()
	_, otherState, err := h.conn.Begin(context.Background(), callback)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.finish(otherState, resp)
	wantRefused(t, err, "InResponseTo")
}
