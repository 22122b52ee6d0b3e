package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

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
	bins, err := testenv.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, options{env: append([]string{testenv.BinDirEnv + "=" + bins}, bootstrapEnv...), args: []string{"--demo-cluster"}})
	admin := s.login("admin", bootstrapPassword)
	demo := waitForCluster(t, s, admin, "demo", 90*time.Second)

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

