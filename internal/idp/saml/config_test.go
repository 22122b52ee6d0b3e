package saml

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	gosaml "github.com/crewjam/saml"

	"github.com/paddockhq/paddock/internal/idp"
)

func TestMetadata(t *testing.T) {
	h := newHarness(t, true, nil)
	body, ctype, err := h.conn.Metadata(callback)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "application/samlmetadata+xml" {
		t.Fatalf("content type %q", ctype)
	}
	var ed gosaml.EntityDescriptor
	if err := xml.Unmarshal(body, &ed); err != nil {
		t.Fatal(err)
	}
	if want := "https://paddock.example/v1/auth/providers/corp/metadata"; ed.EntityID != want {
		t.Fatalf("entityID %q, want %q", ed.EntityID, want)
	}
	if len(ed.SPSSODescriptors) != 1 {
		t.Fatalf("%d SPSSODescriptors", len(ed.SPSSODescriptors))
	}
	sp := ed.SPSSODescriptors[0]
	if len(sp.AssertionConsumerServices) != 1 || sp.AssertionConsumerServices[0].Location != callback ||
		sp.AssertionConsumerServices[0].Binding != gosaml.HTTPPostBinding {
		t.Fatalf("ACS %+v", sp.AssertionConsumerServices)
	}
	uses := map[string]bool{}
	for _, kd := range sp.KeyDescriptors {
		uses[kd.Use] = true
	}
	if !uses["signing"] || !uses["encryption"] {
		t.Fatalf("key descriptors %v", uses)
	}
	if sp.AuthnRequestsSigned == nil || !*sp.AuthnRequestsSigned || sp.WantAssertionsSigned == nil || !*sp.WantAssertionsSigned {
		t.Fatal("metadata must say AuthnRequestsSigned and WantAssertionsSigned")
	}
	if len(sp.NameIDFormats) != 1 || sp.NameIDFormats[0] != gosaml.PersistentNameIDFormat {
		t.Fatalf("NameIDFormats %v", sp.NameIDFormats)
	}

	h2 := newHarness(t, true, map[string]any{"entityID": "urn:paddock:corp"})
	body, _, _ = h2.conn.Metadata(callback)
	if err := xml.Unmarshal(body, &ed); err != nil || ed.EntityID != "urn:paddock:corp" {
		t.Fatalf("entityID override: %q %v", ed.EntityID, err)
	}
}

func TestCheck(t *testing.T) {
	h := newHarness(t, true, nil)
	if err := h.conn.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	bad := newHarness(t, true, nil)
	bad.conn.settings.IdPMetadataURL = bad.idpURL + "/nope"
	err := bad.conn.Check(context.Background())
	if !errors.Is(err, idp.ErrUnavailable) || !strings.Contains(err.Error(), "HTTP 404") {
		t.Fatalf("want unavailable with HTTP 404, got %v", err)
	}
}

func newConfig(t *testing.T, settings map[string]any, secrets map[string]string) error {
	t.Helper()
	raw, _ := json.Marshal(settings)
	_, err := New(idp.Config{Name: "x", Settings: raw, Secrets: secrets})
	return err
}

func TestNewNamesTheField(t *testing.T) {
	certPEM, keyPEM, err := GenerateSPKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey, _ := GenerateSPKeyPair()
	h := newHarness(t, true, nil)
	spMeta, _, _ := h.conn.Metadata(callback)
	ok := map[string]any{"idpMetadataURL": "https://idp.example/metadata", "spCertPEM": certPEM}
	keys := map[string]string{"spKeyPEM": keyPEM}
	if err := newConfig(t, ok, keys); err != nil {
		t.Fatal(err)
	}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k, v := range ok {
			m[k] = v
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		settings map[string]any
		secrets  map[string]string
		field    string
	}{
		{with("idpMetadataXML", "<x/>"), keys, "idpMetadataXML:"},
		{with("idpMetadataURL", "ftp://idp"), keys, "idpMetadataURL:"},
		{map[string]any{"idpMetadataXML": "<x/>", "spCertPEM": certPEM}, keys, "idpMetadataXML: root element"},
		{map[string]any{"idpMetadataXML": string(spMeta), "spCertPEM": certPEM}, keys, "idpMetadataXML: entity"},
		{with("spCertPEM", nil), keys, "spCertPEM:"},
		{with("spCertPEM", "junk"), keys, "spCertPEM:"},
		{ok, nil, "spKeyPEM:"},
		{ok, map[string]string{"spKeyPEM": otherKey}, "spKeyPEM: does not match"},
		{with("allowedClockSkewSeconds", 600), keys, "allowedClockSkewSeconds:"},
		{with("groupAttribute", "groups"), keys, "groupAttribute"},
	}
	for _, c := range cases {
		err := newConfig(t, c.settings, c.secrets)
		if err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("settings %v: error %v does not name %q", c.settings, err, c.field)
		}
	}
}
