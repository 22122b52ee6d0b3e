package ldap

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
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

// TestServerStopsAnswering freezes a proxy in front of slapd once the pool
// holds connections: the next login fails within the timeout, and works
// again once the server answers.
func TestServerStopsAnswering(t *testing.T) {
	dir := directory(t)
	p := newFreezeProxy(t, strings.TrimPrefix(dir.URL(), "ldap://"))
	s := settings("ldap://" + p.addr)
	s.TimeoutSeconds = 2
	c := newConnector(t, s, svcPW)
	ctx := context.Background()
	if _, err := c.Login(ctx, "alice", alicePW); err != nil {
		t.Fatal(err)
	}
	p.frozen.Store(true)
	start := time.Now()
	_, err := c.Login(ctx, "alice", alicePW)
	took := time.Since(start)
	if !errors.Is(err, idp.ErrUnavailable) || !strings.Contains(err.Error(), "no answer within") || took > 3*time.Second {
		t.Fatalf("Login through a frozen server = %v after %v; want a timeout within ~2s", err, took)
	}
	t.Logf("frozen: %v after %v", err, took)
	p.frozen.Store(false)
	if _, err := c.Login(ctx, "alice", alicePW); err != nil {
		t.Fatalf("Login after the server recovered: %v", err)
	}
}

// freezeProxy relays TCP to a backend; while frozen it relays nothing.
type freezeProxy struct {
	addr   string
	frozen atomic.Bool
}

func newFreezeProxy(t *testing.T, backend string) *freezeProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezeProxy{addr: l.Addr().String()}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		defer close(done)
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", backend)
			if err != nil {
				in.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, in, out)
			mu.Unlock()
			go p.relay(in, out)
			go p.relay(out, in)
		}
	}()
	return p
}

func (p *freezeProxy) relay(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for p.frozen.Load() && err == nil {
			time.Sleep(10 * time.Millisecond) // hold the bytes while frozen
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}
