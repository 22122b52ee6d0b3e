package proxy

import (
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/rbac"
)

// Identity names and groups the proxy impersonates; package rbac owns them
// (the RBAC sync binds roles to the same names).
const (
	// UserPrefix prefixes a Paddock user's ID to form the Kubernetes user
	// name. IDs are assigned by Paddock, so users cannot choose (or
	// collide with) another user's name, and renaming a user keeps their
	// bindings.
	UserPrefix = rbac.UserPrefix
	// GroupAuthenticated is every Paddock user.
	GroupAuthenticated = rbac.GroupAuthenticated
	// GroupAdmins is every Paddock admin, bound to cluster-admin.
	GroupAdmins = rbac.GroupAdmins
	// groupSystemAuthenticated is what the apiserver gives every
	// authenticated user; RBAC defaults (discovery, self reviews) hang on it.
	groupSystemAuthenticated = "system:authenticated"
)

// UserName is the Kubernetes user name of the Paddock user with this ID.
func UserName(userID string) string { return rbac.KubeUser(userID) }

// DefaultIdentity is the default [Options].Identity: [UserName] of the
// user's ID, in [GroupAuthenticated], [GroupAdmins] for admins, each of the
// user's groups under rbac.GroupPrefix (so a directory group called
// "system:masters" is "paddock:group:system:masters" to Kubernetes and
// grants nothing), and system:authenticated.
func DefaultIdentity(p *auth.Principal) (user string, groups []string) {
	return IdentityWith(p, nil)
}

// IdentityWith is DefaultIdentity plus extra groups (e.g. the group of
// clusters-manage holders).
func IdentityWith(p *auth.Principal, extra []string) (user string, groups []string) {
	groups = make([]string, 0, len(p.User.Groups)+len(p.User.ProviderGroups)+len(extra)+3)
	groups = append(groups, GroupAuthenticated)
	if p.User.Admin {
		groups = append(groups, GroupAdmins)
	}
	groups = append(groups, extra...)
	for _, g := range p.User.Groups {
		groups = append(groups, rbac.KubeGroup(g))
	}
	for _, g := range p.User.ProviderGroups {
		groups = append(groups, rbac.KubeGroup(g))
	}
	groups = append(groups, groupSystemAuthenticated)
	return UserName(p.User.ID), groups
}
