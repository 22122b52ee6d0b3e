package access

import (
	"slices"
	"strings"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/paddockhq/paddock/internal/model"
)

// Who is a principal as access decisions see it.
type Who struct {
	UserID      string
	Admin       bool
	GlobalRoles []string
	// Groups are every group the user is in (local and provider groups).
	Groups []string
}

// WhoOf is the Who of a user with their local groups and the groups
// their identity provider reported ("<provider>:<group>").
func WhoOf(u *model.User) Who {
	groups := u.Groups
	if len(u.ProviderGroups) > 0 {
		groups = append(slices.Clip(groups), u.ProviderGroups...)
	}
	return Who{UserID: u.ID, Admin: u.Admin, GlobalRoles: u.GlobalRoles, Groups: groups}
}

func (w Who) key() string {
	var b strings.Builder
	b.WriteString(w.UserID)
	if w.Admin {
		b.WriteString("|A")
	}
	for _, r := range w.GlobalRoles {
		b.WriteString("|r:")
		b.WriteString(r)
	}
	for _, g := range w.Groups {
		b.WriteString("|g:")
		b.WriteString(g)
	}
	return b.String()
}

func (w Who) subjects() []model.Subject {
	out := make([]model.Subject, 0, len(w.Groups)+1)
	out = append(out, model.Subject{Kind: model.SubjectUser, Name: w.UserID})
	for _, g := range w.Groups {
		out = append(out, model.Subject{Kind: model.SubjectGroup, Name: g})
	}
	return out
}

// View is what one principal may do, computed once per snapshot and kept
// until the first of its bindings expires.
type View struct {
	caps map[string]bool
	// everywhere: admin or clusters-manage, owner of every cluster.
	everywhere bool
	clusters   map[string]*ClusterAccess
	until      time.Time // zero: no binding of theirs expires
}

// ClusterAccess is a principal's active bindings in one cluster.
type ClusterAccess struct {
	Cluster  []*model.Binding            // cluster-wide
	Projects map[string][]*model.Binding // by project ID
}

func (s *snapshot) view(w Who, now time.Time) *View {
	k := w.key()
	if v, ok := s.views.Load(k); ok {
		if v := v.(*View); v.until.IsZero() || now.Before(v.until) {
			return v
		}
	}
	v := s.compute(w, now)
	s.views.Store(k, v)
	return v
}

func (s *snapshot) compute(w Who, now time.Time) *View {
	v := &View{caps: map[string]bool{}, clusters: map[string]*ClusterAccess{}}
	if w.Admin {
		for _, c := range model.Capabilities {
			v.caps[c] = true
		}
	}
	for _, name := range w.GlobalRoles {
		for _, c := range s.globalRoles[name].Capabilities {
			v.caps[c] = true
		}
	}
	v.everywhere = w.Admin || v.caps[model.CapClustersManage]
	for _, sub := range w.subjects() {
		for _, b := range s.bySubject[sub] {
			if !b.ExpiresAt.IsZero() && b.ExpiresAt.After(now) && (v.until.IsZero() || b.ExpiresAt.Before(v.until)) {
				v.until = b.ExpiresAt
			}
			if !b.Active(now) {
				continue
			}
			ca := v.clusters[b.ClusterID]
			if ca == nil {
				ca = &ClusterAccess{Projects: map[string][]*model.Binding{}}
				v.clusters[b.ClusterID] = ca
			}
			if b.ProjectID == "" {
				ca.Cluster = append(ca.Cluster, b)
			} else {
				ca.Projects[b.ProjectID] = append(ca.Projects[b.ProjectID], b)
			}
		}
	}
	return v
}

func (a *Authorizer) view(w Who) (*snapshot, *View) {
	s := a.current()
	return s, s.view(w, a.now())
}

// Capable reports whether the principal holds a global capability.
func (a *Authorizer) Capable(w Who, capability string) bool {
	_, v := a.view(w)
	return v.caps[capability]
}

// Capabilities lists the principal's global capabilities, sorted.
func (a *Authorizer) Capabilities(w Who) []string {
	_, v := a.view(w)
	out := make([]string, 0, len(v.caps))
	for c := range v.caps {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Everywhere reports whether the principal owns every cluster (an admin,
// or a holder of clusters-manage).
func (a *Authorizer) Everywhere(w Who) bool {
	_, v := a.view(w)
	return v.everywhere
}

// MayReach reports whether some binding lets the principal into a cluster
// at all (the proxy's gate).
func (a *Authorizer) MayReach(w Who, clusterID string) bool {
	_, v := a.view(w)
	return v.everywhere || v.clusters[clusterID] != nil
}

// ClusterWide reports whether the principal holds a role on the whole
// cluster (so Kubernetes alone decides what they see there).
func (a *Authorizer) ClusterWide(w Who, clusterID string) bool {
	_, v := a.view(w)
	if v.everywhere {
		return true
	}
	ca := v.clusters[clusterID]
	return ca != nil && len(ca.Cluster) > 0
}

// ReachableProjects returns the IDs of the cluster's projects the principal
// is bound in (not counting cluster-wide roles), sorted.
func (a *Authorizer) ReachableProjects(w Who, clusterID string) []string {
	_, v := a.view(w)
	ca := v.clusters[clusterID]
	if ca == nil {
		return nil
	}
	out := make([]string, 0, len(ca.Projects))
	for id := range ca.Projects {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// MaySeeProject reports whether the principal may see a project: through
// a binding in it or a cluster-wide role in its cluster.
func (a *Authorizer) MaySeeProject(w Who, projectID string) bool {
	s, v := a.view(w)
	p := s.projects[projectID]
	if p == nil {
		return false
	}
	if v.everywhere {
		return true
	}
	ca := v.clusters[p.ClusterID]
	return ca != nil && (len(ca.Cluster) > 0 || len(ca.Projects[projectID]) > 0)
}

// Access returns the principal's active bindings in a cluster (nil when
// none).
func (a *Authorizer) Access(w Who, clusterID string) *ClusterAccess {
	_, v := a.view(w)
	return v.clusters[clusterID]
}

// Held returns the rules the principal holds in a scope: the cluster
// (projectID empty) or one project of it. Cluster-wide roles count in every
// project of the cluster.
func (a *Authorizer) Held(w Who, clusterID, projectID string) []rbacv1.PolicyRule {
	rules, _, _ := a.held(w, clusterID, projectID)
	return rules
}

// held returns the rules held in a scope, those held without an expiry,
// and the latest expiry among the bindings that grant them (zero when
// none expires).
func (a *Authorizer) held(w Who, clusterID, projectID string) (all, permanent []rbacv1.PolicyRule, latest time.Time) {
	s, v := a.view(w)
	if v.everywhere {
		r := s.rules["cluster-owner"]
		return r, r, time.Time{}
	}
	ca := v.clusters[clusterID]
	if ca == nil {
		return nil, nil, time.Time{}
	}
	bs := ca.Cluster
	if projectID != "" {
		bs = append(slices.Clip(bs), ca.Projects[projectID]...)
	}
	for _, b := range bs {
		all = append(all, s.rules[b.RoleTemplate]...)
		if b.ExpiresAt.IsZero() {
			permanent = append(permanent, s.rules[b.RoleTemplate]...)
		} else if b.ExpiresAt.After(latest) {
			latest = b.ExpiresAt
		}
	}
	return all, permanent, latest
}

// ReachableClusters lists the IDs of clusters the principal is bound in
// (unordered; an admin's or clusters-manage holder's "every cluster" is
// not expanded — check Everywhere first).
func (a *Authorizer) ReachableClusters(w Who) []string {
	_, v := a.view(w)
	out := make([]string, 0, len(v.clusters))
	for id := range v.clusters {
		out = append(out, id)
	}
	return out
}
