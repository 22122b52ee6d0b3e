package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// api is the part of Paddock's REST API the CLI uses.
type api struct {
	server string
	http   *http.Client
}

// StatusError is a non-2xx answer.
type StatusError struct {
	Status  int
	Code    string
	Message string
}

func (e *StatusError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("%s (%d %s)", e.Message, e.Status, e.Code)
	}
	return fmt.Sprintf("status %d", e.Status)
}

// unauthorized says whether err is a 401 from the server.
func unauthorized(err error) bool {
	se, ok := err.(*StatusError)
	return ok && se.Status == http.StatusUnauthorized
}

func (a *api) do(ctx context.Context, method, path, token string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.server+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		e := &StatusError{Status: resp.StatusCode}
		var eb struct{ Error, Message string }
		if json.Unmarshal(data, &eb) == nil {
			e.Code, e.Message = eb.Error, eb.Message
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return nil
}

// Provider is a way to sign in, as GET /v1/auth/providers lists it.
type Provider struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	DisplayName string `json:"displayName"`
	Login       string `json:"login"` // "password" or "redirect"
}

func (a *api) providers(ctx context.Context) ([]Provider, error) {
	var out struct{ Items []Provider }
	return out.Items, a.do(ctx, "GET", "/v1/auth/providers", "", nil, &out)
}

type loginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
	User      struct {
		Username string `json:"username"`
	} `json:"user"`
}

func (a *api) login(ctx context.Context, provider, username, password string) (*loginResponse, error) {
	var out loginResponse
	in := map[string]string{"username": username, "password": password, "provider": provider}
	return &out, a.do(ctx, "POST", "/v1/auth/login", "", in, &out)
}

// Cluster is what the CLI needs of a cluster.
type Cluster struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// clusters pages through GET /v1/clusters (the clusters the caller may
// reach, by name).
func (a *api) clusters(ctx context.Context, token string) ([]Cluster, error) {
	var all []Cluster
	after := ""
	for range 1000 {
		var page struct {
			Items []Cluster
			Next  string
		}
		if err := a.do(ctx, "GET", "/v1/clusters?limit=500&after="+url.QueryEscape(after), token, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			return all, nil
		}
		after = page.Next
	}
	return nil, fmt.Errorf("GET /v1/clusters: too many pages")
}

// token is a short-lived API token.
type token struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (a *api) createToken(ctx context.Context, session, description string, ttl time.Duration) (*token, error) {
	var out token
	in := map[string]string{"description": description, "ttl": ttl.String()}
	return &out, a.do(ctx, "POST", "/v1/tokens", session, in, &out)
}

func (a *api) me(ctx context.Context, tok string) error {
	return a.do(ctx, "GET", "/v1/me", tok, nil, nil)
}
