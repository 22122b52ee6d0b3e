package model

import (
	"encoding/json"
	"time"
)

// Identity provider types.
const (
	ProviderTypeLDAP   = "ldap"
	ProviderTypeOIDC   = "oidc"
	ProviderTypeSAML   = "saml"
	ProviderTypeGitHub = "github"
)

// Provider access modes.
const (
	// AccessAll lets every user the provider vouches for sign in.
	AccessAll = "all"
	// AccessRestricted lets in only AllowedUsers and members of
	// AllowedGroups.
	AccessRestricted = "restricted"
)

// Provider is an identity provider configured at runtime. Its secrets
// (bind password, client secret, SP key) are kept with the Secrets store
// under ProviderSecret(name, field), never in this row.
type Provider struct {
	// Name is unique and prefixes the provider's groups ("ldap:devs").
	Name        string
	Type        string
	DisplayName string
	Enabled     bool
	AccessMode  string
	// AllowedUsers are usernames as the provider names them; AllowedGroups
	// provider group names without the provider prefix.
	AllowedUsers  []string
	AllowedGroups []string
	// Config is the type's non-secret settings as JSON.
	Config    json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ProviderSecret names a provider's secret field in the Secrets store.
func ProviderSecret(provider, field string) string { return "provider/" + provider + "/" + field }

// Identity links an identity at a provider to one Paddock user. Subject is
// the provider's stable, unforgeable id for the person (OIDC sub, LDAP
// entry UUID or DN, SAML persistent NameID, GitHub numeric id) — never a
// name the person could choose.
type Identity struct {
	Provider string
	Subject  string
	UserID   string
	// Username is the name the provider gave at the last sign-in.
	Username string
	// Groups are the provider's group names (without the prefix) as of
	// RefreshedAt.
	Groups      []string
	RefreshedAt time.Time
	CreatedAt   time.Time
}
