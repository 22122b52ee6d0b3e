package access

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Authorizer answers access questions from a snapshot of the access
// model. It is safe for concurrent use.
type Authorizer struct {
	store store.Store
	now   func() time.Time
	log   *slog.Logger

	reload    sync.Mutex // one reload at a time
	snap      atomic.Pointer[snapshot]
	listeners []func(clusterID string)
}

// New returns an Authorizer; call Refresh before serving and Run to follow
// changes made by other replicas.
func New(st store.Store, now func() time.Time, log *slog.Logger) *Authorizer {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	a := &Authorizer{store: st, now: now, log: log}
	a.snap.Store(emptySnapshot())
	return a
}

// OnChange registers fn to hear which cluster's access changed ("" when it
// may be any). Register before Run; fn must not block.
func (a *Authorizer) OnChange(fn func(clusterID string)) { a.listeners = append(a.listeners, fn) }

// Refresh reloads the snapshot when the store's revision moved. It reports
// whether it did.
func (a *Authorizer) Refresh(ctx context.Context) (bool, error) {
	a.reload.Lock()
	defer a.reload.Unlock()
	rev, err := a.store.AccessRevision(ctx)
	if err != nil {
		return false, fmt.Errorf("reading access revision: %w", err)
	}
	if rev == a.snap.Load().rev {
		return false, nil
	}
	s, err := load(ctx, a.store, rev)
	if err != nil {
		return false, err
	}
	for _, p := range s.problems {
		a.log.Warn("access model problem", "problem", p)
	}
	a.snap.Store(s)
	return true, nil
}

// Changed is called after this replica changed the access model: the
// snapshot is reloaded before it returns (so the caller's next request sees
// the change) and listeners hear about the clusters named (every cluster
// when none is named).
func (a *Authorizer) Changed(ctx context.Context, clusterIDs ...string) {
	if _, err := a.Refresh(ctx); err != nil {
		a.log.Warn("reloading the access model failed", "err", err)
	}
	if len(clusterIDs) == 0 {
		clusterIDs = []string{""}
	}
	for _, id := range clusterIDs {
		for _, fn := range a.listeners {
			fn(id)
		}
	}
}

// Run polls the store's revision every interval until ctx ends, so changes
// made by other replicas take effect here within interval.
func (a *Authorizer) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := a.Refresh(ctx)
		if err != nil {
			if ctx.Err() == nil {
				a.log.Warn("reloading the access model failed", "err", err)
			}
			continue
		}
		if changed {
			for _, fn := range a.listeners {
				fn("")
			}
		}
	}
}

func (a *Authorizer) current() *snapshot { return a.snap.Load() }

// Revision is the store revision the current snapshot reflects.
func (a *Authorizer) Revision() int64 { return a.current().rev }

// Project returns a project of the snapshot (nil when unknown).
func (a *Authorizer) Project(id string) *model.Project { return a.current().projects[id] }

// Projects returns the projects of a cluster, ordered by name.
func (a *Authorizer) Projects(clusterID string) []*model.Project {
	return a.current().clusterProjects[clusterID]
}
