package rbacsync

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"

	"github.com/paddockhq/paddock/internal/rbac"
)

func TestMatches(t *testing.T) {
	own := map[string]string{rbac.ManagedLabel: rbac.ManagedValue}
	quota := func(cpu string, labels map[string]string) *corev1.ResourceQuota {
		return &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "n", Labels: labels},
			Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourceLimitsCPU: resource.MustParse(cpu)}}}
	}
	binding := func(group, ref string) *rbacv1.RoleBinding {
		return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "n", Labels: own},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: ref},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: group, Name: "paddock:user:u"}}}
	}
	role := func(verbs []string) *rbacv1.ClusterRole {
		return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "r", Labels: own},
			Rules: []rbacv1.PolicyRule{{Verbs: verbs, APIGroups: []string{""}, Resources: []string{"pods"}}}}
	}
	extra := map[string]string{rbac.ManagedLabel: rbac.ManagedValue, "team": "x"}
	for _, tc := range []struct {
		name  string
		want  runtime.Object
		have  any
		match bool
	}{
		{"quota: same quantity, other spelling", quota("2", own), quota("2000m", own), true},
		{"quota: other quantity", quota("2", own), quota("3", own), false},
		{"quota: someone's extra label kept", quota("2", own), quota("2", extra), true},
		{"quota: our label missing", quota("2", own), quota("2", nil), false},
		{"binding: defaulted API group", binding(rbacv1.GroupName, "x"), binding("", "x"), true},
		{"binding: other roleRef", binding(rbacv1.GroupName, "x"), binding(rbacv1.GroupName, "y"), false},
		{"role: nil and empty lists alike", role([]string{"get"}), &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Labels: own},
			Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}, ResourceNames: []string{}}}}, true},
		{"role: other verbs", role([]string{"get"}), role([]string{"get", "list"}), false},
		{"kinds differ", role(nil), quota("1", own), false},
		{"odd object", role(nil), "not an object", false},
		{"nil", role(nil), nil, false},
	} {
		if got := matchesObject(tc.want, tc.have); got != tc.match {
			t.Errorf("%s: matches = %v, want %v", tc.name, got, tc.match)
		}
	}
}

func TestMerged(t *testing.T) {
	w := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "r",
		Labels: map[string]string{rbac.ManagedLabel: rbac.ManagedValue}, Annotations: map[string]string{"a": "ours"}}}
	h := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "r", ResourceVersion: "42", UID: "u1",
		Labels: map[string]string{"team": "x"}, Annotations: map[string]string{"a": "theirs", "b": "kept"}},
		AggregationRule: &rbacv1.AggregationRule{}}
	o := merged(w, h)
	if o.ResourceVersion != "42" || o.UID != "u1" || o.Labels["team"] != "x" || o.Labels[rbac.ManagedLabel] != rbac.ManagedValue ||
		o.Annotations["a"] != "ours" || o.Annotations["b"] != "kept" || o.AggregationRule != nil {
		t.Errorf("merged = %+v", o)
	}
	if w.ResourceVersion != "" || len(w.Annotations) != 1 {
		t.Errorf("merged modified its input: %+v", w)
	}
}

func TestSummarize(t *testing.T) {
	gr := schema.GroupResource{Group: "rbac.authorization.k8s.io", Resource: "rolebindings"}
	if summarize([]error{nil, nil}) != nil {
		t.Error("no errors: want nil")
	}
	err := summarize([]error{apierrors.NewConflict(gr, "x", nil), apierrors.NewNotFound(gr, "y")})
	if _, ok := err.(*retryError); !ok {
		t.Errorf("passing errors: %T %v", err, err)
	}
	err = summarize([]error{apierrors.NewConflict(gr, "x", nil), apierrors.NewForbidden(gr, "y", nil)})
	if _, ok := err.(*retryError); ok || err == nil {
		t.Errorf("a real error: %T %v", err, err)
	}
}

// TestOddEvents feeds the event handlers what informers may deliver
// (tombstones, unexpected types) without a cluster behind them.
func TestOddEvents(t *testing.T) {
	c := &cluster{}
	c.q = newQueue()
	defer c.q.ShutDown()
	for _, o := range []any{nil, "x", 42, cache.DeletedFinalStateUnknown{Key: "k", Obj: nil},
		cache.DeletedFinalStateUnknown{Key: "k", Obj: &rbacv1.RoleBinding{}}, &corev1.Namespace{}} {
		c.onOwned(kindRoleBinding, o, false)
		c.onOwned(kindRoleBinding, o, true)
		c.onNamespace(nil, o)
		c.onNamespace(o, o)
		c.onNamespace(&corev1.Namespace{}, o)
	}
}
