package testenv_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/paddockhq/paddock/internal/testenv"
)

// TestFullCluster starts one full cluster and exercises it the ways later
// tests rely on: workloads on kwok nodes, minted identities under RBAC, and
// logs/exec/port-forward through real kubectl binaries.
func TestFullCluster(t *testing.T) {
	t.Parallel()
	c := testenv.Start(t, testenv.Options{Name: "smoke", Full: true, Nodes: 2})
	ctx := t.Context()

	var pods []corev1.Pod // Running pods of the Deployment, for later subtests
	t.Run("DeploymentRunsOnKwokNodes", func(t *testing.T) {
		replicas := int32(3)
		labels := map[string]string{"app": "web"}
		dep := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
			Spec: appsv1.DeploymentSpec{
				Replicas: &replicas,
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{
						Name: "web", Image: "example.invalid/web:1",
						Ports: []corev1.ContainerPort{{ContainerPort: 80}},
					}}},
				},
			},
		}
		began := time.Now()
		if _, err := c.Client().AppsV1().Deployments("default").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		pods = waitRunning(t, c.Client(), "app=web", 3)
		t.Logf("3 pods Running %s after creating the Deployment", time.Since(began).Round(time.Millisecond))
		for _, p := range pods {
			if !slices.Contains(c.NodeNames(), p.Spec.NodeName) {
				t.Errorf("pod %s runs on %q, not a kwok node %v", p.Name, p.Spec.NodeName, c.NodeNames())
			}
			if p.Status.PodIP == "" {
				t.Errorf("pod %s has no IP", p.Name)
			}
		}
	})

	t.Run("MintedUsersAndRBAC", func(t *testing.T) {
		// The minted certificate carries exactly the identity asked for.
		cs := kubernetes.NewForConfigOrDie(c.UserConfig("carol", "team-a", "team-b"))
		review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if u := review.Status.UserInfo; u.Username != "carol" || !slices.Contains(u.Groups, "team-a") ||
			!slices.Contains(u.Groups, "team-b") || !slices.Contains(u.Groups, "system:authenticated") {
			t.Errorf("SelfSubjectReview = %+v; want carol in team-a, team-b, system:authenticated", u)
		}
		if _, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("carol without bindings listing pods: err = %v, want Forbidden", err)
		}

		for i, kubectl := range testenv.KubectlBinaries(t) {
			user := fmt.Sprintf("alice-%d", i) // a fresh user per kubectl
			kubeconfig := c.UserKubeconfig(user)
			out, err := testenv.Kubectl(t, kubectl, kubeconfig, "get", "pods")
			if err == nil || !strings.Contains(out, "Forbidden") {
				t.Fatalf("%s as %s with no RBAC: want Forbidden, got err=%v\n%s", kubectl, user, err, out)
			}
			bindView(t, c, user)
			// The RBAC authorizer reads bindings from an informer: allow it a moment.
			eventually(t, 10*time.Second, func() error {
				out, err = testenv.Kubectl(t, kubectl, kubeconfig, "get", "pods", "-o", "name")
				return err
			})
			if !strings.Contains(out, "pod/web-") {
				t.Errorf("%s as %s with view: want the web pods, got\n%s", kubectl, user, out)
			}
			if out, err := testenv.Kubectl(t, kubectl, kubeconfig, "delete", "pod", pods[0].Name); err == nil || !strings.Contains(out, "Forbidden") {
				t.Errorf("%s as %s with view deleting a pod: want Forbidden, got err=%v\n%s", kubectl, user, err, out)
			}
		}
	})

	t.Run("LogsExecPortForward", func(t *testing.T) {
		if len(pods) == 0 {
			t.Skip("no running pods: see DeploymentRunsOnKwokNodes")
		}
		pod := pods[0].Name
		for _, kubectl := range testenv.KubectlBinaries(t) {
			out, err := testenv.Kubectl(t, kubectl, c.Kubeconfig(), "logs", pod)
			if err != nil || !strings.Contains(out, "hello from testenv\nsecond line") {
				t.Errorf("%s logs: err=%v\n%s", kubectl, err, out)
			}
			out, err = testenv.Kubectl(t, kubectl, c.Kubeconfig(), "logs", "--previous", pod)
			if err != nil || !strings.Contains(out, "previous container: hello from testenv") {
				t.Errorf("%s logs --previous: err=%v\n%s", kubectl, err, out)
			}
			out, err = testenv.Kubectl(t, kubectl, c.Kubeconfig(), "exec", pod, "--", "echo", "hi")
			// kubectl 1.32 may log a benign client-side line ("Unknown stream
			// id 1, discarding message") to stderr when the stream closes.
			if err != nil || strings.TrimSpace(withoutKlog(out)) != "hi" {
				t.Errorf("%s exec echo hi: err=%v, out %q", kubectl, err, out)
			}
		}
		if err := c.AppendPodLog("appended"); err != nil {
			t.Fatal(err)
		}
		kubectl := testenv.KubectlBinaries(t)[0]
		out, err := testenv.Kubectl(t, kubectl, c.Kubeconfig(), "logs", "--tail=1", pod)
		if err != nil || strings.TrimSpace(out) != "appended" {
			t.Errorf("logs --tail=1 after AppendPodLog: err=%v, out %q", err, out)
		}
		portForward(t, kubectl, c.Kubeconfig(), pod)
	})
}

// portForward runs `kubectl port-forward POD :80` and fetches a page through
// it from the cluster's default port-forward target.
func portForward(t *testing.T, kubectl, kubeconfig, pod string) {
	cmd := exec.Command(kubectl, "--kubeconfig="+kubeconfig, "--cache-dir="+t.TempDir(), "port-forward", pod, ":80")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	// "Forwarding from 127.0.0.1:41234 -> 80"
	re := regexp.MustCompile(`Forwarding from (127\.0\.0\.1:\d+) -> 80`)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	var addr string
	select {
	case addr = <-found:
	case <-time.After(30 * time.Second):
		t.Fatal("kubectl port-forward did not report its local port within 30 s")
	}
	resp, err := http.Get("http://" + addr + "/through/port-forward")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if want := testenv.PortForwardBanner + ": GET /through/port-forward\n"; string(body) != want {
		t.Errorf("port-forward response %q, want %q", body, want)
	}
}

// TestConcurrentAPIServers runs two apiserver-only clusters at once and
// checks they are separate, that identities do not cross, and that Stop
// makes a cluster go away.
func TestConcurrentAPIServers(t *testing.T) {
	t.Parallel()
	began := time.Now()
	clusters := testenv.StartAll(t, testenv.Options{Name: "one"}, testenv.Options{Name: "two"})
	t.Logf("two apiserver-only clusters started concurrently, ready in %s", time.Since(began).Round(time.Millisecond))
	a, b := clusters[0], clusters[1]
	if a.URL() == b.URL() || a.Dir() == b.Dir() {
		t.Fatalf("clusters share URL or directory: %s %s", a.URL(), b.URL())
	}
	ctx := t.Context()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "only-in-one"}}
	if _, err := a.Client().CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Client().CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace created in one is visible in two: err = %v", err)
	}
	// A certificate minted by one cluster's CA means nothing to the other.
	foreign := kubernetes.NewForConfigOrDie(withHostAndCA(a.UserConfig("alice", "system:masters"), b))
	if _, err := foreign.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); !apierrors.IsUnauthorized(err) {
		t.Errorf("cluster one's user at cluster two: err = %v, want Unauthorized", err)
	}

	a.Stop()
	a.Stop() // idempotent
	if _, err := a.Client().Discovery().ServerVersion(); err == nil {
		t.Error("stopped cluster still answers")
	}
	if v, err := b.Client().Discovery().ServerVersion(); err != nil {
		t.Errorf("the other cluster stopped answering: %v", err)
	} else if !strings.HasPrefix(v.GitVersion, "v1.") {
		t.Errorf("server version %q", v.GitVersion)
	}
}

// waitRunning polls until n pods matching selector in "default" are Running.
func waitRunning(t *testing.T, cs kubernetes.Interface, selector string, n int) []corev1.Pod {
	t.Helper()
	var running []corev1.Pod
	eventually(t, 60*time.Second, func() error {
		list, err := cs.CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return err
		}
		running = running[:0]
		var phases []string
		for _, p := range list.Items {
			phases = append(phases, p.Name+"="+string(p.Status.Phase))
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
				running = append(running, p)
			}
		}
		if len(running) != n {
			return fmt.Errorf("%d of %d pods Running: %v", len(running), n, phases)
		}
		return nil
	})
	return running
}

// bindView gives user the "view" ClusterRole in "default".
func bindView(t *testing.T, c *testenv.Cluster, user string) {
	t.Helper()
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user + "-view", Namespace: "default"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
	}
	if _, err := c.Client().RbacV1().RoleBindings("default").Create(t.Context(), rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// eventually calls f every 200 ms until it returns nil, failing the test
// with f's last error after timeout.
func eventually(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing after %s: %v", timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// withHostAndCA points cfg, with its credentials, at another cluster.
func withHostAndCA(cfg *rest.Config, c *testenv.Cluster) *rest.Config {
	cfg.Host = c.URL()
	cfg.TLSClientConfig.CAData = c.CAData()
	return cfg
}

// klogLine is a client-side log line of kubectl (E1130 22:01:58.449550 ...).
var klogLine = regexp.MustCompile(`^[EWI][0-9]{4} [0-9:.]+ +[0-9]+ [^ ]+:[0-9]+\] `)

// withoutKlog drops kubectl's own log lines from its combined output.
func withoutKlog(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if !klogLine.MatchString(l) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
