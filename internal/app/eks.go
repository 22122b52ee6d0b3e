package app

import (
	"context"
	"time"

	"github.com/paddockhq/paddock/internal/api/cloudcreds"
	apiclusters "github.com/paddockhq/paddock/internal/api/clusters"
	kc "github.com/paddockhq/paddock/internal/clusters"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/provision/eks"
	"github.com/paddockhq/paddock/internal/store"
)

// eksProvisioner is the eks provider, reaching AWS (or, for tests, the
// endpoint of --aws-endpoint-url) with users' stored credentials.
func eksProvisioner(st store.Store, endpoint string, imp *importManifests) *eks.Provisioner {
	return &eks.Provisioner{Store: st, Agents: imp, AWS: eks.AWS{Endpoint: endpoint}}
}

// cloudTest is the cloud credential test action: sts:GetCallerIdentity.
func cloudTest(endpoint string) cloudcreds.Tester {
	aws := eks.AWS{Endpoint: endpoint}
	return func(ctx context.Context, c *model.CloudCredential, s *model.CloudSecret) (*cloudcreds.Identity, error) {
		id, err := aws.CallerIdentity(ctx, c, s)
		if err != nil {
			return nil, err
		}
		return &cloudcreds.Identity{Account: id.Account, ARN: id.ARN}, nil
	}
}

// importManifests hands provisioners the import manifest an agent
// cluster's registration token unlocks (what `kubectl apply -f` gets from
// /v1/import/{token}.yaml), with a new token.
type importManifests struct {
	store       store.Store
	externalURL string
	caChecksum  string
	image       func() string // read for each manifest (a run-time setting)
}

// Manifest re-arms the cluster's registration and renders its manifest.
func (m *importManifests) Manifest(ctx context.Context, clusterID string) ([]byte, error) {
	token, err := apiclusters.RearmAgent(ctx, m.store, clusterID, time.Now())
	if err != nil {
		return nil, err
	}
	return kc.Manifest(kc.ManifestOptions{ServerURL: m.externalURL, CAChecksum: m.caChecksum, Token: token,
		Image: m.image(), ClusterID: clusterID})
}
