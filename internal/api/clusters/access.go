package clusters

import (
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// OwnerTemplate is the role template a cluster's creator receives.
const OwnerTemplate = "cluster-owner"

// ownBy makes the creator of a cluster its owner, unless they own every
// cluster already.
func (a *API) ownBy(r *http.Request, c *model.Cluster) error {
	who := rest.Who(r)
	if a.Acc.Everywhere(who) {
		return nil
	}
	b := &model.Binding{ID: uuid.NewString(), Subject: model.Subject{Kind: model.SubjectUser, Name: who.UserID},
		RoleTemplate: OwnerTemplate, ClusterID: c.ID, CreatedBy: who.UserID, CreatedAt: a.Now().UTC()}
	if err := a.Store.CreateBinding(r.Context(), b); err != nil {
		return err
	}
	a.Acc.Changed(r.Context(), c.ID)
	return nil
}

// reachable loads the cluster in the path if the caller may reach it; to
// anyone else it does not exist.
func (a *API) reachable(r *http.Request) (*model.Cluster, error) {
	c, err := a.Store.GetCluster(r.Context(), r.PathValue("id"))
	if err == nil && !a.Acc.MayReach(rest.Who(r), c.ID) {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, rest.StoreError(err, "cluster")
	}
	return c, nil
}

// owned is reachable plus the right to manage the cluster (its owners).
func (a *API) owned(r *http.Request) (*model.Cluster, error) {
	c, err := a.reachable(r)
	if err != nil {
		return nil, err
	}
	if !a.Acc.MayManageProjects(rest.Who(r), c.ID) {
		return nil, httpx.Forbidden("only owners of cluster %q may change or delete it", c.Name)
	}
	return c, nil
}

// listReachable serves GET /v1/clusters for callers who do not own every
// cluster: their clusters are few, so they are read one by one and the
// list is one page.
func (a *API) listReachable(w http.ResponseWriter, r *http.Request) error {
	who := rest.Who(r)
	q := strings.ToLower(r.URL.Query().Get("q"))
	out := []Cluster{}
	for _, id := range a.Acc.ReachableClusters(who) {
		c, err := a.Store.GetCluster(r.Context(), id)
		if err != nil {
			continue // deleted meanwhile
		}
		if q == "" || strings.Contains(strings.ToLower(c.Name), q) {
			out = append(out, View(c))
		}
	}
	slices.SortFunc(out, func(x, y Cluster) int { return strings.Compare(x.Name, y.Name) })
	httpx.WriteJSON(w, http.StatusOK, rest.List[Cluster]{Items: out})
	return nil
}
