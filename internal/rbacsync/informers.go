package rbacsync

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	rbaclisters "k8s.io/client-go/listers/rbac/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/rbac"
)

// caches are a cluster's informers: every namespace, and the managed
// objects of the four kinds the reconciler writes.
type caches struct {
	nsFactory, ownFactory informers.SharedInformerFactory

	namespaces   corelisters.NamespaceLister
	clusterRoles rbaclisters.ClusterRoleLister
	crbs         rbaclisters.ClusterRoleBindingLister
	rbs          rbaclisters.RoleBindingLister
	quotas       corelisters.ResourceQuotaLister

	synced []cache.InformerSynced
}

// managedSelector selects the objects the reconciler owns.
var managedSelector = labels.SelectorFromSet(labels.Set{rbac.ManagedLabel: rbac.ManagedValue}).String()

// newCaches builds the informers of c and wires their events to c; they
// run once started.
func newCaches(client kubernetes.Interface, c *cluster) (*caches, error) {
	nsf := informers.NewSharedInformerFactory(client, 0)
	own := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = managedSelector }))
	k := &caches{nsFactory: nsf, ownFactory: own}

	nsInf := nsf.Core().V1().Namespaces()
	crInf := own.Rbac().V1().ClusterRoles()
	crbInf := own.Rbac().V1().ClusterRoleBindings()
	rbInf := own.Rbac().V1().RoleBindings()
	rqInf := own.Core().V1().ResourceQuotas()
	k.namespaces, k.clusterRoles, k.crbs = nsInf.Lister(), crInf.Lister(), crbInf.Lister()
	k.rbs, k.quotas = rbInf.Lister(), rqInf.Lister()

	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{nsInf.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    func(o any) { c.onNamespace(nil, o) },
			UpdateFunc: func(old, o any) { c.onNamespace(old, o) },
			DeleteFunc: func(o any) { c.onNamespace(nil, o) },
		}},
		{crInf.Informer(), ownedHandler(c, kindClusterRole)},
		{crbInf.Informer(), ownedHandler(c, kindClusterRoleBinding)},
		{rbInf.Informer(), ownedHandler(c, kindRoleBinding)},
		{rqInf.Informer(), ownedHandler(c, kindResourceQuota)},
	}
	for _, h := range handlers {
		if _, err := h.inf.AddEventHandler(h.h); err != nil {
			return nil, err
		}
		k.synced = append(k.synced, h.inf.HasSynced)
	}
	return k, nil
}

func (k *caches) start(stop <-chan struct{}) {
	k.nsFactory.Start(stop)
	k.ownFactory.Start(stop)
}

// shutdown waits for the informers' goroutines; stop must be closed.
func (k *caches) shutdown() {
	var wg sync.WaitGroup
	wg.Go(k.nsFactory.Shutdown)
	wg.Go(k.ownFactory.Shutdown)
	wg.Wait()
}

func ownedHandler(c *cluster, kind string) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { c.onOwned(kind, o, false) },
		UpdateFunc: func(_, o any) { c.onOwned(kind, o, false) },
		DeleteFunc: func(o any) { c.onOwned(kind, o, true) },
	}
}

// onNamespace enqueues a reconcile when a namespace's project may have
// changed: one with the project label came, went, changed label or
// started terminating. Other namespaces are none of our business.
func (c *cluster) onNamespace(old, obj any) {
	ns := asNamespace(obj)
	if old == nil {
		if ns == nil || ns.Labels[model.ProjectLabel] != "" {
			c.enqueue(changeDelay)
		}
		return
	}
	prev := asNamespace(old)
	if ns == nil || prev == nil {
		c.enqueue(changeDelay)
		return
	}
	if prev.Labels[model.ProjectLabel] != ns.Labels[model.ProjectLabel] ||
		(ns.Labels[model.ProjectLabel] != "" && terminating(prev) != terminating(ns)) {
		c.enqueue(changeDelay)
	}
}

func asNamespace(obj any) *corev1.Namespace {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	ns, _ := obj.(*corev1.Namespace)
	return ns
}

// terminating reports whether a namespace is being deleted; nothing is
// written into it any more.
func terminating(ns *corev1.Namespace) bool {
	return ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating
}

// onOwned enqueues a reconcile for drift: a managed object that is not
// what the last reconcile wanted (changed by hand, or not wanted at all),
// or a wanted one that was deleted. Events of the reconciler's own writes
// match what it wanted and are ignored, so writes cause no second pass.
func (c *cluster) onOwned(kind string, obj any, deleted bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj, deleted = t.Obj, true
	}
	o, ok := obj.(metav1.Object)
	if !ok {
		c.enqueue(changeDelay)
		return
	}
	c.mu.Lock()
	want, known := c.desired[objKey{kind, o.GetNamespace(), o.GetName()}]
	loaded := c.desired != nil
	c.mu.Unlock()
	switch {
	case !loaded:
		c.enqueue(changeDelay)
	case deleted:
		if known {
			c.enqueue(changeDelay)
		}
	case !known || !matchesObject(want, obj):
		c.enqueue(changeDelay)
	}
}

// snapshot is the cluster state a pass compares with: every namespace and
// the managed objects.
type snapshot struct {
	namespaces   map[string]*corev1.Namespace
	clusterRoles []*rbacv1.ClusterRole
	crbs         []*rbacv1.ClusterRoleBinding
	rbs          []*rbacv1.RoleBinding
	quotas       []*corev1.ResourceQuota
}

// cached is the informers' view. Its objects are the caches': read only.
func (k *caches) cached() (*snapshot, error) {
	s := &snapshot{namespaces: map[string]*corev1.Namespace{}}
	all := labels.Everything()
	nss, err := k.namespaces.List(all)
	for _, ns := range nss {
		s.namespaces[ns.Name] = ns
	}
	var errs [4]error
	s.clusterRoles, errs[0] = k.clusterRoles.List(all)
	s.crbs, errs[1] = k.crbs.List(all)
	s.rbs, errs[2] = k.rbs.List(all)
	s.quotas, errs[3] = k.quotas.List(all)
	for _, e := range errs {
		err = cmpOr(err, e)
	}
	return s, err
}

// fresh reads the state from the API server (consistent reads), for the
// passes Sync asks for: they must see every change made before the call,
// which the informers may not have delivered yet.
func fresh(ctx context.Context, client kubernetes.Interface) (*snapshot, error) {
	s := &snapshot{namespaces: map[string]*corev1.Namespace{}}
	own := metav1.ListOptions{LabelSelector: managedSelector}
	nss, err := client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, ns := range ptrs(nss.Items) {
		s.namespaces[ns.Name] = ns
	}
	crs, err := client.RbacV1().ClusterRoles().List(ctx, own)
	if err != nil {
		return nil, err
	}
	crbs, err := client.RbacV1().ClusterRoleBindings().List(ctx, own)
	if err != nil {
		return nil, err
	}
	rbs, err := client.RbacV1().RoleBindings("").List(ctx, own)
	if err != nil {
		return nil, err
	}
	rqs, err := client.CoreV1().ResourceQuotas("").List(ctx, own)
	if err != nil {
		return nil, err
	}
	s.clusterRoles, s.crbs, s.rbs, s.quotas = ptrs(crs.Items), ptrs(crbs.Items), ptrs(rbs.Items), ptrs(rqs.Items)
	return s, nil
}

func ptrs[T any](items []T) []*T {
	out := make([]*T, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
