package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/testenv"
)

// TestWebUIAdmin drives the administration pages in Chromium against a
// real server and a real slapd: the admin configures the LDAP provider
// through the form (the test passes, a wrong bind password is named
// precisely, fixed, enabled), an LDAP user signs in on the login page, the
// admin creates a local user, resets their password, disables them (their
// open session stops at once) and reads a user's effective access, and a
// user creates an API token (shown once) and revokes it.
func TestWebUIAdmin(t *testing.T) {
	browser := chromium(t)
	ldap := testenv.StartSlapd(t, testenv.SlapdOptions{})
	ldap.Add(t, fmt.Sprintf(`dn: uid=dana,ou=people,%[1]s
objectClass: inetOrgPerson
uid: dana
cn: Dana Scully
sn: Scully
mail: dana@example.org
userPassword: %[2]s

dn: cn=devs,ou=groups,%[1]s
objectClass: groupOfNames
cn: devs
member: uid=dana,ou=people,%[1]s
`, testenv.SlapdSuffix, testenv.SSHA("dana-ldap-pass")))

	s := start(t, options{env: bootstrapEnv})
	admin := s.login("admin", bootstrapPassword)
	// A registered cluster (its agent never connects: the pages read only
	// the access model) with a project whose members are ldap:devs.
	var lab clusterView
	s.must("POST", "/v1/clusters", admin, map[string]any{"name": "lab"}, 201, &lab)
	var project struct{ ID string }
	s.must("POST", "/v1/projects", admin, map[string]any{"cluster": lab.ID, "name": "x-files"}, 201, &project)
	s.must("POST", "/v1/bindings", admin, map[string]any{"subject": map[string]any{"kind": "Group", "name": "ldap:devs"},
		"roleTemplate": "project-member", "project": project.ID,
		"expiresAt": time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)}, 201, nil)

	runPlaywright(t, "admin.e2e.mjs",
		"PADDOCK_URL="+s.URL, "CHROMIUM="+browser, "ARTIFACTS="+artifacts(t, "ui-admin"),
		"ADMIN_PASSWORD="+bootstrapPassword,
		"LDAP_URL="+ldap.URL(), "LDAP_CA="+ldap.CAPEM(), "LDAP_BIND_DN="+ldap.AdminDN(),
		"LDAP_BIND_PASSWORD="+ldap.AdminPassword(), "LDAP_SUFFIX="+testenv.SlapdSuffix,
		"LDAP_USER=dana", "LDAP_USER_PASSWORD=dana-ldap-pass")

	// What the UI did, as the API sees it.
	var provider struct {
		Enabled  bool
		Secrets  map[string]string
		Settings map[string]any
	}
	s.must("GET", "/v1/auth/providers/ldap", admin, nil, 200, &provider)
	if !provider.Enabled || provider.Secrets["bindPassword"] != "set" || provider.Settings["bindPassword"] != nil ||
		provider.Settings["startTLS"] != true {
		t.Fatalf("the LDAP provider the UI saved: %+v", provider)
	}
	var listed struct {
		Items []struct {
			Username, Provider           string
			Disabled, MustChangePassword bool
			ProviderGroups               []string
		}
	}
	s.must("GET", "/v1/users?limit=500", admin, nil, 200, &listed)
	seen := map[string]bool{}
	for _, u := range listed.Items {
		switch u.Username {
		case "casey":
			seen[u.Username] = u.Disabled && u.MustChangePassword && u.Provider == "local"
		case "dana":
			seen[u.Username] = u.Provider == "ldap" && slices.Contains(u.ProviderGroups, "ldap:devs")
		}
	}
	if !seen["casey"] || !seen["dana"] {
		t.Fatalf("users after the UI: %+v", listed.Items)
	}
	s.must("POST", "/v1/auth/login", "", map[string]any{"username": "casey", "password": "casey-reset-pass-1"}, 401, nil)
}
