package ldap

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/paddockhq/paddock/internal/idp"
)

func TestNewValidates(t *testing.T) {
	good := settings("ldap://127.0.0.1:389")
	for name, tc := range map[string]struct {
		edit   func(m map[string]any)
		secret string
		want   string
	}{
		"ok":                  {func(map[string]any) {}, "pw", ""},
		"no url":              {func(m map[string]any) { delete(m, "url") }, "pw", "url: required"},
		"http url":            {func(m map[string]any) { m["url"] = "http://x" }, "pw", `url: scheme must be ldap or ldaps, not "http"`},
		"url with base":       {func(m map[string]any) { m["url"] = "ldap://x/dc=org" }, "pw", "url: must be"},
		"starttls over ldaps": {func(m map[string]any) { m["url"] = "ldaps://x"; m["startTLS"] = true }, "pw", "startTLS: not with ldaps://"},
		"bad caPEM":           {func(m map[string]any) { m["caPEM"] = "nope" }, "pw", "caPEM: no PEM certificate"},
		"no password":         {func(map[string]any) {}, "", "bindPassword: required"},
		"bad bindDN":          {func(m map[string]any) { m["bindDN"] = "not a dn" }, "pw", "bindDN: not a DN"},
		"no base":             {func(m map[string]any) { delete(m, "userSearchBase") }, "pw", "userSearchBase: required"},
		"no placeholder":      {func(m map[string]any) { m["userFilter"] = "(uid=alice)" }, "pw", "userFilter: must contain {username}"},
		"broken filter":       {func(m map[string]any) { m["userFilter"] = "(uid={username}" }, "pw", "userFilter: not an LDAP filter"},
		"no username attr":    {func(m map[string]any) { delete(m, "usernameAttribute") }, "pw", "usernameAttribute: required"},
		"group filter no dn":  {func(m map[string]any) { m["groupFilter"] = "(member=x)" }, "pw", "groupFilter: must contain {dn} or {username}"},
		"group filter base":   {func(m map[string]any) { delete(m, "groupSearchBase") }, "pw", "groupSearchBase: required with groupFilter"},
		"both group sources":  {func(m map[string]any) { m["userGroupAttribute"] = "memberOf" }, "pw", "userGroupAttribute: set either"},
		"timeout":             {func(m map[string]any) { m["timeoutSeconds"] = -1 }, "pw", "timeoutSeconds: must be"},
		"skip verify":         {func(m map[string]any) { m["insecureSkipVerify"] = true }, "pw", `unknown field "insecureSkipVerify"`},
	} {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			b, _ := json.Marshal(good)
			_ = json.Unmarshal(b, &m)
			tc.edit(m)
			raw, _ := json.Marshal(m)
			c, err := Type.New(idp.Config{Settings: raw, Secrets: map[string]string{"bindPassword": tc.secret}})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				cc := c.(*connector)
				if cc.s.DisplayNameAttribute != "cn" || cc.s.SubjectAttribute != "entryUUID" || cc.s.PoolSize != 4 || cc.hostport != "127.0.0.1:389" {
					t.Errorf("defaults not applied: %+v %s", cc.s, cc.hostport)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestGUIDRoundTrip(t *testing.T) {
	raw := []byte{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10}
	s := formatGUID(raw)
	if s != "04030201-0605-0807-090a-0b0c0d0e0f10" {
		t.Fatalf("formatGUID = %s", s)
	}
	back, ok := parseGUID(s)
	if !ok || string(back) != string(raw) {
		t.Fatalf("parseGUID = %x %v", back, ok)
	}
	if got := subjectFilterValue("objectGUID", s); got != `\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10` {
		t.Fatalf("filter value = %s", got)
	}
}
