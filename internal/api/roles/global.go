package roles

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/rbac"
	"github.com/paddockhq/paddock/internal/store"
)

// GlobalRole is the public view of a global role.
type GlobalRole struct {
	Name         string     `json:"name"`
	Description  string     `json:"description"`
	Builtin      bool       `json:"builtin"`
	Capabilities []string   `json:"capabilities"`
	CreatedAt    *time.Time `json:"createdAt,omitempty"`
	UpdatedAt    *time.Time `json:"updatedAt,omitempty"`
}

// GlobalRoleRequest creates or replaces a custom global role.
type GlobalRoleRequest struct {
	Name         string   `json:"name"`
	Description  string   `json:"description,omitempty"`
	Capabilities []string `json:"capabilities"`
}

// GlobalRoutes lists the global role routes.
func (a *API) GlobalRoutes() []rest.Route {
	manage := rest.Needs("roles", model.CapRolesManage)
	return []rest.Route{
		{Method: "GET", Path: "/v1/globalroles", Tag: "roles", Access: rest.Authenticated, Summary: "List global roles, built-in and custom",
			Response: rest.List[GlobalRole]{}, Handler: a.listGlobal},
		manage(rest.Route{Method: "POST", Path: "/v1/globalroles", Audit: "globalrole.create",
			Summary: "Create a custom global role from capabilities the caller holds", Request: GlobalRoleRequest{}, Response: GlobalRole{},
			Status: http.StatusCreated, Errors: []int{http.StatusConflict}, Handler: a.createGlobal}),
		manage(rest.Route{Method: "PUT", Path: "/v1/globalroles/{name}", Audit: "globalrole.update",
			Summary: "Replace a custom global role's capabilities (only with capabilities the caller holds)",
			Request: GlobalRoleRequest{}, Response: GlobalRole{}, Handler: a.putGlobal}),
		manage(rest.Route{Method: "DELETE", Path: "/v1/globalroles/{name}", Audit: "globalrole.delete",
			Summary: "Delete a custom global role nobody holds", Status: http.StatusNoContent, Errors: []int{http.StatusConflict}, Handler: a.deleteGlobal}),
	}
}

// GlobalView converts a global role.
func GlobalView(g *model.GlobalRole) GlobalRole {
	v := GlobalRole{Name: g.Name, Description: g.Description, Builtin: g.Builtin, Capabilities: g.Capabilities}
	if v.Capabilities == nil {
		v.Capabilities = []string{}
	}
	if !g.CreatedAt.IsZero() {
		c, u := g.CreatedAt, g.UpdatedAt
		v.CreatedAt, v.UpdatedAt = &c, &u
	}
	return v
}

func (a *API) listGlobal(w http.ResponseWriter, r *http.Request) error {
	custom, err := a.Store.ListGlobalRoles(r.Context())
	if err != nil {
		return err
	}
	out := []GlobalRole{}
	for _, g := range rbac.BuiltinGlobalRoles() {
		out = append(out, GlobalView(&g))
	}
	for i := range custom {
		out = append(out, GlobalView(&custom[i]))
	}
	httpx.WriteJSON(w, http.StatusOK, rest.List[GlobalRole]{Items: out})
	return nil
}

func (a *API) checkGlobal(r *http.Request, req GlobalRoleRequest) (*model.GlobalRole, error) {
	now := a.Now().UTC()
	g := &model.GlobalRole{Name: req.Name, Description: req.Description, Capabilities: req.Capabilities,
		CreatedBy: auth.PrincipalFrom(r.Context()).User.ID, CreatedAt: now, UpdatedAt: now}
	slices.Sort(g.Capabilities)
	if err := rbac.ValidateGlobalRole(g); err != nil {
		return nil, httpx.Invalid("%v", err)
	}
	// CVE-2021-36784: a role editor must not mint a role granting what
	// they lack.
	if err := a.Acc.CheckGlobalRole(rest.Who(r), g.Capabilities); err != nil {
		return nil, rest.AccessError(err)
	}
	return g, nil
}

func (a *API) createGlobal(w http.ResponseWriter, r *http.Request) error {
	var req GlobalRoleRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	audit.Annotate(r.Context(), "globalrole.create", req.Name)
	g, err := a.checkGlobal(r, req)
	if err != nil {
		return err
	}
	if err := a.Store.CreateGlobalRole(r.Context(), g); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return httpx.Conflict("a global role named %q exists", g.Name)
		}
		return err
	}
	a.Acc.Changed(r.Context())
	httpx.WriteJSON(w, http.StatusCreated, GlobalView(g))
	return nil
}

func (a *API) putGlobal(w http.ResponseWriter, r *http.Request) error {
	var req GlobalRoleRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	name := r.PathValue("name")
	audit.Annotate(r.Context(), "globalrole.update", name)
	if name == model.GlobalRoleAdmin || name == model.GlobalRoleUser {
		return httpx.Forbidden("built-in global role %q cannot be changed", name)
	}
	if req.Name == "" {
		req.Name = name
	}
	if req.Name != name {
		return httpx.Invalid("global roles cannot be renamed")
	}
	g, err := a.checkGlobal(r, req)
	if err != nil {
		return err
	}
	got, err := a.Store.UpdateGlobalRole(r.Context(), name, func(cur *model.GlobalRole) error {
		cur.Description, cur.Capabilities, cur.UpdatedAt = g.Description, g.Capabilities, g.UpdatedAt
		return nil
	})
	if err != nil {
		return rest.StoreError(err, "global role")
	}
	a.Acc.Changed(r.Context())
	httpx.WriteJSON(w, http.StatusOK, GlobalView(got))
	return nil
}

func (a *API) deleteGlobal(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	audit.Annotate(r.Context(), "globalrole.delete", name)
	if name == model.GlobalRoleAdmin || name == model.GlobalRoleUser {
		return httpx.Forbidden("built-in global role %q cannot be deleted", name)
	}
	holders, err := Holders(r, a.Store, name)
	if err != nil {
		return err
	}
	if len(holders) > 0 {
		return httpx.Conflict("global role %q is held by %d user(s) (%s); take it from them first", name, len(holders), holders[0])
	}
	if err := a.Store.DeleteGlobalRole(r.Context(), name); err != nil {
		return rest.StoreError(err, "global role")
	}
	a.Acc.Changed(r.Context())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Holders lists the usernames holding a global role.
func Holders(r *http.Request, st store.Store, role string) ([]string, error) {
	var out []string
	after := ""
	for {
		users, next, err := st.ListUsers(r.Context(), "", store.Page{Limit: store.MaxLimit, After: after})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if slices.Contains(u.GlobalRoles, role) {
				out = append(out, u.Username)
			}
		}
		if next == "" {
			return out, nil
		}
		after = next
	}
}
