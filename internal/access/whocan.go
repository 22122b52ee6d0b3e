package access

import (
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/rbac"
)

// Grant is one reason a subject holds a permission.
type Grant struct {
	Subject model.Subject
	// Binding is the granting binding; nil for grants through a global
	// role (Via names it).
	Binding *model.Binding
	Via     string
}

// WhoCan lists who holds a permission in a cluster, and through what: the
// admin and clusters-manage global roles, cluster bindings, and bindings of
// projectID (the project of the namespace asked about, "" when the
// namespace is in none or the question is cluster-scoped).
func (a *Authorizer) WhoCan(clusterID, projectID string, attrs rbac.Attributes) []Grant {
	s := a.current()
	now := a.now()
	out := []Grant{{Subject: model.Subject{Kind: model.SubjectGroup, Name: rbac.GroupAdmins}, Via: "global role admin"}}
	for name, g := range s.globalRoles {
		for _, c := range g.Capabilities {
			if c == model.CapClustersManage && name != model.GlobalRoleAdmin {
				out = append(out, Grant{Subject: model.Subject{Kind: "GlobalRole", Name: name}, Via: "global role " + name + " (clusters-manage)"})
			}
		}
	}
	for i := range s.bindings {
		b := &s.bindings[i]
		if b.ClusterID != clusterID || !b.Active(now) {
			continue
		}
		if b.ProjectID != "" && b.ProjectID != projectID {
			continue
		}
		if rbac.Allows(s.rules[b.RoleTemplate], attrs) {
			out = append(out, Grant{Subject: b.Subject, Binding: b, Via: "role template " + b.RoleTemplate})
		}
	}
	return out
}
