package clusters

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"k8s.io/client-go/rest"

	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
	"github.com/paddockhq/paddock/internal/tunnel"
)

// KubeconfigSecret names the stored credential of a direct cluster.
func KubeconfigSecret(clusterID string) string { return "cluster/" + clusterID + "/kubeconfig" }

// Health keeps each cluster's state true: agent clusters follow their
// tunnel (connect → probe → active; disconnect → unavailable), and every
// Interval each cluster is probed (through its tunnel, or directly with its
// stored kubeconfig), so a cluster whose API server stops answering turns
// unavailable within Interval + the probe timeout.
type Health struct {
	Store    store.Store
	Tunnel   *tunnel.Server
	Log      *slog.Logger
	Interval time.Duration
	Now      func() time.Time
	// OnActive, when set, hears when a cluster answers after being out of
	// reach (or for the first time in this process), with how Paddock
	// reaches it; the RBAC sync engages or resyncs there.
	OnActive func(clusterID string, cfg *rest.Config)

	mu      sync.Mutex
	probing map[string]bool
	bound   map[string]bool // clusters whose admin binding is in place
	engaged map[string]bool // clusters OnActive has heard of since they last dropped
	// transports keeps one tunnel transport per agent cluster, so probes
	// reuse one idle stream instead of leaving a new one behind each time.
	transports map[string]*http.Transport
}

func (h *Health) tunnelTransport(id string) *http.Transport {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t := h.transports[id]; t != nil {
		return t
	}
	if h.transports == nil {
		h.transports = map[string]*http.Transport{}
	}
	t := h.Tunnel.Transport(id)
	h.transports[id] = t
	return t
}

// RestConfig returns how Paddock itself reaches a cluster: through the
// agent's tunnel (requests run as the agent's service account) or with the
// stored kubeconfig of a direct cluster.
func (h *Health) RestConfig(ctx context.Context, c *model.Cluster) (*rest.Config, error) {
	if c.ConnectedVia == model.ConnectAgent {
		if !h.Tunnel.Connected(c.ID) {
			return nil, tunnel.ErrNotConnected
		}
		return &rest.Config{Host: "http://cluster", Transport: h.tunnelTransport(c.ID)}, nil
	}
	data, err := h.Store.GetSecret(ctx, KubeconfigSecret(c.ID))
	if err != nil {
		return nil, err
	}
	return ParseKubeconfig(data)
}

// Connected is the tunnel's OnConnect.
func (h *Health) Connected(id string) { go h.probe(id) }

// Disconnected is the tunnel's OnDisconnect.
func (h *Health) Disconnected(id string) {
	h.mu.Lock()
	if t := h.transports[id]; t != nil {
		t.CloseIdleConnections()
		delete(h.transports, id)
	}
	delete(h.engaged, id)
	h.mu.Unlock()
	h.set(id, func(c *model.Cluster) {
		c.State, c.StateReason = model.ClusterUnavailable, "the agent disconnected"
	})
}

// Run probes every cluster each Interval until ctx ends.
func (h *Health) Run(ctx context.Context) {
	t := time.NewTicker(h.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		after := ""
		for {
			cs, next, err := h.Store.ListClusters(ctx, "", store.Page{Limit: store.MaxLimit, After: after})
			if err != nil {
				h.Log.Warn("listing clusters for health checks failed", "err", err)
				break
			}
			for _, c := range cs {
				go h.probe(c.ID)
			}
			if next == "" {
				break
			}
			after = next
		}
	}
}

// probe checks one cluster (one probe in flight per cluster) and records
// the result.
func (h *Health) probe(id string) {
	h.mu.Lock()
	if h.probing == nil {
		h.probing = map[string]bool{}
	}
	if h.probing[id] {
		h.mu.Unlock()
		return
	}
	h.probing[id] = true
	h.mu.Unlock()
	defer func() { h.mu.Lock(); delete(h.probing, id); h.mu.Unlock() }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := h.Store.GetCluster(ctx, id)
	if err != nil {
		return // deleted meanwhile
	}
	if c.ConnectedVia == model.ConnectAgent && c.AgentHash == "" {
		return // never registered: stays pending
	}
	cfg, err := h.RestConfig(ctx, c)
	var facts *Facts
	if err == nil {
		facts, err = Probe(ctx, cfg)
	}
	if err == nil {
		h.ensureAdmins(ctx, c, cfg)
		h.engage(c.ID, cfg)
	} else {
		h.mu.Lock()
		delete(h.engaged, c.ID)
		h.mu.Unlock()
	}
	h.set(id, func(c *model.Cluster) {
		if err != nil {
			if c.State != model.ClusterPending {
				c.State, c.StateReason = model.ClusterUnavailable, reason(err)
			}
			return
		}
		c.State, c.StateReason, c.LastSeen = model.ClusterActive, "", h.Now().UTC()
		c.KubernetesVersion, c.NodeCount, c.Capacity = facts.KubernetesVersion, facts.NodeCount, facts.Capacity
	})
}

func reason(err error) string {
	var kerr *KubeconfigError
	switch {
	case errors.Is(err, tunnel.ErrNotConnected):
		return "the agent is not connected"
	case errors.As(err, &kerr):
		return kerr.Message
	}
	return err.Error()
}

func (h *Health) set(id string, fn func(*model.Cluster)) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := h.Store.UpdateCluster(ctx, id, func(c *model.Cluster) error {
		before := *c
		fn(c)
		if c.State != before.State {
			h.Log.Info("cluster state changed", "cluster", c.Name, "from", before.State, "to", c.State, "reason", c.StateReason)
		}
		c.UpdatedAt = h.Now().UTC()
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.Log.Warn("recording cluster state failed", "cluster", id, "err", err)
	}
}

var errNoCredential = errors.New("missing or invalid agent credential")

// AuthenticateAgent resolves an agent credential to its cluster; anything
// else (a registration token, a user token, garbage) is refused.
func AuthenticateAgent(ctx context.Context, st store.Store, token string) (*model.Cluster, error) {
	if !auth.WellFormedSecret(auth.AgentPrefix, token) {
		return nil, errNoCredential
	}
	hash := auth.HashToken(token)
	c, err := st.GetClusterByCredential(ctx, hash)
	if err != nil || c.AgentHash != hash {
		return nil, errNoCredential
	}
	return c, nil
}

// AgentAuthenticator is the tunnel's Authenticate callback: the peer is
// the cluster whose agent credential the request carries.
func AgentAuthenticator(st store.Store) func(r *http.Request) (string, error) {
	return func(r *http.Request) (string, error) {
		c, err := AuthenticateAgent(r.Context(), st, r.Header.Get(tunnel.CredentialHeader))
		if err != nil {
			return "", err
		}
		return c.ID, nil
	}
}

// ensureAdmins writes the admin binding once per cluster per process (and
// again after a failure).
func (h *Health) ensureAdmins(ctx context.Context, c *model.Cluster, cfg *rest.Config) {
	h.mu.Lock()
	done := h.bound[c.ID]
	h.mu.Unlock()
	if done {
		return
	}
	if err := EnsureAdminBinding(ctx, cfg); err != nil {
		h.Log.Warn("granting Paddock admins cluster-admin failed", "cluster", c.Name, "err", err)
		return
	}
	h.mu.Lock()
	if h.bound == nil {
		h.bound = map[string]bool{}
	}
	h.bound[c.ID] = true
	h.mu.Unlock()
}

// Cleanup removes Paddock's objects from a cluster about to be deleted,
// within 15 s.
func (h *Health) Cleanup(ctx context.Context, c *model.Cluster) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cfg, err := h.RestConfig(ctx, c)
	if err != nil {
		return err
	}
	return RemoveFromCluster(ctx, cfg, c.ConnectedVia == model.ConnectAgent)
}

// engage tells OnActive about a cluster that answers, once per stretch of
// reachability.
func (h *Health) engage(id string, cfg *rest.Config) {
	if h.OnActive == nil {
		return
	}
	h.mu.Lock()
	if h.engaged == nil {
		h.engaged = map[string]bool{}
	}
	first := !h.engaged[id]
	h.engaged[id] = true
	h.mu.Unlock()
	if first {
		h.OnActive(id, cfg)
	}
}
