package clusters

import (
	"errors"
	"net/http"
	"strings"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	kc "github.com/paddockhq/paddock/internal/clusters"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	if !a.Acc.Everywhere(rest.Who(r)) {
		return a.listReachable(w, r)
	}
	return rest.ServeList(w, r, a.Store.ListClusters, View, "cluster")
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	c, err := a.reachable(r)
	if err != nil {
		return err
	}
	v := View(c)
	if p, err := a.Store.GetProvision(r.Context(), c.ID); err == nil {
		v.Provider = p.Provider
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if a.AccessSync != nil {
		if st, ok := a.AccessSync(c.ID); ok {
			v.AccessSync = &st
		}
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) patch(w http.ResponseWriter, r *http.Request) error {
	var req PatchRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	if _, err := a.owned(r); err != nil {
		return err
	}
	c, err := a.Store.UpdateCluster(r.Context(), r.PathValue("id"), func(c *model.Cluster) error {
		if req.Name != nil {
			c.Name = *req.Name
		}
		if req.Description != nil {
			c.Description = *req.Description
		}
		if req.Labels != nil {
			c.Labels = *req.Labels
		}
		if err := checkFields(c.Name, &c.Description, c.Labels); err != nil {
			return err
		}
		c.UpdatedAt = a.Now().UTC()
		return nil
	})
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return httpx.Conflict("a cluster with that name already exists")
		}
		return rest.StoreError(err, "cluster")
	}
	audit.Annotate(r.Context(), "cluster.update", c.Name)
	httpx.WriteJSON(w, http.StatusOK, View(c))
	return nil
}

func (a *API) delete(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	c, err := a.owned(r)
	if err != nil {
		return err
	}
	audit.Annotate(r.Context(), "cluster.delete", c.Name)
	if a.Provision != nil {
		if _, err := a.Store.GetProvision(r.Context(), id); err == nil {
			// Paddock created it: Paddock removes it (and then the row).
			if a.Disconnect != nil {
				a.Disconnect(id)
			}
			if err := a.Provision.Deprovision(r.Context(), id); err != nil {
				return err
			}
			httpx.WriteJSON(w, http.StatusAccepted, Deleted{Message: "deprovisioning: everything Paddock created for this cluster is being removed"})
			return nil
		}
	}
	out := Deleted{Message: "no cleanup configured"}
	if a.Cleanup != nil {
		// Best effort, before the credential is gone: an unreachable
		// cluster must not block its removal from Paddock.
		if err := a.Cleanup(r.Context(), c); err != nil {
			out.Message = "Paddock's objects could not be removed from the cluster: " + err.Error()
		} else {
			out.RemovedFromCluster, out.Message = true, "Paddock's objects were removed from the cluster"
		}
	}
	if err := a.Store.DeleteCluster(r.Context(), id); err != nil {
		return rest.StoreError(err, "cluster")
	}
	if err := a.Store.DeleteSecret(r.Context(), kc.KubeconfigSecret(id)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if a.Disconnect != nil {
		a.Disconnect(id)
	}
	a.Acc.Changed(r.Context(), id)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// Deleted reports what deleting a cluster did downstream.
type Deleted struct {
	RemovedFromCluster bool   `json:"removedFromCluster"`
	Message            string `json:"message"`
}

// manifest serves the import YAML for an unused registration token. The
// token is the only secret; the path is kept out of the logs
// (httpx.SecretPathPrefixes, set in api.New).
func (a *API) manifest(w http.ResponseWriter, r *http.Request) error {
	token, ok := strings.CutSuffix(r.PathValue("file"), ".yaml")
	notFound := httpx.NotFound("no pending registration for this token (unknown, or already used)")
	if !ok || !auth.WellFormedSecret(auth.RegistrationPrefix, token) {
		return notFound
	}
	c, err := a.Store.GetClusterByCredential(r.Context(), auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.RegistrationHash != auth.HashToken(token)) {
		return notFound
	}
	if err != nil {
		return err
	}
	data, err := kc.Manifest(kc.ManifestOptions{ServerURL: a.ExternalURL, CAChecksum: a.CAChecksum,
		Token: token, Image: a.AgentImage(), ClusterID: c.ID})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(data)
	return err
}
