package users

import (
	"net/http"
	"slices"
	"strings"

	"github.com/paddockhq/paddock/internal/api/bindings"
	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// change is what a request does to a user, for the escalation checks.
type change struct {
	admin    *bool
	roles    *[]string
	groups   *[]string
	password bool // another user's password is reset
	other    bool // disabled, display name, deletion
}

// authorize applies the rules that keep users-manage from becoming a path
// to more access: only admins touch admins, the admin role or group
// membership (a group can carry cluster roles); a global role is granted
// only by someone holding all of its capabilities (CVE-2021-36784); and a
// non-admin may not take over (reset the password of) a user who holds
// bindings or global roles. target is nil for a new user.
func (a *API) authorize(r *http.Request, target *model.User, c change) error {
	if c.roles != nil {
		if _, err := a.Acc.RoleCapabilities(*c.roles); err != nil {
			return httpx.Invalid("%v", err)
		}
		if slices.Contains(*c.roles, model.GlobalRoleUser) {
			return httpx.Invalid("every user holds the user role; list only custom global roles")
		}
	}
	if c.groups != nil {
		for _, g := range *c.groups {
			if err := bindings.CheckGroupName(g); err != nil {
				return err
			}
			if strings.Contains(g, ":") {
				return httpx.Invalid("local group %q may not contain ':' (\"<provider>:<group>\" names a provider's group)", g)
			}
		}
	}
	who := rest.Who(r)
	if who.Admin {
		return nil
	}
	switch {
	case c.admin != nil && (*c.admin || (target != nil && target.Admin)):
		return httpx.Forbidden("only administrators may grant or remove the admin role")
	case target != nil && target.Admin:
		return httpx.Forbidden("only administrators may change administrators")
	case c.groups != nil && (len(*c.groups) > 0 || (target != nil && len(target.Groups) > 0)):
		return httpx.Forbidden("only administrators may change group membership (groups can carry cluster roles)")
	}
	if target != nil {
		caps, _ := a.Acc.RoleCapabilities(target.GlobalRoles)
		if err := a.Acc.CheckGlobalRole(who, caps); err != nil {
			return httpx.Forbidden("user %q holds global roles beyond yours: %v", target.Username, err)
		}
	}
	if c.roles != nil {
		caps, _ := a.Acc.RoleCapabilities(*c.roles)
		if err := a.Acc.CheckGlobalRole(who, caps); err != nil {
			return rest.AccessError(err)
		}
	}
	if c.password && target != nil {
		held, err := a.Store.ListBindings(r.Context(), store.BindingFilter{Subject: model.Subject{Kind: model.SubjectUser, Name: target.ID}})
		if err != nil {
			return err
		}
		if len(held) > 0 || len(target.GlobalRoles) > 0 || len(target.Groups) > 0 {
			return httpx.Forbidden("only administrators may reset the password of a user who holds roles (it would hand you their access)")
		}
	}
	return nil
}
