package rbacsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/workqueue"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/rbac"
	"github.com/paddockhq/paddock/internal/store"
)

const (
	// queueKey is the only item of a cluster's queue: every reconcile is a
	// full one, so requests coalesce into one pending pass.
	queueKey = "reconcile"
	// changeDelay lets a burst of changes and events coalesce.
	changeDelay = 20 * time.Millisecond
	// expirySlack is added to a binding's expiry so the pass that
	// withdraws it runs after, not just before, the instant.
	expirySlack = 20 * time.Millisecond
	// minWake bounds how soon an expiry may wake the reconciler again, in
	// case Render reports an expiry in the past.
	minWake = 50 * time.Millisecond
	// Backoff of failed reconciles.
	backoffBase, backoffMax = 500 * time.Millisecond, 30 * time.Second
	// reconcileTimeout bounds one pass (source reads and writes).
	reconcileTimeout = 2 * time.Minute
)

// cluster is the reconciler of one cluster.
type cluster struct {
	id     string
	cfg    *rest.Config // as given to Engage, to recognise a new target
	opts   *Options
	log    *slog.Logger
	client kubernetes.Interface
	http   *http.Client
	inf    *caches
	q      workqueue.TypedRateLimitingInterface[string]

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when the worker has returned

	mu       sync.Mutex
	want     uint64        // Sync requests so far
	finished uint64        // value of want when the last finished pass started
	result   error         // of the last finished pass
	passDone chan struct{} // closed and replaced after each pass
	st       Status
	loaded   bool                      // a pass has read the cluster's projects
	projects map[string]bool           // IDs of the cluster's projects, as last read
	desired  map[objKey]runtime.Object // what the last pass wanted
	problems string                    // Render's problems, as last logged
	unknown  map[string]bool           // "namespace\x00project" labels already logged
}

// objKey names an object of a kind.
type objKey struct{ kind, namespace, name string }

func startCluster(id string, cfg *rest.Config, opts *Options) (*cluster, error) {
	cc := rest.CopyConfig(cfg)
	if cc.QPS == 0 {
		cc.QPS, cc.Burst = 50, 100
	}
	if cc.ContentType == "" {
		cc.ContentType = runtime.ContentTypeProtobuf
		cc.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	}
	if cc.UserAgent == "" {
		cc.UserAgent = "paddock-rbacsync"
	}
	hc, err := rest.HTTPClientFor(cc)
	if err != nil {
		return nil, err
	}
	client, err := kubernetes.NewForConfigAndClient(cc, hc)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &cluster{
		id: id, cfg: rest.CopyConfig(cfg), opts: opts, log: opts.Log.With("cluster", id),
		client: client, http: hc, ctx: ctx, cancel: cancel, done: make(chan struct{}),
		passDone: make(chan struct{}), unknown: map[string]bool{},
		q: newQueue(),
	}
	if c.inf, err = newCaches(client, c); err != nil {
		cancel()
		c.q.ShutDown()
		return nil, err
	}
	c.inf.start(ctx.Done())
	c.q.Add(queueKey)
	go c.run()
	return c, nil
}

// newQueue returns a cluster's queue: failed passes are retried after
// backoffBase, doubling up to backoffMax.
func newQueue() workqueue.TypedRateLimitingInterface[string] {
	return workqueue.NewTypedRateLimitingQueue(
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](backoffBase, backoffMax))
}

// halt stops the worker and waits for it: once halt returns, the
// reconciler writes nothing more. The informers are told to stop too.
func (c *cluster) halt() {
	c.cancel()
	c.q.ShutDown()
	<-c.done
}

// release waits for the informers' goroutines (after halt) and closes idle
// connections. It can take long: client-go's reflectors sleep through their
// retry backoff (up to 30 s) before they notice the stop of an
// unreachable cluster.
func (c *cluster) release() {
	c.inf.shutdown()
	c.http.CloseIdleConnections()
}

// enqueue asks for a pass after delay (passes pending coalesce).
func (c *cluster) enqueue(delay time.Duration) { c.q.AddAfter(queueKey, delay) }

// force asks for a pass now, forgetting any backoff.
func (c *cluster) force() {
	c.q.Forget(queueKey)
	c.q.Add(queueKey)
}

func (c *cluster) run() {
	defer close(c.done)
	for !c.cachesSynced() {
		select {
		case <-c.ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
	for c.processNext() {
	}
}

func (c *cluster) cachesSynced() bool {
	for _, s := range c.inf.synced {
		if !s() {
			return false
		}
	}
	return true
}

func (c *cluster) processNext() bool {
	key, shutdown := c.q.Get()
	if shutdown {
		return false
	}
	defer c.q.Done(key)
	if c.ctx.Err() != nil {
		return false
	}
	c.mu.Lock()
	gen, consistent := c.want, c.want > c.finished
	c.mu.Unlock()
	start := time.Now()
	d, writes, err := c.reconcile(consistent)
	c.finish(gen, start, d, writes, err)
	if err != nil {
		c.q.AddRateLimited(key)
		return true
	}
	c.q.Forget(key)
	c.q.AddAfter(key, c.opts.Resync)
	if !d.NextExpiry.IsZero() {
		c.q.AddAfter(key, max(d.NextExpiry.Sub(c.opts.Now())+expirySlack, minWake))
	}
	return true
}

// retryError marks a pass that failed only for passing reasons (an object
// changed or vanished under it); the next pass fixes it.
type retryError struct{ err error }

func (e *retryError) Error() string { return "will retry: " + e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// reconcile is one full pass: read the access model and the cluster's
// state (from the informers, or from the API server when consistent),
// render, write the difference. It never panics.
func (c *cluster) reconcile(consistent bool) (d *rbac.Desired, writes int, err error) {
	defer func() {
		if r := recover(); r != nil {
			d, err = nil, fmt.Errorf("rbacsync: reconcile panicked: %v", r)
		}
	}()
	ctx, cancel := context.WithTimeout(c.ctx, reconcileTimeout)
	defer cancel()
	var cur *snapshot
	if consistent {
		cur, err = fresh(ctx, c.client)
	} else {
		cur, err = c.inf.cached()
	}
	if err != nil {
		return nil, 0, fmt.Errorf("reading the cluster: %w", err)
	}
	in, err := c.input(ctx, cur)
	if err != nil {
		return nil, 0, err
	}
	d = rbac.Render(*in)
	c.noteProblems(d.Problems)
	c.setDesired(d)
	writes, err = c.apply(ctx, d, cur)
	return d, writes, err
}

// input reads the access model of the cluster from the source and takes
// the project namespaces from cur.
func (c *cluster) input(ctx context.Context, cur *snapshot) (*rbac.Input, error) {
	src := c.opts.Source
	custom, err := src.ListRoleTemplates(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing role templates: %w", err)
	}
	projects, err := src.ListProjects(ctx, c.id)
	if err != nil {
		return nil, fmt.Errorf("listing projects: %w", err)
	}
	all, err := src.ListBindings(ctx, store.BindingFilter{ClusterID: c.id})
	if err != nil {
		return nil, fmt.Errorf("listing bindings: %w", err)
	}
	in := &rbac.Input{ClusterID: c.id, Templates: rbac.NewTemplates(custom), Now: c.opts.Now(),
		Projects: map[string]*model.Project{}, Namespaces: map[string]string{}}
	ids := map[string]bool{}
	for i := range projects {
		if p := &projects[i]; p.ClusterID == c.id {
			in.Projects[p.ID], ids[p.ID] = p, true
		}
	}
	for _, b := range all {
		if b.ClusterID == c.id {
			in.Bindings = append(in.Bindings, b)
		}
	}
	c.mu.Lock()
	c.projects, c.loaded = ids, true
	c.mu.Unlock()
	for _, ns := range cur.namespaces {
		p := ns.Labels[model.ProjectLabel]
		switch {
		case p == "" || terminating(ns):
		case model.IsSystemNamespace(ns.Name):
			c.noteUnknown(ns.Name, p) // never part of a project, whoever labelled it
		case ids[p]:
			in.Namespaces[ns.Name] = p
		default:
			c.noteUnknown(ns.Name, p)
		}
	}
	return in, nil
}

// namespaces is Manager.Namespaces.
func (c *cluster) namespaces() (map[string]string, bool) {
	c.mu.Lock()
	ids, loaded := c.projects, c.loaded
	c.mu.Unlock()
	if !loaded {
		return nil, false
	}
	nss, err := c.inf.namespaces.List(labels.Everything())
	if err != nil {
		return nil, false
	}
	m := map[string]string{}
	for _, ns := range nss {
		if p := ns.Labels[model.ProjectLabel]; ids[p] {
			m[ns.Name] = p
		}
	}
	return m, true
}

func (c *cluster) noteUnknown(ns, project string) {
	c.mu.Lock()
	k := ns + "\x00" + project
	seen := c.unknown[k]
	c.unknown[k] = true
	c.mu.Unlock()
	if !seen {
		c.log.Warn("rbacsync: namespace names a project this cluster does not have; ignored",
			"namespace", ns, "project", project)
	}
}

func (c *cluster) noteProblems(problems []string) {
	p := strings.Join(problems, "\n")
	c.mu.Lock()
	changed := p != c.problems
	c.problems = p
	c.mu.Unlock()
	if changed && p != "" {
		c.log.Warn("rbacsync: problems in the access model", "problems", problems)
	}
}

// setDesired records what the pass wants, so informer events of objects
// that already match it are ignored.
func (c *cluster) setDesired(d *rbac.Desired) {
	m := make(map[objKey]runtime.Object, len(d.ClusterRoles)+len(d.ClusterRoleBindings)+len(d.RoleBindings)+len(d.ResourceQuotas))
	for _, o := range d.ClusterRoles {
		m[objKey{kindClusterRole, "", o.Name}] = o
	}
	for _, o := range d.ClusterRoleBindings {
		m[objKey{kindClusterRoleBinding, "", o.Name}] = o
	}
	for _, o := range d.RoleBindings {
		m[objKey{kindRoleBinding, o.Namespace, o.Name}] = o
	}
	for _, o := range d.ResourceQuotas {
		m[objKey{kindResourceQuota, o.Namespace, o.Name}] = o
	}
	c.mu.Lock()
	c.desired = m
	c.mu.Unlock()
}

// finish records a pass and wakes Sync callers.
func (c *cluster) finish(gen uint64, start time.Time, d *rbac.Desired, writes int, err error) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.finished, c.result = gen, err
	close(c.passDone)
	c.passDone = make(chan struct{})
	st := &c.st
	st.LastSync, st.Duration, st.Writes = now, now.Sub(start), writes
	if d != nil {
		st.Objects = len(c.desired)
		st.Problems = slices.Clone(d.Problems)
		st.NextExpiry = d.NextExpiry
	}
	if err == nil {
		st.Synced, st.LastSuccess, st.LastError, st.Failures = true, now, "", 0
		return
	}
	st.LastError = err.Error()
	var re *retryError
	if errors.As(err, &re) {
		c.log.Debug("rbacsync: reconcile will be retried", "err", err)
		return
	}
	st.Failures++
	c.log.Warn("rbacsync: reconcile failed", "err", err, "failures", st.Failures)
}

func (c *cluster) status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.st
	st.Problems = slices.Clone(st.Problems)
	return st
}

// sync runs a pass that starts after the call and returns its outcome;
// passes that only need a retry are waited through.
func (c *cluster) sync(ctx context.Context) error {
	c.mu.Lock()
	c.want++
	want := c.want
	c.mu.Unlock()
	c.force()
	for {
		c.mu.Lock()
		finished, result, ch := c.finished, c.result, c.passDone
		c.mu.Unlock()
		if finished >= want {
			var re *retryError
			if !errors.As(result, &re) {
				return result
			}
			// The worker has requeued itself; wait for that pass.
			c.mu.Lock()
			c.want++
			want = c.want
			c.mu.Unlock()
			continue
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.ctx.Done():
			return ErrNotEngaged
		}
	}
}
