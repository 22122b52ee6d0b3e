package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/paddockhq/paddock/internal/localcluster"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/provision"
	"github.com/paddockhq/paddock/internal/provision/local"
	"github.com/paddockhq/paddock/internal/store"
)

// Demo cluster settings (`paddock server --demo-cluster`).
const (
	DemoClusterName  = "demo"
	demoClusterNodes = 3
	// legacyDemoDir is where demo clusters lived before they were made
	// through the local provider.
	legacyDemoDir = "demo-cluster"
)

// StartDemoCluster makes sure a cluster named "demo" exists, created
// through the local provider (a simulated cluster with three kwok nodes
// under <data-dir>/clusters, connected by an agent like any cluster). The
// first start provisions it; later starts find it resumed with its
// workloads; deleting it removes it like any provisioned cluster. When the
// binaries are missing it logs how to build them and does nothing.
func (a *App) StartDemoCluster(out io.Writer) {
	if err := localcluster.CheckBinaries("", true); err != nil {
		a.log.Warn("--demo-cluster: not starting the demo cluster; run `make toolchain` to build the Kubernetes binaries it needs", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	created, err := a.ensureDemo(ctx)
	if err != nil {
		a.log.Warn("--demo-cluster: not starting the demo cluster", "err", err)
		return
	}
	if created {
		fmt.Fprintf(out, "  Demo cluster %q is being created: a simulated cluster with %d kwok nodes (local provider)\n\n", DemoClusterName, demoClusterNodes)
	} else {
		fmt.Fprintf(out, "  Demo cluster %q is coming back (local provider)\n\n", DemoClusterName)
	}
}

// ensureDemo provisions the demo cluster unless it exists; it reports
// whether it started a new one.
func (a *App) ensureDemo(ctx context.Context) (bool, error) {
	cs, _, err := a.store.ListClusters(ctx, DemoClusterName, store.Page{Limit: store.MaxLimit})
	if err != nil {
		return false, err
	}
	for _, c := range cs {
		if c.Name != DemoClusterName {
			continue
		}
		if _, err := a.store.GetProvision(ctx, c.ID); err == nil {
			return false, nil // the runner resumed it
		}
		if c.Description != legacyDemoDescription {
			return false, fmt.Errorf("a cluster named %q exists that Paddock did not create; not touching it", DemoClusterName)
		}
		// A demo cluster from before the local provider: replace it.
		if err := a.store.DeleteCluster(ctx, c.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
		a.tunnel.Disconnect(c.ID)
		_ = os.RemoveAll(filepath.Join(a.cfg.DataDir, legacyDemoDir))
	}
	now := time.Now().UTC()
	c := &model.Cluster{ID: uuid.NewString(), Name: DemoClusterName, Description: demoDescription, CreatedAt: now, UpdatedAt: now}
	params, _ := json.Marshal(map[string]any{"provider": local.Name, "nodes": demoClusterNodes})
	if _, err := a.prov.Create(ctx, provision.Caller{Admin: true}, c, local.Name, params); err != nil {
		return false, err
	}
	return true, nil
}

const (
	demoDescription       = "Simulated local cluster created by paddock server --demo-cluster"
	legacyDemoDescription = "Simulated local cluster run by paddock server --demo-cluster"
)
