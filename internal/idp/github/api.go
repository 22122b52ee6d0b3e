package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paddockhq/paddock/internal/idp"
)

const (
	maxBody  = 5 << 20
	maxPages = 50 // 5,000 orgs or teams
)

type user struct {
	ID    int64  `json:"id"`
	Login string `json:"login"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type org struct {
	Login string `json:"login"`
}

type team struct {
	Slug         string `json:"slug"`
	Organization org    `json:"organization"`
}

// identity reads the person behind token.
func (c *Connector) identity(ctx context.Context, token string) (*idp.Identity, error) {
	var u user
	if _, err := c.get(ctx, token, c.apiURL("/user"), &u); err != nil {
		return nil, err
	}
	if u.ID <= 0 || u.Login == "" {
		return nil, fmt.Errorf("%w: GitHub /user has no id or login", idp.ErrRefused)
	}
	id := &idp.Identity{
		Subject: strconv.FormatInt(u.ID, 10), Username: u.Login,
		DisplayName: u.Name, Email: u.Email,
	}
	if !c.loadTeams {
		return id, nil
	}
	seen := map[string]bool{}
	add := func(g string) {
		if !seen[g] {
			seen[g] = true
			id.Groups = append(id.Groups, g)
		}
	}
	orgs, err := getAll[org](ctx, c, token, "/user/orgs")
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		add(o.Login)
	}
	teams, err := getAll[team](ctx, c, token, "/user/teams")
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		add(t.Organization.Login + ":" + t.Slug)
	}
	return id, nil
}

func (c *Connector) apiURL(path string) string { return c.api.String() + path }

// getAll reads every page of a list, following Link rel="next" on the API
// host only (the token is never sent elsewhere).
func getAll[T any](ctx context.Context, c *Connector, token, path string) ([]T, error) {
	var all []T
	next := c.apiURL(path) + "?per_page=100"
	for range maxPages {
		var page []T
		h, err := c.get(ctx, token, next, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next = nextLink(h.Get("Link")); next == "" {
			return all, nil
		}
		u, err := url.Parse(next)
		if err != nil || u.Scheme != c.api.Scheme || u.Host != c.api.Host || !strings.HasPrefix(u.Path, c.api.Path+"/") {
			return nil, fmt.Errorf("%w: GitHub %s: next page %q is not on the API %s", idp.ErrRefused, path, next, c.api)
		}
	}
	return nil, fmt.Errorf("%w: GitHub %s: more than %d pages", idp.ErrRefused, path, maxPages)
}

// nextLink is the rel="next" URL of a Link header, or "".
func nextLink(h string) string {
	for part := range strings.SplitSeq(h, ",") {
		target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
		if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
			continue
		}
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "rel") && strings.Trim(v, `"`) == "next" {
				return target[1 : len(target)-1]
			}
		}
	}
	return ""
}

// get GETs u with token (if any) and decodes the JSON answer into v.
func (c *Connector) get(ctx context.Context, token, u string, v any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", "Paddock")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: GitHub API: %v", idp.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("%w: GitHub API: reading %s: %v", idp.ErrUnavailable, req.URL.Path, err)
	}
	if err := apiError(resp, body); err != nil {
		return nil, fmt.Errorf("GET %s: %w", req.URL.Path, err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return nil, fmt.Errorf("GitHub API GET %s: not the expected JSON: %v", req.URL.Path, err)
	}
	return resp.Header, nil
}

// apiError maps a non-200 answer.
func apiError(resp *http.Response, body []byte) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var m struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &m)
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if m.Message != "" {
		msg += ": " + m.Message
	}
	limited := resp.Header.Get("X-RateLimit-Remaining") == "0"
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%w: GitHub rejected the access token (%s)", idp.ErrRefused, msg)
	case limited && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests):
		reset := "unknown"
		if s, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			reset = time.Unix(s, 0).UTC().Format(time.RFC3339)
		}
		return fmt.Errorf("%w: GitHub API rate limit exhausted until %s (%s)", idp.ErrUnavailable, reset, msg)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("%w: GitHub API (%s)", idp.ErrUnavailable, msg)
	case resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w: GitHub API forbids it (%s)", idp.ErrRefused, msg)
	}
	return errors.New("GitHub API " + msg)
}

// Check GETs the API root, then asks the token endpoint to exchange a
// made-up code: GitHub answers incorrect_client_credentials when the
// client ID or secret is wrong (and bad_verification_code otherwise).
func (c *Connector) Check(ctx context.Context) error {
	var root map[string]any
	if _, err := c.get(ctx, "", c.apiURL("/"), &root); err != nil {
		return fmt.Errorf("apiURL %s: %w", c.api, err)
	}
	form := url.Values{
		"client_id": {c.settings.ClientID}, "client_secret": {c.secret},
		"code": {"paddock-connection-test"},
	}
	tokenURL := c.base.String() + "/login/oauth/access_token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: baseURL %s: %v", idp.ErrUnavailable, c.base, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("baseURL %s: no OAuth token endpoint (HTTP 404 at %s)", c.base, tokenURL)
	}
	var answer struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &answer) == nil && answer.Error == "incorrect_client_credentials" {
		return errors.New("clientID/clientSecret: GitHub says the client ID or secret is incorrect")
	}
	return nil
}
