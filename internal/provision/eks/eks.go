// Package eks is the `eks` provider: Amazon EKS clusters created in the
// account of a user's stored cloud credential (aws-sdk-go-v2, with only
// that credential: never ~/.aws, the environment or an instance role).
//
// Steps, each idempotent and recording what it created in the job's state
// before the next begins (so a restart resumes and a deprovision knows what
// to remove); everything is tagged paddock.io/cluster=<cluster id> and named
// after the cluster, so a step interrupted between creating something and
// recording it finds it again:
//
//  1. IAM roles: the cluster role (AmazonEKSClusterPolicy) and the node role
//     (AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy,
//     AmazonEC2ContainerRegistryReadOnly), unless existing ARNs are given.
//  2. Network, with createVPC: a VPC, a public and a private subnet in each
//     of two availability zones, an internet gateway, a public route table
//     (default route to the gateway) and a private one. There is no NAT
//     gateway (it costs by the hour): node groups run in the public subnets
//     with public addresses; the private subnets hold the control plane's
//     network interfaces. Otherwise the given subnets and security groups.
//  3. The EKS cluster, then waiting until it is ACTIVE.
//  4. The managed node groups, then waiting until they are ACTIVE (a group
//     that fails reports its health issues).
//  5. Connecting: a client authenticated like aws-iam-authenticator (see
//     token.go) applies the same import manifest `kubectl apply -f` gets,
//     then the step waits until the agent has connected and the cluster is
//     active through the normal agent path.
//
// Scale sets the desired size of the first node group (the cluster's node
// count), widening its min or max when needed. Deprovision removes node
// groups, the cluster, the network and the roles in dependency order,
// tolerating what is already gone.
//
// Throttling and transient failures are retried by the SDK (standard
// retryer, bounded attempts); IAM's eventual consistency (a fresh role EKS
// cannot assume yet) by the steps. An action AWS refuses is reported as
// "AWS refused <service:Action>: <message>".
package eks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/provision"
	"github.com/paddockhq/paddock/internal/store"
)

// Name is the eks provider's registry key.
const Name = "eks"

// TagCluster is the tag on everything Paddock creates in AWS; its value is
// the Paddock cluster's id.
const TagCluster = "paddock.io/cluster"

// Agents gives the import manifest that connects a cluster's agent.
type Agents interface {
	// Manifest re-arms the cluster's registration and returns its import
	// manifest (YAML) holding a new one-time token: the manifest the
	// import flow serves.
	Manifest(ctx context.Context, clusterID string) ([]byte, error)
}

// Provisioner is the eks provider.
type Provisioner struct {
	Store  store.Store
	Agents Agents
	AWS    AWS
	// Poll is the first delay of waits (doubling up to MaxPoll); zero
	// means 2 s and 15 s.
	Poll, MaxPoll time.Duration
}

var _ provision.Provisioner = (*Provisioner)(nil)

// Name is "eks".
func (p *Provisioner) Name() string { return Name }

// State is what the steps created (and found), saved after each change.
type State struct {
	// ClusterName is the EKS cluster's name, fixed at the first step.
	ClusterName string `json:"clusterName"`
	// Role ARNs used; Created* say Paddock made them (and removes them).
	ClusterRoleARN     string `json:"clusterRoleARN,omitempty"`
	NodeRoleARN        string `json:"nodeRoleARN,omitempty"`
	CreatedClusterRole string `json:"createdClusterRole,omitempty"`
	CreatedNodeRole    string `json:"createdNodeRole,omitempty"`
	// Network: what Paddock created (with createVPC).
	VPCID           string   `json:"vpcID,omitempty"`
	InternetGateway string   `json:"internetGateway,omitempty"`
	PublicSubnets   []string `json:"publicSubnets,omitempty"`
	PrivateSubnets  []string `json:"privateSubnets,omitempty"`
	RouteTables     []string `json:"routeTables,omitempty"`
	// ClusterCreated: the EKS cluster was asked for; NodeGroups: the node
	// groups that were.
	ClusterCreated bool     `json:"clusterCreated,omitempty"`
	NodeGroups     []string `json:"nodeGroups,omitempty"`
}

// Steps are the stages described in the package documentation.
func (p *Provisioner) Steps() []provision.Step {
	return []provision.Step{
		{Name: "create the IAM roles", Run: p.roles},
		{Name: "create the network", Run: p.network},
		{Name: "create the EKS cluster", Run: p.createCluster},
		{Name: "wait for the EKS cluster", Run: p.waitCluster},
		{Name: "create the node groups", Run: p.createNodeGroups},
		{Name: "wait for the node groups", Run: p.waitNodeGroups},
		{Name: "connect the agent", Run: p.connect},
	}
}

// Resume does nothing: the cluster lives in AWS and its agent reconnects
// by itself.
func (p *Provisioner) Resume(context.Context, *provision.Job) error { return nil }

// run is one step's view of a job: parameters, state, AWS clients.
type run struct {
	p      *Provisioner
	j      *provision.Job
	params Params
	state  State
	aws    *clients
}

// open loads the job's parameters, state and credential.
func (p *Provisioner) open(ctx context.Context, j *provision.Job) (*run, error) {
	r := &run{p: p, j: j}
	if err := json.Unmarshal(j.Params, &r.params); err != nil {
		return nil, fmt.Errorf("reading the parameters: %w", err)
	}
	if err := j.State(&r.state); err != nil {
		return nil, fmt.Errorf("reading the progress: %w", err)
	}
	if r.state.ClusterName == "" {
		r.state.ClusterName = eksName(j)
	}
	cred, err := p.Store.GetCloudCredential(ctx, r.params.CredentialID)
	if err != nil {
		return nil, fmt.Errorf("the cloud credential %s: %w (was it deleted?)", r.params.CredentialID, err)
	}
	secret, err := p.Store.GetCloudCredentialSecret(ctx, cred.ID)
	if err != nil {
		return nil, fmt.Errorf("the cloud credential %s: %w", cred.Name, err)
	}
	r.aws = p.AWS.clients(cred, secret, r.params.Region)
	return r, nil
}

// save records the state now.
func (r *run) save(ctx context.Context) error { return r.j.SaveState(ctx, r.state) }

// eksName is the EKS cluster's name: the Paddock name and the start of its
// id (unique in the account, stable when the Paddock cluster is renamed).
func eksName(j *provision.Job) string {
	id := j.ClusterID
	if len(id) > 8 {
		id = id[:8]
	}
	return j.Name + "-" + id
}

// tags are the tags on everything created: the user's and Paddock's.
func (r *run) tags() map[string]string {
	out := map[string]string{TagCluster: r.j.ClusterID}
	for k, v := range r.params.Tags {
		out[k] = v
	}
	return out
}

// prefix names IAM roles: "paddock-<id start>-".
func (r *run) prefix() string {
	id := r.j.ClusterID
	if len(id) > 8 {
		id = id[:8]
	}
	return "paddock-" + id + "-"
}

// clusterActive reports whether the Paddock cluster's agent made it active.
func (p *Provisioner) clusterActive(ctx context.Context, id string) (*model.Cluster, bool, error) {
	c, err := p.Store.GetCluster(ctx, id)
	if err != nil {
		return nil, false, err
	}
	return c, c.State == model.ClusterActive, nil
}
