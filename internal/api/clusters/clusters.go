// Package clusters owns the cluster registry API: register a cluster for an
// agent (returning its one-time registration token and import command) or
// directly with a kubeconfig, list, read, change and delete clusters, and
// serve the import manifest an agent's registration token unlocks.
package clusters

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	kc "github.com/paddockhq/paddock/internal/clusters"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/provision"
	"github.com/paddockhq/paddock/internal/store"
)

// API serves the cluster routes.
type API struct {
	Store       store.Store
	ExternalURL string
	CAChecksum  string
	// AgentImage is read for each manifest (a run-time setting).
	AgentImage func() string
	Now        func() time.Time
	// Cleanup removes Paddock's objects from a cluster being deleted.
	Cleanup func(ctx context.Context, c *model.Cluster) error
	// Disconnect drops a deleted cluster's agent tunnel.
	Disconnect func(clusterID string)
	Acc        *access.Authorizer
	// AccessSync reports the RBAC sync of a cluster (ok false when none
	// runs for it here).
	AccessSync func(clusterID string) (AccessSync, bool)
	// Provision creates clusters through providers (nil: registration
	// only).
	Provision *provision.Runner
}

// AccessSync is the state of the reconciler that keeps a cluster's RBAC in
// step with the access model.
type AccessSync struct {
	Synced      bool       `json:"synced"`
	LastSync    *time.Time `json:"lastSync,omitempty"`
	LastSuccess *time.Time `json:"lastSuccess,omitempty"`
	Objects     int        `json:"objects"`
	LastError   string     `json:"lastError,omitempty"`
	Problems    []string   `json:"problems,omitempty"`
}

// Cluster is the public view of a cluster: never a credential.
type Cluster struct {
	ID                string            `json:"id"`
	Name              string            `json:"name"`
	Description       string            `json:"description"`
	Labels            map[string]string `json:"labels"`
	State             string            `json:"state"`
	StateReason       string            `json:"stateReason,omitempty"`
	ConnectedVia      string            `json:"connectedVia"`
	KubernetesVersion string            `json:"kubernetesVersion"`
	NodeCount         int               `json:"nodeCount"`
	Capacity          map[string]string `json:"capacity"`
	LastSeen          *time.Time        `json:"lastSeen,omitempty"`
	// AccessSync is filled when reading one cluster.
	AccessSync *AccessSync `json:"accessSync,omitempty"`
	// Provider is the provider that created the cluster (local, eks),
	// filled when reading one cluster; empty for imported clusters.
	Provider  string    `json:"provider,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Registration tells the user how to connect an agent cluster.
type Registration struct {
	Token       string `json:"token"`
	ManifestURL string `json:"manifestURL"`
	Command     string `json:"command"`
}

// Created is the answer to a registration.
type Created struct {
	Cluster
	Registration *Registration `json:"registration,omitempty"`
}

// CreateRequest registers a cluster; with Kubeconfig it is direct.
type CreateRequest struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Kubeconfig  string            `json:"kubeconfig,omitempty"`
	// Provision creates the cluster through a provider instead, e.g.
	// {"provider": "local", "nodes": 3}.
	Provision json.RawMessage `json:"provision,omitempty"`
}

// PatchRequest changes the fields present.
type PatchRequest struct {
	Name        *string            `json:"name,omitempty"`
	Description *string            `json:"description,omitempty"`
	Labels      *map[string]string `json:"labels,omitempty"`
}

// Routes lists the cluster routes.
func (a *API) Routes() []rest.Route {
	return []rest.Route{
		{Method: "GET", Path: "/v1/clusters", Tag: "clusters", Access: rest.Authenticated, Summary: "List the clusters the caller may reach, ordered by name",
			Query:    append([]rest.Param{{Name: "q", Type: "string", Description: "substring of the name"}}, rest.PageParams...),
			Response: rest.List[Cluster]{}, Handler: a.list},
		{Method: "POST", Path: "/v1/clusters", Audit: "cluster.create", Tag: "clusters", Access: rest.Capability, Cap: model.CapClustersCreate,
			Summary: "Register a cluster: for an agent (returns the import command) or, with a kubeconfig, directly; the creator becomes its owner",
			Request: CreateRequest{}, Response: Created{}, Status: http.StatusCreated,
			Errors: []int{http.StatusNotFound}, Handler: a.create}, // 404: a provision's credentialID the caller may not use
		{Method: "GET", Path: "/v1/clusters/{id}", Tag: "clusters", Access: rest.Authenticated, Summary: "Read a cluster",
			Response: Cluster{}, Handler: a.get},
		{Method: "PATCH", Path: "/v1/clusters/{id}", Audit: "cluster.update", Tag: "clusters", Access: rest.Authenticated, Summary: "Rename, describe or relabel a cluster (its owners)",
			Request: PatchRequest{}, Response: Cluster{}, Handler: a.patch},
		{Method: "DELETE", Path: "/v1/clusters/{id}", Audit: "cluster.delete", Tag: "clusters", Access: rest.Authenticated,
			Summary:  "Delete a cluster; its agent credential and stored kubeconfig stop working at once; a cluster Paddock created is deprovisioned (202)",
			Response: Deleted{}, Errors: []int{http.StatusAccepted}, Handler: a.delete},
		{Method: "GET", Path: "/v1/import/{file}", Tag: "clusters", Access: rest.Public,
			Summary: "The import manifest for a registration token ({token}.yaml); unknown or used tokens are 404", Handler: a.manifest},
	}
}

// View converts a model cluster.
func View(c *model.Cluster) Cluster {
	v := Cluster{ID: c.ID, Name: c.Name, Description: c.Description, Labels: c.Labels, State: string(c.State),
		StateReason: c.StateReason, ConnectedVia: c.ConnectedVia, KubernetesVersion: c.KubernetesVersion,
		NodeCount: c.NodeCount, Capacity: c.Capacity, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if !c.LastSeen.IsZero() {
		ls := c.LastSeen
		v.LastSeen = &ls
	}
	if v.Labels == nil {
		v.Labels = map[string]string{}
	}
	if v.Capacity == nil {
		v.Capacity = map[string]string{}
	}
	return v
}

var (
	nameRE  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	labelRE = regexp.MustCompile(`^([a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?)?$`)
)

func checkFields(name string, description *string, labels map[string]string) error {
	if !nameRE.MatchString(name) {
		return httpx.Invalid("name %q must be a DNS label: 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit", name)
	}
	if description != nil && len(*description) > 1024 {
		return httpx.Invalid("description must be at most 1024 bytes")
	}
	if len(labels) > 64 {
		return httpx.Invalid("at most 64 labels")
	}
	for k, v := range labels {
		if k == "" || len(k) > 63 || !labelRE.MatchString(k) || !labelRE.MatchString(v) {
			return httpx.Invalid("label %q=%q must be Kubernetes-style (up to 63 characters of letters, digits, '-', '_', '.')", k, v)
		}
	}
	return nil
}

func (a *API) create(w http.ResponseWriter, r *http.Request) error {
	var req CreateRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	audit.Annotate(r.Context(), "cluster.create", req.Name)
	if err := checkFields(req.Name, &req.Description, req.Labels); err != nil {
		return err
	}
	now := a.Now().UTC()
	c := &model.Cluster{ID: uuid.NewString(), Name: req.Name, Description: req.Description, Labels: req.Labels,
		State: model.ClusterPending, ConnectedVia: model.ConnectAgent, CreatedBy: auth.PrincipalFrom(r.Context()).User.ID,
		CreatedAt: now, UpdatedAt: now}
	if len(req.Provision) > 0 {
		return a.createProvisioned(w, r, c, req.Provision)
	}
	if req.Kubeconfig != "" {
		return a.createDirect(w, r, c, []byte(req.Kubeconfig))
	}
	secret, err := RegisterAgent(r.Context(), a.Store, c)
	if err != nil {
		return conflict(err, c.Name)
	}
	if err := a.ownBy(r, c); err != nil {
		return err
	}
	manifestURL := a.ExternalURL + "/v1/import/" + secret + ".yaml"
	httpx.WriteJSON(w, http.StatusCreated, Created{Cluster: View(c), Registration: &Registration{
		Token: secret, ManifestURL: manifestURL,
		Command: "curl -sfL --cacert paddock-ca.pem " + manifestURL + " | kubectl apply -f -   # or: kubectl apply -f " + manifestURL,
	}})
	return nil
}

// RegisterAgent stores c as a cluster its agent has yet to connect and
// returns the one-time registration token (pdr_…) the agent exchanges for
// its credential; only the token's hash is stored. The caller fills in c's
// ID, Name, CreatedBy and timestamps.
func RegisterAgent(ctx context.Context, st store.Store, c *model.Cluster) (string, error) {
	secret, hash := auth.NewSecret(auth.RegistrationPrefix)
	c.State, c.ConnectedVia, c.RegistrationHash, c.AgentHash = model.ClusterPending, model.ConnectAgent, hash, ""
	if err := st.CreateCluster(ctx, c); err != nil {
		return "", err
	}
	return secret, nil
}

// RearmAgent gives the existing agent cluster id a new one-time
// registration token and revokes its agent credential, for an agent that
// lost its credential.
func RearmAgent(ctx context.Context, st store.Store, id string, now time.Time) (string, error) {
	secret, hash := auth.NewSecret(auth.RegistrationPrefix)
	_, err := st.UpdateCluster(ctx, id, func(c *model.Cluster) error {
		if c.ConnectedVia != model.ConnectAgent {
			return errors.New("cluster " + c.Name + " is not connected through an agent")
		}
		c.RegistrationHash, c.AgentHash, c.UpdatedAt = hash, "", now.UTC()
		return nil
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// createDirect validates and probes the kubeconfig before anything is
// stored, then stores the sealed credential before the cluster row, so a
// failure never leaves a cluster without its credential.
func (a *API) createDirect(w http.ResponseWriter, r *http.Request, c *model.Cluster, kubeconfig []byte) error {
	cfg, err := kc.ParseKubeconfig(kubeconfig)
	if err != nil {
		return kubeconfigErr(err)
	}
	if a.pointsAtSelf(cfg.Host) {
		return httpx.Invalid("kubeconfig: its server is this Paddock server; register the cluster itself")
	}
	facts, err := kc.Probe(r.Context(), cfg)
	if err != nil {
		return kubeconfigErr(err)
	}
	if err := kc.EnsureAdminBinding(r.Context(), cfg); err != nil {
		return httpx.Invalid("kubeconfig: its user cannot grant Paddock administrators cluster-admin (%v); direct registration needs a cluster-admin credential", err)
	}
	c.ConnectedVia, c.State, c.LastSeen = model.ConnectDirect, model.ClusterActive, a.Now().UTC()
	c.KubernetesVersion, c.NodeCount, c.Capacity = facts.KubernetesVersion, facts.NodeCount, facts.Capacity
	if err := a.Store.PutSecret(r.Context(), kc.KubeconfigSecret(c.ID), kubeconfig); err != nil {
		return err
	}
	if err := a.Store.CreateCluster(r.Context(), c); err != nil {
		_ = a.Store.DeleteSecret(r.Context(), kc.KubeconfigSecret(c.ID))
		return conflict(err, c.Name)
	}
	if err := a.ownBy(r, c); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, Created{Cluster: View(c)})
	return nil
}

func kubeconfigErr(err error) error {
	var kerr *kc.KubeconfigError
	if errors.As(err, &kerr) {
		return httpx.Invalid("kubeconfig: %s", kerr.Message)
	}
	return err
}

func conflict(err error, name string) error {
	if errors.Is(err, store.ErrConflict) {
		return httpx.Conflict("a cluster named %q already exists", name)
	}
	return rest.StoreError(err, "cluster")
}

// pointsAtSelf reports a kubeconfig aimed at Paddock's own URL: every user
// of such a "cluster" would act as the kubeconfig's owner elsewhere.
func (a *API) pointsAtSelf(server string) bool {
	own, err1 := url.Parse(a.ExternalURL)
	target, err2 := url.Parse(server)
	if err1 != nil || err2 != nil || own.Host == "" {
		return false
	}
	return strings.EqualFold(hostPort(own), hostPort(target))
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "http" {
		return u.Host + ":80"
	}
	return u.Host + ":443"
}
