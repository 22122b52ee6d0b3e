package model

import "time"

// LocalProvider names the built-in username/password identity provider.
const LocalProvider = "local"

// User is a person (or automation account) known to Paddock.
type User struct {
	ID          string
	Username    string
	DisplayName string
	// Provider is the identity provider that vouches for the user ("local" for
	// accounts with a Paddock password).
	Provider string
	// PasswordHash is an encoded argon2id hash; empty for users without a
	// local password. It never leaves the server.
	PasswordHash string
	// Admin is the built-in global role "admin": every capability, and
	// cluster-admin in every cluster.
	Admin bool
	// GlobalRoles names the custom global roles the user holds (the
	// built-in "user" role is implicit).
	GlobalRoles []string
	// Groups are the local groups the user is in (bindings may name them).
	Groups []string
	// ProviderGroups are the groups their identity provider reported at the
	// last sign-in or refresh, prefixed with the provider name
	// ("ldap:devs").
	ProviderGroups []string
	Disabled       bool
	// MustChangePassword is set for generated bootstrap passwords: until the
	// user picks their own, their tokens only reach /v1/me and the password
	// change call.
	MustChangePassword bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
}
