// Package rbacsync owns the Kubernetes side of Paddock's access model: one
// reconciler per engaged cluster writes the ClusterRoles,
// ClusterRoleBindings, RoleBindings and project ResourceQuotas that
// rbac.Render says the cluster should hold, and removes the ones it no
// longer should. It owns every object labelled rbac.ManagedLabel=
// rbac.ManagedValue in a cluster (and nothing else, except that it takes
// over an unlabelled object that carries the name of one it must write).
//
// Each reconciler watches namespaces (project membership is a namespace
// label) and its own objects with client-go informers, so drift (an object
// edited or deleted by hand) and namespaces coming, going or changing
// project are corrected within moments. It re-reads the access model from
// a Source on every pass, wakes itself when the next binding expires, and
// resyncs periodically.
package rbacsync

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"k8s.io/client-go/rest"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// ErrNotEngaged is returned by Sync for a cluster without a reconciler.
var ErrNotEngaged = errors.New("rbacsync: cluster not engaged")

// Source is what the reconciler reads (store.Store satisfies it).
type Source interface {
	ListBindings(ctx context.Context, f store.BindingFilter) ([]model.Binding, error)
	ListRoleTemplates(ctx context.Context) ([]model.RoleTemplate, error)
	ListProjects(ctx context.Context, clusterID string) ([]model.Project, error)
}

// Options configures a Manager.
type Options struct {
	Source Source
	// Now is the clock bindings expire by; time.Now when nil.
	Now func() time.Time
	// Log receives reconcile errors, Render's problems and odd cluster
	// data; slog.Default() when nil.
	Log *slog.Logger
	// Resync is the period of a full reconcile nobody asked for; 5 min
	// when zero.
	Resync time.Duration
	// Workers bounds the API writes one reconcile runs in parallel; 8 when
	// zero.
	Workers int
}

// Status is a cluster's reconcile state, for logs, metrics and the API.
type Status struct {
	// Synced: a reconcile has succeeded since Engage.
	Synced bool
	// LastSync is when the last reconcile (successful or not) ended, and
	// Duration how long it took.
	LastSync time.Time
	Duration time.Duration
	// LastSuccess is when the last successful reconcile ended.
	LastSuccess time.Time
	// Objects is the number of managed objects the cluster should hold
	// after the last reconcile; Writes the API writes (creates, updates,
	// deletes) that reconcile made.
	Objects int
	Writes  int
	// LastError is the last reconcile's error; empty after a success.
	// Failures counts consecutive failed reconciles.
	LastError string
	Failures  int
	// Problems are rbac.Render's complaints about the access model.
	Problems []string
	// NextExpiry is when a binding of the cluster next expires (zero:
	// none), i.e. when the reconciler wakes up by itself.
	NextExpiry time.Time
}

// Manager runs one reconciler per engaged cluster. Its methods are safe for
// concurrent use.
type Manager struct {
	opts Options

	mu       sync.Mutex
	clusters map[string]*cluster
	closed   bool
	// releasing counts reconcilers halted whose informers are still
	// stopping.
	releasing sync.WaitGroup
}

// New returns a Manager with no cluster engaged.
func New(opts Options) *Manager {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Resync <= 0 {
		opts.Resync = 5 * time.Minute
	}
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	return &Manager{opts: opts, clusters: map[string]*cluster{}}
}

// Engage starts the cluster's reconciler (informers and loop) if it is not
// running; if it is, Engage forces a full reconcile (as after an agent
// reconnects). cfg is how Paddock reaches the cluster as itself
// (cluster-admin); Engage does not keep or modify it. When cfg points at
// another API server or carries other credentials than the running
// reconciler's, the reconciler is restarted with cfg.
func (m *Manager) Engage(clusterID string, cfg *rest.Config) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	old := m.clusters[clusterID]
	if old != nil && sameTarget(old.cfg, cfg) {
		m.mu.Unlock()
		old.force()
		return
	}
	c, err := startCluster(clusterID, cfg, &m.opts)
	if err != nil {
		m.mu.Unlock()
		m.opts.Log.Error("rbacsync: cannot engage cluster", "cluster", clusterID, "err", err)
		return
	}
	m.clusters[clusterID] = c
	m.mu.Unlock()
	if old != nil {
		m.stop(old)
	}
}

// Disengage stops the cluster's reconciler (the cluster was deleted). It
// returns once the reconciler can write nothing more; its informers finish
// stopping in the background (client-go may first sleep through a retry
// backoff, against an unreachable cluster), and Close waits for them. It
// deletes nothing in the cluster.
func (m *Manager) Disengage(clusterID string) {
	m.mu.Lock()
	c := m.clusters[clusterID]
	delete(m.clusters, clusterID)
	m.mu.Unlock()
	if c != nil {
		m.stop(c)
	}
}

// stop halts c now and releases it in the background.
func (m *Manager) stop(c *cluster) {
	c.halt()
	m.releasing.Go(c.release)
}

// Changed says the access model changed for a cluster ("" means every
// cluster): its reconciler runs soon, once for a burst of calls.
func (m *Manager) Changed(clusterID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if clusterID == "" {
		for _, c := range m.clusters {
			c.enqueue(changeDelay)
		}
		return
	}
	if c := m.clusters[clusterID]; c != nil {
		c.enqueue(changeDelay)
	}
}

// Sync reconciles the cluster now and returns once a reconcile that
// started after the call has brought the cluster in line (nil), or with
// that reconcile's error. That reconcile reads the cluster from the API
// server rather than the informers, so it sees every change made before
// the call (a namespace labelled a moment ago, say); passes that only hit
// a passing conflict are waited through. It returns ErrNotEngaged for a cluster without a
// reconciler (or disengaged meanwhile) and ctx's error when ctx ends first,
// e.g. while the cluster cannot be reached.
func (m *Manager) Sync(ctx context.Context, clusterID string) error {
	c := m.get(clusterID)
	if c == nil {
		return ErrNotEngaged
	}
	return c.sync(ctx)
}

// Namespaces returns the cluster's namespaces that belong to one of its
// projects (name → project ID), as the informer sees them now; ok is false
// before the cluster's first reconcile (or when it is not engaged).
func (m *Manager) Namespaces(clusterID string) (map[string]string, bool) {
	c := m.get(clusterID)
	if c == nil {
		return nil, false
	}
	return c.namespaces()
}

// Status reports the cluster's last reconcile; ok is false when the
// cluster is not engaged.
func (m *Manager) Status(clusterID string) (Status, bool) {
	c := m.get(clusterID)
	if c == nil {
		return Status{}, false
	}
	return c.status(), true
}

// Close stops every reconciler and waits for all their goroutines, also
// those of reconcilers disengaged before; later calls to Engage do nothing.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	cs := m.clusters
	m.clusters = map[string]*cluster{}
	m.mu.Unlock()
	for _, c := range cs {
		c.cancel() // all at once: halts below take no turns
	}
	for _, c := range cs {
		m.stop(c)
	}
	m.releasing.Wait()
}

func (m *Manager) get(clusterID string) *cluster {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.clusters[clusterID]
}

// sameTarget reports whether two configurations reach the same API server
// with the same credentials (a reconnected agent's new transport still
// reaches the same cluster, so transports are not compared).
func sameTarget(a, b *rest.Config) bool {
	return a.Host == b.Host && a.APIPath == b.APIPath && a.BearerToken == b.BearerToken &&
		a.BearerTokenFile == b.BearerTokenFile && a.Username == b.Username && a.Password == b.Password &&
		a.CertFile == b.CertFile && a.KeyFile == b.KeyFile && a.CAFile == b.CAFile &&
		string(a.CertData) == string(b.CertData) && string(a.KeyData) == string(b.KeyData) &&
		string(a.CAData) == string(b.CAData) && a.ServerName == b.ServerName && a.Insecure == b.Insecure &&
		a.Impersonate.UserName == b.Impersonate.UserName
}
