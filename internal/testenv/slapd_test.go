package testenv

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

func TestSlapd(t *testing.T) {
	start := time.Now()
	s := StartSlapd(t, SlapdOptions{})
	t.Logf("slapd started and seeded in %v", time.Since(start))
	s.Add(t, `dn: uid=alice,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: alice
cn: Alice
sn: A
userPassword: `+SSHA("secret")+`

dn: cn=inner,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: inner
member: uid=alice,ou=people,dc=example,dc=org

dn: cn=outer,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: outer
member: cn=inner,ou=groups,dc=example,dc=org
`)
	s.Modify(t, `dn: uid=alice,ou=people,dc=example,dc=org
changetype: modify
replace: cn
cn: Alice Liddell
`)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(s.CAPEM())) {
		t.Fatal("CAPEM does not parse")
	}
	tc := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	for _, u := range []string{s.URL(), s.LDAPSURL()} {
		c, err := ldap.DialURL(u, ldap.DialWithTLSConfig(tc))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if strings.HasPrefix(u, "ldap:") {
			if err := c.StartTLS(tc); err != nil {
				t.Fatalf("StartTLS: %v", err)
			}
		}
		if err := c.Bind("uid=alice,ou=people,dc=example,dc=org", "secret"); err != nil {
			t.Fatalf("%s: bind: %v", u, err)
		}
		res, err := c.Search(ldap.NewSearchRequest("uid=alice,ou=people,dc=example,dc=org", ldap.ScopeBaseObject, 0, 0, 0, false,
			"(objectClass=*)", []string{"cn", "memberOf"}, nil))
		if err != nil {
			t.Fatal(err)
		}
		e := res.Entries[0]
		if got := e.GetAttributeValue("cn"); got != "Alice Liddell" {
			t.Errorf("cn = %q after Modify", got)
		}
		// dynlist computes memberOf through nested groups.
		got := strings.Join(e.GetAttributeValues("memberOf"), ";")
		if !strings.Contains(got, "cn=inner,") || !strings.Contains(got, "cn=outer,") {
			t.Errorf("memberOf = %s, want inner and outer", got)
		}
	}
	s.Stop()
	if _, err := ldap.DialURL(s.URL()); err == nil {
		t.Error("slapd still answers after Stop")
	}
	s.Stop() // idempotent
}
