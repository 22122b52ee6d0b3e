package ldap

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paddockhq/paddock/internal/idp"
)

func TestLoginGroupStyles(t *testing.T) {
	dir := directory(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		edit  func(*Settings)
		user  string
		want  string
		check func(*testing.T, *idp.Identity)
	}{
		{name: "member", user: "alice", want: "devs,ops", check: func(t *testing.T, id *idp.Identity) {
			if id.Username != "alice" || id.DisplayName != "Alice Liddell" || id.Email != "alice@example.org" {
				t.Errorf("identity = %+v", id)
			}
			if len(id.Subject) != 36 || strings.Contains(id.Subject, "=") {
				t.Errorf("subject %q is not an entryUUID", id.Subject)
			}
		}},
		{name: "memberUid with the stored username", user: "ALICE", want: "posix-devs",
			edit: func(s *Settings) { s.GroupFilter = "(memberUid={username})" }},
		{name: "uniqueMember", user: "alice", want: "uniq",
			edit: func(s *Settings) { s.GroupFilter = "(uniqueMember={dn})" }},
		// dynlist's memberOf includes platform, which contains devs.
		{name: "memberOf attribute, nested", user: "alice", want: "devs,ops,platform",
			edit: func(s *Settings) { s.GroupFilter = ""; s.UserGroupAttribute = "memberOf" }},
		{name: "memberOf under another base", user: "alice", want: "",
			edit: func(s *Settings) { s.GroupFilter = ""; s.UserGroupAttribute = "memberOf"; s.GroupSearchBase = people }},
		// OpenLDAP does not implement AD's LDAP_MATCHING_RULE_IN_CHAIN: no
		// groups, no error.
		{name: "AD in-chain rule on OpenLDAP", user: "alice", want: "",
			edit: func(s *Settings) { s.GroupFilter = "(member:1.2.840.113556.1.4.1941:={dn})" }},
		{name: "username case as stored", user: "bob", want: "devs", check: func(t *testing.T, id *idp.Identity) {
			if id.Username != "Bob" {
				t.Errorf("username = %q, want Bob as stored", id.Username)
			}
		}},
		{name: "subject falls back to the DN", user: "alice", want: "devs,ops",
			edit: func(s *Settings) { s.SubjectAttribute = "employeeNumber" },
			check: func(t *testing.T, id *idp.Identity) {
				if id.Subject != aliceDN {
					t.Errorf("subject = %q, want the DN", id.Subject)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := settings(dir.URL())
			if tc.edit != nil {
				tc.edit(&s)
			}
			c := newConnector(t, s, svcPW)
			pw := alicePW
			if strings.EqualFold(tc.user, "bob") {
				pw = bobPW
			}
			id, err := c.Login(ctx, tc.user, pw)
			if err != nil {
				t.Fatal(err)
			}
			if got := groupsString(id); got != tc.want {
				t.Errorf("groups = %q, want %q", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, id)
			}
		})
	}
}

func TestLoginRefusals(t *testing.T) {
	dir := directory(t)
	c := newConnector(t, settings(dir.URL()), svcPW)
	ctx := context.Background()
	bad := map[string][2]string{
		"wrong password":  {"alice", "nope"},
		"unknown user":    {"nobody", alicePW},
		"empty password":  {"alice", ""},
		"empty username":  {"", alicePW},
		"star":            {"*", alicePW},
		"star admin pw":   {"*", adminPW},
		"widened filter":  {"*)(uid=*", alicePW},
		"or injection":    {"admin)(|(uid=*", adminPW},
		"close and and":   {"alice)(uid=Bob", bobPW},
		"prefix wildcard": {"al*", alicePW},
		"NUL byte":        {"alice\x00", alicePW},
		"NUL then star":   {"\x00*", alicePW},
		"escaped star":    {`\2a`, alicePW},
		"long username":   {strings.Repeat("a", 300), alicePW},
	}
	for name, up := range bad {
		t.Run(name, func(t *testing.T) {
			id, err := c.Login(ctx, up[0], up[1])
			if !errors.Is(err, idp.ErrBadCredentials) {
				t.Fatalf("Login(%q) = %+v, %v; want ErrBadCredentials", up[0], id, err)
			}
		})
	}
	t.Run("two entries match", func(t *testing.T) {
		_, err := c.Login(ctx, "twin", "twin-pw")
		if !errors.Is(err, idp.ErrRefused) || !strings.Contains(err.Error(), "more than one entry") {
			t.Fatalf("err = %v, want ErrRefused naming the ambiguity", err)
		}
	})
	t.Run("still works", func(t *testing.T) {
		if _, err := c.Login(ctx, "alice", alicePW); err != nil {
			t.Fatal(err)
		}
	})
}
