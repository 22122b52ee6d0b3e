package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/paddockhq/paddock/internal/provision"
)

// Name is the local provider's registry key.
const Name = "local"

// Agents connects a local cluster the way any cluster connects: an agent
// (run by the server, in-process) registers with the cluster's one-time
// token and holds a tunnel. Connect must be idempotent and return once the
// agent is started; Disconnect stops it.
type Agents interface {
	Connect(ctx context.Context, clusterID, kubeconfig, dir string) error
	Disconnect(clusterID string)
}

// Provisioner is the local provider: clusters on the Paddock host, run
// by the Manager, connected by an agent.
type Provisioner struct {
	Manager *Manager
	Agents  Agents
}

var _ provision.Provisioner = (*Provisioner)(nil)

// Name is "local".
func (p *Provisioner) Name() string { return Name }

// provisionParams is the request body's provision object.
type provisionParams struct {
	Provider string `json:"provider"`
	Nodes    int    `json:"nodes"`
}

// Validate reads {"provider":"local","nodes":N} (nodes default 3).
func (p *Provisioner) Validate(_ context.Context, _ provision.Caller, raw json.RawMessage) (json.RawMessage, error) {
	var in provisionParams
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("provision: %v (the local provider takes only \"nodes\")", err)
	}
	if in.Nodes == 0 {
		in.Nodes = 3
	}
	if err := (Params{Nodes: in.Nodes}).Validate(); err != nil {
		return nil, err
	}
	if err := p.Manager.CheckBinaries(); err != nil {
		return nil, err
	}
	return json.Marshal(Params{Nodes: in.Nodes})
}

func (p *Provisioner) params(j *provision.Job) (Params, error) {
	var v Params
	err := json.Unmarshal(j.Params, &v)
	return v, err
}

// Steps start the cluster, then connect its agent.
func (p *Provisioner) Steps() []provision.Step {
	return []provision.Step{
		{Name: "start the cluster's processes", Run: p.start},
		{Name: "connect the agent", Run: p.connect},
	}
}

func (p *Provisioner) start(ctx context.Context, j *provision.Job) error {
	params, err := p.params(j)
	if err != nil {
		return err
	}
	c, err := p.Manager.Ensure(ctx, j.ClusterID, params)
	if err != nil {
		return err
	}
	j.Event(ctx, "info", "cluster running with %d node(s) at %s", len(c.NodeNames()), c.URL())
	return nil
}

func (p *Provisioner) connect(ctx context.Context, j *provision.Job) error {
	c, ok := p.Manager.Get(j.ClusterID)
	if !ok {
		return fmt.Errorf("the cluster's processes are not running")
	}
	return p.Agents.Connect(ctx, j.ClusterID, c.Kubeconfig(), p.Manager.Dir(j.ClusterID))
}

// Resume restarts the processes and the agent after a Paddock restart.
func (p *Provisioner) Resume(ctx context.Context, j *provision.Job) error {
	if err := p.start(ctx, j); err != nil {
		return err
	}
	return p.connect(ctx, j)
}

// Scale changes the number of kwok nodes.
func (p *Provisioner) Scale(ctx context.Context, j *provision.Job, nodes int) error {
	if err := validateNodes(nodes); err != nil {
		return err
	}
	if err := p.Manager.Scale(ctx, j.ClusterID, nodes); err != nil {
		return err
	}
	// Keep the wanted size for the next restart.
	params, err := p.params(j)
	if err != nil {
		return err
	}
	params.Nodes = nodes
	return j.SaveParams(ctx, params)
}

// Deprovision stops the agent and the processes and removes the data.
func (p *Provisioner) Deprovision(ctx context.Context, j *provision.Job) error {
	p.Agents.Disconnect(j.ClusterID)
	return p.Manager.Delete(ctx, j.ClusterID)
}
