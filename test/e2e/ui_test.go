package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/paddockhq/paddock/internal/testenv"
)

// chromium returns Debian's Chromium for Playwright; the UI tests fail
// when PADDOCK_REQUIRE_CHROMIUM=1 (CI) and it is missing, else skip.
func chromium(t *testing.T) string {
	t.Helper()
	const path = "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("PADDOCK_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("chromium is required (apt-get install chromium): %v", err)
		}
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	return path
}

// runPlaywright runs a script of web/e2e with node, giving it env, and
// fails the test with its output when it fails.
func runPlaywright(t *testing.T, script string, env ...string) {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "web", "node_modules", "playwright-core")); err != nil {
		t.Fatalf("web/node_modules is missing: run `make ui` first (%v)", err)
	}
	cmd := exec.CommandContext(t.Context(), "node", filepath.Join("e2e", script))
	cmd.Dir = filepath.Join(root, "web")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("%s output:\n%s", script, out)
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
}

// artifacts is where UI tests leave screenshots (kept after the run).
func artifacts(t *testing.T, name string) string {
	root, _ := repoRoot()
	dir := filepath.Join(root, ".cache", "artifacts", name)
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestWebUI drives the web UI in Chromium against a real server whose demo
// cluster is a real simulated cluster: sign-in, the cluster list, deploy
// with the form until pods run, import YAML with a dry-run error fixed,
// logs, a pod terminal, the browser kubectl shell, a project member who
// sees only their namespaces and a user who sees no cluster.
func TestWebUI(t *testing.T) {
	browser := chromium(t)
	s, admin, demo := startWithDemo(t)

	var project struct{ ID string }
	s.must("POST", "/v1/projects", admin, map[string]any{"cluster": demo.ID, "name": "team"}, 201, &project)
	s.must("POST", "/v1/projects/"+project.ID+"/namespaces", admin, map[string]any{"name": "team-a"}, 201, nil)
	s.createUser(admin, "pat", "pat-password-1", false)
	// nobody holds a temporary password: the UI makes them choose one.
	s.must("POST", "/v1/users", admin, map[string]any{"username": "nobody", "password": "nobody-password-1",
		"mustChangePassword": true}, 201, nil)
	s.must("POST", "/v1/bindings", admin, map[string]any{"subject": map[string]any{"kind": "User", "name": "pat"},
		"roleTemplate": "project-member", "project": project.ID}, 201, nil)

	runPlaywright(t, "ui.e2e.mjs",
		"PADDOCK_URL="+s.URL, "CHROMIUM="+browser, "ARTIFACTS="+artifacts(t, "ui"),
		"ADMIN_PASSWORD="+bootstrapPassword, "CLUSTER_ID="+demo.ID,
		"MEMBER=pat", "MEMBER_PASSWORD=pat-password-1", "MEMBER_NAMESPACE=team-a",
		"NOBODY=nobody", "NOBODY_PASSWORD=nobody-password-1")
}

// startWithDemo starts the server with its demo cluster (a real simulated
// cluster) and returns it, an admin session token and the active demo.
func startWithDemo(t *testing.T) (*server, string, clusterView) {
	t.Helper()
	bins, err := testenv.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, options{env: append([]string{testenv.BinDirEnv + "=" + bins}, bootstrapEnv...), args: []string{"--demo-cluster"}})
	admin := s.login("admin", bootstrapPassword)
	return s, admin, waitForCluster(t, s, admin, "demo", 90*time.Second)
}

// waitForCluster waits until the named cluster is active and returns it.
func waitForCluster(t *testing.T, s *server, token, name string, within time.Duration) clusterView {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var list struct{ Items []clusterView }
		s.must("GET", "/v1/clusters", token, nil, 200, &list)
		for _, c := range list.Items {
			if c.Name == name && c.State == "active" {
				return c
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster %s not active after %s: %+v", name, within, list.Items)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestUIRenderBench measures, in headless Chromium, the time from
// navigation to the clusters page showing 2,000 clusters and a pod list
// showing 5,000 pods (PADDOCK_BENCH=1; results in docs/benchmarks.md).
func TestUIRenderBench(t *testing.T) {
	if os.Getenv("PADDOCK_BENCH") != "1" {
		t.Skip("PADDOCK_BENCH=1 runs the UI benchmark")
	}
	browser := chromium(t)
	const clusters, pods, ns = 2000, 5000, "bench"
	s, admin, demo := startWithDemo(t)
	began := time.Now()
	parallel(t, 8, clusters-1, func(i int) error {
		code, body, err := s.call(t.Context(), "POST", "/v1/clusters", admin, map[string]any{"name": fmt.Sprintf("site-%04d", i),
			"labels": map[string]string{"env": []string{"prod", "staging", "dev"}[i%3]}})
		if err == nil && code != 201 {
			err = fmt.Errorf("create cluster: %d %s", code, body)
		}
		return err
	})
	t.Logf("created %d clusters in %s", clusters-1, time.Since(began).Round(time.Millisecond))
	kc := demoClient(t, s, admin, demo.ID)
	if _, err := kc.CoreV1().Namespaces().Create(t.Context(), namespace(ns), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	began = time.Now()
	parallel(t, 16, pods, func(i int) error {
		_, err := kc.CoreV1().Pods(ns).Create(t.Context(), &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod-%05d", i)},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}, metav1.CreateOptions{})
		return err
	})
	t.Logf("created %d pods in %s", pods, time.Since(began).Round(time.Millisecond))
	runPlaywright(t, "perf.mjs", "PADDOCK_URL="+s.URL, "CHROMIUM="+browser, "ADMIN_PASSWORD="+bootstrapPassword,
		"CLUSTER_ID="+demo.ID, "CLUSTERS="+strconv.Itoa(clusters), "PODS="+strconv.Itoa(pods), "POD_NAMESPACE="+ns)
}

// parallel runs fn(0..n-1) on workers goroutines and fails on the first error.
func parallel(t *testing.T, workers, n int, fn func(i int) error) {
	t.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}

// demoClient is a client-go client for a cluster through Paddock's proxy.
func demoClient(t *testing.T, s *server, token, clusterID string) kubernetes.Interface {
	cfg := &rest.Config{Host: s.URL + "/k8s/clusters/" + clusterID, BearerToken: token, QPS: 500, Burst: 1000,
		TLSClientConfig: rest.TLSClientConfig{CAData: s.CAPEM}}
	kc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return kc
}
