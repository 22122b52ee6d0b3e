package eks

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/paddockhq/paddock/internal/provision"
)

// The roles' trust policies and AWS managed policies.
const (
	clusterTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	nodeTrust    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	policyPrefix = "arn:aws:iam::aws:policy/"
)

var (
	clusterPolicies = []string{"AmazonEKSClusterPolicy"}
	nodePolicies    = []string{"AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"}
)

// roles makes sure the cluster and node roles exist: the given ARNs, or
// roles Paddock creates (named paddock-<id>-cluster / -node).
func (p *Provisioner) roles(ctx context.Context, j *provision.Job) error {
	r, err := p.open(ctx, j)
	if err != nil {
		return err
	}
	if r.params.ClusterRoleARN != "" {
		r.state.ClusterRoleARN = r.params.ClusterRoleARN
	} else {
		name := r.prefix() + "cluster"
		r.state.CreatedClusterRole = name // before creating: a deprovision then looks for it
		if err := r.save(ctx); err != nil {
			return err
		}
		if r.state.ClusterRoleARN, err = r.ensureRole(ctx, name, clusterTrust, clusterPolicies); err != nil {
			return err
		}
	}
	if r.params.NodeRoleARN != "" {
		r.state.NodeRoleARN = r.params.NodeRoleARN
	} else {
		name := r.prefix() + "node"
		r.state.CreatedNodeRole = name
		if err := r.save(ctx); err != nil {
			return err
		}
		if r.state.NodeRoleARN, err = r.ensureRole(ctx, name, nodeTrust, nodePolicies); err != nil {
			return err
		}
	}
	return r.save(ctx)
}

// ensureRole creates the role, or adopts it when this cluster created it
// before, and attaches the policies (attaching twice is harmless).
func (r *run) ensureRole(ctx context.Context, name, trust string, policies []string) (string, error) {
	var tags []iamtypes.Tag
	for k, v := range r.tags() {
		tags = append(tags, iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	var arn string
	out, err := r.aws.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name),
		AssumeRolePolicyDocument: aws.String(trust), Tags: tags,
		Description: aws.String("Paddock cluster " + r.j.Name + " (" + r.j.ClusterID + ")")})
	switch {
	case err == nil:
		arn = aws.ToString(out.Role.Arn)
		r.j.Event(ctx, "info", "created IAM role %s", name)
	case code(err) == "EntityAlreadyExists":
		if arn, err = r.adoptRole(ctx, name); err != nil {
			return "", err
		}
	default:
		return "", explain(err)
	}
	for _, pol := range policies {
		_, err := r.aws.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name),
			PolicyArn: aws.String(policyPrefix + pol)})
		if err != nil {
			return "", explain(err)
		}
	}
	return arn, nil
}

// adoptRole returns the ARN of an existing role if it is this cluster's.
func (r *run) adoptRole(ctx context.Context, name string) (string, error) {
	got, err := r.aws.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return "", explain(err)
	}
	mine, err := r.roleIsMine(ctx, name, got.Role.Tags)
	if err != nil {
		return "", err
	}
	if !mine {
		return "", fmt.Errorf("an IAM role named %s exists that Paddock did not create for this cluster", name)
	}
	return aws.ToString(got.Role.Arn), nil
}

// roleIsMine checks the role's paddock.io/cluster tag.
func (r *run) roleIsMine(ctx context.Context, name string, tags []iamtypes.Tag) (bool, error) {
	if tags == nil {
		out, err := r.aws.iam.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String(name)})
		if err != nil {
			return false, explain(err)
		}
		tags = out.Tags
	}
	for _, t := range tags {
		if aws.ToString(t.Key) == TagCluster {
			return aws.ToString(t.Value) == r.j.ClusterID, nil
		}
	}
	return false, nil
}

// deleteRole detaches every managed policy and deletes the role; a role
// that is gone, or is not this cluster's, is left alone.
func (r *run) deleteRole(ctx context.Context, name string) error {
	if name == "" {
		return nil
	}
	got, err := r.aws.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if notFound(err) {
		return nil
	}
	if err != nil {
		return explain(err)
	}
	if mine, err := r.roleIsMine(ctx, name, got.Role.Tags); err != nil || !mine {
		return err
	}
	attached, err := r.aws.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil && !notFound(err) {
		return explain(err)
	}
	if attached != nil {
		for _, pol := range attached.AttachedPolicies {
			_, err := r.aws.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: pol.PolicyArn})
			if err != nil && !notFound(err) {
				return explain(err)
			}
		}
	}
	if _, err := r.aws.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)}); err != nil && !notFound(err) {
		return explain(err)
	}
	r.j.Event(ctx, "info", "deleted IAM role %s", name)
	return nil
}
