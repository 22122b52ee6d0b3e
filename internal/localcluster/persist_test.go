package localcluster

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// waitFor polls cond every 100 ms until it returns nil, failing the test
// with cond's last error after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %v", timeout, what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kwokNodes returns the names of the cluster's kwok nodes, sorted.
func kwokNodes(ctx context.Context, cs kubernetes.Interface) ([]string, error) {
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, n := range list.Items {
		if n.Annotations[kwokAnnotationKey] == kwokAnnotationValue {
			names = append(names, n.Name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// runningPods checks that the deployment's pods are exactly want, all
// Running, on the given nodes only, and returns their names.
func runningPods(ctx context.Context, cs kubernetes.Interface, app string, want int, nodes []string) ([]string, error) {
	list, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range list.Items {
		if p.DeletionTimestamp != nil {
			return nil, fmt.Errorf("pod %s is being deleted", p.Name)
		}
		if p.Status.Phase != corev1.PodRunning {
			return nil, fmt.Errorf("pod %s is %s", p.Name, p.Status.Phase)
		}
		if !slices.Contains(nodes, p.Spec.NodeName) {
			return nil, fmt.Errorf("pod %s is on node %q, not one of %v", p.Name, p.Spec.NodeName, nodes)
		}
		names = append(names, p.Name)
	}
	if len(names) != want {
		return nil, fmt.Errorf("%d pods, want %d", len(names), want)
	}
	return names, nil
}

func createDeployment(ctx context.Context, cs kubernetes.Interface, name string, replicas int32) error {
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}
	_, err := cs.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{})
	return err
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// TestPersistentRestart starts a persistent cluster, fills it, stops it and
// starts it again on the same directory twice (more nodes, then fewer):
// the objects, the PKI and the admin token survive, the nodes are
// reconciled rather than duplicated, and clients, kubeconfigs and pod logs
// work on the new ports.
func TestPersistentRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opts := Options{Name: "persist", Dir: dir, Full: true, Nodes: 2, Persist: true, Logger: testLogger(t)}

	began := time.Now()
	c1, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first start: %s", time.Since(began).Round(time.Millisecond))
	stopped := false
	defer func() {
		if !stopped {
			c1.Stop()
		}
	}()
	if c1.Restarted() {
		t.Error("the first start reports a restart")
	}
	cs := c1.Client()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kept"}, Data: map[string]string{"k": "v"}}
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := createDeployment(ctx, cs, "web", 4); err != nil {
		t.Fatal(err)
	}
	var before []string
	waitFor(t, 30*time.Second, "4 running pods", func() (err error) {
		before, err = runningPods(ctx, cs, "web", 4, []string{"kwok-node-0", "kwok-node-1"})
		return err
	})
	userKubeconfig, err := c1.UserKubeconfig("alice")
	if err != nil {
		t.Fatal(err)
	}
	url1, ca1, token1 := c1.URL(), c1.CAData(), c1.AdminToken()

	// A second cluster on the same directory is refused while this one runs.
	if c, err := Start(ctx, opts); err == nil {
		c.Stop()
		t.Fatal("a second cluster started on a directory in use")
	} else if !strings.Contains(err.Error(), "in use") {
		t.Errorf("second Start on a busy directory: %v; want it to say the directory is in use", err)
	}

	if err := c1.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true

	// Restart with one node more.
	opts.Nodes = 3
	began = time.Now()
	c2, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("restart (2 -> 3 nodes): %s", time.Since(began).Round(time.Millisecond))
	defer c2.Stop()
	if !c2.Restarted() {
		t.Error("the second start does not report a restart")
	}
	if c2.AdminToken() != token1 || string(c2.CAData()) != string(ca1) {
		t.Error("the admin token or the serving CA changed across the restart")
	}
	t.Logf("URL %s -> %s", url1, c2.URL())
	// A client built from the rewritten kubeconfig reaches the new port.
	for _, path := range []string{c2.Kubeconfig(), userKubeconfig} {
		cfg, err := clientcmd.LoadFromFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for name, cl := range cfg.Clusters {
			if cl.Server != c2.URL() {
				t.Errorf("%s: cluster %s has server %s, want %s", path, name, cl.Server, c2.URL())
			}
		}
	}
	restCfg, err := clientcmd.BuildConfigFromFlags("", c2.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	cs = kubernetes.NewForConfigOrDie(restCfg)
	got, err := cs.CoreV1().ConfigMaps("default").Get(ctx, "kept", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the ConfigMap did not survive the restart: %v", err)
	}
	if got.Data["k"] != "v" {
		t.Errorf("ConfigMap data = %v", got.Data)
	}
	if _, err := cs.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{}); err != nil {
		t.Fatalf("the Deployment did not survive the restart: %v", err)
	}
	nodes, err := kwokNodes(ctx, cs)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"kwok-node-0", "kwok-node-1", "kwok-node-2"}; !slices.Equal(nodes, want) || !slices.Equal(c2.NodeNames(), want) {
		t.Errorf("nodes after restart = %v (NodeNames %v), want %v", nodes, c2.NodeNames(), want)
	}
	after, err := runningPods(ctx, cs, "web", 4, []string{"kwok-node-0", "kwok-node-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, after) {
		t.Errorf("pods changed across the restart: %v -> %v", before, after)
	}
	// Logs go through the kubelet port, which changed.
	logs, err := cs.CoreV1().Pods("default").GetLogs(after[0], &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil || !strings.Contains(string(logs), "hello from testenv") {
		t.Errorf("pod logs after the restart: %q, %v", logs, err)
	}
	// The user certificate minted before the restart still authenticates.
	userCfg, err := clientcmd.BuildConfigFromFlags("", userKubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kubernetes.NewForConfigOrDie(userCfg).CoreV1().Pods("default").List(ctx, metav1.ListOptions{}); err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("alice's kubeconfig after the restart: %v; want a Forbidden (authenticated, no RBAC)", err)
	}
	if err := c2.Stop(); err != nil {
		t.Fatal(err)
	}

	// Restart with one node: the others go, their pods move to kwok-node-0.
	opts.Nodes = 1
	began = time.Now()
	c3, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("restart (3 -> 1 nodes): %s", time.Since(began).Round(time.Millisecond))
	defer c3.Stop()
	cs = c3.Client()
	if nodes, err := kwokNodes(ctx, cs); err != nil || !slices.Equal(nodes, []string{"kwok-node-0"}) {
		t.Errorf("nodes after restarting with 1 = %v, %v", nodes, err)
	}
	waitFor(t, 30*time.Second, "4 running pods on kwok-node-0", func() error {
		_, err := runningPods(ctx, cs, "web", 4, []string{"kwok-node-0"})
		return err
	})
	if err := c3.Stop(); err != nil {
		t.Fatal(err)
	}

	// Without Persist, the same directory gives a fresh cluster.
	opts.Persist, opts.Nodes = false, 0
	opts.Full = false
	c4, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c4.Stop()
	if c4.Restarted() || c4.AdminToken() == token1 {
		t.Error("a start without Persist kept the cluster")
	}
	if _, err := c4.Client().CoreV1().ConfigMaps("default").Get(ctx, "kept", metav1.GetOptions{}); err == nil {
		t.Error("a start without Persist kept etcd's data")
	}
	if _, err := os.Stat(c4.path(fileServingCAKey)); !os.IsNotExist(err) {
		t.Errorf("a start without Persist left the persistent CA key behind (%v)", err)
	}
}

// TestSetNodes scales a cluster 3 -> 5 -> 2 and checks the nodes and that
// the pods of a Deployment move off the deleted nodes.
func TestSetNodes(t *testing.T) {
	ctx := context.Background()
	c, err := Start(ctx, Options{Name: "scale", Full: true, Nodes: 3, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	cs := c.Client()
	if err := createDeployment(ctx, cs, "spread", 10); err != nil {
		t.Fatal(err)
	}
	all := []string{"kwok-node-0", "kwok-node-1", "kwok-node-2"}
	waitFor(t, 30*time.Second, "10 running pods", func() error {
		_, err := runningPods(ctx, cs, "spread", 10, all)
		return err
	})

	for _, step := range []struct {
		n    int
		want []string
	}{
		{5, []string{"kwok-node-0", "kwok-node-1", "kwok-node-2", "kwok-node-3", "kwok-node-4"}},
		{2, []string{"kwok-node-0", "kwok-node-1"}},
	} {
		began := time.Now()
		if err := c.SetNodes(ctx, step.n); err != nil {
			t.Fatal(err)
		}
		t.Logf("SetNodes(%d): %s", step.n, time.Since(began).Round(time.Millisecond))
		nodes, err := kwokNodes(ctx, cs)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(nodes, step.want) || !slices.Equal(c.NodeNames(), step.want) {
			t.Errorf("SetNodes(%d): nodes %v (NodeNames %v), want %v", step.n, nodes, c.NodeNames(), step.want)
		}
		for _, name := range step.want {
			n, err := cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := nodeSchedulable(n); err != nil {
				t.Errorf("SetNodes(%d): %v", step.n, err)
			}
			if n.Labels["type"] != "kwok" || n.Labels["kubernetes.io/hostname"] != name {
				t.Errorf("node %s has labels %v", name, n.Labels)
			}
		}
	}
	began := time.Now()
	// The pod GC and the scheduler's backoff (up to 10 s per pod) set the
	// pace here, and a loaded machine slows both: allow a minute and a half.
	waitFor(t, 90*time.Second, "10 running pods on the 2 nodes left", func() error {
		_, err := runningPods(ctx, cs, "spread", 10, []string{"kwok-node-0", "kwok-node-1"})
		return err
	})
	t.Logf("pods of deleted nodes replaced in %s", time.Since(began).Round(time.Millisecond))

	if err := (&Cluster{opts: Options{Name: "x"}}).SetNodes(ctx, 2); err == nil {
		t.Error("SetNodes on a cluster that is not Full succeeded")
	}
	if err := c.SetNodes(ctx, -1); err == nil {
		t.Error("SetNodes(-1) succeeded")
	}
}
