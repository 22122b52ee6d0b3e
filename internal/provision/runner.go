package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Runner executes provisions: one goroutine per cluster with work to do,
// progress persisted after every step.
type Runner struct {
	Store    store.Store
	Registry Registry
	Log      *slog.Logger
	Now      func() time.Time

	mu      sync.Mutex
	active  map[string]bool // a goroutine works on the cluster
	again   map[string]bool // kicked while active: look again
	ctx     context.Context
	wg      sync.WaitGroup
	started bool
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

// Start resumes every unfinished provision and brings finished ones back
// (Resume); work continues until ctx ends. Call once.
func (r *Runner) Start(ctx context.Context) error {
	r.mu.Lock()
	r.ctx, r.started, r.active, r.again = ctx, true, map[string]bool{}, map[string]bool{}
	r.mu.Unlock()
	all, err := r.Store.ListProvisions(ctx)
	if err != nil {
		return err
	}
	for _, p := range all {
		switch p.Phase {
		case model.PhaseRunning, model.PhaseDeprovisioning:
			r.kick(p.ClusterID)
		case model.PhaseReady:
			r.resume(p)
		}
	}
	return nil
}

// Wait returns when every job goroutine has ended (after ctx ended).
func (r *Runner) Wait() { r.wg.Wait() }

func (r *Runner) resume(p model.Provision) {
	pv, ok := r.Registry[p.Provider]
	if !ok {
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		j, err := r.job(r.ctx, p.ClusterID)
		if err == nil {
			err = pv.Resume(r.ctx, j)
		}
		if err != nil && r.ctx.Err() == nil {
			r.log().Warn("bringing a provisioned cluster back failed", "cluster", p.ClusterID, "err", err)
			j.Event(r.ctx, "error", "bringing the cluster back after a restart failed: %v", err)
		}
	}()
}

// Create validates the request for the caller, stores the cluster (state
// provisioning) and its provision, and starts the steps.
func (r *Runner) Create(ctx context.Context, by Caller, c *model.Cluster, provider string, params json.RawMessage) (*model.Provision, error) {
	pv, ok := r.Registry[provider]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownProvider, provider)
	}
	norm, err := pv.Validate(ctx, by, params)
	if err != nil {
		return nil, err
	}
	var common Params
	if err := json.Unmarshal(norm, &common); err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	now := r.now().UTC()
	c.State, c.StateReason, c.ConnectedVia = model.ClusterProvisioning, "", model.ConnectAgent
	if err := r.Store.CreateCluster(ctx, c); err != nil {
		return nil, err
	}
	p := &model.Provision{ClusterID: c.ID, Provider: provider, Params: norm, CredentialID: common.CredentialID, Phase: model.PhaseRunning,
		State: json.RawMessage("{}"), CreatedBy: c.CreatedBy, CreatedAt: now, UpdatedAt: now}
	if err := r.Store.CreateProvision(ctx, p); err != nil {
		_ = r.Store.DeleteCluster(ctx, c.ID)
		return nil, err
	}
	_ = r.Store.AppendClusterEvent(ctx, &model.ClusterEvent{ClusterID: c.ID, Time: now, Kind: "info",
		Message: fmt.Sprintf("provisioning with %s started", provider)})
	r.kick(c.ID)
	return p, nil
}

// Retry resumes a failed provision at the step that failed.
func (r *Runner) Retry(ctx context.Context, clusterID string) error {
	_, err := r.Store.UpdateProvision(ctx, clusterID, func(p *model.Provision) error {
		if p.Phase != model.PhaseFailed {
			return fmt.Errorf("%w: the provision is %s, not failed", ErrState, p.Phase)
		}
		p.Phase, p.Error, p.UpdatedAt = model.PhaseRunning, "", r.now().UTC()
		return nil
	})
	if err != nil {
		return err
	}
	r.setCluster(ctx, clusterID, model.ClusterProvisioning, "")
	r.kick(clusterID)
	return nil
}

// ErrState is an action that does not fit the provision's phase.
var ErrState = errors.New("not possible now")

// Scale sets a provisioned cluster's node count.
func (r *Runner) Scale(ctx context.Context, clusterID string, nodes int) error {
	p, err := r.Store.GetProvision(ctx, clusterID)
	if err != nil {
		return err
	}
	if p.Phase != model.PhaseReady {
		return fmt.Errorf("%w: the cluster is still %s", ErrState, p.Phase)
	}
	pv, ok := r.Registry[p.Provider]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownProvider, p.Provider)
	}
	j, err := r.job(ctx, clusterID)
	if err != nil {
		return err
	}
	if err := pv.Scale(ctx, j, nodes); err != nil {
		j.Event(ctx, "error", "scaling to %d nodes failed: %v", nodes, err)
		return err
	}
	j.Event(ctx, "info", "scaled to %d nodes", nodes)
	return nil
}

// Deprovision starts removing a provisioned cluster: the provider removes
// what it created, then the cluster row goes.
func (r *Runner) Deprovision(ctx context.Context, clusterID string) error {
	_, err := r.Store.UpdateProvision(ctx, clusterID, func(p *model.Provision) error {
		p.Phase, p.Error, p.UpdatedAt = model.PhaseDeprovisioning, "", r.now().UTC()
		return nil
	})
	if err != nil {
		return err
	}
	r.setCluster(ctx, clusterID, model.ClusterDeprovisioning, "")
	r.kick(clusterID)
	return nil
}

// kick starts the job's goroutine unless one runs; one that runs looks at
// the job again before it ends (it may be past reading the new phase).
func (r *Runner) kick(clusterID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started {
		return
	}
	if r.active[clusterID] {
		r.again[clusterID] = true
		return
	}
	r.active[clusterID] = true
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			r.work(r.ctx, clusterID)
			r.mu.Lock()
			again := r.again[clusterID] && r.ctx.Err() == nil
			delete(r.again, clusterID)
			if !again {
				delete(r.active, clusterID)
			}
			r.mu.Unlock()
			if !again {
				return
			}
		}
	}()
}

// Busy reports whether a job goroutine runs for the cluster.
func (r *Runner) Busy(clusterID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.active[clusterID]
}
