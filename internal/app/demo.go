package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/paddockhq/paddock/internal/agent"
	apiclusters "github.com/paddockhq/paddock/internal/api/clusters"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/localcluster"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Demo cluster settings (`paddock server --demo-cluster`).
const (
	DemoClusterName  = "demo"
	demoClusterNodes = 3
	demoDirName      = "demo-cluster"
)

// demo is the running demo cluster: a local simulated cluster and the
// in-process agent connecting it.
type demo struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// StartDemoCluster starts, in the background, a simulated cluster with
// three kwok nodes from the toolchain's binaries (data in
// <data-dir>/demo-cluster), registers it as the agent cluster "demo" unless
// one exists, and connects it through an agent running in this process, the
// same path a real agent takes. Shutdown stops the agent and the cluster's
// processes. When the binaries are missing it logs how to build them and
// does nothing: the server runs on without the demo.
func (a *App) StartDemoCluster(out io.Writer) {
	if err := localcluster.CheckBinaries("", true); err != nil {
		a.log.Warn("--demo-cluster: not starting the demo cluster; run `make toolchain` to build the Kubernetes binaries it needs", "err", err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &demo{cancel: cancel, done: make(chan struct{})}
	a.demo = d
	dir := filepath.Join(a.cfg.DataDir, demoDirName)
	fmt.Fprintf(out, "  Demo cluster %q is connecting: a simulated cluster with %d kwok nodes in %s\n\n", DemoClusterName, demoClusterNodes, dir)
	go func() {
		defer close(d.done)
		if err := a.runDemo(ctx, dir); err != nil && ctx.Err() == nil {
			a.log.Warn("demo cluster stopped", "err", err)
		}
	}()
}

func (a *App) runDemo(ctx context.Context, dir string) error {
	log := a.log.With("component", "demo-cluster")
	began := time.Now()
	lc, err := localcluster.Start(ctx, localcluster.Options{Name: DemoClusterName, Dir: dir, Full: true,
		Nodes: demoClusterNodes, Logger: log})
	if err != nil {
		return err
	}
	defer func() {
		if err := lc.Stop(); err != nil {
			log.Warn("stopping the demo cluster", "err", err)
		}
		log.Info("demo cluster stopped")
	}()
	log.Info("demo cluster started", "url", lc.URL(), "kubeconfig", lc.Kubeconfig(), "took", time.Since(began).Round(time.Millisecond))
	stateFile := filepath.Join(dir, "agent-credential")
	token, err := a.demoToken(ctx, stateFile)
	if err != nil {
		return err
	}
	err = agent.Run(ctx, agent.Options{Server: a.url, Token: token, Kubeconfig: lc.Kubeconfig(),
		CAChecksum: a.bundle.Checksum(), StateFile: stateFile, Logger: a.log.With("component", "demo-agent")})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// demoToken returns what the demo agent needs to connect: "" when the
// stored credential still belongs to the "demo" cluster, otherwise a new
// registration token, for a new cluster or re-armed on the existing one.
func (a *App) demoToken(ctx context.Context, stateFile string) (string, error) {
	cs, _, err := a.store.ListClusters(ctx, DemoClusterName, store.Page{Limit: store.MaxLimit})
	if err != nil {
		return "", err
	}
	var existing *model.Cluster
	for i := range cs {
		if cs[i].Name == DemoClusterName {
			existing = &cs[i]
		}
	}
	stored, _ := os.ReadFile(stateFile)
	credential := strings.TrimSpace(string(stored))
	switch {
	case existing == nil:
		now := time.Now().UTC()
		c := &model.Cluster{ID: uuid.NewString(), Name: DemoClusterName,
			Description: "Simulated local cluster run by paddock server --demo-cluster", CreatedAt: now, UpdatedAt: now}
		if err := removeIfExists(stateFile); err != nil {
			return "", err
		}
		return apiclusters.RegisterAgent(ctx, a.store, c)
	case existing.ConnectedVia != model.ConnectAgent:
		return "", fmt.Errorf("a cluster named %q exists and is not connected through an agent; not touching it", DemoClusterName)
	case credential != "" && existing.AgentHash == auth.HashToken(credential):
		return "", nil // the agent loads the stored credential
	default:
		if err := removeIfExists(stateFile); err != nil {
			return "", err
		}
		token, err := apiclusters.RearmAgent(ctx, a.store, existing.ID, time.Now())
		a.tunnel.Disconnect(existing.ID) // an agent holding the old credential is cut off
		return token, err
	}
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// stopDemo stops the demo agent and cluster, waiting at most until ctx ends.
func (a *App) stopDemo(ctx context.Context) {
	if a.demo == nil {
		return
	}
	a.demo.cancel()
	select {
	case <-a.demo.done:
	case <-ctx.Done():
		a.log.Warn("the demo cluster did not stop in time")
	}
}
