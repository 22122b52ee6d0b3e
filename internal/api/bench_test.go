package api_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The benchmarks drive the full middleware chain in process (no TLS, no
// network), so they measure Paddock's own cost per request. Compare
// BearerMe with Healthz (same chain, no credentials) from the same run.

func benchHandler(b *testing.B, e *env, method, path, token string, body []byte, want int) {
	h := e.api.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var r *http.Request
		if body != nil {
			r = httptest.NewRequest(method, path, bytes.NewReader(body))
		} else {
			r = httptest.NewRequest(method, path, nil)
		}
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkHealthz is the baseline: the chain without authentication.
func BenchmarkHealthz(b *testing.B) {
	e := newEnv(b)
	benchHandler(b, e, "GET", "/healthz", "", nil, 200)
}

// BenchmarkBearerMe authenticates a bearer token from the verified-token
// cache (the production default) and serves /v1/me.
func BenchmarkBearerMe(b *testing.B) {
	e := newEnv(b)
	tok := e.admin()
	benchHandler(b, e, "GET", "/v1/me", tok, nil, 200)
}

// BenchmarkBearerMeUncached asks the store for every request (one indexed
// query joining tokens and users).
func BenchmarkBearerMeUncached(b *testing.B) {
	e := newEnvCache(b, 0)
	tok := e.admin()
	benchHandler(b, e, "GET", "/v1/me", tok, nil, 200)
}

// BenchmarkLogin is a full password login: argon2id verification, a token
// insert and an audit insert.
func BenchmarkLogin(b *testing.B) {
	e := newEnv(b)
	body := []byte(`{"username":"admin","password":"` + adminPassword + `"}`)
	benchHandler(b, e, "POST", "/v1/auth/login", "", body, 200)
}
