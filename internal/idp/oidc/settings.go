package oidc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// parseSettings decodes and validates the settings, filling defaults.
// Errors name the field.
func parseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if len(bytes.TrimSpace(raw)) == 0 {
		return s, fmt.Errorf("oidc: issuer: required")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("oidc: settings: %w", err)
	}
	if err := checkIssuer(s.Issuer); err != nil {
		return s, fmt.Errorf("oidc: issuer: %w", err)
	}
	s.ClientID = strings.TrimSpace(s.ClientID)
	if s.ClientID == "" {
		return s, fmt.Errorf("oidc: clientID: required")
	}
	if len(s.Scopes) == 0 {
		s.Scopes = slices.Clone(defaultScopes)
	}
	for _, sc := range s.Scopes {
		if sc == "" || strings.ContainsAny(sc, " \t\r\n\"\\") {
			return s, fmt.Errorf("oidc: scopes: invalid scope %q", sc)
		}
	}
	if !slices.Contains(s.Scopes, "openid") {
		s.Scopes = append([]string{"openid"}, s.Scopes...)
	}
	if s.UsernameClaim == "" {
		s.UsernameClaim = "preferred_username"
	}
	if s.GroupsClaim == "" {
		s.GroupsClaim = "groups"
	}
	if len(s.AllowedAlgs) == 0 {
		s.AllowedAlgs = slices.Clone(defaultAlgs)
	}
	for _, a := range s.AllowedAlgs {
		if !knownAlgs[a] {
			return s, fmt.Errorf("oidc: allowedAlgs: %q is not an accepted signature algorithm", a)
		}
	}
	return s, nil
}

// checkIssuer accepts https URLs, and http ones on a loopback host.
func checkIssuer(issuer string) error {
	if issuer == "" {
		return fmt.Errorf("required")
	}
	u, err := url.Parse(issuer)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must be a URL with a host and no credentials, query or fragment", issuer)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		h := u.Hostname()
		if h == "localhost" {
			return nil
		}
		if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("%q must use https (http is allowed on localhost only)", issuer)
	default:
		return fmt.Errorf("%q must use https", issuer)
	}
}
