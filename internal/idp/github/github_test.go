package github

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

	"github.com/paddockhq/paddock/internal/idp"
)

const callback = "https://paddock.example/v1/auth/providers/gh/callback"

func connect(t *testing.T, f *fakeGitHub, settings map[string]any) *Connector {
	t.Helper()
	s := map[string]any{"clientID": f.clientID, "baseURL": f.srv.URL}
	for k, v := range settings {
		s[k] = v
	}
	raw, _ := json.Marshal(s)
	c, err := New(idp.Config{
		Name: "gh", Settings: raw, Secrets: map[string]string{"clientSecret": f.secret},
		Deps: idp.Deps{HTTPClient: f.srv.Client()},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.(*Connector)
}

// authorize runs Begin and the emulated authorize endpoint, returning the
// kept state and the callback request the browser would make.
func authorize(t *testing.T, c *Connector) ([]byte, *http.Request) {
	t.Helper()
	authURL, state, err := c.Begin(context.Background(), callback)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, callback+"?") {
		t.Fatalf("authorize answered %d, Location %q", resp.StatusCode, loc)
	}
	return state, httptest.NewRequest(http.MethodGet, loc, nil)
}

func wantErr(t *testing.T, err, kind error, detail string) {
	t.Helper()
	if !errors.Is(err, kind) || !strings.Contains(err.Error(), detail) {
		t.Fatalf("want %v mentioning %q, got %v", kind, detail, err)
	}
}

func TestFullFlowPaginated(t *testing.T) {
	f := newFakeGitHub(t, "/api/v3")
	c := connect(t, f, nil)
	state, cb := authorize(t, c)
	id, err := c.Finish(context.Background(), callback, cb, state)
	if err != nil {
		t.Fatal(err)
	}
	want := &idp.Identity{
		Subject: "583231", Username: "octocat", DisplayName: "The Octocat", Email: "octocat@github.example",
		Groups: []string{"acme", "acme-labs", "oss", "acme:platform", "acme:sre", "acme-labs:ml", "oss:maintainers", "oss:triage"},
	}
	if !reflect.DeepEqual(id, want) {
		t.Fatalf("identity %+v\nwant %+v", id, want)
	}
	if f.lastScope != "read:org" || !f.lastPKCEUsed {
		t.Fatalf("scope %q, PKCE %v", f.lastScope, f.lastPKCEUsed)
	}
	// 1 /user + 2 pages of orgs + 3 pages of teams, all under /api/v3.
	if len(f.paths) != 6 {
		t.Fatalf("API requests %v", f.paths)
	}
}

func TestTamperedStateRefused(t *testing.T) {
	f := newFakeGitHub(t, "/api/v3")
	c := connect(t, f, nil)
	state, cb := authorize(t, c)
	q := cb.URL.Query()
	q.Set("state", q.Get("state")+"x")
	cb.URL.RawQuery = q.Encode()
	_, err := c.Finish(context.Background(), callback, cb, state)
	wantErr(t, err, idp.ErrRefused, "state")
	if f.tokenCalls != 0 {
		t.Fatal("the code was exchanged despite the bad state")
	}
	// Another sign-in's kept state does not fit either.
	_, otherState, _ := c.Begin(context.Background(), callback)
	_, cb = authorize(t, c)
	_, err = c.Finish(context.Background(), callback, cb, otherState)
	wantErr(t, err, idp.ErrRefused, "state")
}

func TestTokenEndpointErrors(t *testing.T) {
	f := newFakeGitHub(t, "/api/v3")
	c := connect(t, f, nil)
	state, cb := authorize(t, c)
	if _, err := c.Finish(context.Background(), callback, cb, state); err != nil {
		t.Fatal(err)
	}
	// The code was spent: GitHub answers 200 with bad_verification_code.
	_, err := c.Finish(context.Background(), callback, cb, state)
	wantErr(t, err, idp.ErrRefused, "bad_verification_code")

	// Wrong client secret.
	bad := connect(t, f, nil)
	bad.secret = "wrong"
	state, cb = authorize(t, bad)
	_, err = bad.Finish(context.Background(), callback, cb, state)
	wantErr(t, err, idp.ErrRefused, "incorrect_client_credentials")

	// GitHub down.
	state, cb = authorize(t, c)
	f.tokenStatus = http.StatusBadGateway
	_, err = c.Finish(context.Background(), callback, cb, state)
	wantErr(t, err, idp.ErrUnavailable, "502")
}

func TestAPIErrors(t *testing.T) {
	f := newFakeGitHub(t, "/api/v3")
	c := connect(t, f, nil)

	state, cb := authorize(t, c)
	f.apiStatus = http.StatusUnauthorized
	_, err := c.Finish(context.Background(), callback, cb, state)
	wantErr(t, err, idp.ErrRefused, "401")

	state, cb = authorize(t, c)
	f.apiStatus = http.StatusForbidden
	f.apiHeader = http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1893456000"}}
	_, err = c.Finish(context.Background(), callback, cb, state)
	wantErr(t, err, idp.ErrUnavailable, "rate limit exhausted until 2030-01-01T00:00:00Z")

	f.apiStatus = 0
	f.foreignNext = true
	state, cb = authorize(t, c)
	_, err = c.Finish(context.Background(), callback, cb, state)
	wantErr(t, err, idp.ErrRefused, "not on the API")
}

func TestEnterpriseLayout(t *testing.T) {
	f := newFakeGitHub(t, "/api/v3")
	c := connect(t, f, map[string]any{"baseURL": f.srv.URL + "/"})
	if got := c.api.String(); got != f.srv.URL+"/api/v3" {
		t.Fatalf("API URL %q", got)
	}
	authURL, _, _ := c.Begin(context.Background(), callback)
	if !strings.HasPrefix(authURL, f.srv.URL+"/login/oauth/authorize?") {
		t.Fatalf("authorize URL %q", authURL)
	}
	state, cb := authorize(t, c)
	if _, err := c.Finish(context.Background(), callback, cb, state); err != nil {
		t.Fatal(err)
	}
	for _, p := range f.paths {
		if !strings.HasPrefix(p, "/api/v3/user") {
			t.Fatalf("API request outside /api/v3: %s", p)
		}
	}

	// apiURL overrides the layout.
	f2 := newFakeGitHub(t, "/gh-api")
	c2 := connect(t, f2, map[string]any{"apiURL": f2.srv.URL + "/gh-api"})
	state, cb = authorize(t, c2)
	if _, err := c2.Finish(context.Background(), callback, cb, state); err != nil {
		t.Fatal(err)
	}

	// github.com's API lives on its own host.
	dotcom, err := New(idp.Config{Settings: json.RawMessage(`{"clientID":"x"}`), Secrets: map[string]string{"clientSecret": "y"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := dotcom.(*Connector).api.String(); got != "https://api.github.com" {
		t.Fatalf("github.com API URL %q", got)
	}
}

func TestNoTeams(t *testing.T) {
	f := newFakeGitHub(t, "/api/v3")
	c := connect(t, f, map[string]any{"loadTeams": false})
	state, cb := authorize(t, c)
	id, err := c.Finish(context.Background(), callback, cb, state)
	if err != nil {
		t.Fatal(err)
	}
	if len(id.Groups) != 0 || f.lastScope != "" || len(f.paths) != 1 {
		t.Fatalf("groups %v, scope %q, requests %v", id.Groups, f.lastScope, f.paths)
	}
}

func TestCallbackError(t *testing.T) {
	f := newFakeGitHub(t, "/api/v3")
	c := connect(t, f, nil)
	_, state, _ := c.Begin(context.Background(), callback)
	var ks keptState
	_ = json.Unmarshal(state, &ks)
	q := url.Values{"state": {ks.State}, "error": {"access_denied"}, "error_description": {"The user has denied your application access."}}
	r := httptest.NewRequest(http.MethodGet, callback+"?"+q.Encode(), nil)
	_, err := c.Finish(context.Background(), callback, r, state)
	wantErr(t, err, idp.ErrRefused, "access_denied")
}

func TestCheck(t *testing.T) {
	f := newFakeGitHub(t, "/api/v3")
	if err := connect(t, f, nil).Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	bad := connect(t, f, nil)
	bad.secret = "wrong"
	if err := bad.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "clientSecret") {
		t.Fatalf("wrong secret: %v", err)
	}
	wrongAPI := connect(t, f, map[string]any{"apiURL": f.srv.URL + "/api/v4"})
	if err := wrongAPI.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "apiURL") {
		t.Fatalf("wrong API URL: %v", err)
	}
}

func TestNewNamesTheField(t *testing.T) {
	cases := []struct {
		settings, secret, field string
	}{
		{`{}`, "s", "clientID:"},
		{`{"clientID":"x"}`, "", "clientSecret:"},
		{`{"clientID":"x","baseURL":"ghe.example.com"}`, "s", "baseURL:"},
		{`{"clientID":"x","apiURL":"https://ghe/api?x=1"}`, "s", "apiURL:"},
		{`{"clientID":"x","caPEM":"junk"}`, "s", "caPEM:"},
		{`{"clientID":"x","loadTeam":true}`, "s", "loadTeam"},
	}
	for _, c := range cases {
		_, err := New(idp.Config{Settings: json.RawMessage(c.settings), Secrets: map[string]string{"clientSecret": c.secret}})
		if err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: error %v does not name %q", c.settings, err, c.field)
		}
	}
}
