package oidc

import (
	"encoding/json"
	"slices"

	"github.com/paddockhq/paddock/internal/idp"
)

// identity builds the Identity from verified claims.
func (c *Connector) identity(sub string, claims map[string]json.RawMessage) (*idp.Identity, error) {
	if sub == "" {
		return nil, refused("the ID token has no subject")
	}
	id := &idp.Identity{
		Subject:     sub,
		Email:       stringClaim(claims, "email"),
		DisplayName: stringClaim(claims, "name"),
	}
	for _, name := range []string{c.s.UsernameClaim, "email"} {
		if id.Username = stringClaim(claims, name); id.Username != "" {
			break
		}
	}
	if id.Username == "" {
		id.Username = sub
	}
	g, err := groups(claims[c.s.GroupsClaim], c.s.GroupsClaim)
	if err != nil {
		return nil, err
	}
	id.Groups = g
	return id, nil
}

// stringClaim returns a claim that is a string, or "".
func stringClaim(claims map[string]json.RawMessage, name string) string {
	var s string
	if raw, ok := claims[name]; ok && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

// groups reads a groups claim: absent or null, one string, or an array of
// strings. Empty names and duplicates are dropped.
func groups(raw json.RawMessage, name string) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		list = []string{one}
	} else if err := json.Unmarshal(raw, &list); err != nil {
		return nil, refused("claim %q is neither a string nor a list of strings", name)
	}
	out := make([]string, 0, len(list))
	for _, g := range list {
		if g != "" && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out, nil
}
