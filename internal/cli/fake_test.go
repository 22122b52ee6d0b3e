package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer emulates the endpoints the CLI uses (/cacerts, providers,
// login, clusters, tokens, me) over TLS; it is not the real server (the
// e2e test in test/e2e/cli_test.go is).
type fakeServer struct {
	*httptest.Server
	caPEM []byte
	sum   string

	mu        sync.Mutex
	sessions  map[string]time.Time // session token → expiry
	apiTokens map[string]bool
	clusters  []Cluster
	providers []Provider
	minted    int
	meCalls   int
	logins    int
	lastTTL   string
}

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{sessions: map[string]time.Time{}, apiTokens: map[string]bool{},
		clusters:  []Cluster{{ID: "c1", Name: "alpha"}, {ID: "c2", Name: "beta"}},
		providers: []Provider{{Name: "local", Type: "local", Login: "password"}, {Name: "corp", Type: "oidc", Login: "redirect"}}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cacerts", func(w http.ResponseWriter, _ *http.Request) { w.Write(f.caPEM) })
	mux.HandleFunc("GET /v1/auth/providers", func(w http.ResponseWriter, _ *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		writeJSON(w, 200, map[string]any{"items": f.providers})
	})
	mux.HandleFunc("POST /v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Username, Password, Provider string }
		json.NewDecoder(r.Body).Decode(&in)
		f.mu.Lock()
		defer f.mu.Unlock()
		if in.Username != "bob" || in.Password != "bob-password" || in.Provider != "local" {
			writeJSON(w, 401, map[string]string{"error": "unauthorized", "message": "invalid username or password"})
			return
		}
		f.logins++
		tok := fmt.Sprintf("pds_session%d", f.logins)
		f.sessions[tok] = time.Now().Add(12 * time.Hour)
		writeJSON(w, 200, map[string]any{"token": tok, "expiresAt": f.sessions[tok], "user": map[string]string{"username": "bob"}})
	})
	mux.HandleFunc("GET /v1/clusters", func(w http.ResponseWriter, r *http.Request) {
		if !f.authorized(r, false) {
			writeJSON(w, 401, map[string]string{"error": "unauthorized"})
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		writeJSON(w, 200, map[string]any{"items": f.clusters})
	})
	mux.HandleFunc("POST /v1/tokens", func(w http.ResponseWriter, r *http.Request) {
		if !f.authorized(r, false) {
			writeJSON(w, 401, map[string]string{"error": "unauthorized"})
			return
		}
		var in struct{ Description, TTL string }
		json.NewDecoder(r.Body).Decode(&in)
		ttl, err := time.ParseDuration(in.TTL)
		if err != nil || in.Description != TokenDescription {
			writeJSON(w, 400, map[string]string{"error": "invalid"})
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.minted++
		f.lastTTL = in.TTL
		tok := fmt.Sprintf("pdt_api%d", f.minted)
		f.apiTokens[tok] = true
		writeJSON(w, 201, map[string]any{"token": tok, "expiresAt": time.Now().Add(ttl)})
	})
	mux.HandleFunc("GET /v1/me", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.meCalls++
		f.mu.Unlock()
		if !f.authorized(r, true) {
			writeJSON(w, 401, map[string]string{"error": "unauthorized"})
			return
		}
		writeJSON(w, 200, map[string]string{"username": "bob"})
	})
	f.Server = httptest.NewTLSServer(mux)
	t.Cleanup(f.Close)
	f.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.Certificate().Raw})
	s := sha256.Sum256(f.caPEM)
	f.sum = hex.EncodeToString(s[:])
	return f
}

func (f *fakeServer) authorized(r *http.Request, apiToo bool) bool {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	defer f.mu.Unlock()
	if exp, ok := f.sessions[tok]; ok && time.Now().Before(exp) {
		return true
	}
	return apiToo && f.apiTokens[tok]
}

// revokeAll ends every session and token.
func (f *fakeServer) revokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.sessions)
	clear(f.apiTokens)
}

func (f *fakeServer) counts() (minted, me, logins int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.minted, f.meCalls, f.logins
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// fakePrompt answers prompts from a list and records them.
type fakePrompt struct {
	answers []string
	asked   []string
}

func (p *fakePrompt) Line(prompt string) (string, error) { return p.next(prompt) }

func (p *fakePrompt) Secret(prompt string) (string, error) { return p.next(prompt) }

func (p *fakePrompt) next(prompt string) (string, error) {
	p.asked = append(p.asked, prompt)
	if len(p.answers) == 0 {
		return "", ErrNoTerminal
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	return a, nil
}
