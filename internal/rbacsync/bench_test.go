package rbacsync

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/rbac"
	"github.com/paddockhq/paddock/internal/testenv"
)

// TestConvergeScale measures a cluster of 200 project namespaces in 40
// projects with 1,000 bindings (a third to groups, 10% cluster-wide, the
// six built-in templates): Engage to converged, the objects written, and
// how fast one new binding takes effect. PADDOCK_BENCH=1 runs it.
func TestConvergeScale(t *testing.T) {
	if os.Getenv("PADDOCK_BENCH") != "1" {
		t.Skip("set PADDOCK_BENCH=1 to run")
	}
	const (
		nProjects, nsPerProject, nBindings = 40, 5, 1000
	)
	c := testenv.Start(t, testenv.Options{})
	admin := c.Client()
	bg := context.Background()
	src := &memSource{}

	t0 := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for p := range nProjects {
		pid := fmt.Sprintf("proj-%02d", p)
		src.putProject(model.Project{ID: pid, ClusterID: cid, Name: pid})
		for n := range nsPerProject {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-ns%d", pid, n),
					Labels: map[string]string{model.ProjectLabel: pid}}}
				if _, err := admin.CoreV1().Namespaces().Create(bg, ns, metav1.CreateOptions{}); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	setup := time.Since(t0)

	clusterTpls := []string{rbac.TemplateClusterOwner, rbac.TemplateClusterMember, rbac.TemplateClusterViewer}
	projectTpls := []string{rbac.TemplateProjectOwner, rbac.TemplateProjectMember, rbac.TemplateProjectViewer}
	groups := 0
	for i := range nBindings {
		b := model.Binding{ID: fmt.Sprintf("b%04d", i), ClusterID: cid,
			Subject: model.Subject{Kind: model.SubjectUser, Name: fmt.Sprintf("u%03d", i%500)}}
		if i%3 == 0 {
			b.Subject = model.Subject{Kind: model.SubjectGroup, Name: fmt.Sprintf("g%02d", i%50)}
			groups++
		}
		if i%10 == 0 {
			b.RoleTemplate = clusterTpls[(i/10)%3]
		} else {
			b.ProjectID = fmt.Sprintf("proj-%02d", i%nProjects)
			b.RoleTemplate = projectTpls[i%3]
		}
		src.addBinding(b)
	}

	m := New(Options{Source: src, Log: testLogger(t)})
	t.Cleanup(m.Close)
	syncNow := func() time.Duration {
		t.Helper()
		ctx, cancel := context.WithTimeout(bg, 5*time.Minute)
		defer cancel()
		s := time.Now()
		if err := m.Sync(ctx, cid); err != nil {
			t.Fatal(err)
		}
		return time.Since(s)
	}

	t1 := time.Now()
	m.Engage(cid, c.AdminConfig())
	syncNow()
	converge := time.Since(t1)
	first, _ := m.Status(cid)

	// Object counts in the cluster must match what the reconciler wants.
	own := metav1.ListOptions{LabelSelector: managedSelector}
	crs, err1 := admin.RbacV1().ClusterRoles().List(bg, own)
	crbs, err2 := admin.RbacV1().ClusterRoleBindings().List(bg, own)
	rbs, err3 := admin.RbacV1().RoleBindings("").List(bg, own)
	rqs, err4 := admin.CoreV1().ResourceQuotas("").List(bg, own)
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			t.Fatal(err)
		}
	}
	total := len(crs.Items) + len(crbs.Items) + len(rbs.Items) + len(rqs.Items)
	if total != first.Objects {
		t.Errorf("cluster holds %d managed objects, the reconciler wants %d", total, first.Objects)
	}

	idle := syncNow()
	idleSt, _ := m.Status(cid)

	// One new binding, announced with Changed: time until it works.
	newNS := "proj-07-ns3"
	cs := clientFor(t, c.UserConfig(rbac.KubeUser("newcomer")))
	src.addBinding(userBinding("b-new", cid, "proj-07", rbac.TemplateProjectMember, "newcomer"))
	m.Changed(cid)
	grant := expectCan(t, cs, true, "create", "configmaps", newNS, 10*time.Second)
	src.removeBinding("b-new")
	m.Changed(cid)
	revoke := expectCan(t, cs, false, "create", "configmaps", newNS, 10*time.Second)

	t.Logf("\n"+
		"  scale: %d namespaces in %d projects, %d bindings (%d to groups, %d cluster-wide)\n"+
		"  %-44s %v\n  %-44s %v\n  %-44s %v\n  %-44s %d (ClusterRoles %d, ClusterRoleBindings %d, RoleBindings %d, quotas %d)\n"+
		"  %-44s %.3f\n  %-44s %d\n  %-44s %v (writes %d)\n  %-44s %v\n  %-44s %v",
		nProjects*nsPerProject, nProjects, nBindings, groups, nBindings/10,
		"namespace setup", setup.Round(time.Millisecond),
		"Engage → converged (Sync returned)", converge.Round(time.Millisecond),
		"first pass duration", first.Duration.Round(time.Millisecond),
		"managed objects", total, len(crs.Items), len(crbs.Items), len(rbs.Items), len(rqs.Items),
		"objects per binding", float64(total)/nBindings,
		"writes of the first pass", first.Writes,
		"idle Sync (consistent reads, no change)", idle.Round(time.Millisecond), idleSt.Writes,
		"new binding → access works (Changed)", grant.Round(time.Millisecond),
		"removed binding → access gone (Changed)", revoke.Round(time.Millisecond))
}
