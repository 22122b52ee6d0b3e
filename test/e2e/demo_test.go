package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/testenv"
)

// TestDemoCluster runs `paddock server --demo-cluster`: the server creates
// "demo" through the local provider (a simulated cluster with three kwok
// nodes, connected by an agent); SIGTERM leaves no component process
// behind.
func TestDemoCluster(t *testing.T) {
	bins, err := testenv.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, options{env: append([]string{testenv.BinDirEnv + "=" + bins}, bootstrapEnv...), args: []string{"--demo-cluster"}})
	ready := time.Now()
	admin := s.login("admin", bootstrapPassword)

	var demo *clusterView
	deadline := time.Now().Add(90 * time.Second)
	for demo == nil {
		var list struct{ Items []clusterView }
		s.must("GET", "/v1/clusters", admin, nil, 200, &list)
		for _, c := range list.Items {
			if c.Name == "demo" && c.State == "active" && c.NodeCount == 3 {
				demo = &c
			}
		}
		if demo == nil {
			if time.Now().After(deadline) {
				t.Fatalf("no active demo cluster with 3 nodes after 90 s: %+v", list.Items)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	t.Logf("demo cluster active %s after the server was ready (server startup %s)",
		time.Since(ready).Round(time.Millisecond), s.Startup.Round(time.Millisecond))
	if demo.ConnectedVia != "agent" {
		t.Errorf("the demo cluster is connected via %q, want agent", demo.ConnectedVia)
	}

	dir := filepath.Join(s.opts.dataDir, "clusters", demo.ID)
	pids := processesMentioning(dir)
	if len(pids) < 5 { // etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok
		t.Errorf("found %d processes running from %s, want at least 5", len(pids), dir)
	}
	s.stop()
	for time.Now().Before(deadline) && len(processesMentioning(dir)) > 0 {
		time.Sleep(100 * time.Millisecond)
	}
	if left := processesMentioning(dir); len(left) > 0 {
		t.Errorf("processes of the demo cluster outlived the server: %v", left)
	}
}

// processesMentioning returns the PIDs of live processes whose command line
// contains s.
func processesMentioning(s string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(s)) {
			pids = append(pids, pid)
		}
	}
	return pids
}
