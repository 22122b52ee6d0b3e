package accessdata

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/paddockhq/paddock/internal/api/bindings"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/rbac"
	"github.com/paddockhq/paddock/internal/store"
)

// maxDescription bounds descriptions, as the other APIs do.
const maxDescription = 1024

// planner computes the changes a document makes to the stored state, and
// the state that results, against which every reference is checked.
type planner struct {
	a      *API
	ctx    context.Context
	s      *state
	prune  bool
	now    time.Time
	caller string // user ID
	kube   func(clusterID string) (kubernetes.Interface, error)

	problems []Problem
	// The resulting state.
	roles     map[string]bool // custom global role names
	templates rbac.Templates  // built-in and custom
	projects  map[string]*model.Project
	// Changes by step, in the order they are applied.
	roleCh, templateCh, projectCh, namespaceCh, userCh, bindingCh, pruneCh []Change
}

func (a *API) plan(r *http.Request, docs *parsed, prune bool) ([]Change, []Problem, error) {
	s, err := loadState(r.Context(), a.Store)
	if err != nil {
		return nil, nil, err
	}
	p := &planner{a: a, ctx: r.Context(), s: s, prune: prune, now: a.Now().UTC().Truncate(time.Microsecond),
		caller: auth.PrincipalFrom(r.Context()).User.ID, kube: a.kubeCache(r.Context())}
	p.globalRoles(docs.roles)
	p.roleTemplates(docs.templates)
	p.planProjects(docs.projects)
	p.userAccess(docs.users)
	p.planBindings(docs.bindings)
	return slices.Concat(p.roleCh, p.templateCh, p.projectCh, p.namespaceCh, p.userCh, p.bindingCh, p.pruneCh), p.problems, nil
}

func (p *planner) fail(n int, kind, name, format string, args ...any) {
	p.problems = append(p.problems, Problem{Document: n, Kind: kind, Name: name, Message: fmt.Sprintf(format, args...)})
}

// failErr reports a (possibly joined) validation error as one problem.
func (p *planner) failErr(n int, kind, name string, err error) {
	p.fail(n, kind, name, "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
}

// ignoreMissing treats "already gone" as success for deletions.
func ignoreMissing(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

func changed(fields ...string) string { return "changes " + strings.Join(fields, ", ") }

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func (p *planner) globalRoles(docs []at[GlobalRoleDoc]) {
	p.roles = map[string]bool{}
	existing := map[string]*model.GlobalRole{}
	for i := range p.s.roles {
		existing[p.s.roles[i].Name] = &p.s.roles[i]
	}
	seen := map[string]int{}
	for _, d := range docs {
		g := &model.GlobalRole{Name: d.doc.Name, Description: d.doc.Description, Capabilities: d.doc.Capabilities,
			CreatedBy: p.caller, CreatedAt: p.now, UpdatedAt: p.now}
		if first, dup := seen[g.Name]; dup {
			p.fail(d.n, KindGlobalRole, g.Name, "listed twice (first in document %d)", first)
			continue
		}
		seen[g.Name] = d.n
		p.roles[g.Name] = true // even when invalid: one error, not one per holder
		if err := rbac.ValidateGlobalRole(g); err != nil {
			p.failErr(d.n, KindGlobalRole, g.Name, err)
			continue
		}
		if len(g.Description) > maxDescription {
			p.fail(d.n, KindGlobalRole, g.Name, "description: at most %d bytes", maxDescription)
			continue
		}
		g.Capabilities = sorted(g.Capabilities)
		old := existing[g.Name]
		if old == nil {
			p.roleCh = append(p.roleCh, Change{Action: "create", Kind: KindGlobalRole, Name: g.Name,
				Detail: "capabilities " + strings.Join(g.Capabilities, ", "),
				do:     func() error { return p.a.Store.CreateGlobalRole(p.ctx, g) }})
			continue
		}
		var fields []string
		if old.Description != g.Description {
			fields = append(fields, "description")
		}
		if !slices.Equal(sorted(old.Capabilities), g.Capabilities) {
			fields = append(fields, "capabilities to "+strings.Join(g.Capabilities, ", "))
		}
		if fields != nil {
			p.roleCh = append(p.roleCh, Change{Action: "update", Kind: KindGlobalRole, Name: g.Name, Detail: changed(fields...),
				do: func() error {
					_, err := p.a.Store.UpdateGlobalRole(p.ctx, g.Name, func(cur *model.GlobalRole) error {
						cur.Description, cur.Capabilities, cur.UpdatedAt = g.Description, g.Capabilities, p.now
						return nil
					})
					return err
				}})
		}
	}
	for _, old := range p.s.roles {
		if _, listed := seen[old.Name]; listed {
			continue
		}
		if !p.prune {
			p.roles[old.Name] = true
			continue
		}
		p.pruneCh = append(p.pruneCh, Change{Action: "delete", Kind: KindGlobalRole, Name: old.Name, Detail: "not in the document (prune)",
			do: func() error { return ignoreMissing(p.a.Store.DeleteGlobalRole(p.ctx, old.Name)) }})
	}
}

func (p *planner) roleTemplates(docs []at[RoleTemplateDoc]) {
	existing := map[string]*model.RoleTemplate{}
	for i := range p.s.templates {
		existing[p.s.templates[i].Name] = &p.s.templates[i]
	}
	p.templates = rbac.NewTemplates(nil)
	if !p.prune {
		for name, t := range existing {
			p.templates[name] = t
		}
	}
	type listed struct {
		n int
		t *model.RoleTemplate
	}
	var ts []listed
	seen := map[string]int{}
	for _, d := range docs {
		t := &model.RoleTemplate{Name: d.doc.Name, Description: d.doc.Description, Context: model.RoleContext(d.doc.Context),
			Rules: d.doc.Rules, Inherits: d.doc.Inherits, CreatedBy: p.caller, CreatedAt: p.now, UpdatedAt: p.now}
		if first, dup := seen[t.Name]; dup {
			p.fail(d.n, KindRoleTemplate, t.Name, "listed twice (first in document %d)", first)
			continue
		}
		seen[t.Name] = d.n
		if rbac.IsBuiltinTemplate(t.Name) {
			p.fail(d.n, KindRoleTemplate, t.Name, "built-in templates are not applied; remove this document or rename the template")
			continue
		}
		p.templates[t.Name] = t
		ts = append(ts, listed{d.n, t})
	}
	// Each is checked against the whole resulting set, so templates may
	// inherit templates defined later in the document, and cycles show.
	for _, l := range ts {
		t, old := l.t, existing[l.t.Name]
		if err := rbac.ValidateTemplate(t, p.templates); err != nil {
			p.failErr(l.n, KindRoleTemplate, t.Name, err)
			continue
		}
		if len(t.Description) > maxDescription {
			p.fail(l.n, KindRoleTemplate, t.Name, "description: at most %d bytes", maxDescription)
			continue
		}
		if old == nil {
			p.templateCh = append(p.templateCh, Change{Action: "create", Kind: KindRoleTemplate, Name: t.Name,
				Detail: fmt.Sprintf("%s template, %d rules, inherits %d", t.Context, len(t.Rules), len(t.Inherits)),
				do:     func() error { return p.a.Store.CreateRoleTemplate(p.ctx, t) }})
			continue
		}
		if old.Context != t.Context {
			p.fail(l.n, KindRoleTemplate, t.Name, "context: cannot change (it is %q); create a template with another name", old.Context)
			continue
		}
		var fields []string
		if old.Description != t.Description {
			fields = append(fields, "description")
		}
		if !slices.EqualFunc(old.Rules, t.Rules, sameRule) {
			fields = append(fields, "rules")
		}
		if !slices.Equal(old.Inherits, t.Inherits) {
			fields = append(fields, "inherits")
		}
		if fields != nil {
			p.templateCh = append(p.templateCh, Change{Action: "update", Kind: KindRoleTemplate, Name: t.Name, Detail: changed(fields...),
				do: func() error {
					_, err := p.a.Store.UpdateRoleTemplate(p.ctx, t.Name, func(cur *model.RoleTemplate) error {
						cur.Description, cur.Rules, cur.Inherits, cur.UpdatedAt = t.Description, t.Rules, t.Inherits, p.now
						return nil
					})
					return err
				}})
		}
	}
	if !p.prune {
		return
	}
	for _, old := range p.s.templates {
		if _, listed := seen[old.Name]; !listed {
			p.pruneCh = append(p.pruneCh, Change{Action: "delete", Kind: KindRoleTemplate, Name: old.Name, Detail: "not in the document (prune)",
				do: func() error { return ignoreMissing(p.a.Store.DeleteRoleTemplate(p.ctx, old.Name)) }})
		}
	}
}

func sameRule(x, y model.PolicyRule) bool {
	return slices.Equal(x.Verbs, y.Verbs) && slices.Equal(x.APIGroups, y.APIGroups) && slices.Equal(x.Resources, y.Resources) &&
		slices.Equal(x.ResourceNames, y.ResourceNames) && slices.Equal(x.NonResourceURLs, y.NonResourceURLs)
}

func (p *planner) userAccess(docs []at[UserAccessDoc]) {
	listed := map[string]int{} // user ID → document
	for _, d := range docs {
		u := p.s.userByName[fold(d.doc.User)]
		if u == nil {
			p.fail(d.n, KindUserAccess, d.doc.User, "no user %q (users are created with the users API, not applied)", d.doc.User)
			continue
		}
		if first, dup := listed[u.ID]; dup {
			p.fail(d.n, KindUserAccess, u.Username, "listed twice (first in document %d)", first)
			continue
		}
		listed[u.ID] = d.n
		ok := true
		bad := func(format string, args ...any) { p.fail(d.n, KindUserAccess, u.Username, format, args...); ok = false }
		for i, g := range d.doc.GlobalRoles {
			switch {
			case g == model.GlobalRoleAdmin:
				bad("globalRoles[%d]: the admin role is granted with admin: true", i)
			case g == model.GlobalRoleUser:
				bad("globalRoles[%d]: every user holds the user role; list only custom global roles", i)
			case !p.roles[g]:
				bad("globalRoles[%d]: no global role %q (neither stored nor in the document)", i, g)
			case slices.Index(d.doc.GlobalRoles, g) < i:
				bad("globalRoles[%d] %q: listed twice", i, g)
			}
		}
		for i, g := range d.doc.Groups {
			if err := bindings.CheckGroupName(g); err != nil {
				bad("groups[%d]: %s", i, httpx.AsError(err).Message)
			} else if strings.Contains(g, ":") {
				bad("groups[%d] %q: a local group may not contain ':' (\"<provider>:<group>\" names a provider's group)", i, g)
			} else if slices.Index(d.doc.Groups, g) < i {
				bad("groups[%d] %q: listed twice", i, g)
			}
		}
		if u.ID == p.caller && u.Admin && !d.doc.Admin {
			bad("you cannot remove your own admin role (another administrator can)")
		}
		if !ok {
			continue
		}
		admin, roles, groups := d.doc.Admin, sorted(d.doc.GlobalRoles), sorted(d.doc.Groups)
		var fields []string
		if u.Admin != admin {
			fields = append(fields, fmt.Sprintf("admin to %t", admin))
		}
		if !slices.Equal(sorted(u.GlobalRoles), roles) {
			fields = append(fields, "globalRoles to ["+strings.Join(roles, ", ")+"]")
		}
		if !slices.Equal(sorted(u.Groups), groups) {
			fields = append(fields, "groups to ["+strings.Join(groups, ", ")+"]")
		}
		if fields != nil {
			p.userCh = append(p.userCh, Change{Action: "update", Kind: KindUserAccess, Name: u.Username, Detail: changed(fields...),
				do: func() error {
					_, err := p.a.Store.UpdateUser(p.ctx, u.ID, func(cur *model.User) error {
						cur.Admin, cur.GlobalRoles, cur.Groups, cur.UpdatedAt = admin, roles, groups, p.now
						return nil
					})
					return err
				}})
		}
	}
	// Users the document leaves alone keep their roles, which must
	// survive pruning.
	stored := map[string]bool{}
	for _, g := range p.s.roles {
		stored[g.Name] = true
	}
	for _, u := range p.s.users {
		if _, ok := listed[u.ID]; ok {
			continue
		}
		for _, g := range u.GlobalRoles {
			if stored[g] && !p.roles[g] {
				p.fail(0, KindUserAccess, u.Username, "holds global role %q, which the document would prune; list the user's access without it", g)
			}
		}
	}
}
