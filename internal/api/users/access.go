package users

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/api/apitypes"
	"github.com/paddockhq/paddock/internal/api/bindings"
	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
)

// Access is a user's effective access: global capabilities, and per
// cluster and project the role templates they hold with the binding that
// grants each (to them, or to a group they are in).
type Access struct {
	User apitypes.User `json:"user"`
	// Capabilities are the global capabilities held (admin: all).
	Capabilities []string `json:"capabilities"`
	// Everywhere, when set, names why the user owns every cluster
	// ("global role admin", or a global role with clusters-manage):
	// cluster-owner in each, beyond the bindings listed.
	Everywhere string `json:"everywhere,omitempty"`
	// Clusters where some active binding reaches the user, by name.
	Clusters []ClusterAccess `json:"clusters"`
	// Partial is set when bindings the caller may not see were left out.
	Partial bool `json:"partial,omitempty"`
}

// ClusterAccess is what a user holds in one cluster.
type ClusterAccess struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Roles are held on the whole cluster (they count in every project).
	Roles    []Grant         `json:"roles"`
	Projects []ProjectAccess `json:"projects"`
}

// ProjectAccess is what a user holds in one project.
type ProjectAccess struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Roles []Grant `json:"roles"`
}

// Grant is one role template held, and why.
type Grant struct {
	RoleTemplate string `json:"roleTemplate"`
	// Through is "user" (bound to the user) or "group" (bound to Group,
	// one of the user's local or provider groups).
	Through string           `json:"through"`
	Group   string           `json:"group,omitempty"`
	Binding bindings.Binding `json:"binding"`
}

func (a *API) accessRoute() rest.Route {
	return rest.Route{Method: "GET", Path: "/v1/users/{id}/access", Tag: "users", Access: rest.Capability, Cap: model.CapUsersManage,
		Summary:  "A user's effective access: capabilities, and per cluster and project the role templates held with the binding (user or group) granting each",
		Response: Access{}, Handler: a.access}
}

func (a *API) access(w http.ResponseWriter, r *http.Request) error {
	u, err := a.Store.GetUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return rest.StoreError(err, "user")
	}
	caller, target := rest.Who(r), access.WhoOf(u)
	out := Access{User: apitypes.UserView(u), Capabilities: a.Acc.Capabilities(target), Clusters: []ClusterAccess{}}
	if a.Acc.Everywhere(target) {
		out.Everywhere = a.everywhereReason(u)
	}
	names, now := bindings.Usernames(r.Context(), a.Store), a.Now()
	grants := func(bs []*model.Binding) []Grant {
		gs := []Grant{}
		for _, b := range bs {
			if !bindings.Visible(a.Acc, caller, b) {
				out.Partial = true
				continue
			}
			g := Grant{RoleTemplate: b.RoleTemplate, Through: "user", Binding: bindings.View(b, names, now)}
			if b.Subject.Kind == model.SubjectGroup {
				g.Through, g.Group = "group", b.Subject.Name
			}
			gs = append(gs, g)
		}
		slices.SortFunc(gs, func(x, y Grant) int {
			return cmp.Or(cmp.Compare(x.RoleTemplate, y.RoleTemplate), cmp.Compare(x.Binding.ID, y.Binding.ID))
		})
		return gs
	}
	for _, cid := range a.Acc.ReachableClusters(target) {
		ca := a.Acc.Access(target, cid)
		if ca == nil {
			continue
		}
		c := ClusterAccess{ID: cid, Name: cid, Roles: grants(ca.Cluster), Projects: []ProjectAccess{}}
		if cl, err := a.Store.GetCluster(r.Context(), cid); err == nil {
			c.Name = cl.Name
		}
		for pid, bs := range ca.Projects {
			p := ProjectAccess{ID: pid, Name: pid, Roles: grants(bs)}
			if pr := a.Acc.Project(pid); pr != nil {
				p.Name = pr.Name
			}
			if len(p.Roles) > 0 {
				c.Projects = append(c.Projects, p)
			}
		}
		slices.SortFunc(c.Projects, func(x, y ProjectAccess) int { return cmp.Compare(x.Name, y.Name) })
		if len(c.Roles) > 0 || len(c.Projects) > 0 {
			out.Clusters = append(out.Clusters, c)
		}
	}
	slices.SortFunc(out.Clusters, func(x, y ClusterAccess) int { return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID)) })
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// everywhereReason names what makes the user owner of every cluster.
func (a *API) everywhereReason(u *model.User) string {
	if u.Admin {
		return "global role " + model.GlobalRoleAdmin
	}
	for _, name := range u.GlobalRoles {
		if caps, err := a.Acc.RoleCapabilities([]string{name}); err == nil && slices.Contains(caps, model.CapClustersManage) {
			return "global role " + name + " (" + model.CapClustersManage + ")"
		}
	}
	return model.CapClustersManage
}
