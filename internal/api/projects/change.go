package projects

import (
	"errors"
	"net/http"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/projectns"
	"github.com/paddockhq/paddock/internal/store"
)

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	p, err := a.load(r)
	if err != nil {
		return err
	}
	v := View(p)
	cs, err := a.Kube(r.Context(), p.ClusterID)
	if err == nil {
		v.Namespaces, err = projectns.Namespaces(r.Context(), cs, p.ID)
	}
	if err != nil {
		v.NamespacesError = "the cluster did not answer: " + err.Error()
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) patch(w http.ResponseWriter, r *http.Request) error {
	var req PatchRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := a.load(r)
	if err != nil {
		return err
	}
	audit.Annotate(r.Context(), "project.update", p.Name)
	if !a.Acc.MayManageProjects(rest.Who(r), p.ClusterID) {
		return httpx.Forbidden("only owners of the cluster may change its projects")
	}
	p, err = a.Store.UpdateProject(r.Context(), p.ID, func(p *model.Project) error {
		if req.Name != nil {
			p.Name = *req.Name
		}
		if req.Description != nil {
			p.Description = *req.Description
		}
		if req.Quota != nil {
			p.Quota = *req.Quota
		}
		if req.NamespaceQuota != nil {
			p.NamespaceQuota = *req.NamespaceQuota
		}
		p.UpdatedAt = a.Now().UTC()
		return Check(p)
	})
	if errors.Is(err, store.ErrConflict) {
		return httpx.Conflict("the cluster already has a project with that name")
	}
	if err != nil {
		return rest.StoreError(err, "project")
	}
	a.Acc.Changed(r.Context(), p.ClusterID)
	httpx.WriteJSON(w, http.StatusOK, View(p))
	return nil
}

func (a *API) delete(w http.ResponseWriter, r *http.Request) error {
	p, err := a.load(r)
	if err != nil {
		return err
	}
	audit.Annotate(r.Context(), "project.delete", p.Name)
	if !a.Acc.MayManageProjects(rest.Who(r), p.ClusterID) {
		return httpx.Forbidden("only owners of the cluster may delete its projects")
	}
	if err := a.Store.DeleteProject(r.Context(), p.ID); err != nil {
		return rest.StoreError(err, "project")
	}
	a.Acc.Changed(r.Context(), p.ClusterID)
	// Best effort: stale labels name no project and grant nothing.
	if cs, err := a.Kube(r.Context(), p.ClusterID); err == nil {
		if names, err := projectns.Namespaces(r.Context(), cs, p.ID); err == nil {
			for _, n := range names {
				_ = projectns.Detach(r.Context(), cs, n)
			}
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// NamespaceRequest names a namespace to create in a project.
type NamespaceRequest struct {
	Name string `json:"name"`
}

// NamespaceResult reports where a namespace now is.
type NamespaceResult struct {
	Name    string `json:"name"`
	Project string `json:"project"`
}

func (a *API) placeable(r *http.Request, p *model.Project) error {
	if !a.Acc.MayPlaceNamespace(rest.Who(r), p.ClusterID, p.ID) {
		return httpx.Forbidden("you may not place namespaces in project %q", p.Name)
	}
	return nil
}

func (a *API) createNamespace(w http.ResponseWriter, r *http.Request) error {
	var req NamespaceRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := a.load(r)
	if err != nil {
		return err
	}
	audit.Annotate(r.Context(), "project.namespace.create", p.Name+"/"+req.Name)
	if !nameRE.MatchString(req.Name) {
		return httpx.Invalid("namespace name %q must be a DNS label", req.Name)
	}
	if err := a.placeable(r, p); err != nil {
		return err
	}
	cs, err := a.Kube(r.Context(), p.ClusterID)
	if err != nil {
		return unavailable(err)
	}
	if _, err := projectns.Create(r.Context(), cs, p, req.Name); err != nil {
		return kubeError(err)
	}
	a.Acc.Changed(r.Context(), p.ClusterID)
	httpx.WriteJSON(w, http.StatusCreated, NamespaceResult{Name: req.Name, Project: p.ID})
	return nil
}

func (a *API) attach(w http.ResponseWriter, r *http.Request) error {
	p, err := a.load(r)
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	audit.Annotate(r.Context(), "project.namespace.attach", p.Name+"/"+name)
	if model.IsSystemNamespace(name) {
		return httpx.Forbidden("namespace %q belongs to the cluster itself and cannot join a project", name)
	}
	if err := a.placeable(r, p); err != nil {
		return err
	}
	cs, err := a.Kube(r.Context(), p.ClusterID)
	if err != nil {
		return unavailable(err)
	}
	cur, err := projectns.Current(r.Context(), cs, name)
	if err != nil {
		return kubeError(err)
	}
	if err := a.mayLeave(r, p.ClusterID, cur, name); err != nil {
		return err
	}
	if err := projectns.Attach(r.Context(), cs, p, name); err != nil {
		return kubeError(err)
	}
	a.Acc.Changed(r.Context(), p.ClusterID)
	httpx.WriteJSON(w, http.StatusOK, NamespaceResult{Name: name, Project: p.ID})
	return nil
}

// mayLeave checks the caller's right to take a namespace out of where it
// is now: its current project (CVE-2020-10676: moving needs rights on
// both), or, for a namespace in no project, the cluster itself — otherwise
// a project owner could pull kube-system into their project.
func (a *API) mayLeave(r *http.Request, clusterID, current, name string) error {
	who := rest.Who(r)
	from := a.Acc.Project(current)
	if from != nil && from.ClusterID == clusterID {
		if !a.Acc.MayPlaceNamespace(who, clusterID, from.ID) {
			return httpx.Forbidden("namespace %q is in project %q, where you may not place namespaces", name, from.Name)
		}
		return nil
	}
	if !a.Acc.MayPlaceNamespace(who, clusterID, "") {
		return httpx.Forbidden("namespace %q is in no project; only those with rights on the whole cluster may attach it", name)
	}
	return nil
}

func (a *API) detach(w http.ResponseWriter, r *http.Request) error {
	p, err := a.load(r)
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	audit.Annotate(r.Context(), "project.namespace.detach", p.Name+"/"+name)
	if err := a.placeable(r, p); err != nil {
		return err
	}
	cs, err := a.Kube(r.Context(), p.ClusterID)
	if err != nil {
		return unavailable(err)
	}
	cur, err := projectns.Current(r.Context(), cs, name)
	if err != nil {
		return kubeError(err)
	}
	if cur != p.ID {
		return httpx.NotFound("namespace %q is not in project %q", name, p.Name)
	}
	// Out of every project is the cluster's unassigned pool: its right.
	if !a.Acc.MayPlaceNamespace(rest.Who(r), p.ClusterID, "") {
		return httpx.Forbidden("only those with rights on the whole cluster may take a namespace out of every project")
	}
	if err := projectns.Detach(r.Context(), cs, name); err != nil {
		return kubeError(err)
	}
	a.Acc.Changed(r.Context(), p.ClusterID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func unavailable(err error) error {
	return httpx.Errorf(http.StatusServiceUnavailable, "cluster_unavailable", "the cluster cannot be reached: %v", err)
}

func kubeError(err error) error {
	var qe *projectns.QuotaError
	switch {
	case errors.As(err, &qe):
		return httpx.Errorf(http.StatusForbidden, "quota_exceeded", "%s", qe.Message)
	case projectns.IsNotFound(err):
		return httpx.NotFound("%v", err)
	case projectns.IsAlreadyExists(err):
		return httpx.Conflict("%v", err)
	}
	return httpx.Errorf(http.StatusBadGateway, "cluster_error", "the cluster refused: %v", err)
}
