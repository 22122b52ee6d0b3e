// Package users owns the user administration API: list, create, read,
// change (display name, admin, disabled, password reset) and delete users,
// and read a user's effective access (who grants them what, where).
package users

import (
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/api/apitypes"
	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// API serves the user routes.
type API struct {
	Store store.Store
	Acc   *access.Authorizer
	Now   func() time.Time
}

// CreateRequest creates a local user.
type CreateRequest struct {
	Username    string `json:"username"`
	Password    string `json:"password"`
	DisplayName string `json:"displayName,omitempty"`
	Admin       bool   `json:"admin,omitempty"`
	// GlobalRoles are custom global roles to hold; Groups local groups.
	GlobalRoles []string `json:"globalRoles,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	// MustChangePassword makes the password a temporary one.
	MustChangePassword bool `json:"mustChangePassword,omitempty"`
}

// PatchRequest changes the fields present.
type PatchRequest struct {
	DisplayName *string   `json:"displayName,omitempty"`
	Admin       *bool     `json:"admin,omitempty"`
	Disabled    *bool     `json:"disabled,omitempty"`
	GlobalRoles *[]string `json:"globalRoles,omitempty"`
	Groups      *[]string `json:"groups,omitempty"`
	// Password resets the password; the user must change it at next login
	// and every token of theirs is revoked.
	Password *string `json:"password,omitempty"`
}

// Routes lists the user routes.
func (a *API) Routes() []rest.Route {
	return []rest.Route{
		{Method: "GET", Path: "/v1/users", Tag: "users", Access: rest.Capability, Cap: model.CapUsersManage, Summary: "List users, ordered by username",
			Query:    append([]rest.Param{{Name: "q", Type: "string", Description: "substring of username or display name"}}, rest.PageParams...),
			Response: rest.List[apitypes.User]{}, Handler: a.list},
		{Method: "POST", Path: "/v1/users", Audit: "user.create", Tag: "users", Access: rest.Capability, Cap: model.CapUsersManage, Summary: "Create a local user",
			Request: CreateRequest{}, Response: apitypes.User{}, Status: http.StatusCreated, Handler: a.create},
		{Method: "GET", Path: "/v1/users/{id}", Tag: "users", Access: rest.Capability, Cap: model.CapUsersManage, Summary: "Read a user",
			Response: apitypes.User{}, Handler: a.get},
		{Method: "PATCH", Path: "/v1/users/{id}", Audit: "user.update", Tag: "users", Access: rest.Capability, Cap: model.CapUsersManage, Summary: "Change a user; disabling revokes every token of theirs at once",
			Request: PatchRequest{}, Response: apitypes.User{}, Handler: a.patch},
		{Method: "DELETE", Path: "/v1/users/{id}", Audit: "user.delete", Tag: "users", Access: rest.Capability, Cap: model.CapUsersManage, Summary: "Delete a user and every token of theirs",
			Status: http.StatusNoContent, Handler: a.delete},
		a.accessRoute(),
	}
}

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	return rest.ServeList(w, r, a.Store.ListUsers, apitypes.UserView, "user")
}

func (a *API) create(w http.ResponseWriter, r *http.Request) error {
	var req CreateRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	audit.Annotate(r.Context(), "user.create", req.Username)
	if err := errors.Join(apitypes.CheckUsername(req.Username), apitypes.CheckDisplayName(req.DisplayName),
		auth.CheckPasswordPolicy(req.Username, req.Password)); err != nil {
		return httpx.Invalid("%s", err.Error())
	}
	admin := req.Admin
	if err := a.authorize(r, nil, change{admin: &admin, roles: &req.GlobalRoles, groups: &req.Groups}); err != nil {
		return err
	}
	hash, err := auth.HashPassword(req.Password)
	if err != nil {
		return err
	}
	now := a.Now().UTC()
	u := &model.User{
		ID: uuid.NewString(), Username: req.Username, DisplayName: req.DisplayName,
		Provider: model.LocalProvider, PasswordHash: hash, Admin: req.Admin,
		MustChangePassword: req.MustChangePassword, GlobalRoles: req.GlobalRoles, Groups: req.Groups, CreatedAt: now, UpdatedAt: now,
	}
	if err := a.Store.CreateUser(r.Context(), u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return httpx.Conflict("a user named %q already exists", req.Username)
		}
		return err
	}
	a.Acc.Changed(r.Context())
	httpx.WriteJSON(w, http.StatusCreated, apitypes.UserView(u))
	return nil
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	u, err := a.Store.GetUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return rest.StoreError(err, "user")
	}
	httpx.WriteJSON(w, http.StatusOK, apitypes.UserView(u))
	return nil
}

func (a *API) patch(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	audit.Annotate(r.Context(), "user.update", id)
	var req PatchRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	self := auth.PrincipalFrom(r.Context()).User.ID == id
	if self && ((req.Disabled != nil && *req.Disabled) || (req.Admin != nil && !*req.Admin)) {
		return httpx.Invalid("you cannot disable yourself or drop your own admin role; ask another administrator")
	}
	if req.DisplayName != nil {
		if err := apitypes.CheckDisplayName(*req.DisplayName); err != nil {
			return httpx.Invalid("%s", err.Error())
		}
	}
	cur, err := a.Store.GetUser(r.Context(), id)
	if err != nil {
		return rest.StoreError(err, "user")
	}
	if err := a.authorize(r, cur, change{admin: req.Admin, roles: req.GlobalRoles, groups: req.Groups,
		password: req.Password != nil && !self, other: req.Disabled != nil || req.DisplayName != nil}); err != nil {
		return err
	}
	var hash string
	if req.Password != nil { // hash before the transaction: argon2 is slow
		if err := auth.CheckPasswordPolicy(cur.Username, *req.Password); err != nil {
			return httpx.Invalid("%s", err.Error())
		}
		if hash, err = auth.HashPassword(*req.Password); err != nil {
			return err
		}
	}
	u, err := a.Store.UpdateUser(r.Context(), id, func(u *model.User) error {
		if hash != "" {
			u.PasswordHash, u.MustChangePassword = hash, !self
		}
		if req.DisplayName != nil {
			u.DisplayName = *req.DisplayName
		}
		if req.Admin != nil {
			u.Admin = *req.Admin
		}
		if req.Disabled != nil {
			u.Disabled = *req.Disabled
		}
		if req.GlobalRoles != nil {
			u.GlobalRoles = *req.GlobalRoles
		}
		if req.Groups != nil {
			u.Groups = *req.Groups
		}
		u.UpdatedAt = a.Now().UTC()
		return nil
	})
	if err != nil {
		return rest.StoreError(err, "user")
	}
	audit.Annotate(r.Context(), "user.update", u.Username)
	if req.Password != nil && !self {
		if _, err := a.Store.DeleteUserTokens(r.Context(), id); err != nil {
			return err
		}
	}
	a.Acc.Changed(r.Context())
	httpx.WriteJSON(w, http.StatusOK, apitypes.UserView(u))
	return nil
}

func (a *API) delete(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	audit.Annotate(r.Context(), "user.delete", id)
	if auth.PrincipalFrom(r.Context()).User.ID == id {
		return httpx.Invalid("you cannot delete yourself")
	}
	u, err := a.Store.GetUser(r.Context(), id)
	if err != nil {
		return rest.StoreError(err, "user")
	}
	audit.Annotate(r.Context(), "user.delete", u.Username)
	if err := a.authorize(r, u, change{other: true}); err != nil {
		return err
	}
	if err := a.Store.DeleteUser(r.Context(), id); err != nil {
		return rest.StoreError(err, "user")
	}
	a.Acc.Changed(r.Context())
	w.WriteHeader(http.StatusNoContent)
	return nil
}
