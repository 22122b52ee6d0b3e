package eks

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/paddockhq/paddock/internal/provision"
)

// fieldManager owns what Paddock applies.
const fieldManager = "paddock"

// connect installs the agent with the import manifest and waits until the
// cluster is active through it. An agent that registered before (a
// restart, a retry) gets a minute to reconnect before it is installed
// again with a new registration.
func (p *Provisioner) connect(ctx context.Context, j *provision.Job) error {
	r, err := p.open(ctx, j)
	if err != nil {
		return err
	}
	c, active, err := p.clusterActive(ctx, j.ClusterID)
	if err != nil || active {
		return err
	}
	if c.AgentHash != "" {
		if err := p.waitAgent(ctx, j, agentReconnect); err == nil || ctx.Err() != nil {
			return err
		}
	}
	if err := r.installAgent(ctx); err != nil {
		return err
	}
	j.Event(ctx, "info", "agent installed; waiting for it to connect")
	return p.waitAgent(ctx, j, agentTimeout)
}

// waitAgent waits until the cluster is active, reading the store each
// second (cheap, and the agent is noticed at once).
func (p *Provisioner) waitAgent(ctx context.Context, j *provision.Job, limit time.Duration) error {
	return pollEvery(ctx, time.Second, time.Second, limit, "waiting for the agent to connect", func() (bool, error) {
		_, active, err := p.clusterActive(ctx, j.ClusterID)
		return active, err
	})
}

// kubeConfig is a client configuration for the EKS cluster, authenticated
// as the credential (aws-iam-authenticator token).
func (r *run) kubeConfig(ctx context.Context) (*rest.Config, error) {
	c, err := r.describeCluster(ctx)
	if err != nil {
		return nil, err
	}
	if c == nil || c.Endpoint == nil || c.CertificateAuthority == nil {
		return nil, fmt.Errorf("the EKS cluster %s has no endpoint yet", r.state.ClusterName)
	}
	ca, err := base64.StdEncoding.DecodeString(*c.CertificateAuthority.Data)
	if err != nil {
		return nil, fmt.Errorf("the EKS cluster's certificate authority: %w", err)
	}
	tok, err := token(ctx, r.aws.sts, r.state.ClusterName)
	if err != nil {
		return nil, err
	}
	return &rest.Config{Host: *c.Endpoint, BearerToken: tok, TLSClientConfig: rest.TLSClientConfig{CAData: ca},
		UserAgent: "paddock"}, nil
}

// installAgent applies the cluster's import manifest (server-side apply).
func (r *run) installAgent(ctx context.Context) error {
	cfg, err := r.kubeConfig(ctx)
	if err != nil {
		return err
	}
	manifest, err := r.p.Agents.Manifest(ctx, r.j.ClusterID)
	if err != nil {
		return fmt.Errorf("the import manifest: %w", err)
	}
	return apply(ctx, cfg, manifest)
}

// apply server-side applies every object of a YAML stream.
func apply(ctx context.Context, cfg *rest.Config, manifest []byte) error {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	groups, err := restmapper.GetAPIGroupResources(dc)
	if err != nil {
		return fmt.Errorf("the EKS cluster's API: %w", err)
	}
	mapper := restmapper.NewDiscoveryRESTMapper(groups)
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifest), 4096)
	for {
		var obj unstructured.Unstructured
		if err := dec.Decode(&obj.Object); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("the import manifest: %w", err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		gvk := obj.GroupVersionKind()
		m, err := mapper.RESTMapping(schema.GroupKind{Group: gvk.Group, Kind: gvk.Kind}, gvk.Version)
		if err != nil {
			return fmt.Errorf("applying %s %s: %w", gvk.Kind, obj.GetName(), err)
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			ri = dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
		}
		data, err := obj.MarshalJSON()
		if err != nil {
			return err
		}
		force := true
		_, err = ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, data, metav1.PatchOptions{FieldManager: fieldManager, Force: &force})
		if err != nil {
			return fmt.Errorf("applying %s %s: %w", gvk.Kind, obj.GetName(), err)
		}
	}
}
