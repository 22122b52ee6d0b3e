package saml

import (
	"errors"
	"fmt"
	"strings"

	gosaml "github.com/crewjam/saml"

	"github.com/paddockhq/paddock/internal/idp"
)

// stableFormats are the NameID Formats accepted as Identity.Subject.
var stableFormats = map[string]bool{
	"":                                     true, // absent: unspecified
	string(gosaml.UnspecifiedNameIDFormat): true,
	string(gosaml.PersistentNameIDFormat):  true,
}

// identity maps a checked assertion to an Identity.
func (c *Connector) identity(a *gosaml.Assertion) (*idp.Identity, error) {
	if a.Subject == nil || a.Subject.NameID == nil {
		return nil, errors.New("assertion has no NameID")
	}
	nameID := a.Subject.NameID
	if !stableFormats[nameID.Format] {
		return nil, fmt.Errorf("NameID Format %q is not a stable identifier; configure the IdP to send a persistent (or unspecified) NameID", nameID.Format)
	}
	subject := strings.TrimSpace(nameID.Value)
	if subject == "" {
		return nil, errors.New("assertion has an empty NameID")
	}
	id := &idp.Identity{Subject: subject, Username: subject}
	s := c.settings
	if s.UsernameAttribute != "" {
		v := firstValue(a, s.UsernameAttribute)
		if v == "" {
			return nil, fmt.Errorf("assertion has no %q attribute (usernameAttribute)", s.UsernameAttribute)
		}
		id.Username = v
	}
	if s.DisplayNameAttribute != "" {
		id.DisplayName = firstValue(a, s.DisplayNameAttribute)
	}
	if s.EmailAttribute != "" {
		id.Email = firstValue(a, s.EmailAttribute)
	}
	if s.GroupsAttribute != "" {
		seen := map[string]bool{}
		for _, v := range values(a, s.GroupsAttribute) {
			if v != "" && !seen[v] {
				seen[v] = true
				id.Groups = append(id.Groups, v)
			}
		}
	}
	return id, nil
}

// values are the values of every attribute called name (its Name or its
// FriendlyName), in document order.
func values(a *gosaml.Assertion, name string) []string {
	var out []string
	for _, st := range a.AttributeStatements {
		for _, attr := range st.Attributes {
			if attr.Name != name && attr.FriendlyName != name {
				continue
			}
			for _, v := range attr.Values {
				out = append(out, strings.TrimSpace(v.Value))
			}
		}
	}
	return out
}

func firstValue(a *gosaml.Assertion, name string) string {
	for _, v := range values(a, name) {
		if v != "" {
			return v
		}
	}
	return ""
}
