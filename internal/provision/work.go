package provision

import (
	"context"
	"errors"
	"fmt"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

func (r *Runner) job(ctx context.Context, clusterID string) (*Job, error) {
	p, err := r.Store.GetProvision(ctx, clusterID)
	if err != nil {
		return nil, err
	}
	c, err := r.Store.GetCluster(ctx, clusterID)
	if err != nil {
		return nil, err
	}
	return &Job{ClusterID: clusterID, Name: c.Name, Params: p.Params, store: r.Store, now: r.now, state: p.State}, nil
}

// work runs the job until its phase needs nobody (ready, failed, gone).
func (r *Runner) work(ctx context.Context, clusterID string) {
	for ctx.Err() == nil {
		p, err := r.Store.GetProvision(ctx, clusterID)
		if err != nil {
			return // deleted
		}
		pv, ok := r.Registry[p.Provider]
		if !ok {
			r.fail(ctx, clusterID, fmt.Sprintf("provider %q is not available on this server", p.Provider))
			return
		}
		j, err := r.job(ctx, clusterID)
		if err != nil {
			return
		}
		switch p.Phase {
		case model.PhaseDeprovisioning:
			r.deprovision(ctx, pv, j)
			return
		case model.PhaseRunning:
			if !r.step(ctx, pv, j, p) {
				return
			}
		default:
			return
		}
	}
}

// step runs the next step; it reports whether to go on.
func (r *Runner) step(ctx context.Context, pv Provisioner, j *Job, p *model.Provision) bool {
	steps := pv.Steps()
	if p.Step >= len(steps) {
		_, err := r.Store.UpdateProvision(ctx, j.ClusterID, func(p *model.Provision) error {
			p.Phase, p.UpdatedAt = model.PhaseReady, r.now().UTC()
			return nil
		})
		if err == nil {
			j.Event(ctx, "done", "provisioned; the cluster turns active when its agent connects")
			// Unless its agent already connected (and health made it active).
			_, _ = r.Store.UpdateCluster(ctx, j.ClusterID, func(c *model.Cluster) error {
				if c.State == model.ClusterProvisioning {
					c.State, c.StateReason, c.UpdatedAt = model.ClusterPending, "", r.now().UTC()
				}
				return nil
			})
		}
		return false
	}
	s := steps[p.Step]
	j.Event(ctx, "step", "step %d/%d: %s", p.Step+1, len(steps), s.Name)
	err := s.Run(ctx, j)
	if ctx.Err() != nil {
		return false // shutting down: the step runs again after the restart
	}
	if err != nil {
		r.fail(ctx, j.ClusterID, fmt.Sprintf("step %q failed: %v", s.Name, err))
		return false
	}
	_, err = r.Store.UpdateProvision(ctx, j.ClusterID, func(q *model.Provision) error {
		q.Step, q.Attempts, q.UpdatedAt = p.Step+1, 0, r.now().UTC()
		return nil
	})
	return err == nil
}

func (r *Runner) fail(ctx context.Context, clusterID, reason string) {
	_, _ = r.Store.UpdateProvision(ctx, clusterID, func(p *model.Provision) error {
		p.Phase, p.Error, p.Attempts, p.UpdatedAt = model.PhaseFailed, reason, p.Attempts+1, r.now().UTC()
		return nil
	})
	_ = r.Store.AppendClusterEvent(ctx, &model.ClusterEvent{ClusterID: clusterID, Time: r.now().UTC(), Kind: "error", Message: reason})
	r.setCluster(ctx, clusterID, model.ClusterError, reason+" (retry: POST /v1/clusters/{id}/retry)")
}

func (r *Runner) deprovision(ctx context.Context, pv Provisioner, j *Job) {
	j.Event(ctx, "step", "removing what was created")
	if err := pv.Deprovision(ctx, j); err != nil {
		if ctx.Err() != nil {
			return
		}
		reason := fmt.Sprintf("deprovisioning failed: %v", err)
		_, _ = r.Store.UpdateProvision(ctx, j.ClusterID, func(p *model.Provision) error {
			p.Error, p.Attempts, p.UpdatedAt = reason, p.Attempts+1, r.now().UTC()
			return nil
		})
		j.Event(ctx, "error", "%s", reason)
		r.setCluster(ctx, j.ClusterID, model.ClusterError, reason+" (delete again to retry)")
		return
	}
	if err := r.Store.DeleteCluster(ctx, j.ClusterID); err != nil && !errors.Is(err, store.ErrNotFound) {
		r.log().Warn("deleting a deprovisioned cluster", "cluster", j.ClusterID, "err", err)
	}
}

func (r *Runner) setCluster(ctx context.Context, id string, state model.ClusterState, reason string) {
	_, err := r.Store.UpdateCluster(ctx, id, func(c *model.Cluster) error {
		c.State, c.StateReason, c.UpdatedAt = state, reason, r.now().UTC()
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		r.log().Warn("recording a cluster's state", "cluster", id, "err", err)
	}
}
