package eks

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/paddockhq/paddock/internal/provision"
)

// createCluster asks EKS for the cluster unless it exists.
func (p *Provisioner) createCluster(ctx context.Context, j *provision.Job) error {
	r, err := p.open(ctx, j)
	if err != nil {
		return err
	}
	return r.ensureCluster(ctx)
}

func (r *run) ensureCluster(ctx context.Context) error {
	name, j := r.state.ClusterName, r.j
	if c, err := r.describeCluster(ctx); err != nil || c != nil {
		if err == nil && !r.state.ClusterCreated {
			j.Event(ctx, "info", "EKS cluster %s exists (%s)", name, c.Status)
			r.state.ClusterCreated = true
			err = r.save(ctx)
		}
		return err
	}
	r.state.ClusterCreated = true // before: a deprovision after a lost answer looks for it
	if err := r.save(ctx); err != nil {
		return err
	}
	var logTypes []ekstypes.LogType
	for _, l := range r.params.Logging {
		logTypes = append(logTypes, ekstypes.LogType(l))
	}
	in := &eks.CreateClusterInput{
		Name:    aws.String(name),
		RoleArn: aws.String(r.state.ClusterRoleARN),
		Version: aws.String(r.params.KubernetesVersion),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: r.subnets(), SecurityGroupIds: r.params.Networking.SecurityGroupIDs,
			EndpointPublicAccess: r.params.EndpointPublicAccess, EndpointPrivateAccess: r.params.EndpointPrivateAccess},
		// The creator (this credential) is cluster admin: Paddock installs
		// its agent as them.
		AccessConfig: &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApiAndConfigMap,
			BootstrapClusterCreatorAdminPermissions: aws.Bool(true)},
		Tags: r.tags(),
	}
	if len(logTypes) > 0 {
		in.Logging = &ekstypes.Logging{ClusterLogging: []ekstypes.LogSetup{{Enabled: aws.Bool(true), Types: logTypes}}}
	}
	err := r.p.retry(ctx, consistencyTimeout, roleNotReady, func() error {
		_, err := r.aws.eks.CreateCluster(ctx, in)
		if code(err) == "ResourceInUseException" {
			return nil // created by an earlier attempt whose answer was lost
		}
		return err
	})
	if err != nil {
		return explain(err)
	}
	j.Event(ctx, "info", "EKS cluster %s requested (Kubernetes %s, region %s)", name, r.params.KubernetesVersion, r.params.Region)
	return nil
}

// errNotOurs is an EKS cluster of the expected name Paddock did not
// create for this cluster.
var errNotOurs = errors.New("an EKS cluster exists that Paddock did not create for this cluster")

// describeCluster returns the EKS cluster, nil when there is none.
func (r *run) describeCluster(ctx context.Context) (*ekstypes.Cluster, error) {
	out, err := r.aws.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(r.state.ClusterName)})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, explain(err)
	}
	if out.Cluster.Tags[TagCluster] != r.j.ClusterID {
		return nil, fmt.Errorf("%w: %s", errNotOurs, r.state.ClusterName)
	}
	return out.Cluster, nil
}

// waitCluster waits until the EKS cluster is ACTIVE. A cluster that fails
// fails the step with its health issues and stays for inspection; the
// retry of the provision (which resumes here) deletes it and creates it
// again.
func (p *Provisioner) waitCluster(ctx context.Context, j *provision.Job) error {
	r, err := p.open(ctx, j)
	if err != nil {
		return err
	}
	if c, err := r.describeCluster(ctx); err != nil {
		return err
	} else if c != nil && c.Status == ekstypes.ClusterStatusFailed {
		j.Event(ctx, "info", "EKS cluster %s failed before; creating it again", r.state.ClusterName)
		if err := r.deleteCluster(ctx); err != nil {
			return err
		}
	}
	if err := r.ensureCluster(ctx); err != nil {
		return err
	}
	last := ekstypes.ClusterStatus("")
	return p.poll(ctx, clusterTimeout, "waiting for the EKS cluster to be ACTIVE", func() (bool, error) {
		c, err := r.describeCluster(ctx)
		if err != nil {
			return false, err
		}
		if c == nil {
			return false, fmt.Errorf("the EKS cluster %s is gone", r.state.ClusterName)
		}
		if c.Status != last {
			j.Event(ctx, "info", "EKS cluster %s is %s", r.state.ClusterName, c.Status)
			last = c.Status
		}
		switch c.Status {
		case ekstypes.ClusterStatusActive:
			return true, nil
		case ekstypes.ClusterStatusFailed, ekstypes.ClusterStatusDeleting:
			return false, fmt.Errorf("the EKS cluster is %s%s", c.Status, clusterIssues(c.Health))
		}
		return false, nil
	})
}

func clusterIssues(h *ekstypes.ClusterHealth) string {
	if h == nil || len(h.Issues) == 0 {
		return ""
	}
	var parts []string
	for _, i := range h.Issues {
		parts = append(parts, fmt.Sprintf("%s: %s", i.Code, aws.ToString(i.Message)))
	}
	return ": " + strings.Join(parts, "; ")
}
