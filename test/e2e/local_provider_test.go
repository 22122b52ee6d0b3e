package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/testenv"
)

// TestLocalProvider creates a cluster from Paddock with the local provider
// (real etcd, apiserver, controller-manager, scheduler and kwok on this
// host, connected by an agent like any cluster): it turns active, runs a
// workload through the proxy, scales, survives a Paddock restart with its
// workload, and deleting it removes every process and byte.
func TestLocalProvider(t *testing.T) {
	s := start(t, options{env: bootstrapEnv})
	admin := s.login("admin", bootstrapPassword)

	// Bad input is refused before anything starts.
	s.must("POST", "/v1/clusters", admin, map[string]any{"name": "bad", "provision": map[string]any{"provider": "local", "nodes": 0, "zones": 2}}, 422, nil)
	s.must("POST", "/v1/clusters", admin, map[string]any{"name": "bad", "provision": map[string]any{"provider": "nowhere"}}, 422, nil)
	s.must("POST", "/v1/clusters", admin, map[string]any{"name": "bad", "provision": map[string]any{"provider": "local", "nodes": 500}}, 422, nil)

	// The local provider runs clusters on the Paddock host: admins only,
	// even for holders of clusters-create.
	s.must("POST", "/v1/globalroles", admin, map[string]any{"name": "creator", "capabilities": []string{"clusters-create"}}, 201, nil)
	cu := s.createUser(admin, "cathy", "cathys-password", false)
	s.must("PATCH", "/v1/users/"+cu.ID, admin, map[string]any{"globalRoles": []string{"creator"}}, 200, nil)
	s.must("POST", "/v1/clusters", s.login("cathy", "cathys-password"), map[string]any{"name": "mine",
		"provision": map[string]any{"provider": "local", "nodes": 1}}, 403, nil)

	var c clusterView
	s.must("POST", "/v1/clusters", admin, map[string]any{"name": "made", "provision": map[string]any{"provider": "local", "nodes": 3}}, 201, &c)
	if c.State != "provisioning" {
		t.Fatalf("a new provisioned cluster is %q", c.State)
	}
	// The progress streams as JSON lines until provisioning is done.
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/v1/clusters/"+c.ID+"/events?follow=true", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	stream, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/x-ndjson" || !strings.Contains(string(stream), `"kind":"done"`) {
		t.Fatalf("followed events (%s):\n%s", resp.Header.Get("Content-Type"), stream)
	}
	got := s.waitState(admin, c.ID, "active", 90*time.Second)
	var events struct {
		Items []struct{ Kind, Message string }
	}
	s.must("GET", "/v1/clusters/"+c.ID+"/events", admin, nil, 200, &events)
	var lines []string
	for _, e := range events.Items {
		lines = append(lines, e.Kind+": "+e.Message)
	}
	joined := strings.Join(lines, "\n")
	for _, want := range []string{"step 1/2: start the cluster's processes", "step 2/2: connect the agent", "done: provisioned"} {
		if !strings.Contains(joined, want) {
			t.Fatalf("events lack %q:\n%s", want, joined)
		}
	}
	t.Logf("active with %d nodes; events:\n%s", got.NodeCount, joined)

	// A workload through the proxy reaches Running on the simulated nodes.
	p := &person{name: "admin", token: admin, kubeconfig: filepath.Join(t.TempDir(), "kc")}
	s.refreshKubeconfig(p)
	kubectl := func(args ...string) (string, error) {
		return testenv.Kubectl(t, testenv.SystemKubectl, p.kubeconfig, append([]string{"--context", "paddock-made"}, args...)...)
	}
	eventually(t, 30*time.Second, "a deployment rolls out", func() error {
		if out, err := kubectl("create", "deployment", "web", "--image=nginx", "--replicas=3"); err != nil && !strings.Contains(out, "AlreadyExists") {
			return fmt.Errorf("%v %s", err, out)
		}
		out, err := kubectl("rollout", "status", "deployment/web", "--timeout=20s")
		if err != nil {
			return fmt.Errorf("%v %s", err, out)
		}
		return nil
	})

	// Scale the nodes: the cluster reports 5.
	s.must("POST", "/v1/clusters/"+c.ID+"/scale", admin, map[string]any{"nodes": 5}, 200, nil)
	s.must("POST", "/v1/clusters/"+c.ID+"/scale", admin, map[string]any{"nodes": 0}, 422, nil)
	eventually(t, 30*time.Second, "5 nodes", func() error {
		out, err := kubectl("get", "nodes", "-o", "name")
		if err != nil || strings.Count(out, "node/") != 5 {
			return fmt.Errorf("%v %s", err, out)
		}
		return nil
	})

	// Paddock restarts while a second cluster is being provisioned: the
	// first comes back with its workload, the second finishes.
	var second clusterView
	s.must("POST", "/v1/clusters", admin, map[string]any{"name": "second", "provision": map[string]any{"provider": "local", "nodes": 1}}, 201, &second)
	time.Sleep(500 * time.Millisecond) // inside its first step
	s.stop()
	s = s.restart()
	admin = s.login("admin", bootstrapPassword)
	p.token = admin
	s.waitState(admin, c.ID, "active", 90*time.Second)
	s.waitState(admin, second.ID, "active", 90*time.Second)
	s.refreshKubeconfig(p)
	eventually(t, 30*time.Second, "the workload survived the restart", func() error {
		out, err := kubectl("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}")
		if err != nil || strings.TrimSpace(out) != "3" {
			return fmt.Errorf("%v %q", err, out)
		}
		return nil
	})

	// Deleting deprovisions: no process, no data.
	for _, id := range []string{c.ID, second.ID} {
		dir := filepath.Join(s.opts.dataDir, "clusters", id)
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("the cluster's data is not where expected: %v", err)
		}
		s.must("DELETE", "/v1/clusters/"+id, admin, nil, 202, nil)
		eventually(t, 60*time.Second, "the cluster is gone", func() error {
			status, _, _ := s.call(t.Context(), "GET", "/v1/clusters/"+id, admin, nil)
			if status != 404 {
				return fmt.Errorf("GET answers %d", status)
			}
			return nil
		})
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("data left behind: %v", err)
		}
		if pids := processesMentioning(dir); len(pids) > 0 {
			t.Fatalf("processes left behind: %v", pids)
		}
	}
}
