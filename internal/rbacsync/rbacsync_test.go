package rbacsync

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/rbac"
	"github.com/paddockhq/paddock/internal/testenv"
)

const cid = "c1"

// TestReconcile runs every scenario against one real control plane (a
// cluster costs ~4 s and 600 MB); each subtest uses its own namespaces,
// projects and users, and they run in order.
func TestReconcile(t *testing.T) {
	c := testenv.Start(t, testenv.Options{})
	admin := c.Client()
	bg := context.Background()
	src := &memSource{}
	m := New(Options{Source: src, Log: testLogger(t)})
	t.Cleanup(m.Close)

	if _, ok := m.Namespaces(cid); ok {
		t.Fatal("Namespaces ok before Engage")
	}
	start := time.Now()
	m.Engage(cid, c.AdminConfig())
	sync := func(t *testing.T) {
		t.Helper()
		ctx, cancel := context.WithTimeout(bg, 30*time.Second)
		defer cancel()
		if err := m.Sync(ctx, cid); err != nil {
			t.Fatalf("Sync: %v", err)
		}
	}
	sync(t)
	t.Logf("Engage → first Sync: %v", time.Since(start))
	user := func(id string, groups ...string) kubernetes.Interface {
		return clientFor(t, c.UserConfig(rbac.KubeUser(id), groups...))
	}

	t.Run("cluster binding", func(t *testing.T) {
		src.addBinding(userBinding("b-cv", cid, "", rbac.TemplateClusterViewer, "u1"))
		sync(t)
		cr, err := admin.RbacV1().ClusterRoles().Get(bg, "paddock:cluster-viewer", metav1.GetOptions{})
		if err != nil || cr.Labels[rbac.ManagedLabel] != rbac.ManagedValue {
			t.Fatalf("ClusterRole: %v %v", cr, err)
		}
		crb, err := admin.RbacV1().ClusterRoleBindings().Get(bg, "paddock:cluster-viewer", metav1.GetOptions{})
		if err != nil || len(crb.Subjects) != 1 || crb.Subjects[0].Name != "paddock:user:u1" {
			t.Fatalf("ClusterRoleBinding: %v %v", crb, err)
		}
		u1 := user("u1")
		took := eventually(t, 5*time.Second, "u1 lists pods", func() error {
			_, err := u1.CoreV1().Pods("default").List(bg, metav1.ListOptions{})
			return err
		})
		t.Logf("access effective %v after Sync", took)
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}
		if err := forbidden(func() error {
			_, err := u1.CoreV1().ConfigMaps("default").Create(bg, cm, metav1.CreateOptions{})
			return err
		}()); err != nil {
			t.Errorf("create configmap: %v", err)
		}
		if err := forbidden(func() error { _, err := u1.CoreV1().Secrets("default").List(bg, metav1.ListOptions{}); return err }()); err != nil {
			t.Errorf("list secrets: %v", err)
		}
		if err := forbidden(func() error {
			_, err := user("nobody").CoreV1().Pods("default").List(bg, metav1.ListOptions{})
			return err
		}()); err != nil {
			t.Errorf("unbound user lists pods: %v", err)
		}
	})

	t.Run("project bindings", func(t *testing.T) {
		src.putProject(model.Project{ID: "proj-a", ClusterID: cid, Name: "a"})
		createNamespace(t, admin, "pa-1", "proj-a")
		createNamespace(t, admin, "pa-2", "proj-a")
		createNamespace(t, admin, "other-2", "")
		src.addBinding(userBinding("b-pm", cid, "proj-a", rbac.TemplateProjectMember, "u2"),
			model.Binding{ID: "b-dev", ClusterID: cid, ProjectID: "proj-a", RoleTemplate: rbac.TemplateProjectViewer,
				Subject: model.Subject{Kind: model.SubjectGroup, Name: "dev"}})
		sync(t)
		for _, ns := range []string{"pa-1", "pa-2", "other-2", "default"} {
			rbs, err := admin.RbacV1().RoleBindings(ns).List(bg, metav1.ListOptions{LabelSelector: managedSelector})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, rb := range rbs.Items {
				names = append(names, rb.Name)
			}
			want := []string{"paddock:project-member", "paddock:project-viewer"}
			if ns == "other-2" || ns == "default" {
				want = nil
			}
			if !slices.Equal(names, want) {
				t.Errorf("RoleBindings in %s: %v, want %v", ns, names, want)
			}
		}
		u2 := user("u2")
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "by-u2"}}
		eventually(t, 5*time.Second, "u2 creates a ConfigMap in pa-1", func() error {
			_, err := u2.CoreV1().ConfigMaps("pa-1").Create(bg, cm, metav1.CreateOptions{})
			return err
		})
		if err := forbidden(func() error {
			_, err := u2.CoreV1().ConfigMaps("other-2").Create(bg, cm, metav1.CreateOptions{})
			return err
		}()); err != nil {
			t.Errorf("u2 in other-2: %v", err)
		}
		dev := user("someone", rbac.KubeGroup("dev"))
		expectCan(t, dev, true, "list", "pods", "pa-2", 5*time.Second)
		expectCan(t, dev, false, "create", "configmaps", "pa-2", time.Second)
		expectCan(t, dev, false, "list", "pods", "other-2", time.Second)
		ns, ok := m.Namespaces(cid)
		if !ok || ns["pa-1"] != "proj-a" || ns["pa-2"] != "proj-a" || ns["other-2"] != "" {
			t.Errorf("Namespaces = %v, %v", ns, ok)
		}
	})

	t.Run("idle passes write nothing", func(t *testing.T) {
		sync(t)
		sync(t)
		st, _ := m.Status(cid)
		if st.Writes != 0 || !st.Synced || st.LastError != "" || st.Objects == 0 {
			t.Errorf("Status after an idle pass = %+v", st)
		}
		t.Logf("status: objects=%d duration=%v", st.Objects, st.Duration)
	})

	t.Run("drift", func(t *testing.T) {
		rbs := admin.RbacV1().RoleBindings("pa-1")
		old, err := rbs.Get(bg, "paddock:project-member", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := rbs.Delete(bg, old.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		took := eventually(t, 5*time.Second, "RoleBinding recreated", func() error {
			rb, err := rbs.Get(bg, old.Name, metav1.GetOptions{})
			if err == nil && rb.UID == old.UID {
				err = errors.New("still the old one")
			}
			return err
		})
		t.Logf("deleted RoleBinding back after %v", took)

		crs := admin.RbacV1().ClusterRoles()
		orig, err := crs.Get(bg, "paddock:project-member", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		edited := orig.DeepCopy()
		edited.Rules = []rbacv1.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}
		if _, err := crs.Update(bg, edited, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		took = eventually(t, 5*time.Second, "ClusterRole rules restored", func() error {
			cr, err := crs.Get(bg, orig.Name, metav1.GetOptions{})
			if err == nil && !equality.Semantic.DeepEqual(cr.Rules, orig.Rules) {
				err = fmt.Errorf("rules %v", cr.Rules)
			}
			return err
		})
		t.Logf("edited ClusterRole restored after %v", took)

		// A hand-made, unlabelled binding with our name in a namespace that
		// joins the project is taken over.
		createNamespace(t, admin, "pa-3", "")
		squat := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "paddock:project-viewer", Namespace: "pa-3"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "mallory"}}}
		if _, err := admin.RbacV1().RoleBindings("pa-3").Create(bg, squat, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		relabel(t, admin, "pa-3", "proj-a")
		eventually(t, 5*time.Second, "squatted RoleBinding taken over", func() error {
			rb, err := admin.RbacV1().RoleBindings("pa-3").Get(bg, squat.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if rb.Labels[rbac.ManagedLabel] != rbac.ManagedValue || rb.RoleRef.Name != "paddock:project-viewer" ||
				len(rb.Subjects) != 1 || rb.Subjects[0].Name != rbac.KubeGroup("dev") {
				return fmt.Errorf("not taken over: %+v %+v", rb.RoleRef, rb.Subjects)
			}
			return nil
		})
	})

	t.Run("namespaces move", func(t *testing.T) {
		u2 := user("u2")
		expectCan(t, u2, true, "create", "configmaps", "pa-2", 5*time.Second)
		relabel(t, admin, "pa-2", "")
		took := eventually(t, 5*time.Second, "RoleBindings leave pa-2", func() error {
			return countManaged(admin, "pa-2", 0)
		})
		expectCan(t, u2, false, "create", "configmaps", "pa-2", 2*time.Second)
		t.Logf("namespace left the project: bindings gone after %v", took)

		createNamespace(t, admin, "pa-4", "proj-a")
		took = eventually(t, 5*time.Second, "RoleBindings arrive in pa-4", func() error {
			return countManaged(admin, "pa-4", 2)
		})
		expectCan(t, u2, true, "create", "configmaps", "pa-4", 2*time.Second)
		t.Logf("new namespace joined the project: bindings after %v", took)

		// A label naming a project of no cluster (or of another) counts for nothing.
		createNamespace(t, admin, "pa-5", "no-such-project")
		sync(t)
		if err := countManaged(admin, "pa-5", 0); err != nil {
			t.Error(err)
		}
		if ns, _ := m.Namespaces(cid); ns["pa-2"] != "" || ns["pa-4"] != "proj-a" || ns["pa-5"] != "" {
			t.Errorf("Namespaces = %v", ns)
		}
	})

	t.Run("expiry", func(t *testing.T) {
		src.putProject(model.Project{ID: "proj-e", ClusterID: cid, Name: "e"})
		createNamespace(t, admin, "pe-1", "proj-e")
		b := userBinding("b-exp", cid, "proj-e", rbac.TemplateProjectOwner, "u5")
		b.ExpiresAt = time.Now().Add(3 * time.Second)
		src.addBinding(b)
		sync(t)
		u5 := user("u5")
		expectCan(t, u5, true, "create", "rolebindings.rbac.authorization.k8s.io", "pe-1", 2*time.Second)
		if st, _ := m.Status(cid); !st.NextExpiry.Equal(b.ExpiresAt) {
			t.Errorf("Status.NextExpiry = %v, want %v", st.NextExpiry, b.ExpiresAt)
		}
		// No Changed, no Sync from here on.
		time.Sleep(time.Until(b.ExpiresAt))
		took := eventually(t, 3*time.Second, "expired RoleBinding removed", func() error {
			_, err := admin.RbacV1().RoleBindings("pe-1").Get(bg, "paddock:project-owner", metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("still there (%v)", err)
		})
		expectCan(t, u5, false, "create", "rolebindings.rbac.authorization.k8s.io", "pe-1", 2*time.Second)
		t.Logf("expired binding withdrawn %v after ExpiresAt", took)
		if took > 2*time.Second {
			t.Errorf("withdrawal took %v", took)
		}
		// The ClusterRole goes in the same pass, possibly just after the
		// RoleBinding (writes run in parallel).
		eventually(t, 2*time.Second, "unused ClusterRole removed", func() error {
			if _, err := admin.RbacV1().ClusterRoles().Get(bg, "paddock:project-owner", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("unused ClusterRole kept (%v)", err)
			}
			return nil
		})
	})

	t.Run("changed", func(t *testing.T) {
		u1 := user("u1")
		expectCan(t, u1, true, "list", "pods", "", 2*time.Second)
		src.removeBinding("b-cv")
		t0 := time.Now()
		m.Changed(cid)
		m.Changed("") // a burst: coalesced
		eventually(t, 2*time.Second, "cluster-viewer binding removed", func() error {
			_, err := admin.RbacV1().ClusterRoleBindings().Get(bg, "paddock:cluster-viewer", metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("still there (%v)", err)
		})
		expectCan(t, u1, false, "list", "pods", "", 2*time.Second)
		t.Logf("removed binding withdrawn %v after Changed", time.Since(t0))
	})

	t.Run("quota", func(t *testing.T) {
		src.putProject(model.Project{ID: "proj-q", ClusterID: cid, Name: "q",
			NamespaceQuota: map[string]string{"limits.cpu": "2", "pods": "10"}})
		createNamespace(t, admin, "pq-1", "proj-q")
		createNamespace(t, admin, "pq-2", "proj-q")
		sync(t)
		for _, ns := range []string{"pq-1", "pq-2"} {
			rq, err := admin.CoreV1().ResourceQuotas(ns).Get(bg, rbac.QuotaName, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if q := rq.Spec.Hard[corev1.ResourceLimitsCPU]; q.Cmp(resource.MustParse("2")) != 0 {
				t.Errorf("%s: limits.cpu = %v", ns, q.String())
			}
			if q := rq.Spec.Hard[corev1.ResourcePods]; q.Cmp(resource.MustParse("10")) != 0 {
				t.Errorf("%s: pods = %v", ns, q.String())
			}
		}
		if _, err := admin.CoreV1().ResourceQuotas("pa-1").Get(bg, rbac.QuotaName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("quota in a project without one: %v", err)
		}
		// The same quantity spelled differently is no change.
		src.putProject(model.Project{ID: "proj-q", ClusterID: cid, Name: "q",
			NamespaceQuota: map[string]string{"limits.cpu": "2000m", "pods": "10"}})
		sync(t)
		if st, _ := m.Status(cid); st.Writes != 0 {
			t.Errorf("%d writes for an equal quota", st.Writes)
		}
		src.putProject(model.Project{ID: "proj-q", ClusterID: cid, Name: "q",
			NamespaceQuota: map[string]string{"limits.cpu": "4", "pods": "10"}})
		sync(t)
		if st, _ := m.Status(cid); st.Writes != 2 {
			t.Errorf("%d writes for a changed quota in 2 namespaces", st.Writes)
		}
		rq, err := admin.CoreV1().ResourceQuotas("pq-2").Get(bg, rbac.QuotaName, metav1.GetOptions{})
		if q := rq.Spec.Hard[corev1.ResourceLimitsCPU]; err != nil || q.Cmp(resource.MustParse("4")) != 0 {
			t.Errorf("quota not updated: %v %v", q.String(), err)
		}
	})

	t.Run("errors back off and recover", func(t *testing.T) {
		src.setFail(errors.New("store down"))
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		if err := m.Sync(ctx, cid); err == nil {
			t.Fatal("Sync succeeded with the store down")
		}
		st, _ := m.Status(cid)
		if st.LastError == "" || st.Failures == 0 {
			t.Errorf("Status = %+v", st)
		}
		src.setFail(nil)
		eventually(t, 5*time.Second, "recovered by itself", func() error {
			if st, _ := m.Status(cid); st.LastError != "" {
				return errors.New(st.LastError)
			}
			return nil
		})
	})

	t.Run("engage again", func(t *testing.T) {
		before, _ := m.Status(cid)
		m.Engage(cid, c.AdminConfig())
		eventually(t, 2*time.Second, "a forced pass", func() error {
			if st, _ := m.Status(cid); !st.LastSync.After(before.LastSync) {
				return errors.New("no pass yet")
			}
			return nil
		})
	})

	t.Run("unreachable cluster", func(t *testing.T) {
		m2 := New(Options{Source: src, Log: testLogger(t)})
		m2.Engage("gone", &rest.Config{Host: "https://127.0.0.1:1"})
		ctx, cancel := context.WithTimeout(bg, 500*time.Millisecond)
		defer cancel()
		if err := m2.Sync(ctx, "gone"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Sync = %v", err)
		}
		if st, ok := m2.Status("gone"); !ok || st.Synced {
			t.Errorf("Status = %+v, %v", st, ok)
		}
		t0 := time.Now()
		m2.Disengage("gone")
		if d := time.Since(t0); d > time.Second {
			t.Errorf("Disengage took %v", d)
		}
		t.Logf("Disengage of an unreachable cluster's reconciler: %v", time.Since(t0))
		m2.Close()
		t.Logf("Close, waiting for its informers too: %v", time.Since(t0))
		if err := m2.Sync(bg, "gone"); !errors.Is(err, ErrNotEngaged) {
			t.Errorf("Sync after Close = %v", err)
		}
	})

	t.Run("disengage", func(t *testing.T) {
		// A second manager on the same cluster, to count its goroutines.
		base := runtime.NumGoroutine()
		m2 := New(Options{Source: src, Log: testLogger(t)})
		m2.Engage(cid, c.AdminConfig())
		ctx, cancel := context.WithTimeout(bg, 30*time.Second)
		defer cancel()
		if err := m2.Sync(ctx, cid); err != nil {
			t.Fatal(err)
		}
		running := runtime.NumGoroutine()
		m2.Disengage(cid)
		eventually(t, 5*time.Second, "goroutines released", func() error {
			if n := runtime.NumGoroutine(); n > base+2 {
				return fmt.Errorf("%d goroutines, %d before Engage, %d while engaged", n, base, running)
			}
			return nil
		})
		t.Logf("goroutines: %d before Engage, %d engaged, %d after Disengage", base, running, runtime.NumGoroutine())

		m.Disengage(cid)
		if err := m.Sync(bg, cid); !errors.Is(err, ErrNotEngaged) {
			t.Errorf("Sync = %v", err)
		}
		if _, ok := m.Status(cid); ok {
			t.Error("Status ok after Disengage")
		}
		m.Changed(cid)
		if err := admin.RbacV1().RoleBindings("pa-1").Delete(bg, "paddock:project-member", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		if _, err := admin.RbacV1().RoleBindings("pa-1").Get(bg, "paddock:project-member", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("written after Disengage: %v", err)
		}
		m.Close()
		if l := leftovers(); len(l) > 0 {
			t.Errorf("%d goroutines left behind, first:\n%s", len(l), l[0])
		}
	})
}

func relabel(t *testing.T, cs kubernetes.Interface, name, project string) {
	t.Helper()
	ns, err := cs.CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if project == "" {
		delete(ns.Labels, model.ProjectLabel)
	} else {
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[model.ProjectLabel] = project
	}
	if _, err := cs.CoreV1().Namespaces().Update(context.Background(), ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// countManaged checks the number of managed RoleBindings in ns.
func countManaged(cs kubernetes.Interface, ns string, want int) error {
	rbs, err := cs.RbacV1().RoleBindings(ns).List(context.Background(), metav1.ListOptions{LabelSelector: managedSelector})
	if err != nil {
		return err
	}
	if len(rbs.Items) != want {
		return fmt.Errorf("%d managed RoleBindings in %s, want %d", len(rbs.Items), ns, want)
	}
	return nil
}
