package access

import (
	"errors"
	"fmt"
	"strings"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/rbac"
)

// Paddock actions expressed as Kubernetes permissions, so custom templates
// can grant them and escalation checks need no second vocabulary.
var (
	// manageClusterMembers: bind roles cluster-wide, manage projects.
	manageClusterMembers = rbac.Attributes{Verb: "create", APIGroup: rbacv1.GroupName, Resource: "clusterrolebindings"}
	// manageProjectMembers: bind roles in a project.
	manageProjectMembers = rbac.Attributes{Verb: "create", APIGroup: rbacv1.GroupName, Resource: "rolebindings"}
	// placeNamespace: create a namespace in a project, or move one into or
	// out of it.
	placeNamespace = rbac.Attributes{Verb: "create", Resource: "namespaces"}
)

// ErrDenied is wrapped by every refusal of this package.
var ErrDenied = errors.New("access denied")

func denied(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrDenied, fmt.Sprintf(format, args...))
}

// Allowed reports whether the principal's rules in a scope grant attrs.
func (a *Authorizer) Allowed(w Who, clusterID, projectID string, attrs rbac.Attributes) bool {
	return rbac.Allows(a.Held(w, clusterID, projectID), attrs)
}

// MayManageMembers reports whether the principal may add and remove
// members of a cluster (projectID empty) or of a project.
func (a *Authorizer) MayManageMembers(w Who, clusterID, projectID string) bool {
	if projectID == "" {
		return a.Allowed(w, clusterID, "", manageClusterMembers)
	}
	return a.Allowed(w, clusterID, projectID, manageProjectMembers)
}

// MayManageProjects reports whether the principal may create, change and
// delete the cluster's projects (quotas included).
func (a *Authorizer) MayManageProjects(w Who, clusterID string) bool {
	return a.Allowed(w, clusterID, "", manageClusterMembers)
}

// MayPlaceNamespace reports whether the principal may create a namespace in
// the project, or move one into or out of it.
func (a *Authorizer) MayPlaceNamespace(w Who, clusterID, projectID string) bool {
	return a.Allowed(w, clusterID, projectID, placeNamespace)
}

// CheckBind says whether the principal may create binding b: they must
// manage members of b's scope, the template must exist and fit the scope,
// and they must already hold every permission the template grants there
// (Kubernetes' bind rule: nobody hands out more than they have).
func (a *Authorizer) CheckBind(w Who, b *model.Binding) error {
	s := a.current()
	t := s.templates[b.RoleTemplate]
	if t == nil {
		return fmt.Errorf("role template %q does not exist", b.RoleTemplate)
	}
	scope := "cluster"
	want := model.ContextCluster
	if b.ProjectID != "" {
		scope, want = "project", model.ContextProject
	}
	if t.Context != want {
		return fmt.Errorf("role template %q has context %q and cannot be bound in a %s", t.Name, t.Context, scope)
	}
	if !a.MayManageMembers(w, b.ClusterID, b.ProjectID) {
		return denied("you may not manage members of this %s", scope)
	}
	rules, ok := s.rules[t.Name]
	if !ok {
		return fmt.Errorf("role template %q does not resolve (see the server log)", t.Name)
	}
	held, permanent, latest := a.held(w, b.ClusterID, b.ProjectID)
	if ok, missing := rbac.Covers(held, rules); !ok {
		return denied("role template %q grants permissions you do not hold in this %s: %s", t.Name, scope, describe(missing))
	}
	// Time-bound access must not mint lasting access: what the grantor
	// holds only until some time can be granted only until then.
	if ok, _ := rbac.Covers(permanent, rules); !ok && (b.ExpiresAt.IsZero() || b.ExpiresAt.After(latest)) {
		return denied("your own access in this %s ends at %s; a binding you grant must expire by then",
			scope, latest.UTC().Format(time.RFC3339))
	}
	return nil
}

// CheckUnbind says whether the principal may delete binding b.
func (a *Authorizer) CheckUnbind(w Who, b *model.Binding) error {
	scope := "cluster"
	if b.ProjectID != "" {
		scope = "project"
	}
	if !a.MayManageMembers(w, b.ClusterID, b.ProjectID) {
		return denied("you may not manage members of this %s", scope)
	}
	return nil
}

// CheckTemplateChange says whether the principal may give template name the
// rules newRules: wherever it is bound now, they must hold those rules.
// Creating an unbound template needs only roles-manage (checked by the
// route); binding it later is checked by CheckBind.
func (a *Authorizer) CheckTemplateChange(w Who, name string, newRules []rbacv1.PolicyRule) error {
	if w.Admin {
		return nil
	}
	s := a.current()
	now := a.now()
	for _, b := range s.bindings {
		if b.RoleTemplate != name && !inherits(s, b.RoleTemplate, name) || !b.Active(now) {
			continue
		}
		if ok, missing := rbac.Covers(a.Held(w, b.ClusterID, b.ProjectID), newRules); !ok {
			return denied("role template %q is bound (binding %s) where you do not hold: %s", name, b.ID, describe(missing))
		}
	}
	return nil
}

// CheckGlobalRole says whether the principal may create, change or assign
// a global role with these capabilities: they must hold each of them.
func (a *Authorizer) CheckGlobalRole(w Who, capabilities []string) error {
	_, v := a.view(w)
	var missing []string
	for _, c := range capabilities {
		if !v.caps[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return denied("you do not hold the capabilities %s", strings.Join(missing, ", "))
	}
	return nil
}

// RoleCapabilities returns the capabilities of global roles by name; an
// unknown name is an error.
func (a *Authorizer) RoleCapabilities(names []string) ([]string, error) {
	s := a.current()
	var out []string
	for _, n := range names {
		g, ok := s.globalRoles[n]
		if !ok {
			return nil, fmt.Errorf("global role %q does not exist", n)
		}
		if n == model.GlobalRoleAdmin {
			return nil, fmt.Errorf("the admin role is granted with \"admin\": true, not as a global role")
		}
		out = append(out, g.Capabilities...)
	}
	return out, nil
}

// inherits reports whether template from inherits (transitively) template
// name.
func inherits(s *snapshot, from, name string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(n string) bool {
		if seen[n] {
			return false
		}
		seen[n] = true
		t := s.templates[n]
		if t == nil {
			return false
		}
		for _, p := range t.Inherits {
			if p == name || walk(p) {
				return true
			}
		}
		return false
	}
	return walk(from)
}

func describe(rules []rbacv1.PolicyRule) string {
	const max = 5
	var parts []string
	for i, r := range rules {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(rules)-max))
			break
		}
		if len(r.NonResourceURLs) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", strings.Join(r.Verbs, ","), strings.Join(r.NonResourceURLs, ",")))
			continue
		}
		res := strings.Join(r.Resources, ",")
		if g := strings.Join(r.APIGroups, ","); g != "" {
			res += "." + g
		}
		parts = append(parts, fmt.Sprintf("%s %s", strings.Join(r.Verbs, ","), res))
	}
	return strings.Join(parts, "; ")
}

// MayManageSomeMembers reports whether the principal may manage members of
// at least one cluster or project (and so needs to find people to grant).
func (a *Authorizer) MayManageSomeMembers(w Who) bool {
	_, v := a.view(w)
	if v.everywhere {
		return true
	}
	for cid, ca := range v.clusters {
		if a.MayManageMembers(w, cid, "") {
			return true
		}
		for pid := range ca.Projects {
			if a.MayManageMembers(w, cid, pid) {
				return true
			}
		}
	}
	return false
}
