package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/paddockhq/paddock/internal/idp"
)

func TestCodeFlow(t *testing.T) {
	o := startOP(t)
	c := o.connector(t, clientMain, nil, idp.Deps{})
	ctx := context.Background()

	authURL, kept, err := c.Begin(ctx, testCallback)
	if err != nil {
		t.Fatal(err)
	}
	q := mustURL(t, authURL).Query()
	for _, k := range []string{"state", "nonce", "code_challenge", "client_id", "redirect_uri"} {
		if q.Get(k) == "" {
			t.Errorf("authURL lacks %s: %s", k, authURL)
		}
	}
	if q.Get("code_challenge_method") != "S256" {
		t.Errorf("code_challenge_method = %q", q.Get("code_challenge_method"))
	}
	var ks keptState
	if err := json.Unmarshal(kept, &ks); err != nil || ks.State != q.Get("state") || ks.Nonce != q.Get("nonce") {
		t.Fatalf("kept state %s does not match authURL %s (%v)", kept, authURL, err)
	}

	id, err := c.Finish(ctx, testCallback, o.login(t, authURL, "alice"), kept)
	if err != nil {
		t.Fatal(err)
	}
	want := &idp.Identity{Subject: "u-1001", Username: "alice", DisplayName: "Alice Liddell",
		Email: "alice@example.com", Groups: []string{"admins", "devs"}}
	if !reflect.DeepEqual(id, want) {
		t.Errorf("identity = %+v, want %+v", id, want)
	}
	if err := c.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// TestUserinfo: a provider that, as the spec says, puts profile claims
// only at the userinfo endpoint when it issues an access token.
func TestUserinfo(t *testing.T) {
	o := startOP(t)
	ctx := context.Background()

	plain := o.connector(t, clientPlain, nil, idp.Deps{})
	cb, kept := o.flow(t, plain)
	id, err := plain.Finish(ctx, testCallback, cb, kept)
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "u-1001" || id.Username != "u-1001" || len(id.Groups) != 0 {
		t.Errorf("without userinfo: %+v, want the subject as username and no groups", id)
	}

	withUI := o.connector(t, clientPlain, func(s *Settings) { s.UserinfoGroups = true }, idp.Deps{})
	cb, kept = o.flow(t, withUI)
	id, err = withUI.Finish(ctx, testCallback, cb, kept)
	if err != nil {
		t.Fatal(err)
	}
	want := &idp.Identity{Subject: "u-1001", Username: "alice", DisplayName: "Alice Liddell",
		Email: "alice@example.com", Groups: []string{"admins", "devs"}}
	if !reflect.DeepEqual(id, want) {
		t.Errorf("with userinfo: %+v, want %+v", id, want)
	}
}

// TestAttacks: each tampering is refused with ErrRefused and its reason.
func TestAttacks(t *testing.T) {
	o := startOP(t)
	ctx := context.Background()
	c := o.connector(t, clientMain, nil, idp.Deps{})

	editKept := func(kept []byte, edit func(*keptState)) []byte {
		var ks keptState
		if err := json.Unmarshal(kept, &ks); err != nil {
			t.Fatal(err)
		}
		edit(&ks)
		b, _ := json.Marshal(ks)
		return b
	}
	refusedWith := func(t *testing.T, err error, reason string) {
		t.Helper()
		if !errors.Is(err, idp.ErrRefused) || !strings.Contains(err.Error(), reason) {
			t.Fatalf("err = %v, want ErrRefused with %q", err, reason)
		}
	}

	t.Run("tampered state", func(t *testing.T) {
		cb, kept := o.flow(t, c)
		q := cb.URL.Query()
		q.Set("state", q.Get("state")+"x")
		cb.URL.RawQuery = q.Encode()
		_, err := c.Finish(ctx, testCallback, cb, kept)
		refusedWith(t, err, "state mismatch")
	})
	t.Run("missing state", func(t *testing.T) {
		cb, kept := o.flow(t, c)
		q := cb.URL.Query()
		q.Del("state")
		cb.URL.RawQuery = q.Encode()
		_, err := c.Finish(ctx, testCallback, cb, kept)
		refusedWith(t, err, "state mismatch")
	})
	t.Run("wrong PKCE verifier", func(t *testing.T) {
		cb, kept := o.flow(t, c)
		kept = editKept(kept, func(ks *keptState) { ks.Verifier = strings.Repeat("v", 43) })
		_, err := c.Finish(ctx, testCallback, cb, kept)
		refusedWith(t, err, "code exchange: invalid_grant")
	})
	t.Run("wrong nonce", func(t *testing.T) {
		cb, kept := o.flow(t, c)
		kept = editKept(kept, func(ks *keptState) { ks.Nonce = random(32) })
		_, err := c.Finish(ctx, testCallback, cb, kept)
		refusedWith(t, err, "nonce mismatch")
	})
	t.Run("code replayed", func(t *testing.T) {
		cb, kept := o.flow(t, c)
		if _, err := c.Finish(ctx, testCallback, cb, kept); err != nil {
			t.Fatal(err)
		}
		_, err := c.Finish(ctx, testCallback, cb, kept)
		refusedWith(t, err, "code exchange: invalid_grant")
	})
	t.Run("code of another client", func(t *testing.T) {
		other := o.connector(t, clientOther, nil, idp.Deps{})
		cb, kept := o.flow(t, other)
		_, err := c.Finish(ctx, testCallback, cb, kept)
		refusedWith(t, err, "code exchange: invalid_grant")
	})
	t.Run("ID token for another audience", func(t *testing.T) {
		// The OP issues the token to "other"; our verifier expects
		// "paddock" (as if the token had been swapped in).
		other := o.connector(t, clientOther, nil, idp.Deps{})
		cb, kept := o.flow(t, other)
		d, err := other.provider(ctx)
		if err != nil {
			t.Fatal(err)
		}
		d.verifier = d.provider.Verifier(&gooidc.Config{ClientID: clientMain, SupportedSigningAlgs: other.s.AllowedAlgs})
		_, err = other.Finish(ctx, testCallback, cb, kept)
		refusedWith(t, err, "audience")
	})
	t.Run("expired ID token", func(t *testing.T) {
		exp := o.connector(t, clientExpiring, nil, idp.Deps{})
		cb, kept := o.flow(t, exp)
		_, err := exp.Finish(ctx, testCallback, cb, kept)
		refusedWith(t, err, "expired")
	})
	t.Run("kept state older than 10 minutes", func(t *testing.T) {
		now := time.Now()
		clock := func() time.Time { return now }
		slow := o.connector(t, clientMain, nil, idp.Deps{Now: func() time.Time { return clock() }})
		cb, kept := o.flow(t, slow)
		clock = func() time.Time { return now.Add(10*time.Minute + time.Second) }
		_, err := slow.Finish(ctx, testCallback, cb, kept)
		refusedWith(t, err, "sign-in state expired")
	})
	t.Run("provider error", func(t *testing.T) {
		_, kept := o.flow(t, c)
		cb := mustRequest(t, testCallback+"?error=access_denied&error_description=User+said+no")
		_, err := c.Finish(ctx, testCallback, cb, kept)
		refusedWith(t, err, "access_denied: User said no")
	})
	t.Run("unreadable kept state", func(t *testing.T) {
		cb, _ := o.flow(t, c)
		_, err := c.Finish(ctx, testCallback, cb, []byte("{"))
		refusedWith(t, err, "kept state")
	})
}

func mustRequest(t *testing.T, u string) *http.Request {
	t.Helper()
	return httptest.NewRequest(http.MethodGet, u, nil)
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
