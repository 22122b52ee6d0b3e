package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/paddockhq/paddock/internal/testenv"
)

// person is a signed-in user with their Paddock-generated kubeconfig.
type person struct {
	name, id, token, kubeconfig string
}

func (s *server) person(admin, name string, groups ...string) *person {
	s.t.Helper()
	u := s.createUser(admin, name, name+"-password-1", false)
	if len(groups) > 0 {
		s.must("PATCH", "/v1/users/"+u.ID, admin, map[string]any{"groups": groups}, 200, nil)
	}
	p := &person{name: name, id: u.ID, token: s.login(name, name+"-password-1")}
	p.kubeconfig = filepath.Join(s.t.TempDir(), name+".kubeconfig")
	return p
}

// refreshKubeconfig downloads the person's kubeconfig (it names only the
// clusters they may reach).
func (s *server) refreshKubeconfig(p *person) string {
	s.t.Helper()
	status, body, err := s.call(s.t.Context(), "GET", "/v1/kubeconfig", p.token, nil)
	if err != nil || status != 200 {
		s.t.Fatalf("kubeconfig of %s: %d %v %s", p.name, status, err, body)
	}
	os.WriteFile(p.kubeconfig, body, 0o600)
	return string(body)
}

func (p *person) kubectl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return testenv.Kubectl(t, testenv.SystemKubectl, p.kubeconfig, append([]string{"--context", "paddock-alpha"}, args...)...)
}

// eventually retries fn until it returns nil or within passes.
func eventually(t *testing.T, within time.Duration, what string, fn func() error) time.Duration {
	t.Helper()
	began := time.Now()
	for {
		err := fn()
		if err == nil {
			return time.Since(began)
		}
		if time.Since(began) > within {
			t.Fatalf("%s: still not true after %s: %v", what, within, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func expectOK(p *person, t *testing.T, args ...string) func() error {
	return func() error {
		out, err := p.kubectl(t, args...)
		if err != nil {
			return fmt.Errorf("%s: kubectl %v: %v %s", p.name, args, err, out)
		}
		return nil
	}
}

func expectForbidden(p *person, t *testing.T, args ...string) func() error {
	return func() error {
		out, err := p.kubectl(t, args...)
		if err == nil || !strings.Contains(out, "Forbidden") && !strings.Contains(out, "forbidden") {
			return fmt.Errorf("%s: kubectl %v was not forbidden: %v %s", p.name, args, err, out)
		}
		return nil
	}
}

func nsList(p *person, t *testing.T, want ...string) func() error {
	return func() error {
		out, err := p.kubectl(t, "get", "ns", "-o", "jsonpath={.items[*].metadata.name}")
		if err != nil {
			return fmt.Errorf("%s: get ns: %v %s", p.name, err, out)
		}
		got := strings.Fields(out)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			return fmt.Errorf("%s sees namespaces %v, want %v", p.name, got, want)
		}
		return nil
	}
}

// TestAccessModel is the access scenario: users alice, bob, carol; group
// dev; clusters A (agent) and B (direct); project P in A with namespaces
// p1, p2. alice is cluster-owner of A; bob project-member of P; dev
// (carol) project-viewer of P; nobody but admin on B. Everything is
// enforced by the clusters' own RBAC, written by Paddock, and checked with
// the real kubectl.
func TestAccessModel(t *testing.T) {
	cs := testenv.StartAll(t, testenv.Options{Name: "a"}, testenv.Options{Name: "b"})
	ka, kb := cs[0], cs[1]
	s := start(t, options{env: bootstrapEnv})
	admin := s.login("admin", bootstrapPassword)
	sum := sha256.Sum256(s.CAPEM)

	var A, B clusterView
	s.must("POST", "/v1/clusters", admin, map[string]any{"name": "alpha"}, 201, &A)
	kubeB, _ := os.ReadFile(kb.Kubeconfig())
	s.must("POST", "/v1/clusters", admin, map[string]any{"name": "beta", "kubeconfig": string(kubeB)}, 201, &B)
	startAgent(t, s, A.Registration.Token, ka.Kubeconfig(), filepath.Join(t.TempDir(), "state"), hex.EncodeToString(sum[:]))
	s.waitState(admin, A.ID, "active", 20*time.Second)

	alice, bob, carol := s.person(admin, "alice"), s.person(admin, "bob"), s.person(admin, "carol", "dev")
	dave := s.person(admin, "dave")
	var P, Q struct{ ID string }
	s.must("POST", "/v1/projects", admin, map[string]any{"cluster": A.ID, "name": "p", "description": "team P"}, 201, &P)
	s.must("POST", "/v1/projects", admin, map[string]any{"cluster": A.ID, "name": "q"}, 201, &Q)
	for _, ns := range []string{"p1", "p2"} {
		s.must("POST", "/v1/projects/"+P.ID+"/namespaces", admin, map[string]any{"name": ns}, 201, nil)
	}
	s.must("POST", "/v1/projects/"+Q.ID+"/namespaces", admin, map[string]any{"name": "q1"}, 201, nil)
	ctx := t.Context()
	if _, err := ka.Client().CoreV1().Namespaces().Create(ctx, namespace("other"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	bind := func(token string, subject map[string]any, template, cluster, project string, want int) string {
		t.Helper()
		body := map[string]any{"subject": subject, "roleTemplate": template}
		if cluster != "" {
			body["cluster"] = cluster
		}
		if project != "" {
			body["project"] = project
		}
		var out struct{ ID string }
		s.must("POST", "/v1/bindings", token, body, want, &out)
		return out.ID
	}
	user := func(n string) map[string]any { return map[string]any{"kind": "User", "name": n} }
	bind(admin, user("alice"), "cluster-owner", A.ID, "", 201)
	bind(admin, user("bob"), "project-member", "", P.ID, 201)
	bind(admin, map[string]any{"kind": "Group", "name": "dev"}, "project-viewer", "", P.ID, 201)

	// The kubeconfig names only what each may reach; bob's has no beta.
	if kc := s.refreshKubeconfig(bob); strings.Contains(kc, "paddock-beta") || !strings.Contains(kc, "paddock-alpha") {
		t.Fatalf("bob's kubeconfig:\n%s", kc)
	}
	for _, p := range []*person{alice, carol} {
		s.refreshKubeconfig(p)
	}
	// The API lists only what each may see.
	var list struct{ Items []clusterView }
	s.must("GET", "/v1/clusters", bob.token, nil, 200, &list)
	if len(list.Items) != 1 || list.Items[0].ID != A.ID {
		t.Fatalf("bob lists clusters %+v", list.Items)
	}
	s.must("GET", "/v1/clusters", dave.token, nil, 200, &list)
	if len(list.Items) != 0 {
		t.Fatalf("dave (no bindings) lists clusters %+v", list.Items)
	}
	var projects struct{ Items []struct{ ID, Name string } }
	s.must("GET", "/v1/projects", bob.token, nil, 200, &projects)
	if len(projects.Items) != 1 || projects.Items[0].ID != P.ID {
		t.Fatalf("bob lists projects %+v", projects.Items)
	}
	s.must("GET", "/v1/clusters/"+B.ID, bob.token, nil, 404, nil)

	// alice does anything in A.
	took := eventually(t, 15*time.Second, "alice owns A", expectOK(alice, t, "create", "configmap", "a1", "-n", "other"))
	t.Logf("cluster-owner binding enforced %s after the grant", took.Round(10*time.Millisecond))
	eventually(t, 5*time.Second, "alice sees every namespace", nsList(alice, t, "default", "kube-node-lease", "kube-public", "kube-system", "other", "p1", "p2", "q1"))
	// bob edits in p1 and p2 only, and cannot reach B.
	eventually(t, 10*time.Second, "bob edits p1", expectOK(bob, t, "create", "configmap", "b1", "-n", "p1"))
	eventually(t, 10*time.Second, "bob edits p2", expectOK(bob, t, "create", "configmap", "b2", "-n", "p2"))
	eventually(t, 5*time.Second, "bob cannot edit other", expectForbidden(bob, t, "create", "configmap", "b3", "-n", "other"))
	eventually(t, 5*time.Second, "bob cannot edit q1", expectForbidden(bob, t, "create", "configmap", "b3", "-n", "q1"))
	eventually(t, 5*time.Second, "bob sees p1, p2", nsList(bob, t, "p1", "p2"))
	if out, err := testenv.Kubectl(t, testenv.SystemKubectl, alice.kubeconfig, "--token", bob.token, "--context", "paddock-beta", "get", "ns"); err == nil {
		t.Fatalf("bob reached B: %s", out)
	}
	// carol (through group dev) reads but cannot write p1.
	eventually(t, 10*time.Second, "carol reads p1", expectOK(carol, t, "get", "configmaps", "-n", "p1"))
	eventually(t, 5*time.Second, "carol cannot write p1", expectForbidden(carol, t, "create", "configmap", "c1", "-n", "p1"))
	eventually(t, 5*time.Second, "carol cannot read secrets", expectForbidden(carol, t, "get", "secrets", "-n", "p1"))
	eventually(t, 5*time.Second, "carol sees p1, p2", nsList(carol, t, "p1", "p2"))
	// The cluster reports its RBAC sync.
	var detail struct {
		AccessSync *struct {
			Synced  bool
			Objects int
		}
	}
	s.must("GET", "/v1/clusters/"+A.ID, admin, nil, 200, &detail)
	if detail.AccessSync == nil || !detail.AccessSync.Synced || detail.AccessSync.Objects < 5 {
		t.Fatalf("access sync of A: %+v", detail.AccessSync)
	}
	// A watch of namespaces works for a project member too.
	watch := testenv.StartKubectl(t, testenv.SystemKubectl, bob.kubeconfig, nil, "--context", "paddock-alpha", "get", "ns", "--watch", "-o", "name")
	testenv.WaitLine(t, watch, "namespace/p1")

	t.Run("expiry", func(t *testing.T) {
		s.refreshKubeconfig(dave)
		expires := time.Now().Add(12 * time.Second).UTC().Format(time.RFC3339)
		s.must("POST", "/v1/bindings", admin, map[string]any{"subject": user("dave"), "roleTemplate": "project-member",
			"project": P.ID, "expiresAt": expires}, 201, nil)
		s.refreshKubeconfig(dave)
		eventually(t, 10*time.Second, "dave edits p1", expectOK(dave, t, "create", "configmap", "d1", "-n", "p1"))
		// Without any request to Paddock, the cluster's RoleBinding loses
		// dave once the binding expires.
		took := eventually(t, 40*time.Second, "dave's RoleBinding subject removed", func() error {
			rb, err := ka.Client().RbacV1().RoleBindings("p1").Get(context.Background(), "paddock:project-member", metav1.GetOptions{})
			if err != nil {
				return err
			}
			for _, sub := range rb.Subjects {
				if sub.Name == "paddock:user:"+dave.id {
					return fmt.Errorf("dave still bound")
				}
			}
			return nil
		})
		t.Logf("expired binding withdrawn from the cluster %s after the first check", took.Round(100*time.Millisecond))
		eventually(t, 5*time.Second, "dave refused", expectForbidden(dave, t, "get", "configmaps", "-n", "p1"))
	})

	t.Run("drift", func(t *testing.T) {
		rbs := ka.Client().RbacV1().RoleBindings("p1")
		if err := rbs.Delete(ctx, "paddock:project-member", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		took := eventually(t, 10*time.Second, "RoleBinding restored", func() error {
			_, err := rbs.Get(ctx, "paddock:project-member", metav1.GetOptions{})
			return err
		})
		t.Logf("hand-deleted RoleBinding restored in %s", took.Round(10*time.Millisecond))
	})

	t.Run("escalation", func(t *testing.T) {
		erin := s.person(admin, "erin")
		bind(admin, user("erin"), "project-owner", "", P.ID, 201)
		s.refreshKubeconfig(erin)
		s.must("POST", "/v1/roletemplates", admin, map[string]any{"name": "project-god", "context": "project",
			"rules": []map[string]any{{"apiGroups": []string{"*"}, "resources": []string{"*"}, "verbs": []string{"*"}}}}, 201, nil)
		// CVE-2019-14436: a project owner cannot make themselves cluster
		// owner, nor bind a project role broader than theirs.
		bind(erin.token, user("erin"), "cluster-owner", A.ID, "", 403)
		bind(erin.token, user("erin"), "project-god", "", P.ID, 403)
		// ...but may share what they hold in their own project.
		bind(erin.token, user("dave"), "project-viewer", "", P.ID, 201)
		// CVE-2022-31247: no binding rights elsewhere — another project,
		// another cluster.
		bind(erin.token, user("erin"), "project-owner", "", Q.ID, 403)
		bind(alice.token, user("alice"), "cluster-owner", B.ID, "", 403)
		// A project member manages no members at all.
		bind(bob.token, user("bob"), "project-owner", "", P.ID, 403)
		// Natively, Kubernetes refuses erin binding cluster-admin in p1.
		eventually(t, 10*time.Second, "erin's RoleBinding to cluster-admin refused", expectForbidden(erin, t,
			"create", "rolebinding", "esc", "-n", "p1", "--clusterrole=cluster-admin", "--user=paddock:user:"+erin.id))
		// CVE-2020-10676: erin cannot pull q1 (project q) or other (no
		// project) into P, through the API or by labelling with kubectl.
		s.must("PUT", "/v1/projects/"+P.ID+"/namespaces/q1", erin.token, nil, 403, nil)
		s.must("PUT", "/v1/projects/"+P.ID+"/namespaces/other", erin.token, nil, 403, nil)
		if out, err := erin.kubectl(t, "label", "ns", "q1", "paddock.io/project="+P.ID, "--overwrite"); err == nil {
			t.Fatalf("erin relabelled q1: %s", out)
		}
		if out, err := erin.kubectl(t, "create", "ns", "sneaky", "-o", "name", "--dry-run=none"); err == nil {
			t.Fatalf("erin created an unlabelled namespace: %s", out)
		}
		// CVE-2021-36784: a role editor cannot mint a global role granting
		// what they lack.
		frank := s.person(admin, "frank")
		s.must("POST", "/v1/globalroles", admin, map[string]any{"name": "role-editor", "capabilities": []string{"roles-manage"}}, 201, nil)
		s.must("PATCH", "/v1/users/"+frank.id, admin, map[string]any{"globalRoles": []string{"role-editor"}}, 200, nil)
		frank.token = s.login("frank", "frank-password-1")
		s.must("POST", "/v1/globalroles", frank.token, map[string]any{"name": "user-admin", "capabilities": []string{"users-manage"}}, 403, nil)
		s.must("PUT", "/v1/globalroles/role-editor", frank.token, map[string]any{"capabilities": []string{"roles-manage", "clusters-manage"}}, 403, nil)
		s.must("POST", "/v1/globalroles", frank.token, map[string]any{"name": "role-editor-2", "capabilities": []string{"roles-manage"}}, 201, nil)
		s.must("PATCH", "/v1/users/"+frank.id, frank.token, map[string]any{"admin": true}, 403, nil)
		// Widening a template that is bound needs the new rules where it is
		// bound: frank holds nothing in P.
		s.must("PUT", "/v1/roletemplates/project-god", frank.token, map[string]any{"context": "project",
			"rules": []map[string]any{{"apiGroups": []string{""}, "resources": []string{"pods"}, "verbs": []string{"get"}}}}, 200, nil)
		bind(admin, user("dave"), "project-god", "", Q.ID, 201)
		s.must("PUT", "/v1/roletemplates/project-god", frank.token, map[string]any{"context": "project",
			"rules": []map[string]any{{"apiGroups": []string{"*"}, "resources": []string{"*"}, "verbs": []string{"*"}}}}, 403, nil)

		// Every refusal is in the audit log.
		var audit struct {
			Items []struct{ Actor, Action, Outcome string }
		}
		s.must("GET", "/v1/audit?limit=200", admin, nil, 200, &audit)
		denied := map[string]int{}
		for _, e := range audit.Items {
			if e.Outcome == "denied" {
				denied[e.Actor+" "+e.Action]++
			}
		}
		for want, n := range map[string]int{"erin binding.create": 3, "alice binding.create": 1, "bob binding.create": 1,
			"erin project.namespace.attach": 2, "frank globalrole.create": 1, "frank globalrole.update": 1, "frank user.update": 1,
			"frank roletemplate.update": 1} {
			if denied[want] < n {
				t.Errorf("audit: %d denied %q, want %d (all denied: %v)", denied[want], want, n, denied)
			}
		}
	})

	t.Run("move and quota", func(t *testing.T) {
		// alice (cluster owner) moves p2 out of P: bob loses it.
		s.must("DELETE", "/v1/projects/"+P.ID+"/namespaces/p2", alice.token, nil, 204, nil)
		eventually(t, 10*time.Second, "bob loses p2", expectForbidden(bob, t, "get", "configmaps", "-n", "p2"))
		eventually(t, 5*time.Second, "bob sees only p1", nsList(bob, t, "p1"))
		// A project quota: 2 namespaces' worth; a third is refused, clearly.
		s.must("PATCH", "/v1/projects/"+Q.ID, alice.token, map[string]any{"quota": map[string]string{"pods": "20", "limits.cpu": "4"},
			"namespaceQuota": map[string]string{"pods": "10", "limits.cpu": "2"}}, 200, nil)
		s.must("POST", "/v1/projects/"+Q.ID+"/namespaces", alice.token, map[string]any{"name": "q2"}, 201, nil)
		status, body, _ := s.call(ctx, "POST", "/v1/projects/"+Q.ID+"/namespaces", alice.token, map[string]any{"name": "q3"})
		if status != 403 || !strings.Contains(string(body), "quota") {
			t.Fatalf("third namespace over quota: %d %s", status, body)
		}
		if _, err := ka.Client().CoreV1().Namespaces().Get(ctx, "q3", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("q3 was created anyway: %v", err)
		}
		eventually(t, 10*time.Second, "ResourceQuota in q1 and q2", func() error {
			for _, ns := range []string{"q1", "q2"} {
				q, err := ka.Client().CoreV1().ResourceQuotas(ns).Get(ctx, "paddock-project-quota", metav1.GetOptions{})
				if err != nil {
					return err
				}
				if got := q.Spec.Hard.Pods(); got.String() != "10" {
					return fmt.Errorf("%s: pods %s", ns, got)
				}
			}
			return nil
		})
		// A namespace created with kubectl and the project label by a
		// project member joins the project (bob, in P).
		eventually(t, 10*time.Second, "bob creates a labelled namespace", expectOK(bob, t, "create", "-f", writeFile(t,
			"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: p3\n  labels:\n    paddock.io/project: "+P.ID+"\n")))
		eventually(t, 10*time.Second, "bob edits p3", expectOK(bob, t, "create", "configmap", "b3", "-n", "p3"))
		eventually(t, 5*time.Second, "bob sees p1, p3", nsList(bob, t, "p1", "p3"))
		// ...but not into a project he is not in.
		eventually(t, 5*time.Second, "bob cannot create into Q", expectForbidden(bob, t, "create", "-f", writeFile(t,
			"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: q9\n  labels:\n    paddock.io/project: "+Q.ID+"\n")))
	})

	t.Run("removal", func(t *testing.T) { removeAndCheck(t, s, admin, ka, A.ID) })
}

// removeAndCheck deletes the cluster from Paddock and checks that nothing
// of the access model stays behind in it.
func removeAndCheck(t *testing.T, s *server, admin string, c *testenv.Cluster, id string) {
	var del struct{ RemovedFromCluster bool }
	s.must("DELETE", "/v1/clusters/"+id, admin, nil, 200, &del)
	if !del.RemovedFromCluster {
		t.Fatal("cluster objects not removed")
	}
	sel := metav1.ListOptions{LabelSelector: "paddock.io/managed=rbac"}
	ctx := context.Background()
	crs, _ := c.Client().RbacV1().ClusterRoles().List(ctx, sel)
	rbs, _ := c.Client().RbacV1().RoleBindings("").List(ctx, sel)
	qs, _ := c.Client().CoreV1().ResourceQuotas("").List(ctx, sel)
	if len(crs.Items)+len(rbs.Items)+len(qs.Items) != 0 {
		t.Fatalf("left behind: %d cluster roles, %d role bindings, %d quotas", len(crs.Items), len(rbs.Items), len(qs.Items))
	}
}

func writeFile(t *testing.T, content string) string {
	p := filepath.Join(t.TempDir(), "obj.yaml")
	os.WriteFile(p, []byte(content), 0o600)
	return p
}
