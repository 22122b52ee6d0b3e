package proxy

import (
	"github.com/paddockhq/paddock/internal/auth"
)

// Identity names and groups the proxy impersonates. The RBAC sync binds
// Paddock's roles to them in every cluster.
const (
	// UserPrefix prefixes a Paddock user's ID to form the Kubernetes user
	// name. IDs are assigned by Paddock, so users cannot choose (or
	// collide with) another user's name, and renaming a user keeps their
	// bindings.
	UserPrefix = "paddock:user:"
	// GroupAuthenticated is every Paddock user.
	GroupAuthenticated = "paddock:authenticated"
	// GroupAdmins is every Paddock admin; the RBAC sync binds it to
	// cluster-admin.
	GroupAdmins = "paddock:admins"
	// groupSystemAuthenticated is what the apiserver gives every
	// authenticated user; RBAC defaults (discovery, self reviews) hang on it.
	groupSystemAuthenticated = "system:authenticated"
)

// UserName is the Kubernetes user name of the Paddock user with this ID.
func UserName(userID string) string { return UserPrefix + userID }

// DefaultIdentity is the default [Options].Identity: [UserName] of the
// user's ID, in [GroupAuthenticated], [GroupAdmins] for admins, and
// system:authenticated.
func DefaultIdentity(p *auth.Principal) (user string, groups []string) {
	groups = []string{GroupAuthenticated}
	if p.User.Admin {
		groups = append(groups, GroupAdmins)
	}
	groups = append(groups, groupSystemAuthenticated)
	return UserName(p.User.ID), groups
}
