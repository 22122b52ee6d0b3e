package eks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/paddockhq/paddock/internal/provision"
)

// networkDeleteTimeout bounds waiting for EC2 to let go of a subnet or VPC
// (the network interfaces of a deleted cluster are released late).
const networkDeleteTimeout = 10 * time.Minute

// Deprovision removes the node groups, the cluster, the network and the
// roles Paddock created, in dependency order; what is gone already is
// skipped, so it works for a half-created cluster and runs again after a
// failure.
func (p *Provisioner) Deprovision(ctx context.Context, j *provision.Job) error {
	r, err := p.open(ctx, j)
	if err != nil {
		return err
	}
	if err := r.deleteCluster(ctx); err != nil {
		return err
	}
	if err := r.deleteNetwork(ctx); err != nil {
		return err
	}
	for _, role := range []string{r.state.CreatedNodeRole, r.state.CreatedClusterRole} {
		if err := r.deleteRole(ctx, role); err != nil {
			return err
		}
	}
	return nil
}

// deleteCluster deletes every node group of the EKS cluster, then the
// cluster, waiting until each is gone.
func (r *run) deleteCluster(ctx context.Context) error {
	c, err := r.describeCluster(ctx)
	if errors.Is(err, errNotOurs) {
		r.j.Event(ctx, "info", "%v; leaving it", err)
		return nil
	}
	if err != nil || c == nil {
		return err
	}
	groups, err := r.aws.eks.ListNodegroups(ctx, &eks.ListNodegroupsInput{ClusterName: aws.String(r.state.ClusterName)})
	if err != nil && !notFound(err) {
		return explain(err)
	}
	if groups != nil {
		for _, g := range groups.Nodegroups {
			if err := r.deleteNodeGroup(ctx, g, false); err != nil {
				return err
			}
		}
		for _, g := range groups.Nodegroups {
			if err := r.deleteNodeGroup(ctx, g, true); err != nil {
				return err
			}
		}
	}
	asked := false
	return r.p.poll(ctx, deleteTimeout, "waiting for the EKS cluster to be deleted", func() (bool, error) {
		c, err := r.describeCluster(ctx)
		if err != nil || c == nil {
			return c == nil, err
		}
		switch c.Status {
		case ekstypes.ClusterStatusDeleting, ekstypes.ClusterStatusCreating, ekstypes.ClusterStatusUpdating:
			return false, nil // being deleted, or not deletable yet
		}
		_, err = r.aws.eks.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String(r.state.ClusterName)})
		switch {
		case notFound(err):
			return true, nil
		case code(err) == "ResourceInUseException":
			return false, nil
		case err != nil:
			return false, explain(err)
		}
		if !asked {
			r.j.Event(ctx, "info", "deleting EKS cluster %s", r.state.ClusterName)
		}
		asked = true
		return false, nil
	})
}

// deleteNetwork deletes the VPCs tagged with this cluster (and the one
// recorded) with their subnets, route tables and internet gateways.
func (r *run) deleteNetwork(ctx context.Context) error {
	found, err := r.aws.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: r.filters("")})
	if err != nil {
		return explain(err)
	}
	var vpcs []string
	for _, v := range found.Vpcs {
		vpcs = append(vpcs, aws.ToString(v.VpcId))
	}
	if r.state.VPCID != "" && !slices.Contains(vpcs, r.state.VPCID) {
		vpcs = append(vpcs, r.state.VPCID) // not found by tag: maybe gone
	}
	for _, vpc := range vpcs {
		if err := r.deleteVPC(ctx, vpc); err != nil {
			return err
		}
	}
	return r.deleteGateways(ctx, "") // left unattached by an interrupted step
}

func (r *run) deleteVPC(ctx context.Context, vpc string) error {
	inVPC := ec2types.Filter{Name: aws.String("vpc-id"), Values: []string{vpc}}
	tables, err := r.aws.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: r.filters("", inVPC)})
	if err != nil {
		return explain(err)
	}
	for _, t := range tables.RouteTables {
		for _, a := range t.Associations {
			if aws.ToBool(a.Main) {
				continue
			}
			_, err := r.aws.ec2.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: a.RouteTableAssociationId})
			if err != nil && !notFound(err) {
				return explain(err)
			}
		}
	}
	subnets, err := r.aws.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: r.filters("", inVPC)})
	if err != nil {
		return explain(err)
	}
	for _, s := range subnets.Subnets {
		if err := r.deleteEC2(ctx, "subnet "+aws.ToString(s.SubnetId), func() error {
			_, err := r.aws.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: s.SubnetId})
			return err
		}); err != nil {
			return err
		}
	}
	for _, t := range tables.RouteTables {
		if err := r.deleteEC2(ctx, "route table "+aws.ToString(t.RouteTableId), func() error {
			_, err := r.aws.ec2.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: t.RouteTableId})
			return err
		}); err != nil {
			return err
		}
	}
	if err := r.deleteGateways(ctx, vpc); err != nil {
		return err
	}
	return r.deleteEC2(ctx, "VPC "+vpc, func() error {
		_, err := r.aws.ec2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpc)})
		return err
	})
}

// deleteGateways detaches (from vpc, unless "") and deletes this
// cluster's internet gateways.
func (r *run) deleteGateways(ctx context.Context, vpc string) error {
	filters := r.filters("")
	if vpc != "" {
		filters = r.filters("", ec2types.Filter{Name: aws.String("attachment.vpc-id"), Values: []string{vpc}})
	}
	gws, err := r.aws.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: filters})
	if err != nil {
		return explain(err)
	}
	for _, g := range gws.InternetGateways {
		for _, a := range g.Attachments {
			err := r.deleteEC2(ctx, "the attachment of internet gateway "+aws.ToString(g.InternetGatewayId), func() error {
				_, err := r.aws.ec2.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: g.InternetGatewayId, VpcId: a.VpcId})
				if code(err) == "Gateway.NotAttached" {
					return nil
				}
				return err
			})
			if err != nil {
				return err
			}
		}
		if err := r.deleteEC2(ctx, "internet gateway "+aws.ToString(g.InternetGatewayId), func() error {
			_, err := r.aws.ec2.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: g.InternetGatewayId})
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// deleteEC2 runs a deletion, retrying while EC2 reports a dependency still
// in use; gone already is fine.
func (r *run) deleteEC2(ctx context.Context, what string, del func() error) error {
	err := r.p.retry(ctx, networkDeleteTimeout, dependencyViolation, del)
	if notFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting %s: %w", what, explain(err))
	}
	r.j.Event(ctx, "info", "deleted %s", what)
	return nil
}
