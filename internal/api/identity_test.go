package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
)

func TestLoginBadInput(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"wrong password", map[string]string{"username": "admin", "password": "wrong-password"}, 401, "unauthorized"},
		{"unknown user", map[string]string{"username": "nobody", "password": "wrong-password"}, 401, "unauthorized"},
		{"sql in username", map[string]string{"username": "admin' OR '1'='1", "password": "x' OR '1'='1"}, 401, "unauthorized"},
		{"empty", map[string]string{}, 422, "validation_failed"},
		{"malformed", `{"username": "admin", "password"`, 400, "bad_request"},
		{"unknown field", `{"username":"admin","password":"x","admin":true}`, 400, "bad_request"},
		{"wrong type", `{"username":1,"password":"x"}`, 400, "bad_request"},
		{"unknown provider", map[string]string{"username": "admin", "password": adminPassword, "provider": "ldap"}, 422, "validation_failed"},
		{"oversized", `{"username":"admin","password":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "payload_too_large"},
	}
	for _, c := range cases {
		r := e.req(nil, "POST", "/v1/auth/login", "", c.body)
		if r.Status != c.status || r.Code() != c.code {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}
	// Unknown user and wrong password are indistinguishable.
	a := e.req(nil, "POST", "/v1/auth/login", "", map[string]string{"username": "admin", "password": "nope-nope-nope"})
	b := e.req(nil, "POST", "/v1/auth/login", "", map[string]string{"username": "ghost", "password": "nope-nope-nope"})
	if string(a.Body) != string(b.Body) {
		t.Errorf("login errors reveal whether the user exists: %s vs %s", a.Body, b.Body)
	}
}

func TestLoginTokenAndCookie(t *testing.T) {
	e := newEnv(t)
	c := e.client("")
	r := e.must(e.req(c, "POST", "/v1/auth/login", "", map[string]string{"username": "ADMIN", "password": adminPassword}), 200)
	if _, leaked := r.JSON()["user"].(map[string]any)["passwordHash"]; leaked || strings.Contains(string(r.Body), "argon2") {
		t.Fatalf("password hash leaked: %s", r.Body)
	}
	var session *http.Cookie
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == "__Host-paddock_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
		t.Fatalf("session cookie %+v", session)
	}
	tok := r.JSON()["token"].(string)
	me := e.must(e.req(nil, "GET", "/v1/me", tok, nil), 200).JSON()
	if me["username"] != "admin" || me["admin"] != true {
		t.Fatalf("%v", me)
	}
	// The cookie alone authenticates reads.
	e.must(e.req(c, "GET", "/v1/me", "", nil), 200)
	// Logout with the bearer token revokes it.
	e.must(e.req(nil, "POST", "/v1/auth/logout", tok, nil), 204)
	if r := e.req(nil, "GET", "/v1/me", tok, nil); r.Status != 401 {
		t.Fatalf("token works after logout: %d", r.Status)
	}
}

func TestCSRFOnCookieSessions(t *testing.T) {
	e := newEnv(t)
	c := e.client("")
	r := e.must(e.req(c, "POST", "/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}), 200)
	csrf := r.JSON()["csrfToken"].(string)
	body := map[string]string{"description": "x"}
	// A state change riding only on the cookie is refused...
	if r := e.req(c, "POST", "/v1/tokens", "", body); r.Status != 403 || r.Code() != "csrf_failed" {
		t.Fatalf("cookie without CSRF header: %d %s", r.Status, r.Body)
	}
	if r := e.req(c, "POST", "/v1/tokens", "", body, "X-CSRF-Token", "forged"); r.Status != 403 {
		t.Fatalf("wrong CSRF header: %d", r.Status)
	}
	// ...and so is one from another origin, even with the header.
	if r := e.req(c, "POST", "/v1/tokens", "", body, "X-CSRF-Token", csrf, "Origin", "https://evil.example"); r.Status != 403 {
		t.Fatalf("cross-origin: %d %s", r.Status, r.Body)
	}
	// Login CSRF from another origin is refused too.
	if r := e.req(nil, "POST", "/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}, "Origin", "https://evil.example"); r.Status != 403 {
		t.Fatalf("cross-origin login: %d", r.Status)
	}
	u, _ := url.Parse(e.srv.URL)
	e.must(e.req(c, "POST", "/v1/tokens", "", body, "X-CSRF-Token", csrf, "Origin", "https://"+u.Host), 201)
	// Logout through the cookie clears it.
	e.must(e.req(c, "POST", "/v1/auth/logout", "", nil, "X-CSRF-Token", csrf), 204)
	if r := e.req(c, "GET", "/v1/me", "", nil); r.Status != 401 {
		t.Fatalf("cookie still works after logout: %d", r.Status)
	}
}

func TestGeneratedPasswordMustBeChanged(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	e.must(e.req(nil, "POST", "/v1/users", admin, map[string]any{"username": "temp", "password": "temporary-pass-1", "mustChangePassword": true}), 201)
	tok := e.login("temp", "temporary-pass-1")
	e.must(e.req(nil, "GET", "/v1/me", tok, nil), 200)
	if r := e.req(nil, "GET", "/v1/tokens", tok, nil); r.Status != 403 || r.Code() != "password_change_required" || !strings.Contains(r.JSON()["message"].(string), "/v1/me/password") {
		t.Fatalf("gate: %d %s", r.Status, r.Body)
	}
	other := e.login("temp", "temporary-pass-1")
	if r := e.req(nil, "POST", "/v1/me/password", tok, map[string]string{"current": "wrong-one-here", "new": "a-brand-new-pass"}); r.Status != 403 {
		t.Fatalf("wrong current: %d", r.Status)
	}
	if r := e.req(nil, "POST", "/v1/me/password", tok, map[string]string{"current": "temporary-pass-1", "new": "short"}); r.Status != 422 {
		t.Fatalf("weak new: %d", r.Status)
	}
	e.must(e.req(nil, "POST", "/v1/me/password", tok, map[string]string{"current": "temporary-pass-1", "new": "a-brand-new-pass"}), 204)
	e.must(e.req(nil, "GET", "/v1/tokens", tok, nil), 200)
	if r := e.req(nil, "GET", "/v1/me", other, nil); r.Status != 401 {
		t.Fatalf("other session survived a password change: %d", r.Status)
	}
	if r := e.req(nil, "POST", "/v1/auth/login", "", map[string]string{"username": "temp", "password": "temporary-pass-1"}); r.Status != 401 {
		t.Fatalf("old password still works: %d", r.Status)
	}
	e.login("temp", "a-brand-new-pass")
}

func TestAuthorizationHeaderVariants(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	for name, h := range map[string]string{
		"basic":                   "Basic YWRtaW46YWRtaW4=",
		"garbage":                 "Bearer garbage",
		"sql":                     "Bearer ' OR 1=1 --",
		"empty":                   "Bearer ",
		"truncated":               "Bearer " + admin[:len(admin)-2],
		"well-formed but unknown": "Bearer pdk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	} {
		r := e.req(nil, "GET", "/v1/me", "", nil, "Authorization", h)
		if r.Status != 401 || r.Code() != "unauthorized" {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	// No credentials at all on an authenticated route.
	if r := e.req(nil, "GET", "/v1/me", "", nil); r.Status != 401 {
		t.Fatalf("anonymous /v1/me: %d", r.Status)
	}
	_ = http.StatusOK
}

// A WebSocket handshake riding on the session cookie must come from this
// site: browsers send Origin on every WebSocket and a cross-site page
// cannot forge it (cross-site WebSocket hijacking, Rancher CVE-2019-13209).
func TestCookieWebSocketNeedsOwnOrigin(t *testing.T) {
	e := newEnv(t)
	c := e.client("")
	e.must(e.req(c, "POST", "/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}), 200)
	ws := []string{"Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}
	if r := e.req(c, "GET", "/v1/me", "", nil, append(ws, "Origin", "https://evil.example")...); r.Status != 403 {
		t.Fatalf("cross-site websocket with cookie: %d %s", r.Status, r.Body)
	}
	if r := e.req(c, "GET", "/v1/me", "", nil, ws...); r.Status != 403 {
		t.Fatalf("websocket with cookie and no Origin: %d %s", r.Status, r.Body)
	}
	u, _ := url.Parse(e.srv.URL)
	e.must(e.req(c, "GET", "/v1/me", "", nil, append(ws, "Origin", "https://"+u.Host)...), 200)
	// Without the cookie nothing is authenticated, so nothing is hijacked.
	if r := e.req(nil, "GET", "/v1/me", "", nil, append(ws, "Origin", "https://evil.example")...); r.Status != 401 {
		t.Fatalf("anonymous: %d", r.Status)
	}
}

// Paths outside the API serve the web app (or its placeholder); unknown
// API paths stay JSON 404s.
func TestUIFallback(t *testing.T) {
	e := newEnv(t)
	r := e.req(nil, "GET", "/clusters/anything", "", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "<html") {
		t.Fatalf("UI path: %d %.200s", r.Status, r.Body)
	}
	if r := e.req(nil, "GET", "/v1/nope", "", nil); r.Status != 404 || r.Code() == "" {
		t.Fatalf("API 404: %d %s", r.Status, r.Body)
	}
}

// A browser-shell token works only through the Kubernetes proxy: the shell
// cannot call Paddock's own API with it (to mint a longer-lived token, say).
func TestShellTokenOnlyReachesTheProxy(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	id, _ := e.must(e.req(nil, "GET", "/v1/me", admin, nil), 200).JSON()["id"].(string)
	secret, _, err := e.auth.IssueToken(t.Context(), id, model.TokenShell, "browser shell", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, path string }{{"GET", "/v1/me"}, {"POST", "/v1/tokens"}, {"GET", "/v1/clusters"}, {"GET", "/v1/kubeconfig"}} {
		if r := e.req(nil, c.method, c.path, secret, map[string]string{"description": "longer"}); r.Status != 403 {
			t.Errorf("%s %s with a shell token: %d %s", c.method, c.path, r.Status, r.Body)
		}
	}
	// Through the proxy it authenticates (this harness has no clusters: 404, not 401/403).
	if r := e.req(nil, "GET", "/k8s/clusters/nope/api", secret, nil); r.Status == 401 || r.Status == 403 {
		t.Errorf("proxy path with a shell token: %d %s", r.Status, r.Body)
	}
}
