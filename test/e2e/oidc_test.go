package e2e

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/testenv"
)

const (
	loginCookie   = "__Host-paddock_login"
	sessionCookie = "__Host-paddock_session"
	csrfCookie    = "__Host-paddock_csrf"
)

// TestOIDCSignIn signs people in through the real server and a real
// OpenID Provider (zitadel's pkg/op, in-process): the admin configures the
// provider, the browser goes to the OP and back, and the session works.
// Then the attacks on the callback, through the server: no login cookie,
// a replayed code, another provider's or a tampered login cookie, an
// off-site return, a restricted provider; and a local account is never
// taken over by an OIDC user of the same name.
func TestOIDCSignIn(t *testing.T) {
	op := testenv.StartOIDCProvider(t, testenv.OIDCOptions{Users: []testenv.OIDCUser{
		{Username: "fox", Subject: "sub-fox-1013", FirstName: "Fox", LastName: "Mulder", Email: "fox@fbi.example", Groups: []string{"xfiles"}},
	}})
	s := start(t, options{env: bootstrapEnv})
	admin := s.login("admin", bootstrapPassword)
	localFox := s.createUser(admin, "fox", "local-fox-password", false)

	provider := func(client string) map[string]any {
		return map[string]any{"type": "oidc", "enabled": true, "displayName": "Corp SSO", "issuer": op.Issuer(),
			"clientID": client, "clientSecret": "secret-" + client, "caPEM": op.CAPEM(),
			"scopes": []string{"openid", "profile", "email", "groups"}}
	}
	for _, name := range []string{"corp", "other"} {
		var view struct {
			CallbackURL string
			Secrets     map[string]string
		}
		s.must("PUT", "/v1/auth/providers/"+name, admin, provider("client-"+name), 200, &view)
		if want := s.URL + "/v1/auth/providers/" + name + "/callback"; view.CallbackURL != want || view.Secrets["clientSecret"] != "set" {
			t.Fatalf("provider %s: callback %q (want %q), secrets %v", name, view.CallbackURL, want, view.Secrets)
		}
		op.SetClient(testenv.OIDCClient{ID: "client-" + name, Secret: "secret-client-" + name,
			RedirectURIs: []string{view.CallbackURL}, ClaimsInIDToken: true})
	}

	// The sign-in, hop by hop.
	b := s.newBrowser(true)
	h := b.visit("GET", "/v1/auth/providers/corp/login?return=/welcome", nil)
	authURL := h.redirect(t, op.Issuer()+"/authorize?")
	lc := h.cookie(t, loginCookie)
	if !lc.HttpOnly || !lc.Secure || lc.SameSite != http.SameSiteNoneMode || lc.Path != "/" {
		t.Fatalf("login cookie attributes: %+v", lc)
	}
	if u, _ := url.Parse(authURL); strings.Contains(lc.Value, u.Query().Get("state")) {
		t.Fatal("the login cookie shows the pending state in the clear")
	}
	cb := op.Login(t, authURL, "fox").String()
	h = b.visit("GET", cb, nil)
	h.redirect(t, "/welcome")
	session := h.cookie(t, sessionCookie)
	if !session.HttpOnly || !session.Secure || h.cookie(t, csrfCookie).Value == "" {
		t.Fatalf("session cookie attributes: %+v", session)
	}
	if c := h.cookie(t, loginCookie); c.MaxAge >= 0 {
		t.Fatalf("the login cookie was not cleared: %+v", c)
	}
	me := s.me(t, session.Value)
	// The OP cannot be asked later whether fox still belongs: his tokens
	// last at most a session (12 h), not the server's year.
	s.must("POST", "/v1/tokens", session.Value, map[string]any{"ttl": "720h"}, 422, nil)
	var minted struct{ ExpiresAt time.Time }
	s.must("POST", "/v1/tokens", session.Value, map[string]any{"description": "ci"}, 201, &minted)
	if d := time.Until(minted.ExpiresAt); d > 12*time.Hour+time.Minute {
		t.Fatalf("an OIDC user's token lasts %s", d)
	}
	// A local "fox" existed: the OIDC fox is a new user, not a takeover.
	if me.Username != "fox@corp" || me.ID == localFox.ID || me.Provider != "corp" || !slices.Equal(me.ProviderGroups, []string{"corp:xfiles"}) {
		t.Fatalf("fox after OIDC sign-in: %+v (local fox is %s)", me, localFox.ID)
	}
	var local struct{ Provider string }
	s.must("GET", "/v1/me", s.login("fox", "local-fox-password"), nil, 200, &local)
	if local.Provider != "local" {
		t.Fatalf("the local fox changed: %+v", local)
	}

	// The code again, even with the login cookie kept by an attacker: the
	// OP redeems a code once.
	b.visit("GET", cb, nil, lc).want(t, 401)

	// A fresh callback: refused without the login cookie, with another
	// provider's or a tampered one; then accepted with its own.
	begin := func(name string) (string, *http.Cookie) {
		h := s.newBrowser(false).visit("GET", "/v1/auth/providers/"+name+"/login", nil)
		return h.redirect(t, op.Issuer()+"/authorize?"), h.cookie(t, loginCookie)
	}
	authURL, lc = begin("corp")
	cb = op.Login(t, authURL, "fox").String()
	_, otherCookie := begin("other")
	raw, err := base64.RawURLEncoding.DecodeString(lc.Value)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	tampered := &http.Cookie{Name: loginCookie, Value: base64.RawURLEncoding.EncodeToString(raw)}
	bare := s.newBrowser(false)
	bare.visit("GET", cb, nil).want(t, 401)
	bare.visit("GET", cb, nil, otherCookie).want(t, 401)
	bare.visit("GET", cb, nil, tampered).want(t, 401)
	h = bare.visit("GET", cb, nil, lc)
	h.redirect(t, "/")
	// The second sign-in links to the same user.
	if again := s.me(t, h.cookie(t, sessionCookie).Value); again.ID != me.ID || again.Username != "fox@corp" {
		t.Fatalf("second sign-in of fox: %+v, first %+v", again, me)
	}

	// Restricted to a group fox is not in: refused at the callback.
	restricted := provider("client-corp")
	restricted["accessMode"], restricted["allowedGroups"] = "restricted", []string{"admins"}
	delete(restricted, "clientSecret") // kept
	s.must("PUT", "/v1/auth/providers/corp", admin, restricted, 200, nil)
	signIn := func() hop {
		b := s.newBrowser(true)
		authURL := b.visit("GET", "/v1/auth/providers/corp/login", nil).redirect(t, op.Issuer())
		return b.visit("GET", op.Login(t, authURL, "fox").String(), nil)
	}
	if h := signIn().want(t, 403); h.cookies[sessionCookie] != nil {
		t.Fatal("a refused sign-in set a session cookie")
	}
	restricted["allowedGroups"] = []string{"xfiles"}
	s.must("PUT", "/v1/auth/providers/corp", admin, restricted, 200, nil)
	signIn().redirect(t, "/")

	// An off-site return ends on this site. Browsers drop tabs and
	// newlines from a Location ("/\t/evil.example" is "//evil.example").
	for _, evil := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "/\t/evil.example"} {
		b := s.newBrowser(true)
		authURL := b.visit("GET", "/v1/auth/providers/corp/login?return="+url.QueryEscape(evil), nil).redirect(t, op.Issuer())
		if h := b.visit("GET", op.Login(t, authURL, "fox").String(), nil); h.status != 302 || h.loc != "/" {
			t.Errorf("return=%q: HTTP %d to %q, want a 302 to /", evil, h.status, h.loc)
		}
	}
}

// browser plays a web browser against the server one hop at a time: it
// follows no redirect, and keeps cookies when it has a jar.
type browser struct {
	s   *server
	jar http.CookieJar
	// origin, when set, is sent as the Origin of POSTs, as a browser does
	// for a form another site submits.
	origin string
}

func (s *server) newBrowser(jar bool) *browser {
	b := &browser{s: s}
	if jar {
		b.jar, _ = cookiejar.New(nil)
	}
	return b
}

// hop is one answer.
type hop struct {
	status  int
	loc     string
	body    string
	cookies map[string]*http.Cookie // Set-Cookie, by name
}

// visit sends method u (a path on the server, or a URL) with form (POST)
// and extra cookies besides the jar's.
func (b *browser) visit(method, u string, form url.Values, extra ...*http.Cookie) hop {
	b.s.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = b.s.URL + u
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.s.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if b.origin != "" {
			req.Header.Set("Origin", b.origin)
		}
	}
	if b.jar != nil {
		extra = append(b.jar.Cookies(req.URL), extra...)
	}
	for _, c := range extra {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := b.s.Client.Transport.RoundTrip(req) // no redirect, no Location parsing
	if err != nil {
		b.s.t.Fatal(err)
	}
	if b.jar != nil {
		b.jar.SetCookies(req.URL, resp.Cookies())
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	h := hop{status: resp.StatusCode, loc: resp.Header.Get("Location"), body: string(data), cookies: map[string]*http.Cookie{}}
	for _, c := range resp.Cookies() {
		h.cookies[c.Name] = c
	}
	return h
}

func (h hop) want(t *testing.T, status int) hop {
	t.Helper()
	if h.status != status {
		t.Fatalf("HTTP %d, want %d: %s", h.status, status, h.body)
	}
	return h
}

// redirect requires a 302 to a location starting with prefix.
func (h hop) redirect(t *testing.T, prefix string) string {
	t.Helper()
	if h.status != http.StatusFound || !strings.HasPrefix(h.loc, prefix) || (prefix == "/" && h.loc != "/") {
		t.Fatalf("HTTP %d to %q, want a 302 to %s…: %s", h.status, h.loc, prefix, h.body)
	}
	return h.loc
}

func (h hop) cookie(t *testing.T, name string) *http.Cookie {
	t.Helper()
	c := h.cookies[name]
	if c == nil {
		t.Fatalf("no %s cookie set (HTTP %d)", name, h.status)
	}
	return c
}

// signedIn is the part of /v1/me the sign-in tests look at.
type signedIn struct {
	ID, Username, Provider string
	ProviderGroups         []string
}

// me is GET /v1/me with a browser session cookie.
func (s *server) me(t *testing.T, session string) signedIn {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/v1/me", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var me signedIn
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/v1/me with the session cookie: HTTP %d %v", resp.StatusCode, err)
	}
	return me
}
