package ldap

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/idp"
)

func TestServerKilled(t *testing.T) {
	dir := directory(t)
	s := settings(dir.URL())
	s.TimeoutSeconds = 2
	c := newConnector(t, s, svcPW)
	ctx := context.Background()
	if _, err := c.Login(ctx, "alice", alicePW); err != nil { // fills the pool
		t.Fatal(err)
	}
	dir.Stop()
	for _, name := range []string{"pooled", "fresh"} {
		if name == "fresh" {
			c = newConnector(t, s, svcPW)
		}
		start := time.Now()
		_, err := c.Login(ctx, "alice", alicePW)
		took := time.Since(start)
		if !errors.Is(err, idp.ErrUnavailable) || took > slowLimitS*time.Second {
			t.Fatalf("%s: Login after the server died = %v after %v; want ErrUnavailable within %ds", name, err, took, slowLimitS)
		}
		t.Logf("%s: %v after %v", name, err, took)
	}
	if err := c.Check(ctx); !errors.Is(err, idp.ErrUnavailable) || !strings.Contains(err.Error(), "cannot connect") {
		t.Fatalf("Check = %v, want cannot connect", err)
	}
}

func TestServerNeverAnswers(t *testing.T) {
	addr := silentServer(t)
	ctx := context.Background()
	for name, edit := range map[string]func(*Settings){
		"ldap":     func(s *Settings) { s.URL = "ldap://" + addr },
		"StartTLS": func(s *Settings) { s.URL = "ldap://" + addr; s.StartTLS = true },
		"LDAPS":    func(s *Settings) { s.URL = "ldaps://" + addr },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := settings("")
			s.TimeoutSeconds = 2
			edit(&s)
			c := newConnector(t, s, svcPW)
			for op, f := range map[string]func() error{
				"Login": func() error { _, err := c.Login(ctx, "alice", alicePW); return err },
				"Check": func() error { return c.Check(ctx) },
			} {
				start := time.Now()
				err := f()
				took := time.Since(start)
				if !errors.Is(err, idp.ErrUnavailable) || took > slowLimitS*time.Second {
					t.Fatalf("%s = %v after %v; want ErrUnavailable within %ds", op, err, took, slowLimitS)
				}
				t.Logf("%s: %v after %v", op, err, took)
			}
		})
	}
	t.Run("context deadline shortens the timeout", func(t *testing.T) {
		s := settings("ldap://" + addr)
		c := newConnector(t, s, svcPW) // TimeoutSeconds 5
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Login(ctx, "alice", alicePW)
		if took := time.Since(start); !errors.Is(err, idp.ErrUnavailable) || took > 2*time.Second {
			t.Fatalf("Login = %v after %v", err, took)
		}
	})
}

func TestCheck(t *testing.T) {
	dir := directory(t)
	ctx := context.Background()
	if err := newConnector(t, settings(dir.URL()), svcPW).Check(ctx); err != nil {
		t.Fatalf("Check = %v", err)
	}
	for name, tc := range map[string]struct {
		edit func(*Settings)
		pw   string
		want string
	}{
		"wrong bind password": {nil, "wrong", "service bind refused (bad bindDN or password)"},
		"unknown bind DN":     {func(s *Settings) { s.BindDN = "cn=nobody,dc=example,dc=org" }, svcPW, "service bind refused"},
		"wrong user base":     {func(s *Settings) { s.UserSearchBase = "ou=nope,dc=example,dc=org" }, svcPW, `user search base "ou=nope,dc=example,dc=org" not found`},
		"wrong group base":    {func(s *Settings) { s.GroupSearchBase = "ou=nope,dc=example,dc=org" }, svcPW, `group search base "ou=nope,dc=example,dc=org" not found`},
		"LDAPS, no CA":        {func(s *Settings) { s.URL = dir.LDAPSURL() }, svcPW, "TLS: certificate signed by unknown authority"},
	} {
		t.Run(name, func(t *testing.T) {
			s := settings(dir.URL())
			if tc.edit != nil {
				tc.edit(&s)
			}
			c := newConnector(t, s, tc.pw)
			err := c.Check(ctx)
			if !errors.Is(err, idp.ErrUnavailable) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check = %v, want %q", err, tc.want)
			}
			t.Logf("as expected: %v", err)
			if _, err := c.Login(ctx, "alice", alicePW); !errors.Is(err, idp.ErrUnavailable) {
				t.Errorf("Login = %v, want ErrUnavailable, not a user error", err)
			}
		})
	}
}
