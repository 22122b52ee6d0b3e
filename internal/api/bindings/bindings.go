// Package bindings owns the bindings API: granting a role template to a
// user or group in a cluster or a project (optionally until a time),
// listing what the caller may see, and revoking. Every grant passes the
// escalation check of package access.
package bindings

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// API serves the binding routes.
type API struct {
	Store store.Store
	Acc   *access.Authorizer
	Now   func() time.Time
}

// Subject names who a binding grants to: a username or a group name.
type Subject struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// Binding is the public view of a binding.
type Binding struct {
	ID           string     `json:"id"`
	Subject      Subject    `json:"subject"`
	RoleTemplate string     `json:"roleTemplate"`
	Cluster      string     `json:"cluster"`
	Project      string     `json:"project,omitempty"`
	ExpiresAt    *time.Time `json:"expiresAt,omitempty"`
	Expired      bool       `json:"expired,omitempty"`
	CreatedBy    string     `json:"createdBy"`
	CreatedAt    time.Time  `json:"createdAt"`
}

// CreateRequest grants a role template in a cluster or a project.
type CreateRequest struct {
	Subject      Subject    `json:"subject"`
	RoleTemplate string     `json:"roleTemplate"`
	Cluster      string     `json:"cluster,omitempty"`
	Project      string     `json:"project,omitempty"`
	ExpiresAt    *time.Time `json:"expiresAt,omitempty"`
}

// Created is the answer to a grant.
type Created struct {
	ID string `json:"id"`
}

// Routes lists the binding routes.
func (a *API) Routes() []rest.Route {
	return []rest.Route{
		{Method: "GET", Path: "/v1/bindings", Tag: "access", Access: rest.Authenticated,
			Summary: "List the bindings the caller may see: their own, and those of clusters and projects whose members they manage",
			Query: []rest.Param{{Name: "cluster", Type: "string", Description: "cluster ID (its cluster and project bindings)"},
				{Name: "project", Type: "string", Description: "project ID"},
				{Name: "subject", Type: "string", Description: "User:<username> or Group:<group> (a bare name is a username)"}},
			Response: rest.List[Binding]{}, Handler: a.list},
		{Method: "POST", Path: "/v1/bindings", Audit: "binding.create", Tag: "access", Access: rest.Authenticated,
			Summary: "Grant a role template to a user or group in a cluster or project; nobody grants more than they hold there",
			Request: CreateRequest{}, Response: Created{}, Status: http.StatusCreated, Errors: []int{http.StatusConflict}, Handler: a.create},
		{Method: "GET", Path: "/v1/bindings/{id}", Tag: "access", Access: rest.Authenticated, Summary: "Read a binding",
			Response: Binding{}, Handler: a.get},
		{Method: "DELETE", Path: "/v1/bindings/{id}", Audit: "binding.delete", Tag: "access", Access: rest.Authenticated,
			Summary: "Revoke a binding", Status: http.StatusNoContent, Handler: a.delete},
	}
}

// View converts a binding; users maps user IDs to usernames.
func View(b *model.Binding, usernames func(id string) string, now time.Time) Binding {
	v := Binding{ID: b.ID, Subject: Subject{Kind: b.Subject.Kind, Name: b.Subject.Name}, RoleTemplate: b.RoleTemplate,
		Cluster: b.ClusterID, Project: b.ProjectID, Expired: !b.Active(now), CreatedBy: usernames(b.CreatedBy), CreatedAt: b.CreatedAt}
	if b.Subject.Kind == model.SubjectUser {
		v.Subject.Name = usernames(b.Subject.Name)
	}
	if !b.ExpiresAt.IsZero() {
		t := b.ExpiresAt
		v.ExpiresAt = &t
	}
	return v
}

// Usernames returns a memoising user ID → username lookup ("" for users
// that no longer exist).
func Usernames(ctx context.Context, st store.Store) func(id string) string {
	cache := map[string]string{}
	return func(id string) string {
		if id == "" {
			return ""
		}
		if n, ok := cache[id]; ok {
			return n
		}
		u, err := st.GetUser(ctx, id)
		if err == nil {
			cache[id] = u.Username
		} else {
			cache[id] = ""
		}
		return cache[id]
	}
}

// CheckGroupName says why a group name is unacceptable.
func CheckGroupName(name string) error {
	if name == "" || len(name) > 256 {
		return httpx.Invalid("a group name must be 1-256 bytes")
	}
	if strings.IndexFunc(name, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return httpx.Invalid("group name %q must not contain spaces or control characters", name)
	}
	return nil
}

// ResolveSubject turns a public subject into a stored one.
func ResolveSubject(ctx context.Context, st store.Store, s Subject) (model.Subject, error) {
	switch s.Kind {
	case model.SubjectUser:
		u, err := st.GetUserByUsername(ctx, s.Name)
		if errors.Is(err, store.ErrNotFound) {
			return model.Subject{}, httpx.Invalid("no user named %q", s.Name)
		}
		if err != nil {
			return model.Subject{}, err
		}
		return model.Subject{Kind: model.SubjectUser, Name: u.ID}, nil
	case model.SubjectGroup:
		if err := CheckGroupName(s.Name); err != nil {
			return model.Subject{}, err
		}
		return model.Subject{Kind: model.SubjectGroup, Name: s.Name}, nil
	}
	return model.Subject{}, httpx.Invalid("subject.kind must be %q or %q", model.SubjectUser, model.SubjectGroup)
}

func (a *API) create(w http.ResponseWriter, r *http.Request) error {
	var req CreateRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	b, err := a.Build(r, req)
	if err != nil {
		return err
	}
	audit.Annotate(r.Context(), "binding.create", req.Subject.Kind+":"+req.Subject.Name+" "+b.RoleTemplate+" in "+scopeName(b))
	if err := a.Acc.CheckBind(rest.Who(r), b); err != nil {
		return rest.AccessError(err)
	}
	same, err := a.Store.ListBindings(r.Context(), store.BindingFilter{ClusterID: b.ClusterID, ProjectID: b.ProjectID,
		ClusterOnly: b.ProjectID == "", Subject: b.Subject, RoleTemplate: b.RoleTemplate})
	if err != nil {
		return err
	}
	for _, o := range same {
		if o.Active(a.Now()) && o.ExpiresAt.IsZero() {
			return httpx.Conflict("binding %s already grants this (without expiry)", o.ID)
		}
	}
	if err := a.Store.CreateBinding(r.Context(), b); err != nil {
		return rest.StoreError(err, "binding")
	}
	a.Acc.Changed(r.Context(), b.ClusterID)
	httpx.WriteJSON(w, http.StatusCreated, Created{ID: b.ID})
	return nil
}

// Build validates a grant request and returns the binding it would create
// (not yet checked against the caller's rights, not stored).
func (a *API) Build(r *http.Request, req CreateRequest) (*model.Binding, error) {
	ctx := r.Context()
	sub, err := ResolveSubject(ctx, a.Store, req.Subject)
	if err != nil {
		return nil, err
	}
	if req.RoleTemplate == "" {
		return nil, httpx.Invalid("roleTemplate is required")
	}
	now := a.Now().UTC()
	b := &model.Binding{ID: uuid.NewString(), Subject: sub, RoleTemplate: req.RoleTemplate,
		CreatedBy: auth.PrincipalFrom(ctx).User.ID, CreatedAt: now}
	switch {
	case req.Project != "":
		p, err := a.Store.GetProject(ctx, req.Project)
		if errors.Is(err, store.ErrNotFound) {
			return nil, httpx.Invalid("no project %q", req.Project)
		}
		if err != nil {
			return nil, err
		}
		if !a.Acc.MaySeeProject(rest.Who(r), p.ID) {
			return nil, httpx.Forbidden("you may not manage members of project %q", req.Project)
		}
		if req.Cluster != "" && req.Cluster != p.ClusterID {
			return nil, httpx.Invalid("project %q is not in cluster %q", req.Project, req.Cluster)
		}
		b.ClusterID, b.ProjectID = p.ClusterID, p.ID
	case req.Cluster != "":
		if _, err := a.Store.GetCluster(ctx, req.Cluster); errors.Is(err, store.ErrNotFound) {
			return nil, httpx.Invalid("no cluster %q", req.Cluster)
		} else if err != nil {
			return nil, err
		}
		if !a.Acc.MayReach(rest.Who(r), req.Cluster) {
			return nil, httpx.Forbidden("you may not manage members of cluster %q", req.Cluster)
		}
		b.ClusterID = req.Cluster
	default:
		return nil, httpx.Invalid("a binding needs a cluster or a project")
	}
	if req.ExpiresAt != nil {
		if !req.ExpiresAt.After(now) {
			return nil, httpx.Invalid("expiresAt %s is not in the future", req.ExpiresAt.Format(time.RFC3339))
		}
		b.ExpiresAt = req.ExpiresAt.UTC()
	}
	return b, nil
}

func scopeName(b *model.Binding) string {
	if b.ProjectID != "" {
		return "project " + b.ProjectID
	}
	return "cluster " + b.ClusterID
}
