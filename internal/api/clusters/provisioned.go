package clusters

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/provision"
	"github.com/paddockhq/paddock/internal/store"
)

// ProvisionRoutes lists the routes of clusters Paddock creates.
func (a *API) ProvisionRoutes() []rest.Route {
	if a.Provision == nil {
		return nil
	}
	return []rest.Route{
		{Method: "GET", Path: "/v1/clusters/{id}/events", Tag: "clusters", Access: rest.Authenticated,
			Summary:  "A provisioned cluster's progress, oldest first (?after=<last id> to continue)",
			Query:    []rest.Param{{Name: "after", Type: "integer", Description: "id of the last event seen"}},
			Response: rest.List[Event]{}, Handler: a.events},
		{Method: "POST", Path: "/v1/clusters/{id}/retry", Audit: "cluster.retry", Tag: "clusters", Access: rest.Authenticated,
			Summary: "Resume a failed provisioning at the step that failed (owners)", Status: http.StatusAccepted,
			Errors: []int{http.StatusConflict}, Handler: a.retry},
		{Method: "POST", Path: "/v1/clusters/{id}/scale", Audit: "cluster.scale", Tag: "clusters", Access: rest.Authenticated,
			Summary: "Set a provisioned cluster's node count (owners)", Request: ScaleRequest{}, Response: Cluster{},
			Errors: []int{http.StatusConflict}, Handler: a.scale},
	}
}

// localProvider is the provider whose clusters run on this host.
const localProvider = "local"

// Event is one line of a cluster's provisioning history.
type Event struct {
	ID      int64  `json:"id"`
	Time    string `json:"time"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// ScaleRequest sets the node count.
type ScaleRequest struct {
	Nodes int `json:"nodes"`
}

func (a *API) createProvisioned(w http.ResponseWriter, r *http.Request, c *model.Cluster, raw json.RawMessage) error {
	var head struct {
		Provider string `json:"provider"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.Provider == "" {
		return httpx.Invalid("provision must be an object naming its provider, e.g. {\"provider\": \"local\", \"nodes\": 3}")
	}
	if a.Provision == nil {
		return httpx.Invalid("this server creates no clusters")
	}
	if head.Provider == localProvider && !rest.Who(r).Admin {
		// Its clusters run on the Paddock host: a kubectl exec into one of
		// their simulated pods runs a command there.
		return httpx.Forbidden("the local provider runs clusters on the Paddock host itself; only administrators may use it")
	}
	who := rest.Who(r)
	by := provision.Caller{UserID: who.UserID, Admin: who.Admin}
	if _, err := a.Provision.Create(r.Context(), by, c, head.Provider, raw); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return conflict(err, c.Name)
		}
		if errors.Is(err, provision.ErrNoCredential) {
			// Someone else's credential is as absent as a missing one:
			// knowing its id is not enough (Rancher CVE-2021-25320).
			return httpx.NotFound("%v", err)
		}
		if errors.Is(err, provision.ErrUnknownProvider) {
			return httpx.Invalid("%v", err)
		}
		var he *httpx.Error
		if errors.As(err, &he) {
			return err
		}
		return httpx.Invalid("%v", err)
	}
	if err := a.ownBy(r, c); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, Created{Cluster: View(c)})
	return nil
}

func (a *API) events(w http.ResponseWriter, r *http.Request) error {
	c, err := a.reachable(r)
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if r.URL.Query().Get("follow") == "true" {
		return a.follow(w, r, c.ID, after)
	}
	evs, err := a.Store.ListClusterEvents(r.Context(), c.ID, after, 0)
	if err != nil {
		return err
	}
	out := []Event{}
	for _, e := range evs {
		out = append(out, eventView(e))
	}
	httpx.WriteJSON(w, http.StatusOK, rest.List[Event]{Items: out})
	return nil
}

func eventView(e model.ClusterEvent) Event {
	return Event{ID: e.ID, Time: e.Time.Format("2006-01-02T15:04:05.000Z07:00"), Kind: e.Kind, Message: e.Message}
}

// follow streams events as JSON lines (application/x-ndjson) as they come,
// until the provisioning is done or failed, the cluster is gone, the
// client leaves, or 30 minutes pass.
func (a *API) follow(w http.ResponseWriter, r *http.Request, clusterID string, after int64) error {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	enc := json.NewEncoder(w)
	deadline := time.After(30 * time.Minute)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		evs, err := a.Store.ListClusterEvents(r.Context(), clusterID, after, 0)
		if err != nil {
			return nil // the status line is sent; the stream just ends
		}
		for _, e := range evs {
			after = e.ID
			if enc.Encode(eventView(e)) != nil {
				return nil
			}
		}
		if flusher != nil {
			flusher.Flush()
		}
		p, err := a.Store.GetProvision(r.Context(), clusterID)
		if err != nil || (len(evs) == 0 && (p.Phase == model.PhaseReady || p.Phase == model.PhaseFailed)) {
			return nil
		}
		select {
		case <-r.Context().Done():
			return nil
		case <-deadline:
			return nil
		case <-tick.C:
		}
	}
}

func (a *API) retry(w http.ResponseWriter, r *http.Request) error {
	c, err := a.owned(r)
	if err != nil {
		return err
	}
	audit.Annotate(r.Context(), "cluster.retry", c.Name)
	if err := a.Provision.Retry(r.Context(), c.ID); err != nil {
		return provisionError(err)
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (a *API) scale(w http.ResponseWriter, r *http.Request) error {
	var req ScaleRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	c, err := a.owned(r)
	if err != nil {
		return err
	}
	audit.Annotate(r.Context(), "cluster.scale", c.Name+" to "+strconv.Itoa(req.Nodes))
	if err := a.Provision.Scale(r.Context(), c.ID, req.Nodes); err != nil {
		return provisionError(err)
	}
	httpx.WriteJSON(w, http.StatusOK, View(c))
	return nil
}

func provisionError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return httpx.Conflict("this cluster was not created by Paddock")
	case errors.Is(err, provision.ErrState):
		return httpx.Conflict("%v", err)
	}
	return httpx.Invalid("%v", err)
}
