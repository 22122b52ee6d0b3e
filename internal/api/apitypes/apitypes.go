// Package apitypes owns the JSON shapes shared by several API resources
// (the public view of a user) and their validation rules.
package apitypes

import (
	"fmt"
	"regexp"
	"time"

	"github.com/paddockhq/paddock/internal/model"
)

// User is the public view of a user: never the password hash.
type User struct {
	ID                 string   `json:"id"`
	Username           string   `json:"username"`
	DisplayName        string   `json:"displayName"`
	Provider           string   `json:"provider"`
	Admin              bool     `json:"admin"`
	Disabled           bool     `json:"disabled"`
	MustChangePassword bool     `json:"mustChangePassword"`
	GlobalRoles        []string `json:"globalRoles"`
	Groups             []string `json:"groups"`
	// ProviderGroups come from the user's identity provider.
	ProviderGroups []string  `json:"providerGroups"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// UserView converts a model user.
func UserView(u *model.User) User {
	return User{
		ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Provider: u.Provider,
		Admin: u.Admin, Disabled: u.Disabled, MustChangePassword: u.MustChangePassword,
		GlobalRoles: nonNil(u.GlobalRoles), Groups: nonNil(u.Groups), ProviderGroups: nonNil(u.ProviderGroups),
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

var usernameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._@-]{0,62}$`)

// CheckUsername says why a username is unacceptable, or nil.
func CheckUsername(name string) error {
	if !usernameRE.MatchString(name) {
		return fmt.Errorf("username %q must be 1-63 characters of letters, digits, '.', '_', '@' or '-', starting with a letter or digit", name)
	}
	return nil
}

// CheckDisplayName bounds a display name.
func CheckDisplayName(name string) error {
	if len(name) > 256 {
		return fmt.Errorf("displayName must be at most 256 bytes")
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
