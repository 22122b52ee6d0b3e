package eks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/paddockhq/paddock/internal/provision"
)

// taintEffects maps Kubernetes taint effects to EKS's names.
var taintEffects = map[string]ekstypes.TaintEffect{
	"NoSchedule":       ekstypes.TaintEffectNoSchedule,
	"PreferNoSchedule": ekstypes.TaintEffectPreferNoSchedule,
	"NoExecute":        ekstypes.TaintEffectNoExecute,
}

// createNodeGroups asks EKS for every node group that does not exist.
func (p *Provisioner) createNodeGroups(ctx context.Context, j *provision.Job) error {
	r, err := p.open(ctx, j)
	if err != nil {
		return err
	}
	return r.ensureGroups(ctx)
}

func (r *run) ensureGroups(ctx context.Context) error {
	for _, g := range r.params.NodeGroups {
		if !slices.Contains(r.state.NodeGroups, g.Name) {
			r.state.NodeGroups = append(r.state.NodeGroups, g.Name)
			if err := r.save(ctx); err != nil {
				return err
			}
		}
		if ng, err := r.describeNodeGroup(ctx, g.Name); err != nil || ng != nil {
			if err != nil {
				return err
			}
			continue
		}
		if err := r.createGroup(ctx, g); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) createGroup(ctx context.Context, g NodeGroup) error {
	var taints []ekstypes.Taint
	for _, t := range g.Taints {
		taints = append(taints, ekstypes.Taint{Key: aws.String(t.Key), Value: aws.String(t.Value), Effect: taintEffects[t.Effect]})
	}
	in := &eks.CreateNodegroupInput{
		ClusterName: aws.String(r.state.ClusterName), NodegroupName: aws.String(g.Name), NodeRole: aws.String(r.state.NodeRoleARN),
		Subnets: r.nodeSubnets(), AmiType: ekstypes.AMITypesAl2023X8664Standard, InstanceTypes: []string{g.InstanceType},
		DiskSize: aws.Int32(int32(g.DiskSize)), Labels: g.Labels, Taints: taints, Tags: r.tags(),
		ScalingConfig: &ekstypes.NodegroupScalingConfig{MinSize: aws.Int32(int32(g.MinSize)),
			MaxSize: aws.Int32(int32(g.MaxSize)), DesiredSize: aws.Int32(int32(g.DesiredSize))},
	}
	err := r.p.retry(ctx, consistencyTimeout, roleNotReady, func() error {
		_, err := r.aws.eks.CreateNodegroup(ctx, in)
		if code(err) == "ResourceInUseException" {
			return nil // created by an earlier attempt whose answer was lost
		}
		return err
	})
	if err != nil {
		return explain(err)
	}
	r.j.Event(ctx, "info", "node group %s requested (%d × %s)", g.Name, g.DesiredSize, g.InstanceType)
	return nil
}

// describeNodeGroup returns the node group, nil when there is none.
func (r *run) describeNodeGroup(ctx context.Context, name string) (*ekstypes.Nodegroup, error) {
	out, err := r.aws.eks.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(r.state.ClusterName),
		NodegroupName: aws.String(name)})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, explain(err)
	}
	return out.Nodegroup, nil
}

// waitNodeGroups waits until every node group is ACTIVE. A group whose
// creation fails fails the step with its health issues and stays for
// inspection; the retry of the provision (which resumes here) deletes it
// and creates it again.
func (p *Provisioner) waitNodeGroups(ctx context.Context, j *provision.Job) error {
	r, err := p.open(ctx, j)
	if err != nil {
		return err
	}
	for _, g := range r.params.NodeGroups {
		ng, err := r.describeNodeGroup(ctx, g.Name)
		if err != nil {
			return err
		}
		if ng != nil && ng.Status == ekstypes.NodegroupStatusCreateFailed {
			j.Event(ctx, "info", "node group %s failed before; creating it again", g.Name)
			if err := r.deleteNodeGroup(ctx, g.Name, true); err != nil {
				return err
			}
		}
	}
	if err := r.ensureGroups(ctx); err != nil {
		return err
	}
	last := map[string]ekstypes.NodegroupStatus{}
	return p.poll(ctx, nodeGroupTimeout, "waiting for the node groups to be ACTIVE", func() (bool, error) {
		done := true
		for _, g := range r.params.NodeGroups {
			ng, err := r.describeNodeGroup(ctx, g.Name)
			if err != nil {
				return false, err
			}
			if ng == nil {
				return false, fmt.Errorf("node group %s is gone", g.Name)
			}
			if last[g.Name] != ng.Status {
				j.Event(ctx, "info", "node group %s is %s", g.Name, ng.Status)
				last[g.Name] = ng.Status
			}
			switch ng.Status {
			case ekstypes.NodegroupStatusActive:
			case ekstypes.NodegroupStatusCreateFailed, ekstypes.NodegroupStatusDegraded, ekstypes.NodegroupStatusDeleting:
				return false, fmt.Errorf("node group %s is %s%s", g.Name, ng.Status, groupIssues(ng))
			default:
				done = false
			}
		}
		return done, nil
	})
}

// deleteNodeGroup deletes the node group (gone is fine), waiting until
// EKS accepts the deletion (a group being created or updated cannot be
// deleted yet) and, when wait is set, until it is gone.
func (r *run) deleteNodeGroup(ctx context.Context, name string, wait bool) error {
	asked := false
	return r.p.poll(ctx, deleteTimeout, "waiting for node group "+name+" to be deleted", func() (bool, error) {
		ng, err := r.describeNodeGroup(ctx, name)
		if err != nil || ng == nil {
			return ng == nil, err
		}
		switch ng.Status {
		case ekstypes.NodegroupStatusDeleting:
			return asked && !wait, nil
		case ekstypes.NodegroupStatusDeleteFailed:
			return false, fmt.Errorf("deleting node group %s failed%s", name, groupIssues(ng))
		case ekstypes.NodegroupStatusCreating, ekstypes.NodegroupStatusUpdating:
			return false, nil
		}
		_, err = r.aws.eks.DeleteNodegroup(ctx, &eks.DeleteNodegroupInput{ClusterName: aws.String(r.state.ClusterName),
			NodegroupName: aws.String(name)})
		switch {
		case notFound(err):
			return true, nil
		case code(err) == "ResourceInUseException":
			return false, nil
		case err != nil:
			return false, explain(err)
		}
		if !asked {
			r.j.Event(ctx, "info", "deleting node group %s", name)
		}
		asked = true
		return !wait, nil
	})
}

func groupIssues(ng *ekstypes.Nodegroup) string {
	if ng.Health == nil || len(ng.Health.Issues) == 0 {
		return ""
	}
	var parts []string
	for _, i := range ng.Health.Issues {
		parts = append(parts, fmt.Sprintf("%s: %s", i.Code, aws.ToString(i.Message)))
	}
	return ": " + strings.Join(parts, "; ")
}

// Scale sets the desired size of the first node group to nodes (its min
// or max widened when nodes is outside them) and keeps the new size in the
// parameters. It returns once EKS accepted the change; the nodes come and
// go in the background.
func (p *Provisioner) Scale(ctx context.Context, j *provision.Job, nodes int) error {
	if nodes < 0 || nodes > MaxGroupSize {
		return fmt.Errorf("nodes: %d is not within 0-%d", nodes, MaxGroupSize)
	}
	r, err := p.open(ctx, j)
	if err != nil {
		return err
	}
	g := &r.params.NodeGroups[0]
	g.DesiredSize, g.MinSize, g.MaxSize = nodes, min(g.MinSize, nodes), max(g.MaxSize, nodes, 1)
	_, err = r.aws.eks.UpdateNodegroupConfig(ctx, &eks.UpdateNodegroupConfigInput{ClusterName: aws.String(r.state.ClusterName),
		NodegroupName: aws.String(g.Name), ScalingConfig: &ekstypes.NodegroupScalingConfig{MinSize: aws.Int32(int32(g.MinSize)),
			MaxSize: aws.Int32(int32(g.MaxSize)), DesiredSize: aws.Int32(int32(g.DesiredSize))}})
	if err != nil {
		return explain(err)
	}
	b, err := json.Marshal(r.params)
	if err != nil {
		return err
	}
	return j.SaveParams(ctx, json.RawMessage(b))
}
