// Package local owns the lifecycle of the clusters of the `local`
// provider: persistent simulated clusters ([localcluster] with Full and
// Persist: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
// kwok faking the nodes) run as supervised child processes of the Paddock
// server, each with all of its data in one directory under [Manager].Root.
//
// A [Manager] creates a cluster, or restarts a kept one after a Paddock
// restart ([Manager.Ensure], [Manager.OnDisk]), scales its simulated nodes
// ([Manager.Scale]), stops its processes while keeping its data
// ([Manager.Stop], [Manager.StopAll]) and deletes it with its data
// ([Manager.Delete]). It knows nothing of the API, the store or the agent:
// the provisioning framework calls it and registers the cluster.
//
// Layout: Root (0700) holds one directory per cluster id, Root/<id> (0700),
// free for the caller's files about the cluster (say, the agent's state);
// the cluster itself (PKI, kubeconfigs, logs, etcd's data) lives in
// Root/<id>/cluster. The admin kubeconfig is [localcluster.Cluster.Kubeconfig].
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/paddockhq/paddock/internal/localcluster"
)

// Node limits of a local cluster.
const (
	MinNodes = 1
	MaxNodes = 50
)

// Params of a local cluster.
type Params struct {
	// Nodes is the number of simulated (kwok) nodes, MinNodes to MaxNodes.
	Nodes int `json:"nodes"`
}

// Validate reports what is wrong with p.
func (p Params) Validate() error {
	return validateNodes(p.Nodes)
}

func validateNodes(n int) error {
	if n < MinNodes || n > MaxNodes {
		return fmt.Errorf("local cluster: nodes must be between %d and %d, got %d", MinNodes, MaxNodes, n)
	}
	return nil
}

// ErrNotRunning is wrapped by the error of [Manager.Scale] for a cluster
// that does not run in this process.
var ErrNotRunning = errors.New("local cluster not running")

var validID = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)

// ValidateID reports whether id can name a local cluster (and its
// directory): 1 to 64 of a-z, 0-9 and "-".
func ValidateID(id string) error {
	if !validID.MatchString(id) {
		return fmt.Errorf("local cluster: invalid id %q: want 1 to 64 characters of a-z, 0-9 and -", id)
	}
	return nil
}

// clusterSubdir is where, in a cluster's directory, the cluster's own files
// are.
const clusterSubdir = "cluster"

// Manager runs the local clusters of this Paddock server. Its methods are
// safe for concurrent use; calls for one id are serialized, calls for
// different ids run in parallel.
type Manager struct {
	// Root holds one subdirectory per cluster id, e.g. <data-dir>/clusters.
	Root string
	// BinDir holds the toolchain's binaries; [localcluster.BinDir] when
	// empty.
	BinDir string
	// Log receives the clusters' progress lines and component failures;
	// nil discards them.
	Log *slog.Logger

	mu      sync.Mutex
	entries map[string]*entry
}

// entry is one id's lock and running cluster.
type entry struct {
	lock    chan struct{}         // holds a token while an operation on the id runs
	cluster *localcluster.Cluster // guarded by Manager.mu; changed only under lock
}

func (m *Manager) running(e *entry) *localcluster.Cluster {
	m.mu.Lock()
	defer m.mu.Unlock()
	return e.cluster
}

func (m *Manager) setRunning(e *entry, c *localcluster.Cluster) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.cluster = c
}

// CheckBinaries reports whether the toolchain's binaries a local cluster
// needs are there; the error says how to build them.
func (m *Manager) CheckBinaries() error {
	if err := localcluster.CheckBinaries(m.BinDir, true); err != nil {
		return fmt.Errorf("local clusters need the Kubernetes toolchain; run `make toolchain` to build it: %w", err)
	}
	return nil
}

// Dir returns the directory of cluster id, Root/<id> (see the package
// documentation for what is in it). It does not validate id.
func (m *Manager) Dir(id string) string { return filepath.Join(m.Root, id) }

func (m *Manager) clusterDir(id string) string { return filepath.Join(m.Root, id, clusterSubdir) }

func (m *Manager) logger() *slog.Logger {
	if m.Log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return m.Log
}

// acquire locks id, waiting at most until ctx ends, and returns its entry
// and the unlock function.
func (m *Manager) acquire(ctx context.Context, id string) (*entry, func(), error) {
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[string]*entry{}
	}
	e := m.entries[id]
	if e == nil {
		e = &entry{lock: make(chan struct{}, 1)}
		m.entries[id] = e
	}
	m.mu.Unlock()
	select {
	case e.lock <- struct{}{}:
		return e, func() { <-e.lock }, nil
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("local cluster %s: waiting for another operation on it: %w", id, ctx.Err())
	}
}

// Ensure returns cluster id running with p.Nodes simulated nodes: it
// creates it the first time, restarts it from its directory when it was
// stopped (say, by a Paddock restart), scales a running one when p.Nodes
// differs, and restarts a running one that lost a component. ctx bounds
// the start, not the cluster's life: it runs until [Manager.Stop],
// [Manager.StopAll], [Manager.Delete] or this process's end.
func (m *Manager) Ensure(ctx context.Context, id string, p Params) (*localcluster.Cluster, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	e, unlock, err := m.acquire(ctx, id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if c := m.running(e); c != nil {
		err := c.Check()
		if err == nil {
			if len(c.NodeNames()) != p.Nodes {
				if err := c.SetNodes(ctx, p.Nodes); err != nil {
					return nil, fmt.Errorf("local cluster %s: %w", id, err)
				}
			}
			return c, nil
		}
		m.logger().Warn("local cluster: restarting a broken cluster", "cluster", id, "err", err)
		m.setRunning(e, nil)
		c.Stop()
	}
	if err := m.CheckBinaries(); err != nil {
		return nil, err
	}
	for _, dir := range []string{m.Root, m.Dir(id)} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("local cluster %s: %w", id, err)
		}
	}
	if err := os.Chmod(m.Dir(id), 0o700); err != nil {
		return nil, fmt.Errorf("local cluster %s: %w", id, err)
	}
	began := time.Now()
	c, err := localcluster.Start(ctx, localcluster.Options{
		Name:    id,
		Dir:     m.clusterDir(id),
		Persist: true,
		Full:    true,
		Nodes:   p.Nodes,
		BinDir:  m.BinDir,
		Logger:  m.logger().With("cluster", id),
	})
	if err != nil {
		return nil, fmt.Errorf("local cluster %s: %w", id, err)
	}
	m.logger().Info("local cluster running", "cluster", id, "restarted", c.Restarted(), "nodes", p.Nodes,
		"url", c.URL(), "took", time.Since(began).Round(time.Millisecond))
	m.setRunning(e, c)
	return c, nil
}

// Get returns cluster id when it runs in this process.
func (m *Manager) Get(id string) (*localcluster.Cluster, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.entries[id]; e != nil && e.cluster != nil {
		return e.cluster, true
	}
	return nil, false
}

// Scale sets the number of simulated nodes of running cluster id, returning
// once they are Ready (or gone). A cluster that does not run here is an
// error wrapping [ErrNotRunning] ([Manager.Ensure] starts it with any node
// count).
func (m *Manager) Scale(ctx context.Context, id string, nodes int) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	if err := validateNodes(nodes); err != nil {
		return err
	}
	e, unlock, err := m.acquire(ctx, id)
	if err != nil {
		return err
	}
	defer unlock()
	c := m.running(e)
	if c == nil {
		return fmt.Errorf("local cluster %s: %w", id, ErrNotRunning)
	}
	if err := c.SetNodes(ctx, nodes); err != nil {
		return fmt.Errorf("local cluster %s: %w", id, err)
	}
	return nil
}

// Stop stops the processes of cluster id and keeps its data, for a later
// [Manager.Ensure]. Stopping a cluster that does not run is not an error;
// the error reports components that had died on their own.
func (m *Manager) Stop(id string) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	e, unlock, err := m.acquire(context.Background(), id)
	if err != nil {
		return err
	}
	defer unlock()
	return m.stopLocked(e)
}

func (m *Manager) stopLocked(e *entry) error {
	c := m.running(e)
	if c == nil {
		return nil
	}
	m.setRunning(e, nil)
	began := time.Now()
	err := c.Stop()
	m.logger().Info("local cluster stopped", "cluster", c.Name(), "took", time.Since(began).Round(time.Millisecond))
	return err
}

// StopAll stops every cluster running in this process, in parallel, keeping
// their data (Paddock's shutdown). It waits for operations in progress.
func (m *Manager) StopAll() {
	m.mu.Lock()
	ids := make([]string, 0, len(m.entries))
	for id := range m.entries {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			if err := m.Stop(id); err != nil {
				m.logger().Warn("local cluster: stopping", "cluster", id, "err", err)
			}
		})
	}
	wg.Wait()
}

// Delete stops cluster id and removes its directory with all its data. It
// is idempotent, and works whatever state the directory is in (a cluster
// whose start failed or never began, or whose processes died).
func (m *Manager) Delete(ctx context.Context, id string) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	e, unlock, err := m.acquire(ctx, id)
	if err != nil {
		return err
	}
	defer unlock()
	if err := m.stopLocked(e); err != nil {
		m.logger().Info("local cluster: stopping before deletion", "cluster", id, "err", err)
	}
	dir := m.Dir(id)
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("local cluster %s: removing %s: %w", id, dir, err)
	}
	m.logger().Info("local cluster deleted", "cluster", id, "dir", dir)
	return nil
}

// OnDisk returns the ids of the clusters with a directory under Root,
// sorted, whether or not they run: after a Paddock restart, the clusters to
// [Manager.Ensure] again (or to [Manager.Delete]). Entries of Root that are
// not a cluster's directory are ignored.
func (m *Manager) OnDisk() ([]string, error) {
	entries, err := os.ReadDir(m.Root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("local clusters: %w", err)
	}
	var ids []string
	for _, de := range entries {
		if de.IsDir() && ValidateID(de.Name()) == nil {
			ids = append(ids, de.Name())
		}
	}
	slices.Sort(ids)
	return ids, nil
}
