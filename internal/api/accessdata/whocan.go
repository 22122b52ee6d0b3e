package accessdata

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/projectns"
	"github.com/paddockhq/paddock/internal/rbac"
	"github.com/paddockhq/paddock/internal/store"
)

func (a *API) whoCan(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	res := WhoCanResult{Namespace: q.Get("namespace"), Verb: q.Get("verb"), Resource: q.Get("resource"), Subjects: []WhoCanSubject{}}
	if q.Get("cluster") == "" || res.Verb == "" || res.Resource == "" {
		return httpx.BadRequest("cluster, verb and resource are required (e.g. ?cluster=prod&verb=create&resource=deployments.apps)")
	}
	who := rest.Who(r)
	trusted := who.Admin || a.Acc.Capable(who, model.CapAuditRead)
	c, err := a.cluster(r.Context(), q.Get("cluster"))
	if errors.Is(err, store.ErrNotFound) {
		if !trusted {
			return httpx.Forbidden("who-can is answered to administrators, audit readers and those who manage a cluster's members")
		}
		return httpx.NotFound("no cluster %q", q.Get("cluster"))
	}
	if err != nil {
		return err
	}
	if !trusted && !a.Acc.MayManageMembers(who, c.ID, "") {
		return httpx.Forbidden("who-can is answered to administrators, audit readers and those who manage the members of cluster %q", c.Name)
	}
	res.Cluster = c.Name
	attrs := rbac.Attributes{Verb: res.Verb, Name: q.Get("name")}
	if strings.HasPrefix(res.Resource, "/") {
		attrs.Path = res.Resource
	} else {
		attrs.Resource, attrs.APIGroup, attrs.Subresource = rbac.ParseResource(res.Resource)
	}
	projectID := ""
	if res.Namespace != "" {
		if projectID, err = a.namespaceProject(r.Context(), c, res.Namespace); err != nil {
			return err
		}
		if p := a.Acc.Project(projectID); p != nil && p.ClusterID == c.ID {
			res.Project = p.Name
		} else {
			projectID = ""
		}
	}
	names := map[string]string{}
	for _, g := range a.Acc.WhoCan(c.ID, projectID, attrs) {
		s := WhoCanSubject{Kind: g.Subject.Kind, Name: g.Subject.Name, Via: g.Via}
		if g.Binding != nil {
			s.Binding = g.Binding.ID
			if !g.Binding.ExpiresAt.IsZero() {
				t := g.Binding.ExpiresAt.UTC()
				s.ExpiresAt = &t
			}
		}
		if s.Kind == model.SubjectUser {
			s.Name = a.username(r.Context(), names, s.Name)
		}
		res.Subjects = append(res.Subjects, s)
	}
	// Global roles come from a map (they follow the admins group and
	// precede bindings): keep the answer stable.
	sort.SliceStable(res.Subjects, func(i, j int) bool { return rank(res.Subjects[i]) < rank(res.Subjects[j]) })
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

// cluster finds a cluster by ID, else by name (case-insensitive).
func (a *API) cluster(ctx context.Context, ref string) (*model.Cluster, error) {
	c, err := a.Store.GetCluster(ctx, ref)
	if !errors.Is(err, store.ErrNotFound) {
		return c, err
	}
	list, _, err := a.Store.ListClusters(ctx, ref, store.Page{Limit: store.MaxLimit})
	if err != nil {
		return nil, err
	}
	for i := range list {
		if strings.EqualFold(list[i].Name, ref) {
			return &list[i], nil
		}
	}
	return nil, store.ErrNotFound
}

// namespaceProject asks the cluster which project a namespace is in ("" for
// none, or for a namespace that does not exist yet).
func (a *API) namespaceProject(ctx context.Context, c *model.Cluster, namespace string) (string, error) {
	if !dnsLabel.MatchString(namespace) {
		return "", httpx.BadRequest("namespace %q is not a valid namespace name", namespace)
	}
	cs, err := a.Kube(ctx, c.ID)
	if err != nil {
		return "", httpx.Errorf(http.StatusServiceUnavailable, "cluster_unavailable",
			"cluster %q cannot be reached to find the project of namespace %q (%v); ask without namespace for cluster-wide grants", c.Name, namespace, err)
	}
	ctx, cancel := context.WithTimeout(ctx, clusterTimeout)
	defer cancel()
	id, err := projectns.Current(ctx, cs, namespace)
	if projectns.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", httpx.Errorf(http.StatusBadGateway, "cluster_error", "reading namespace %q in cluster %q: %v", namespace, c.Name, err)
	}
	return id, nil
}

func (a *API) username(ctx context.Context, cache map[string]string, id string) string {
	if n, ok := cache[id]; ok {
		return n
	}
	n := id
	if u, err := a.Store.GetUser(ctx, id); err == nil {
		n = u.Username
	}
	cache[id] = n
	return n
}

// rank orders subjects: the admins group, global roles by name, then
// bindings (in the authorizer's order).
func rank(s WhoCanSubject) string {
	switch {
	case s.Binding != "":
		return "2"
	case s.Kind == "GlobalRole":
		return "1" + s.Name
	}
	return "0"
}
