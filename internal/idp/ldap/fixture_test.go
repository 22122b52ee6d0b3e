package ldap

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/paddockhq/paddock/internal/idp"
	"github.com/paddockhq/paddock/internal/testenv"
)

const (
	svcDN      = "cn=svc,dc=example,dc=org"
	svcPW      = "svc-secret"
	people     = "ou=people,dc=example,dc=org"
	groups     = "ou=groups,dc=example,dc=org"
	aliceDN    = "uid=alice,ou=people,dc=example,dc=org"
	alicePW    = "alice-pw"
	bobPW      = "bob-pw"
	adminPW    = "admin-pw"
	slowLimitS = 4 // seconds a failing login may take with TimeoutSeconds 2
)

// seed: alice (in devs, ops, posix-devs, uniq; platform through devs),
// Bob stored capitalized (in devs), admin, and two "twin" entries.
var seed = fmt.Sprintf(`dn: cn=svc,dc=example,dc=org
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: svc
userPassword: %s

dn: uid=alice,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: alice
cn: Alice Liddell
sn: Liddell
mail: alice@example.org
userPassword: %s

dn: uid=Bob,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: Bob
cn: Bob
sn: Builder
userPassword: %s

dn: uid=admin,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: admin
cn: Admin
sn: Admin
userPassword: %s

dn: ou=contractors,ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: contractors

dn: uid=twin,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: twin
cn: Twin One
sn: One
userPassword: twin-pw

dn: uid=twin,ou=contractors,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: twin
cn: Twin Two
sn: Two
userPassword: twin-pw

dn: cn=devs,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: devs
member: uid=alice,ou=people,dc=example,dc=org
member: uid=Bob,ou=people,dc=example,dc=org

dn: cn=ops,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: ops
member: uid=alice,ou=people,dc=example,dc=org

dn: cn=platform,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: platform
member: cn=devs,ou=groups,dc=example,dc=org

dn: cn=posix-devs,ou=groups,dc=example,dc=org
objectClass: posixGroup
cn: posix-devs
gidNumber: 5000
memberUid: alice

dn: cn=uniq,ou=groups,dc=example,dc=org
objectClass: groupOfUniqueNames
cn: uniq
uniqueMember: uid=alice,ou=people,dc=example,dc=org
`, testenv.SSHA(svcPW), testenv.SSHA(alicePW), testenv.SSHA(bobPW), testenv.SSHA(adminPW))

// directory starts a seeded slapd.
func directory(t testing.TB) *testenv.Slapd {
	t.Helper()
	s := testenv.StartSlapd(t, testenv.SlapdOptions{})
	s.Add(t, seed)
	return s
}

// settings are member-style groups over plain LDAP.
func settings(url string) Settings {
	return Settings{
		URL: url, BindDN: svcDN, UserSearchBase: people,
		UserFilter: "(uid={username})", UsernameAttribute: "uid",
		GroupSearchBase: groups, GroupFilter: "(member={dn})",
		TimeoutSeconds: 5,
	}
}

func newConnector(t testing.TB, s Settings, bindPassword string) *connector {
	t.Helper()
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(idp.Config{Name: "test", Settings: raw, Secrets: map[string]string{"bindPassword": bindPassword}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*connector)
}

func groupsString(id *idp.Identity) string { return strings.Join(id.Groups, ",") }
