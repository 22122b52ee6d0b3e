package e2e

import (
	"context"
	"encoding/json"
	"github.com/paddockhq/paddock/internal/apitest"
	"net/http"
	"net/url"
)

// bootstrapPassword is the admin password the tests choose with
// PADDOCK_BOOTSTRAP_PASSWORD.
const bootstrapPassword = "e2e-bootstrap-password"

var bootstrapEnv = []string{"PADDOCK_BOOTSTRAP_PASSWORD=" + bootstrapPassword}

// user is the part of the API's user view the tests look at.
type user struct {
	ID                 string `json:"id"`
	Username           string `json:"username"`
	DisplayName        string `json:"displayName"`
	Admin              bool   `json:"admin"`
	MustChangePassword bool   `json:"mustChangePassword"`
}

// call sends method path with body as JSON (when not nil) and the bearer
// token (when not empty), and returns the status and response body.
func (s *server) call(ctx context.Context, method, path, token string, body any) (int, []byte, error) {
	return s.api().Call(ctx, method, path, token, body)
}

// must is call that fails the test unless the status is want; the
// response is decoded into out when out is not nil.
func (s *server) must(method, path, token string, body any, want int, out any) {
	s.t.Helper()
	s.api().Must(s.t, method, path, token, body, want, out)
}

func (s *server) api() *apitest.Client { return &apitest.Client{URL: s.URL, HTTP: s.Client} }

// login signs in and returns the session token.
func (s *server) login(username, password string) string {
	s.t.Helper()
	var resp struct {
		Token string `json:"token"`
	}
	s.must("POST", "/v1/auth/login", "", map[string]string{"username": username, "password": password}, http.StatusOK, &resp)
	if resp.Token == "" {
		s.t.Fatalf("login as %s returned no token", username)
	}
	return resp.Token
}

// createUser creates a user (not an administrator unless admin).
func (s *server) createUser(token, username, password string, admin bool) user {
	s.t.Helper()
	var u user
	s.must("POST", "/v1/users", token, map[string]any{"username": username, "password": password,
		"displayName": "E2E " + username, "admin": admin}, http.StatusCreated, &u)
	return u
}

// users pages through GET /v1/users and returns every user by username.
func (s *server) users(token string) map[string]user {
	s.t.Helper()
	all := map[string]user{}
	after := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			s.t.Fatal("GET /v1/users: more than 1000 pages; is the cursor stuck?")
		}
		var page struct {
			Items []user `json:"items"`
			Next  string `json:"next"`
		}
		s.must("GET", "/v1/users?limit=100&after="+url.QueryEscape(after), token, nil, http.StatusOK, &page)
		for _, u := range page.Items {
			if _, dup := all[u.Username]; dup {
				s.t.Fatalf("GET /v1/users: %s listed twice", u.Username)
			}
			all[u.Username] = u
		}
		if page.Next == "" {
			return all
		}
		after = page.Next
	}
}

// errorCode is the "error" field of an API error body.
func errorCode(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Error
}
