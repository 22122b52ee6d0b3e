package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/client-go/rest"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/clusters"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/proxy"
	"github.com/paddockhq/paddock/internal/store"
	"github.com/paddockhq/paddock/internal/tunnel"
)

// backends tells the kube proxy how to reach each cluster: through its
// agent's tunnel, or directly with its stored kubeconfig. Built backends
// are kept per cluster (their connection pools are worth reusing) and
// dropped when the cluster disappears.
type backends struct {
	store store.Store
	tun   *tunnel.Server
	acc   *access.Authorizer

	mu    sync.Mutex
	cache map[string]*proxy.Backend
	rows  map[string]cachedRow
}

// rowTTL bounds how long a cluster row read for one proxied request is
// reused by the next ones (the gate and the backend both need it): a
// deleted cluster stays reachable at most this long.
const rowTTL = time.Second

type cachedRow struct {
	c  *model.Cluster
	at time.Time
}

func (b *backends) cluster(ctx context.Context, id string) (*model.Cluster, error) {
	now := time.Now()
	b.mu.Lock()
	row, ok := b.rows[id]
	b.mu.Unlock()
	if ok && now.Sub(row.at) < rowTTL {
		return row.c, nil
	}
	c, err := b.store.GetCluster(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		b.mu.Lock()
		delete(b.cache, id)
		delete(b.rows, id)
		b.mu.Unlock()
		return nil, proxy.ErrClusterNotFound
	}
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	if b.rows == nil || len(b.rows) > 10_000 {
		b.rows = map[string]cachedRow{}
	}
	b.rows[id] = cachedRow{c: c, at: now}
	b.mu.Unlock()
	return c, nil
}

// Authorize is the proxy's gate: may this user reach this cluster at all.
func (b *backends) Authorize(ctx context.Context, p *auth.Principal, id string) error {
	if p.User.MustChangePassword {
		return fmt.Errorf("user %q must change the generated password first (POST /v1/me/password)", p.User.Username)
	}
	c, err := b.cluster(ctx, id)
	if err != nil {
		return err
	}
	if !b.acc.MayReach(access.WhoOf(p.User), c.ID) {
		return fmt.Errorf("user %q may not use cluster %q", p.User.Username, c.Name)
	}
	return nil
}

// Backend resolves how to reach a cluster.
func (b *backends) Backend(ctx context.Context, id string) (*proxy.Backend, error) {
	c, err := b.cluster(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.ConnectedVia == model.ConnectAgent && !b.tun.Connected(id) {
		return nil, fmt.Errorf("%w: the agent of cluster %q is not connected", proxy.ErrClusterUnavailable, c.Name)
	}
	b.mu.Lock()
	be := b.cache[id]
	b.mu.Unlock()
	if be != nil {
		return be, nil
	}
	var cfg *rest.Config
	if c.ConnectedVia == model.ConnectAgent {
		// The agent adds its own credential; Paddock's never leaves here.
		cfg = &rest.Config{Host: "http://cluster", Dial: b.tun.Dialer(id)}
	} else {
		data, err := b.store.GetSecret(ctx, clusters.KubeconfigSecret(id))
		if err != nil {
			return nil, fmt.Errorf("%w: the credential of cluster %q cannot be read: %v", proxy.ErrClusterUnavailable, c.Name, err)
		}
		if cfg, err = clusters.ParseKubeconfig(data); err != nil {
			return nil, fmt.Errorf("%w: %v", proxy.ErrClusterUnavailable, err)
		}
	}
	be, err = proxy.NewBackend(cfg)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	if b.cache == nil {
		b.cache = map[string]*proxy.Backend{}
	}
	b.cache[id] = be
	b.mu.Unlock()
	return be, nil
}
