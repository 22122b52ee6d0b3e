package rbacsync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/paddockhq/paddock/internal/rbac"
)

// Kinds the reconciler writes.
const (
	kindClusterRole        = "ClusterRole"
	kindClusterRoleBinding = "ClusterRoleBinding"
	kindRoleBinding        = "RoleBinding"
	kindResourceQuota      = "ResourceQuota"
)

type object interface {
	metav1.Object
	runtime.Object
}

// kind is how the reconciler writes and compares objects of one
// kind. equal compares content (not metadata); replace reports a
// difference in an immutable field, which takes a delete and a create.
type kind[T object] struct {
	name    string
	create  func(context.Context, T) error
	update  func(context.Context, T) error
	get     func(ctx context.Context, ns, name string) (T, error)
	del     func(ctx context.Context, ns, name string, o metav1.DeleteOptions) error
	equal   func(want, have T) bool
	replace func(want, have T) bool
}

// task is one API write (or a write preceded by a read).
type task struct {
	desc string
	run  func(context.Context) error
}

// apply writes the difference between d and the informer caches, roles
// and quotas first, then bindings, then deletions; it returns the number
// of writes made.
func (c *cluster) apply(ctx context.Context, d *rbac.Desired, cur *snapshot) (int, error) {
	var writes atomic.Int64
	count := func(err error) error {
		if err == nil {
			writes.Add(1)
		}
		return err
	}
	rb, core := c.client.RbacV1(), c.client.CoreV1()
	cr := &kind[*rbacv1.ClusterRole]{name: kindClusterRole,
		create: func(ctx context.Context, o *rbacv1.ClusterRole) error {
			_, err := rb.ClusterRoles().Create(ctx, o, metav1.CreateOptions{})
			return count(err)
		},
		update: func(ctx context.Context, o *rbacv1.ClusterRole) error {
			_, err := rb.ClusterRoles().Update(ctx, o, metav1.UpdateOptions{})
			return count(err)
		},
		get: func(ctx context.Context, _, name string) (*rbacv1.ClusterRole, error) {
			return rb.ClusterRoles().Get(ctx, name, metav1.GetOptions{})
		},
		del: func(ctx context.Context, _, name string, o metav1.DeleteOptions) error {
			return count(rb.ClusterRoles().Delete(ctx, name, o))
		},
		equal: equalClusterRole, replace: func(_, _ *rbacv1.ClusterRole) bool { return false },
	}
	crb := &kind[*rbacv1.ClusterRoleBinding]{name: kindClusterRoleBinding,
		create: func(ctx context.Context, o *rbacv1.ClusterRoleBinding) error {
			_, err := rb.ClusterRoleBindings().Create(ctx, o, metav1.CreateOptions{})
			return count(err)
		},
		update: func(ctx context.Context, o *rbacv1.ClusterRoleBinding) error {
			_, err := rb.ClusterRoleBindings().Update(ctx, o, metav1.UpdateOptions{})
			return count(err)
		},
		get: func(ctx context.Context, _, name string) (*rbacv1.ClusterRoleBinding, error) {
			return rb.ClusterRoleBindings().Get(ctx, name, metav1.GetOptions{})
		},
		del: func(ctx context.Context, _, name string, o metav1.DeleteOptions) error {
			return count(rb.ClusterRoleBindings().Delete(ctx, name, o))
		},
		equal:   func(w, h *rbacv1.ClusterRoleBinding) bool { return equalSubjects(w.Subjects, h.Subjects) },
		replace: func(w, h *rbacv1.ClusterRoleBinding) bool { return !equalRoleRef(w.RoleRef, h.RoleRef) },
	}
	rbs := &kind[*rbacv1.RoleBinding]{name: kindRoleBinding,
		create: func(ctx context.Context, o *rbacv1.RoleBinding) error {
			_, err := rb.RoleBindings(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
			return count(err)
		},
		update: func(ctx context.Context, o *rbacv1.RoleBinding) error {
			_, err := rb.RoleBindings(o.Namespace).Update(ctx, o, metav1.UpdateOptions{})
			return count(err)
		},
		get: func(ctx context.Context, ns, name string) (*rbacv1.RoleBinding, error) {
			return rb.RoleBindings(ns).Get(ctx, name, metav1.GetOptions{})
		},
		del: func(ctx context.Context, ns, name string, o metav1.DeleteOptions) error {
			return count(rb.RoleBindings(ns).Delete(ctx, name, o))
		},
		equal:   func(w, h *rbacv1.RoleBinding) bool { return equalSubjects(w.Subjects, h.Subjects) },
		replace: func(w, h *rbacv1.RoleBinding) bool { return !equalRoleRef(w.RoleRef, h.RoleRef) },
	}
	rq := &kind[*corev1.ResourceQuota]{name: kindResourceQuota,
		create: func(ctx context.Context, o *corev1.ResourceQuota) error {
			_, err := core.ResourceQuotas(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
			return count(err)
		},
		update: func(ctx context.Context, o *corev1.ResourceQuota) error {
			_, err := core.ResourceQuotas(o.Namespace).Update(ctx, o, metav1.UpdateOptions{})
			return count(err)
		},
		get: func(ctx context.Context, ns, name string) (*corev1.ResourceQuota, error) {
			return core.ResourceQuotas(ns).Get(ctx, name, metav1.GetOptions{})
		},
		del: func(ctx context.Context, ns, name string, o metav1.DeleteOptions) error {
			return count(core.ResourceQuotas(ns).Delete(ctx, name, o))
		},
		equal: equalQuota, replace: func(_, _ *corev1.ResourceQuota) bool { return false },
	}

	// Nothing is deleted from namespaces being deleted: it goes with them.
	skip := func(ns string) bool { n := cur.namespaces[ns]; return n != nil && terminating(n) }
	roleUps, roleDels := plan(cr, d.ClusterRoles, cur.clusterRoles, skip)
	quotaUps, quotaDels := plan(rq, d.ResourceQuotas, cur.quotas, skip)
	crbUps, crbDels := plan(crb, d.ClusterRoleBindings, cur.crbs, skip)
	rbUps, rbDels := plan(rbs, d.RoleBindings, cur.rbs, skip)
	first := append(roleUps, quotaUps...)
	second := append(crbUps, rbUps...)
	deletes := slices.Concat(rbDels, crbDels, quotaDels, roleDels)
	var errs []error
	for _, phase := range [][]task{first, second, deletes} {
		errs = append(errs, c.runTasks(ctx, phase)...)
	}
	return int(writes.Load()), summarize(errs)
}

// plan compares the wanted objects of a kind with those the cluster has.
func plan[T object](k *kind[T], want, have []T, skip func(string) bool) (upserts, deletes []task) {
	cached := make(map[[2]string]T, len(have))
	for _, h := range have {
		cached[[2]string{h.GetNamespace(), h.GetName()}] = h
	}
	wanted := make(map[[2]string]bool, len(want))
	for _, w := range want {
		key := [2]string{w.GetNamespace(), w.GetName()}
		if wanted[key] {
			continue // a duplicate in Render's output: the first wins
		}
		wanted[key] = true
		desc := k.name + " " + objName(w)
		h, ok := cached[key]
		switch {
		case !ok:
			upserts = append(upserts, task{"creating " + desc, func(ctx context.Context) error { return createOrAdopt(ctx, k, w) }})
		case k.replace(w, h):
			upserts = append(upserts, task{"replacing " + desc, func(ctx context.Context) error { return recreate(ctx, k, w, h) }})
		case !matches(k, w, h):
			upserts = append(upserts, task{"updating " + desc, func(ctx context.Context) error { return k.update(ctx, merged(w, h)) }})
		}
	}
	for key, h := range cached {
		if wanted[key] || h.GetDeletionTimestamp() != nil || skip(h.GetNamespace()) {
			continue
		}
		uid := h.GetUID()
		deletes = append(deletes, task{"deleting " + k.name + " " + objName(h), func(ctx context.Context) error {
			return ignoreNotFound(k.del(ctx, h.GetNamespace(), h.GetName(), metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}))
		}})
	}
	return upserts, deletes
}

// createOrAdopt creates w; when an object of that name exists (not
// labelled as ours, or not yet in the cache) it is taken over.
func createOrAdopt[T object](ctx context.Context, k *kind[T], w T) error {
	err := k.create(ctx, w)
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	h, err := k.get(ctx, w.GetNamespace(), w.GetName())
	if err != nil {
		return err
	}
	switch {
	case k.replace(w, h):
		return recreate(ctx, k, w, h)
	case matches(k, w, h):
		return nil
	}
	return k.update(ctx, merged(w, h))
}

// recreate deletes h (only that very object) and creates w in its place.
func recreate[T object](ctx context.Context, k *kind[T], w, h T) error {
	uid := h.GetUID()
	err := k.del(ctx, h.GetNamespace(), h.GetName(), metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if err := ignoreNotFound(err); err != nil {
		return err
	}
	return k.create(ctx, w)
}

// merged is w as an update of h: h's resource version, finalizers and
// extra labels and annotations (someone else's) are kept.
func merged[T object](w, h T) T {
	o := w.DeepCopyObject().(T)
	o.SetResourceVersion(h.GetResourceVersion())
	o.SetUID(h.GetUID())
	o.SetFinalizers(h.GetFinalizers())
	o.SetLabels(union(h.GetLabels(), w.GetLabels()))
	o.SetAnnotations(union(h.GetAnnotations(), w.GetAnnotations()))
	return o
}

func union(base, over map[string]string) map[string]string {
	if len(base)+len(over) == 0 {
		return nil
	}
	m := maps.Clone(base)
	if m == nil {
		m = map[string]string{}
	}
	maps.Copy(m, over)
	return m
}

// matches reports whether h needs no write to become w: same content, and
// w's labels and annotations present in h.
func matches[T object](k *kind[T], w, h T) bool {
	return subset(w.GetLabels(), h.GetLabels()) && subset(w.GetAnnotations(), h.GetAnnotations()) &&
		!k.replace(w, h) && k.equal(w, h)
}

// matchesObject is matches for objects of unknown kind, as informer events
// deliver them.
func matchesObject(want runtime.Object, have any) bool {
	switch w := want.(type) {
	case *rbacv1.ClusterRole:
		h, ok := have.(*rbacv1.ClusterRole)
		return ok && metaMatches(w, h) && equalClusterRole(w, h)
	case *rbacv1.ClusterRoleBinding:
		h, ok := have.(*rbacv1.ClusterRoleBinding)
		return ok && metaMatches(w, h) && equalRoleRef(w.RoleRef, h.RoleRef) && equalSubjects(w.Subjects, h.Subjects)
	case *rbacv1.RoleBinding:
		h, ok := have.(*rbacv1.RoleBinding)
		return ok && metaMatches(w, h) && equalRoleRef(w.RoleRef, h.RoleRef) && equalSubjects(w.Subjects, h.Subjects)
	case *corev1.ResourceQuota:
		h, ok := have.(*corev1.ResourceQuota)
		return ok && metaMatches(w, h) && equalQuota(w, h)
	}
	return false
}

func metaMatches(w, h metav1.Object) bool {
	return subset(w.GetLabels(), h.GetLabels()) && subset(w.GetAnnotations(), h.GetAnnotations())
}

func subset(small, big map[string]string) bool {
	for k, v := range small {
		if bv, ok := big[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// equality.Semantic treats nil and empty slices and maps alike and compares
// quantities by value ("1000m" equals "1").

func equalClusterRole(w, h *rbacv1.ClusterRole) bool {
	return equality.Semantic.DeepEqual(w.Rules, h.Rules) && equality.Semantic.DeepEqual(w.AggregationRule, h.AggregationRule)
}

func equalQuota(w, h *corev1.ResourceQuota) bool {
	return equality.Semantic.DeepEqual(w.Spec, h.Spec)
}

func equalRoleRef(w, h rbacv1.RoleRef) bool { return w == h }

// equalSubjects compares subjects in order, with the API group the
// apiserver defaults for users and groups.
func equalSubjects(w, h []rbacv1.Subject) bool {
	if len(w) != len(h) {
		return false
	}
	for i := range w {
		if normSubject(w[i]) != normSubject(h[i]) {
			return false
		}
	}
	return true
}

func normSubject(s rbacv1.Subject) rbacv1.Subject {
	if s.APIGroup == "" && (s.Kind == rbacv1.UserKind || s.Kind == rbacv1.GroupKind) {
		s.APIGroup = rbacv1.GroupName
	}
	return s
}

func objName(o metav1.Object) string {
	if o.GetNamespace() == "" {
		return o.GetName()
	}
	return o.GetNamespace() + "/" + o.GetName()
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// runTasks runs tasks with up to Workers at once and returns their errors,
// each prefixed with what the task was doing.
func (c *cluster) runTasks(ctx context.Context, tasks []task) []error {
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, c.opts.Workers)
	)
	for _, t := range tasks {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return append(errs, ctx.Err())
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := t.run(ctx); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", t.desc, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errs
}

// summarize joins the errors of a pass (the first few, with a count of the
// rest) and marks the result a retryError when every error is a passing
// one: an object that vanished, changed or appeared meanwhile, or a
// namespace being deleted.
func summarize(errs []error) error {
	var kept []error
	passing := true
	for _, err := range errs {
		if err == nil {
			continue
		}
		if !transient(err) {
			passing = false
		}
		kept = append(kept, err)
	}
	if len(kept) == 0 {
		return nil
	}
	n := len(kept)
	if n > 5 {
		kept = append(kept[:5], fmt.Errorf("and %d more errors", n-5))
	}
	err := errors.Join(kept...)
	if passing {
		return &retryError{err}
	}
	return err
}

func transient(err error) bool {
	return apierrors.IsNotFound(err) || apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) ||
		apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause)
}
