// Package apitest owns the small JSON client tests use to drive Paddock's
// HTTP API: send a request with an optional bearer token and body, and
// (with Must) fail the test unless the status is the expected one.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// Client talks to one Paddock server.
type Client struct {
	URL  string // base URL, e.g. https://127.0.0.1:8443
	HTTP *http.Client
}

// Call sends method path with body as JSON (when not nil) and the bearer
// token (when not empty), and returns the status and response body.
func (c *Client) Call(ctx context.Context, method, path, token string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// Must is Call that fails the test unless the status is want; the response
// is decoded into out when out is not nil.
func (c *Client) Must(t testing.TB, method, path, token string, body any, want int, out any) {
	t.Helper()
	status, b, err := c.Call(context.Background(), method, path, token, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
		}
	}
}
