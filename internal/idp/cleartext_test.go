package idp_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/paddockhq/paddock/internal/idp"
	"github.com/paddockhq/paddock/internal/idp/github"
	"github.com/paddockhq/paddock/internal/idp/ldap"
	"github.com/paddockhq/paddock/internal/idp/saml"
)

// TestNoCleartextOffLoopback: a provider that would carry passwords,
// secrets or signing keys without TLS is refused unless it is on this
// machine.
func TestNoCleartextOffLoopback(t *testing.T) {
	certPEM, keyPEM, err := saml.GenerateSPKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	ldapSettings := func(url string, startTLS bool) map[string]any {
		return map[string]any{"url": url, "startTLS": startTLS, "bindDN": "cn=svc,dc=example,dc=org",
			"userSearchBase": "ou=people,dc=example,dc=org", "userFilter": "(uid={username})", "usernameAttribute": "uid"}
	}
	for _, c := range []struct {
		name     string
		typ      idp.Type
		settings map[string]any
		secrets  map[string]string
		refused  bool
	}{
		{"ldap plain remote", ldap.Type, ldapSettings("ldap://ldap.example.org:389", false), map[string]string{"bindPassword": "x"}, true},
		{"ldap plain loopback", ldap.Type, ldapSettings("ldap://127.0.0.1:389", false), map[string]string{"bindPassword": "x"}, false},
		{"ldap starttls remote", ldap.Type, ldapSettings("ldap://ldap.example.org:389", true), map[string]string{"bindPassword": "x"}, false},
		{"ldaps remote", ldap.Type, ldapSettings("ldaps://ldap.example.org:636", false), map[string]string{"bindPassword": "x"}, false},
		{"github http remote", github.Type, map[string]any{"clientID": "c", "baseURL": "http://ghe.example.org"}, map[string]string{"clientSecret": "s"}, true},
		{"github http loopback", github.Type, map[string]any{"clientID": "c", "baseURL": "http://127.0.0.1:8080"}, map[string]string{"clientSecret": "s"}, false},
		{"saml http metadata remote", saml.Type, map[string]any{"idpMetadataURL": "http://idp.example.org/metadata", "spCertPEM": certPEM},
			map[string]string{"spKeyPEM": keyPEM}, true},
		{"saml https metadata", saml.Type, map[string]any{"idpMetadataURL": "https://idp.example.org/metadata", "spCertPEM": certPEM},
			map[string]string{"spKeyPEM": keyPEM}, false},
	} {
		raw, _ := json.Marshal(c.settings)
		conn, err := c.typ.New(idp.Config{Name: "p", Settings: raw, Secrets: c.secrets})
		if conn != nil {
			_ = conn.Close()
		}
		if c.refused != (err != nil && (strings.Contains(err.Error(), "clear") || strings.Contains(err.Error(), "https"))) {
			t.Errorf("%s: refused=%v, err=%v", c.name, c.refused, err)
		}
	}
}
