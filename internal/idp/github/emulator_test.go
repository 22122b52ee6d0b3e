package github

// fakeGitHub is an EMULATION of GitHub, not GitHub: an httptest server that
// speaks exactly the OAuth and REST endpoints this connector uses, as
// GitHub documents them — /login/oauth/authorize (redirects back with code
// and state), /login/oauth/access_token (form or JSON answer, HTTP 200 with
// an "error" field on refusal, PKCE S256), and under the API prefix (the
// Enterprise layout /api/v3 unless told otherwise): /, /user, /user/orgs
// and /user/teams, paginated with per_page/page and Link rel="next".
// Nothing here was checked against the real service by these tests.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

type grant struct{ redirectURI, challenge, scope string }

type fakeGitHub struct {
	srv       *httptest.Server
	apiPrefix string
	clientID  string
	secret    string
	orgs      []string
	teams     [][2]string // org, slug
	pageSize  int

	mu           sync.Mutex
	codes        map[string]grant
	tokens       map[string]bool
	n            int
	paths        []string // API paths requested
	tokenCalls   int
	tokenStatus  int         // non-zero: the token endpoint answers this status
	apiStatus    int         // non-zero: /user answers this status
	apiHeader    http.Header // with apiStatus
	foreignNext  bool        // /user/teams links its next page to another host
	lastScope    string
	lastPKCEUsed bool
}

func newFakeGitHub(t *testing.T, apiPrefix string) *fakeGitHub {
	f := &fakeGitHub{
		apiPrefix: apiPrefix, clientID: "Iv1.abc", secret: "s3cret", pageSize: 2,
		orgs:   []string{"acme", "acme-labs", "oss"},
		teams:  [][2]string{{"acme", "platform"}, {"acme", "sre"}, {"acme-labs", "ml"}, {"oss", "maintainers"}, {"oss", "triage"}},
		codes:  map[string]grant{},
		tokens: map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", f.authorize)
	mux.HandleFunc("POST /login/oauth/access_token", f.token)
	mux.HandleFunc("GET "+apiPrefix+"/{$}", func(w http.ResponseWriter, r *http.Request) {
		f.record(r)
		writeJSON(w, map[string]string{"current_user_url": f.srv.URL + apiPrefix + "/user"})
	})
	mux.HandleFunc("GET "+apiPrefix+"/user", f.api(f.user))
	mux.HandleFunc("GET "+apiPrefix+"/user/orgs", f.api(f.userOrgs))
	mux.HandleFunc("GET "+apiPrefix+"/user/teams", f.api(f.userTeams))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeGitHub) record(r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = append(f.paths, r.URL.Path)
}

func (f *fakeGitHub) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != f.clientID || q.Get("code_challenge_method") != "S256" {
		http.Error(w, "bad authorize request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.n++
	code := fmt.Sprintf("code-%d", f.n)
	f.codes[code] = grant{q.Get("redirect_uri"), q.Get("code_challenge"), q.Get("scope")}
	f.lastScope = q.Get("scope")
	f.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (f *fakeGitHub) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenCalls++
	if f.tokenStatus != 0 {
		http.Error(w, "unicorn", f.tokenStatus)
		return
	}
	answer := func(v map[string]string) {
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			writeJSON(w, v)
			return
		}
		form := url.Values{}
		for k, x := range v {
			form.Set(k, x)
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		_, _ = w.Write([]byte(form.Encode()))
	}
	if r.PostForm.Get("client_id") != f.clientID || r.PostForm.Get("client_secret") != f.secret {
		answer(map[string]string{"error": "incorrect_client_credentials", "error_description": "The client_id and/or client_secret passed are incorrect."})
		return
	}
	g, ok := f.codes[r.PostForm.Get("code")]
	delete(f.codes, r.PostForm.Get("code")) // codes are single use
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case !ok || g.redirectURI != r.PostForm.Get("redirect_uri"):
		answer(map[string]string{"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."})
		return
	case g.challenge != base64.RawURLEncoding.EncodeToString(sum[:]):
		answer(map[string]string{"error": "invalid_grant", "error_description": "The code_verifier does not match the challenge."})
		return
	}
	f.lastPKCEUsed = true
	f.n++
	tok := fmt.Sprintf("gho_%d", f.n)
	f.tokens[tok] = true
	answer(map[string]string{"access_token": tok, "scope": g.scope, "token_type": "bearer"})
}

// api wraps an authenticated REST handler.
func (f *fakeGitHub) api(h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.record(r)
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		f.mu.Lock()
		valid, status, hdr := f.tokens[tok], f.apiStatus, f.apiHeader
		f.mu.Unlock()
		if !valid {
			w.WriteHeader(http.StatusUnauthorized)
			writeJSON(w, map[string]string{"message": "Bad credentials"})
			return
		}
		if status != 0 {
			for k, v := range hdr {
				w.Header()[k] = v
			}
			w.WriteHeader(status)
			writeJSON(w, map[string]string{"message": "API rate limit exceeded for user ID 583231."})
			return
		}
		h(w, r)
	}
}

func (f *fakeGitHub) user(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{"id": 583231, "login": "octocat", "name": "The Octocat", "email": "octocat@github.example"})
}

// paginate writes items[page] with a Link header to the next page.
func (f *fakeGitHub) paginate(w http.ResponseWriter, r *http.Request, items []any, nextBase string) {
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per != 100 {
		http.Error(w, "want per_page=100", http.StatusBadRequest)
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	from := min((page-1)*f.pageSize, len(items))
	to := min(from+f.pageSize, len(items))
	if to < len(items) {
		next := fmt.Sprintf("%s%s?per_page=%d&page=%d", nextBase, r.URL.Path, per, page+1)
		last := fmt.Sprintf("%s%s?per_page=%d&page=%d", nextBase, r.URL.Path, per, (len(items)+f.pageSize-1)/f.pageSize)
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next", <%s>; rel="last"`, next, last))
	}
	writeJSON(w, items[from:to])
}

func (f *fakeGitHub) userOrgs(w http.ResponseWriter, r *http.Request) {
	var items []any
	for _, o := range f.orgs {
		items = append(items, map[string]any{"login": o, "id": len(o)})
	}
	f.paginate(w, r, items, f.srv.URL)
}

func (f *fakeGitHub) userTeams(w http.ResponseWriter, r *http.Request) {
	var items []any
	for _, t := range f.teams {
		items = append(items, map[string]any{"slug": t[1], "name": strings.ToUpper(t[1]), "organization": map[string]any{"login": t[0]}})
	}
	base := f.srv.URL
	if f.foreignNext {
		base = "https://attacker.example"
	}
	f.paginate(w, r, items, base)
}
