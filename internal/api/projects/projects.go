// Package projects owns the projects API: named groups of namespaces in a
// cluster, their quotas, and placing namespaces in them (create, attach,
// move, detach). Cluster owners manage a cluster's projects; placing a
// namespace needs rights on every project it enters or leaves.
package projects

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"time"

	"github.com/google/uuid"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// API serves the project routes.
type API struct {
	Store store.Store
	Acc   *access.Authorizer
	Now   func() time.Time
	// Kube returns a client acting as Paddock itself in a cluster.
	Kube func(ctx context.Context, clusterID string) (kubernetes.Interface, error)
}

// Project is the public view of a project.
type Project struct {
	ID             string            `json:"id"`
	Cluster        string            `json:"cluster"`
	Name           string            `json:"name"`
	Description    string            `json:"description"`
	Quota          map[string]string `json:"quota,omitempty"`
	NamespaceQuota map[string]string `json:"namespaceQuota,omitempty"`
	// Namespaces is filled when reading one project and the cluster
	// answers; NamespacesError says why not otherwise.
	Namespaces      []string  `json:"namespaces,omitempty"`
	NamespacesError string    `json:"namespacesError,omitempty"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
}

// CreateRequest creates a project.
type CreateRequest struct {
	Cluster        string            `json:"cluster"`
	Name           string            `json:"name"`
	Description    string            `json:"description,omitempty"`
	Quota          map[string]string `json:"quota,omitempty"`
	NamespaceQuota map[string]string `json:"namespaceQuota,omitempty"`
}

// PatchRequest changes the fields present.
type PatchRequest struct {
	Name           *string            `json:"name,omitempty"`
	Description    *string            `json:"description,omitempty"`
	Quota          *map[string]string `json:"quota,omitempty"`
	NamespaceQuota *map[string]string `json:"namespaceQuota,omitempty"`
}

// Created is the answer to a create.
type Created struct {
	ID string `json:"id"`
}

// Routes lists the project routes.
func (a *API) Routes() []rest.Route {
	return []rest.Route{
		{Method: "GET", Path: "/v1/projects", Tag: "projects", Access: rest.Authenticated, Summary: "List the projects the caller may see",
			Query: []rest.Param{{Name: "cluster", Type: "string", Description: "only this cluster's projects"}}, Response: rest.List[Project]{}, Handler: a.list},
		{Method: "POST", Path: "/v1/projects", Audit: "project.create", Tag: "projects", Access: rest.Authenticated,
			Summary: "Create a project in a cluster (cluster owners)", Request: CreateRequest{}, Response: Created{}, Status: http.StatusCreated,
			Errors: []int{http.StatusConflict}, Handler: a.create},
		{Method: "GET", Path: "/v1/projects/{id}", Tag: "projects", Access: rest.Authenticated, Summary: "Read a project with its namespaces",
			Response: Project{}, Handler: a.get},
		{Method: "PATCH", Path: "/v1/projects/{id}", Audit: "project.update", Tag: "projects", Access: rest.Authenticated,
			Summary: "Rename, describe or change the quota of a project (cluster owners)", Request: PatchRequest{}, Response: Project{},
			Errors: []int{http.StatusConflict}, Handler: a.patch},
		{Method: "DELETE", Path: "/v1/projects/{id}", Audit: "project.delete", Tag: "projects", Access: rest.Authenticated,
			Summary: "Delete a project and its bindings; its namespaces stay, outside any project", Status: http.StatusNoContent, Handler: a.delete},
		{Method: "POST", Path: "/v1/projects/{id}/namespaces", Audit: "project.namespace.create", Tag: "projects", Access: rest.Authenticated,
			Summary: "Create a namespace in the project", Request: NamespaceRequest{}, Response: NamespaceResult{}, Status: http.StatusCreated,
			Errors: []int{http.StatusConflict, http.StatusServiceUnavailable}, Handler: a.createNamespace},
		{Method: "PUT", Path: "/v1/projects/{id}/namespaces/{name}", Audit: "project.namespace.attach", Tag: "projects", Access: rest.Authenticated,
			Summary: "Attach an existing namespace to the project, moving it out of another (rights on both needed)", Response: NamespaceResult{},
			Errors: []int{http.StatusServiceUnavailable}, Handler: a.attach},
		{Method: "DELETE", Path: "/v1/projects/{id}/namespaces/{name}", Audit: "project.namespace.detach", Tag: "projects", Access: rest.Authenticated,
			Summary: "Take a namespace out of the project (the namespace stays)", Status: http.StatusNoContent,
			Errors: []int{http.StatusServiceUnavailable}, Handler: a.detach},
	}
}

// View converts a project.
func View(p *model.Project) Project {
	return Project{ID: p.ID, Cluster: p.ClusterID, Name: p.Name, Description: p.Description, Quota: p.Quota,
		NamespaceQuota: p.NamespaceQuota, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// Check validates a project's fields.
func Check(p *model.Project) error {
	if !nameRE.MatchString(p.Name) {
		return httpx.Invalid("project name %q must be a DNS label: 1-63 lowercase letters, digits or '-'", p.Name)
	}
	if len(p.Description) > 1024 {
		return httpx.Invalid("description must be at most 1024 bytes")
	}
	for field, m := range map[string]map[string]string{"quota": p.Quota, "namespaceQuota": p.NamespaceQuota} {
		for k, v := range m {
			if _, err := resource.ParseQuantity(v); err != nil || k == "" {
				return httpx.Invalid("%s[%q] = %q is not a Kubernetes quantity", field, k, v)
			}
		}
	}
	for k := range p.Quota {
		if _, ok := p.NamespaceQuota[k]; !ok {
			return httpx.Invalid("quota limits %s, so namespaceQuota must give each namespace a share of it", k)
		}
	}
	for k := range p.NamespaceQuota {
		if _, ok := p.Quota[k]; !ok {
			return httpx.Invalid("namespaceQuota limits %s, so the project quota must set the project's total for it (or every new namespace would add to it without bound)", k)
		}
	}
	return nil
}

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	all, err := a.Store.ListProjects(r.Context(), r.URL.Query().Get("cluster"))
	if err != nil {
		return err
	}
	who := rest.Who(r)
	out := []Project{}
	for i := range all {
		if a.Acc.MaySeeProject(who, all[i].ID) {
			out = append(out, View(&all[i]))
		}
	}
	httpx.WriteJSON(w, http.StatusOK, rest.List[Project]{Items: out})
	return nil
}

func (a *API) create(w http.ResponseWriter, r *http.Request) error {
	var req CreateRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	audit.Annotate(r.Context(), "project.create", req.Name)
	who := rest.Who(r)
	if _, err := a.Store.GetCluster(r.Context(), req.Cluster); errors.Is(err, store.ErrNotFound) || (err == nil && !a.Acc.MayReach(who, req.Cluster)) {
		return httpx.Invalid("no cluster %q (or you may not see it)", req.Cluster)
	} else if err != nil {
		return err
	}
	if !a.Acc.MayManageProjects(who, req.Cluster) {
		return httpx.Forbidden("only owners of the cluster may create projects in it")
	}
	now := a.Now().UTC()
	p := &model.Project{ID: uuid.NewString(), ClusterID: req.Cluster, Name: req.Name, Description: req.Description,
		Quota: req.Quota, NamespaceQuota: req.NamespaceQuota, CreatedBy: auth.PrincipalFrom(r.Context()).User.ID, CreatedAt: now, UpdatedAt: now}
	if err := Check(p); err != nil {
		return err
	}
	if err := a.Store.CreateProject(r.Context(), p); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return httpx.Conflict("cluster already has a project named %q", p.Name)
		}
		return rest.StoreError(err, "project")
	}
	a.Acc.Changed(r.Context(), p.ClusterID)
	httpx.WriteJSON(w, http.StatusCreated, Created{ID: p.ID})
	return nil
}

// load returns the project named in the path if the caller may see it.
func (a *API) load(r *http.Request) (*model.Project, error) {
	p, err := a.Store.GetProject(r.Context(), r.PathValue("id"))
	if err == nil && !a.Acc.MaySeeProject(rest.Who(r), p.ID) {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, rest.StoreError(err, "project")
	}
	return p, nil
}
