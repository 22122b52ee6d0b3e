package eks

import (
	"context"
	"fmt"
	"net/netip"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/paddockhq/paddock/internal/provision"
)

// tagPart names the part of the network a resource is ("vpc",
// "public-0", …), so an interrupted step finds what it created.
const tagPart = "paddock.io/part"

// network creates the VPC (with createVPC); see the package documentation.
func (p *Provisioner) network(ctx context.Context, j *provision.Job) error {
	r, err := p.open(ctx, j)
	if err != nil {
		return err
	}
	if !r.params.Networking.CreateVPC {
		j.Event(ctx, "info", "using the existing subnets %v", r.params.Networking.SubnetIDs)
		return nil
	}
	zones, err := r.zones(ctx)
	if err != nil {
		return err
	}
	subnets, err := splitCIDR(r.params.Networking.CIDR)
	if err != nil {
		return err
	}
	if r.state.VPCID, err = r.ensureVPC(ctx); err != nil {
		return err
	}
	if err := r.save(ctx); err != nil {
		return err
	}
	if r.state.InternetGateway, err = r.ensureGateway(ctx); err != nil {
		return err
	}
	if err := r.save(ctx); err != nil {
		return err
	}
	r.state.PublicSubnets, r.state.PrivateSubnets = nil, nil
	for i, zone := range zones {
		pub, err := r.ensureSubnet(ctx, fmt.Sprintf("public-%d", i), zone, subnets[i], true)
		if err != nil {
			return err
		}
		priv, err := r.ensureSubnet(ctx, fmt.Sprintf("private-%d", i), zone, subnets[i+2], false)
		if err != nil {
			return err
		}
		r.state.PublicSubnets = append(r.state.PublicSubnets, pub)
		r.state.PrivateSubnets = append(r.state.PrivateSubnets, priv)
		if err := r.save(ctx); err != nil {
			return err
		}
	}
	return r.routes(ctx)
}

// zones picks the first two available zones of the region.
func (r *run) zones(ctx context.Context) ([]string, error) {
	out, err := r.aws.ec2.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{
		Filters: []ec2types.Filter{{Name: aws.String("state"), Values: []string{"available"}}}})
	if err != nil {
		return nil, explain(err)
	}
	var names []string
	for _, z := range out.AvailabilityZones {
		if z.ZoneType == nil || aws.ToString(z.ZoneType) == "availability-zone" {
			names = append(names, aws.ToString(z.ZoneName))
		}
	}
	slices.Sort(names)
	if len(names) < 2 {
		return nil, fmt.Errorf("region %s has %d available zone(s); EKS needs two", r.params.Region, len(names))
	}
	return names[:2], nil
}

// splitCIDR cuts a network in four equal parts: public 0, public 1,
// private 0, private 1.
func splitCIDR(cidr string) ([]string, error) {
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil || !pfx.Addr().Is4() {
		return nil, fmt.Errorf("networking.cidr %q: not an IPv4 network", cidr)
	}
	base := pfx.Masked().Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	bits := pfx.Bits() + 2
	size := uint32(1) << (32 - bits)
	var out []string
	for i := range uint32(4) {
		a := start + i*size
		addr := netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
		out = append(out, netip.PrefixFrom(addr, bits).String())
	}
	return out, nil
}

// fresh retries, for one call, EC2's "not found" about something just
// created: EC2 is eventually consistent.
func fresh(o *ec2.Options) {
	o.Retryer = retry.AddWithErrorCodes(o.Retryer, "InvalidVpcID.NotFound", "InvalidSubnetID.NotFound",
		"InvalidInternetGatewayID.NotFound", "InvalidRouteTableID.NotFound", "InvalidGatewayID.NotFound")
}

// filters select this cluster's resources, of one part unless part is "".
func (r *run) filters(part string, extra ...ec2types.Filter) []ec2types.Filter {
	f := []ec2types.Filter{{Name: aws.String("tag:" + TagCluster), Values: []string{r.j.ClusterID}}}
	if part != "" {
		f = append(f, ec2types.Filter{Name: aws.String("tag:" + tagPart), Values: []string{part}})
	}
	return append(f, extra...)
}

// tagSpec tags a new resource with the cluster's tags, its part and a Name.
func (r *run) tagSpec(kind ec2types.ResourceType, part string, extra map[string]string) []ec2types.TagSpecification {
	tags := []ec2types.Tag{{Key: aws.String(tagPart), Value: aws.String(part)},
		{Key: aws.String("Name"), Value: aws.String(r.state.ClusterName + "-" + part)}}
	for k, v := range r.tags() {
		tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	for k, v := range extra {
		tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return []ec2types.TagSpecification{{ResourceType: kind, Tags: tags}}
}

func (r *run) ensureVPC(ctx context.Context) (string, error) {
	found, err := r.aws.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: r.filters("vpc")})
	if err != nil {
		return "", explain(err)
	}
	var id string
	if len(found.Vpcs) > 0 {
		id = aws.ToString(found.Vpcs[0].VpcId)
	} else {
		out, err := r.aws.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(r.params.Networking.CIDR),
			TagSpecifications: r.tagSpec(ec2types.ResourceTypeVpc, "vpc", nil)})
		if err != nil {
			return "", explain(err)
		}
		id = aws.ToString(out.Vpc.VpcId)
		r.j.Event(ctx, "info", "created VPC %s (%s)", id, r.params.Networking.CIDR)
	}
	// Nodes register by their DNS names; a new VPC has no DNS hostnames.
	_, err = r.aws.ec2.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(id),
		EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}, fresh)
	return id, explain(err)
}

func (r *run) ensureGateway(ctx context.Context) (string, error) {
	found, err := r.aws.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: r.filters("igw")})
	if err != nil {
		return "", explain(err)
	}
	var id string
	attached := false
	if len(found.InternetGateways) > 0 {
		g := found.InternetGateways[0]
		id = aws.ToString(g.InternetGatewayId)
		for _, a := range g.Attachments {
			attached = attached || aws.ToString(a.VpcId) == r.state.VPCID
		}
	} else {
		out, err := r.aws.ec2.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{
			TagSpecifications: r.tagSpec(ec2types.ResourceTypeInternetGateway, "igw", nil)})
		if err != nil {
			return "", explain(err)
		}
		id = aws.ToString(out.InternetGateway.InternetGatewayId)
		r.j.Event(ctx, "info", "created internet gateway %s", id)
	}
	if !attached {
		_, err := r.aws.ec2.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(id),
			VpcId: aws.String(r.state.VPCID)}, fresh)
		if err != nil && code(err) != "Resource.AlreadyAssociated" {
			return "", explain(err)
		}
	}
	return id, nil
}

func (r *run) ensureSubnet(ctx context.Context, part, zone, cidr string, public bool) (string, error) {
	found, err := r.aws.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: r.filters(part)})
	if err != nil {
		return "", explain(err)
	}
	if len(found.Subnets) > 0 {
		return aws.ToString(found.Subnets[0].SubnetId), nil
	}
	// The tags load balancers look for.
	role := map[string]string{"kubernetes.io/role/internal-elb": "1"}
	if public {
		role = map[string]string{"kubernetes.io/role/elb": "1"}
	}
	out, err := r.aws.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(r.state.VPCID), AvailabilityZone: aws.String(zone),
		CidrBlock: aws.String(cidr), TagSpecifications: r.tagSpec(ec2types.ResourceTypeSubnet, part, role)}, fresh)
	if err != nil {
		return "", explain(err)
	}
	id := aws.ToString(out.Subnet.SubnetId)
	r.j.Event(ctx, "info", "created subnet %s (%s, %s, %s)", id, part, zone, cidr)
	if public {
		_, err = r.aws.ec2.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(id),
			MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}, fresh)
	}
	return id, explain(err)
}

// routes makes the public route table (default route to the gateway) and
// the private one, each associated with its subnets.
func (r *run) routes(ctx context.Context) error {
	for _, rt := range []struct {
		part    string
		subnets []string
		gateway string
	}{{"public-routes", r.state.PublicSubnets, r.state.InternetGateway}, {"private-routes", r.state.PrivateSubnets, ""}} {
		id, assoc, err := r.ensureRouteTable(ctx, rt.part)
		if err != nil {
			return err
		}
		if !slices.Contains(r.state.RouteTables, id) {
			r.state.RouteTables = append(r.state.RouteTables, id)
			if err := r.save(ctx); err != nil {
				return err
			}
		}
		if rt.gateway != "" {
			_, err := r.aws.ec2.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(id),
				DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(rt.gateway)}, fresh)
			if err != nil && code(err) != "RouteAlreadyExists" {
				return explain(err)
			}
		}
		for _, s := range rt.subnets {
			if slices.Contains(assoc, s) {
				continue
			}
			_, err := r.aws.ec2.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(id), SubnetId: aws.String(s)}, fresh)
			if err != nil {
				return explain(err)
			}
		}
	}
	return nil
}

// ensureRouteTable returns the route table of part and the subnets it is
// associated with.
func (r *run) ensureRouteTable(ctx context.Context, part string) (string, []string, error) {
	found, err := r.aws.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: r.filters(part)})
	if err != nil {
		return "", nil, explain(err)
	}
	if len(found.RouteTables) > 0 {
		t := found.RouteTables[0]
		var assoc []string
		for _, a := range t.Associations {
			if a.SubnetId != nil {
				assoc = append(assoc, aws.ToString(a.SubnetId))
			}
		}
		return aws.ToString(t.RouteTableId), assoc, nil
	}
	out, err := r.aws.ec2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(r.state.VPCID),
		TagSpecifications: r.tagSpec(ec2types.ResourceTypeRouteTable, part, nil)}, fresh)
	if err != nil {
		return "", nil, explain(err)
	}
	id := aws.ToString(out.RouteTable.RouteTableId)
	r.j.Event(ctx, "info", "created route table %s (%s)", id, part)
	return id, nil, nil
}

// subnets are the cluster's subnets: all four created, or the given ones.
func (r *run) subnets() []string {
	if !r.params.Networking.CreateVPC {
		return r.params.Networking.SubnetIDs
	}
	return append(slices.Clone(r.state.PublicSubnets), r.state.PrivateSubnets...)
}

// nodeSubnets are where node groups run: the public subnets of a new VPC
// (it has no NAT gateway), or the given subnets.
func (r *run) nodeSubnets() []string {
	if !r.params.Networking.CreateVPC {
		return r.params.Networking.SubnetIDs
	}
	return r.state.PublicSubnets
}
