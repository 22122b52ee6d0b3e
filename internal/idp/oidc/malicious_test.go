package oidc

// EMULATION OF A MALICIOUS (or broken) PROVIDER. A real OP never signs the
// tokens below, so this hand-rolled issuer serves discovery, a JWKS and a
// token endpoint that answers with whatever ID token the test crafted:
// alg none, a foreign key, HS256 keyed with the public key, expired, wrong
// audience or issuer, no nonce... The connector must refuse each.

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/idp"
)

type evilOP struct {
	srv   *httptest.Server
	key   *rsa.PrivateKey // published in the JWKS as kid "k1"
	mu    sync.Mutex
	token func(nonce string) string // the next id_token, from the request's nonce
	jwks  string                    // overrides the JWKS when set
	iss   string                    // overrides the discovery issuer when set
	fail  int                       // discovery answers 503 this many times
}

func startEvilOP(t *testing.T) *evilOP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e := &evilOP{key: key}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.fail > 0 {
			e.fail--
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		iss := e.srv.URL
		if e.iss != "" {
			iss = e.iss
		}
		writeJSON(w, map[string]any{
			"issuer": iss, "authorization_endpoint": e.srv.URL + "/auth",
			"token_endpoint": e.srv.URL + "/token", "jwks_uri": e.srv.URL + "/jwks",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.jwks != "" {
			_, _ = w.Write([]byte(e.jwks))
			return
		}
		writeJSON(w, map[string]any{"keys": []any{map[string]string{
			"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "k1",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
		}}})
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		defer e.mu.Unlock()
		writeJSON(w, map[string]any{"access_token": "at", "token_type": "Bearer",
			"expires_in": 300, "id_token": e.token(r.FormValue("code"))})
	})
	return e
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwt builds a token; sign gets the signing input and returns the signature.
func jwt(header, claims map[string]any, sign func(in []byte) []byte) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	in := b64(h) + "." + b64(c)
	return in + "." + b64(sign([]byte(in)))
}

func rs256(key *rsa.PrivateKey) func([]byte) []byte {
	return func(in []byte) []byte {
		sum := sha256.Sum256(in)
		sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
		return sig
	}
}

func (e *evilOP) connector(t *testing.T) *Connector {
	t.Helper()
	raw, _ := json.Marshal(Settings{Issuer: e.srv.URL, ClientID: "paddock"})
	c, err := New(idp.Config{Name: "evil", Settings: raw, Secrets: map[string]string{"clientSecret": "s"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*Connector)
}

func TestMaliciousProvider(t *testing.T) {
	e := startEvilOP(t)
	c := e.connector(t)
	ctx := context.Background()
	foreign, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Now()
	rsHeader := map[string]any{"alg": "RS256", "kid": "k1", "typ": "JWT"}
	claims := func(nonce string, edit func(map[string]any)) map[string]any {
		c := map[string]any{"iss": e.srv.URL, "sub": "evil-1", "aud": "paddock", "nonce": nonce,
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
			"preferred_username": "mallory", "groups": "admins"}
		if edit != nil {
			edit(c)
		}
		return c
	}
	edit := func(k string, v any) func(map[string]any) { return func(c map[string]any) { c[k] = v } }

	cases := []struct {
		name   string
		token  func(nonce string) string
		reason string // "" means accepted
	}{
		{"well-formed token (control)", func(n string) string { return jwt(rsHeader, claims(n, nil), rs256(e.key)) }, ""},
		{"alg none", func(n string) string {
			return jwt(map[string]any{"alg": "none"}, claims(n, nil), func([]byte) []byte { return nil })
		}, "ID token"},
		{"foreign signing key", func(n string) string { return jwt(rsHeader, claims(n, nil), rs256(foreign)) }, "signature"},
		{"HS256 keyed with the public key", func(n string) string {
			pub := e.key.PublicKey.N.Bytes()
			return jwt(map[string]any{"alg": "HS256", "kid": "k1"}, claims(n, nil), func(in []byte) []byte {
				m := hmac.New(sha256.New, pub)
				m.Write(in)
				return m.Sum(nil)
			})
		}, "ID token"},
		{"expired", func(n string) string {
			return jwt(rsHeader, claims(n, edit("exp", now.Add(-time.Hour).Unix())), rs256(e.key))
		}, "expired"},
		{"another audience", func(n string) string {
			return jwt(rsHeader, claims(n, edit("aud", "someone-else")), rs256(e.key))
		}, "audience"},
		{"another issuer", func(n string) string {
			return jwt(rsHeader, claims(n, edit("iss", "https://evil.example")), rs256(e.key))
		}, "issued by a different provider"},
		{"no nonce", func(n string) string { return jwt(rsHeader, claims("", nil), rs256(e.key)) }, "nonce mismatch"},
		{"no subject", func(n string) string { return jwt(rsHeader, claims(n, edit("sub", "")), rs256(e.key)) }, "subject"},
		{"groups not strings", func(n string) string {
			return jwt(rsHeader, claims(n, edit("groups", []any{1, 2})), rs256(e.key))
		}, "groups"},
		{"no id_token", func(string) string { return "" }, "no id_token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, kept, err := c.Begin(ctx, testCallback)
			if err != nil {
				t.Fatal(err)
			}
			var ks keptState
			_ = json.Unmarshal(kept, &ks)
			e.mu.Lock()
			e.token = func(string) string { return tc.token(ks.Nonce) }
			e.mu.Unlock()
			cb := mustRequest(t, testCallback+"?code=c&state="+ks.State)
			id, err := c.Finish(ctx, testCallback, cb, kept)
			if tc.reason == "" {
				if err != nil || id.Subject != "evil-1" || id.Username != "mallory" || len(id.Groups) != 1 || id.Groups[0] != "admins" {
					t.Fatalf("control: %+v, %v", id, err)
				}
				return
			}
			if !errors.Is(err, idp.ErrRefused) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("err = %v, want ErrRefused with %q", err, tc.reason)
			}
		})
	}
}

func TestCheckErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("no signing keys", func(t *testing.T) {
		e := startEvilOP(t)
		e.jwks = `{"keys":[]}`
		if err := e.connector(t).Check(ctx); !errors.Is(err, ErrNoJWKS) {
			t.Fatalf("err = %v, want ErrNoJWKS", err)
		}
	})
	t.Run("issuer mismatch", func(t *testing.T) {
		e := startEvilOP(t)
		e.iss = "https://impostor.example"
		err := e.connector(t).Check(ctx)
		if !errors.Is(err, ErrIssuerMismatch) || !strings.Contains(err.Error(), "impostor") {
			t.Fatalf("err = %v, want ErrIssuerMismatch naming the impostor", err)
		}
	})
	t.Run("discovery retried after failure", func(t *testing.T) {
		e := startEvilOP(t)
		e.fail = 1
		c := e.connector(t)
		if _, _, err := c.Begin(ctx, testCallback); !errors.Is(err, idp.ErrUnavailable) {
			t.Fatalf("first Begin: %v, want ErrUnavailable", err)
		}
		if _, _, err := c.Begin(ctx, testCallback); err != nil {
			t.Fatalf("second Begin: %v", err)
		}
	})
}
