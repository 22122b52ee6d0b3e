// Package roles owns the role template and global role API: built-ins are
// listed read-only; custom ones are created and changed by holders of
// roles-manage, who can never make a role grant more than they hold
// (package access checks it).
package roles

import (
	"errors"
	"net/http"
	"time"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/rbac"
	"github.com/paddockhq/paddock/internal/store"
)

// API serves the role routes.
type API struct {
	Store store.Store
	Acc   *access.Authorizer
	Now   func() time.Time
}

// Template is the public view of a role template.
type Template struct {
	Name        string             `json:"name"`
	Description string             `json:"description"`
	Context     string             `json:"context"`
	Builtin     bool               `json:"builtin"`
	Rules       []model.PolicyRule `json:"rules"`
	Inherits    []string           `json:"inherits,omitempty"`
	// EffectiveRules are Rules plus everything inherited.
	EffectiveRules []model.PolicyRule `json:"effectiveRules"`
	CreatedAt      *time.Time         `json:"createdAt,omitempty"`
	UpdatedAt      *time.Time         `json:"updatedAt,omitempty"`
}

// TemplateRequest creates or replaces a custom template.
type TemplateRequest struct {
	Name        string             `json:"name"`
	Description string             `json:"description,omitempty"`
	Context     string             `json:"context"`
	Rules       []model.PolicyRule `json:"rules,omitempty"`
	Inherits    []string           `json:"inherits,omitempty"`
}

// Routes lists the role routes.
func (a *API) Routes() []rest.Route {
	manage := rest.Needs("roles", model.CapRolesManage)
	return []rest.Route{
		{Method: "GET", Path: "/v1/roletemplates", Tag: "roles", Access: rest.Authenticated, Summary: "List role templates, built-in and custom",
			Response: rest.List[Template]{}, Handler: a.listTemplates},
		{Method: "GET", Path: "/v1/roletemplates/{name}", Tag: "roles", Access: rest.Authenticated, Summary: "Read a role template with its effective rules",
			Response: Template{}, Handler: a.getTemplate},
		manage(rest.Route{Method: "POST", Path: "/v1/roletemplates", Audit: "roletemplate.create", Summary: "Create a custom role template",
			Request: TemplateRequest{}, Response: Template{}, Status: http.StatusCreated, Errors: []int{http.StatusConflict}, Handler: a.createTemplate}),
		manage(rest.Route{Method: "PUT", Path: "/v1/roletemplates/{name}", Audit: "roletemplate.update",
			Summary: "Replace a custom role template's rules; where it is bound, the editor must hold the new rules",
			Request: TemplateRequest{}, Response: Template{}, Handler: a.putTemplate}),
		manage(rest.Route{Method: "DELETE", Path: "/v1/roletemplates/{name}", Audit: "roletemplate.delete",
			Summary: "Delete a custom role template that nothing binds or inherits", Status: http.StatusNoContent,
			Errors: []int{http.StatusConflict}, Handler: a.deleteTemplate}),
	}
}

// TemplateView converts a template; ts resolves inheritance.
func TemplateView(t *model.RoleTemplate, ts rbac.Templates) Template {
	v := Template{Name: t.Name, Description: t.Description, Context: string(t.Context), Builtin: t.Builtin,
		Rules: t.Rules, Inherits: t.Inherits, EffectiveRules: []model.PolicyRule{}}
	if v.Rules == nil {
		v.Rules = []model.PolicyRule{}
	}
	if rules, err := ts.Rules(t.Name); err == nil {
		for _, r := range rules {
			v.EffectiveRules = append(v.EffectiveRules, model.PolicyRule{Verbs: r.Verbs, APIGroups: r.APIGroups,
				Resources: r.Resources, ResourceNames: r.ResourceNames, NonResourceURLs: r.NonResourceURLs})
		}
	}
	if !t.CreatedAt.IsZero() {
		c, u := t.CreatedAt, t.UpdatedAt
		v.CreatedAt, v.UpdatedAt = &c, &u
	}
	return v
}

func (a *API) templates(r *http.Request) (rbac.Templates, []model.RoleTemplate, error) {
	custom, err := a.Store.ListRoleTemplates(r.Context())
	if err != nil {
		return nil, nil, err
	}
	return rbac.NewTemplates(custom), custom, nil
}

func (a *API) listTemplates(w http.ResponseWriter, r *http.Request) error {
	ts, custom, err := a.templates(r)
	if err != nil {
		return err
	}
	out := []Template{}
	for _, t := range rbac.BuiltinTemplates() {
		out = append(out, TemplateView(&t, ts))
	}
	for i := range custom {
		if !rbac.IsBuiltinTemplate(custom[i].Name) {
			out = append(out, TemplateView(&custom[i], ts))
		}
	}
	httpx.WriteJSON(w, http.StatusOK, rest.List[Template]{Items: out})
	return nil
}

func (a *API) getTemplate(w http.ResponseWriter, r *http.Request) error {
	ts, _, err := a.templates(r)
	if err != nil {
		return err
	}
	t := ts[r.PathValue("name")]
	if t == nil {
		return httpx.NotFound("role template %q not found", r.PathValue("name"))
	}
	httpx.WriteJSON(w, http.StatusOK, TemplateView(t, ts))
	return nil
}

func (a *API) validate(r *http.Request, req TemplateRequest) (*model.RoleTemplate, rbac.Templates, error) {
	ts, _, err := a.templates(r)
	if err != nil {
		return nil, nil, err
	}
	now := a.Now().UTC()
	t := &model.RoleTemplate{Name: req.Name, Description: req.Description, Context: model.RoleContext(req.Context),
		Rules: req.Rules, Inherits: req.Inherits, CreatedBy: auth.PrincipalFrom(r.Context()).User.ID, CreatedAt: now, UpdatedAt: now}
	if len(t.Description) > 1024 {
		return nil, nil, httpx.Invalid("description must be at most 1024 bytes")
	}
	if err := rbac.ValidateTemplate(t, ts); err != nil {
		return nil, nil, httpx.Invalid("%v", err)
	}
	next := rbac.Templates{}
	for k, v := range ts {
		next[k] = v
	}
	next[t.Name] = t
	return t, next, nil
}

func (a *API) createTemplate(w http.ResponseWriter, r *http.Request) error {
	var req TemplateRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	audit.Annotate(r.Context(), "roletemplate.create", req.Name)
	t, ts, err := a.validate(r, req)
	if err != nil {
		return err
	}
	if err := a.Store.CreateRoleTemplate(r.Context(), t); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return httpx.Conflict("a role template named %q exists", t.Name)
		}
		return err
	}
	a.Acc.Changed(r.Context())
	httpx.WriteJSON(w, http.StatusCreated, TemplateView(t, ts))
	return nil
}

func (a *API) putTemplate(w http.ResponseWriter, r *http.Request) error {
	var req TemplateRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	name := r.PathValue("name")
	audit.Annotate(r.Context(), "roletemplate.update", name)
	if rbac.IsBuiltinTemplate(name) {
		return httpx.Forbidden("built-in role template %q cannot be changed; create a custom one", name)
	}
	if req.Name == "" {
		req.Name = name
	}
	if req.Name != name {
		return httpx.Invalid("the name in the body (%q) differs from the path (%q); templates cannot be renamed", req.Name, name)
	}
	old, err := a.Store.GetRoleTemplate(r.Context(), name)
	if err != nil {
		return rest.StoreError(err, "role template")
	}
	if string(old.Context) != req.Context {
		return httpx.Invalid("the context of a template cannot change (it is %q)", old.Context)
	}
	t, ts, err := a.validate(r, req)
	if err != nil {
		return err
	}
	rules, err := ts.Rules(name)
	if err != nil {
		return httpx.Invalid("%v", err)
	}
	if err := a.Acc.CheckTemplateChange(rest.Who(r), name, rules); err != nil {
		return rest.AccessError(err)
	}
	got, err := a.Store.UpdateRoleTemplate(r.Context(), name, func(cur *model.RoleTemplate) error {
		cur.Description, cur.Rules, cur.Inherits, cur.UpdatedAt = t.Description, t.Rules, t.Inherits, t.UpdatedAt
		return nil
	})
	if err != nil {
		return rest.StoreError(err, "role template")
	}
	a.Acc.Changed(r.Context())
	httpx.WriteJSON(w, http.StatusOK, TemplateView(got, ts))
	return nil
}

func (a *API) deleteTemplate(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	audit.Annotate(r.Context(), "roletemplate.delete", name)
	if rbac.IsBuiltinTemplate(name) {
		return httpx.Forbidden("built-in role template %q cannot be deleted", name)
	}
	used, err := a.Store.ListBindings(r.Context(), store.BindingFilter{RoleTemplate: name})
	if err != nil {
		return err
	}
	if len(used) > 0 {
		return httpx.Conflict("role template %q is used by %d binding(s); delete them first", name, len(used))
	}
	ts, _, err := a.templates(r)
	if err != nil {
		return err
	}
	for _, t := range ts {
		for _, p := range t.Inherits {
			if p == name {
				return httpx.Conflict("role template %q is inherited by %q", name, t.Name)
			}
		}
	}
	if err := a.Store.DeleteRoleTemplate(r.Context(), name); err != nil {
		return rest.StoreError(err, "role template")
	}
	a.Acc.Changed(r.Context())
	w.WriteHeader(http.StatusNoContent)
	return nil
}
