package awsemu_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/paddockhq/paddock/internal/testenv/awsemu"
)

func TestIAMRoles(t *testing.T) {
	t.Parallel()
	e := awsemu.Start(t, awsemu.Options{NoKubernetes: true})
	c := newClients(t, e, "alice")
	ctx := t.Context()

	out, err := c.iam.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("demo-cluster"), AssumeRolePolicyDocument: aws.String(eksTrust), Path: aws.String("/paddock/"),
		Tags: []iamtypes.Tag{{Key: aws.String("owner"), Value: aws.String("paddock")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if *r.Arn != "arn:aws:iam::"+account+":role/paddock/demo-cluster" || len(r.Tags) != 1 || r.CreateDate == nil {
		t.Errorf("CreateRole = %+v", r)
	}
	got := must[*iam.GetRoleOutput](t)(c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("demo-cluster")}))
	if doc, _ := url.QueryUnescape(*got.Role.AssumeRolePolicyDocument); doc != eksTrust {
		t.Errorf("GetRole trust policy %q (decoded %q)", *got.Role.AssumeRolePolicyDocument, doc)
	}
	_, err = c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("DEMO-cluster"), AssumeRolePolicyDocument: aws.String(eksTrust)})
	var exists *iamtypes.EntityAlreadyExistsException
	if !errorsAs(err, &exists) {
		t.Errorf("duplicate (case-insensitive) CreateRole: %v; want EntityAlreadyExists", err)
	}
	_, err = c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String("{not json")})
	wantCode(t, err, "MalformedPolicyDocument")

	policy := aws.String("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")
	must[*iam.AttachRolePolicyOutput](t)(c.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("demo-cluster"), PolicyArn: policy}))
	_, err = c.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("demo-cluster"), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchPolicy")})
	var noEntity *iamtypes.NoSuchEntityException
	if !errorsAs(err, &noEntity) {
		t.Errorf("attaching an unknown policy: %v; want NoSuchEntity", err)
	}
	list := must[*iam.ListAttachedRolePoliciesOutput](t)(c.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("demo-cluster")}))
	if len(list.AttachedPolicies) != 1 || *list.AttachedPolicies[0].PolicyName != "AmazonEKSClusterPolicy" {
		t.Errorf("ListAttachedRolePolicies = %+v", list.AttachedPolicies)
	}
	_, err = c.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("demo-cluster")})
	var deleteConflict *iamtypes.DeleteConflictException
	if !errorsAs(err, &deleteConflict) {
		t.Errorf("DeleteRole with an attached policy: %v; want DeleteConflict", err)
	}
	must[*iam.TagRoleOutput](t)(c.iam.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("demo-cluster"), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))
	must[*iam.DetachRolePolicyOutput](t)(c.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("demo-cluster"), PolicyArn: policy}))
	must[*iam.DeleteRoleOutput](t)(c.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("demo-cluster")}))
	_, err = c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("demo-cluster")})
	if !errorsAs(err, &noEntity) {
		t.Errorf("GetRole after delete: %v; want NoSuchEntity", err)
	}
	if r := e.Resources(); !r.Empty() {
		t.Errorf("left behind: %s", r)
	}
}

// TestNetworkDependencies builds a cluster's network and tears it down
// in the wrong order first: EC2's dependency checks answer as AWS does.
func TestNetworkDependencies(t *testing.T) {
	t.Parallel()
	e := awsemu.Start(t, awsemu.Options{NoKubernetes: true})
	c := newClients(t, e, "alice")
	ctx := t.Context()
	n := buildNetwork(t, c, "deps")

	vpcs := must[*ec2.DescribeVpcsOutput](t)(c.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{
		Filters: []ec2types.Filter{{Name: aws.String("tag:paddock.io/cluster"), Values: []string{"deps"}}}}))
	if len(vpcs.Vpcs) != 1 || *vpcs.Vpcs[0].VpcId != n.vpc || *vpcs.Vpcs[0].CidrBlock != "10.0.0.0/16" || vpcs.Vpcs[0].State != ec2types.VpcStateAvailable {
		t.Errorf("DescribeVpcs by tag = %+v", vpcs.Vpcs)
	}
	subnets := must[*ec2.DescribeSubnetsOutput](t)(c.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{n.vpc}}}}))
	if len(subnets.Subnets) != 2 || !*subnets.Subnets[0].MapPublicIpOnLaunch || *subnets.Subnets[0].AvailableIpAddressCount != 4091 {
		t.Errorf("DescribeSubnets = %+v", subnets.Subnets)
	}
	rtbs := must[*ec2.DescribeRouteTablesOutput](t)(c.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{n.rtb}}))
	if rt := rtbs.RouteTables[0]; len(rt.Routes) != 2 || *rt.Routes[1].GatewayId != n.igw || len(rt.Associations) != 2 {
		t.Errorf("DescribeRouteTables = %+v", rt)
	}
	igws := must[*ec2.DescribeInternetGatewaysOutput](t)(c.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{
		Filters: []ec2types.Filter{{Name: aws.String("attachment.vpc-id"), Values: []string{n.vpc}}}}))
	if len(igws.InternetGateways) != 1 || *igws.InternetGateways[0].Attachments[0].VpcId != n.vpc {
		t.Errorf("DescribeInternetGateways = %+v", igws.InternetGateways)
	}

	// A security group referenced by another.
	sg := must[*ec2.CreateSecurityGroupOutput](t)(c.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("nodes"), Description: aws.String("nodes"), VpcId: &n.vpc}))
	peer := must[*ec2.CreateSecurityGroupOutput](t)(c.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("lb"), Description: aws.String("load balancers"), VpcId: &n.vpc}))
	perm := ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443),
		IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}, UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: peer.GroupId}}}
	auth := must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(c.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{perm}}))
	if !*auth.Return || len(auth.SecurityGroupRules) != 2 {
		t.Errorf("AuthorizeSecurityGroupIngress = %+v", auth)
	}
	_, err := c.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{perm}})
	wantCode(t, err, "InvalidPermission.Duplicate")
	groups := must[*ec2.DescribeSecurityGroupsOutput](t)(c.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*sg.GroupId}}))
	if p := groups.SecurityGroups[0].IpPermissions; len(p) != 1 || *p[0].FromPort != 443 || len(p[0].UserIdGroupPairs) != 1 || len(p[0].IpRanges) != 1 {
		t.Errorf("ingress = %+v", p)
	}
	_, err = c.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: peer.GroupId})
	wantCode(t, err, "DependencyViolation")

	_, err = c.ec2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &n.vpc})
	wantCode(t, err, "DependencyViolation")
	_, err = c.ec2.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: &n.igw})
	wantCode(t, err, "DependencyViolation")
	_, err = c.ec2.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: &n.rtb})
	wantCode(t, err, "DependencyViolation")
	_, err = c.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &n.vpc, CidrBlock: aws.String("10.0.8.0/24")})
	wantCode(t, err, "InvalidSubnet.Conflict")
	_, err = c.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &n.vpc, CidrBlock: aws.String("10.1.0.0/24")})
	wantCode(t, err, "InvalidSubnet.Range")
	_, err = c.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-0123456789abcdef0"}})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = c.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("no-such-filter"), Values: []string{"x"}}}})
	wantCode(t, err, "InvalidParameterValue")

	must[*ec2.DeleteSecurityGroupOutput](t)(c.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId}))
	must[*ec2.DeleteSecurityGroupOutput](t)(c.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: peer.GroupId}))
	all := must[*ec2.DescribeSecurityGroupsOutput](t)(c.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{}))
	if len(all.SecurityGroups) != 1 || *all.SecurityGroups[0].GroupName != "default" {
		t.Errorf("groups left: %+v", all.SecurityGroups)
	} else {
		_, err = c.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: all.SecurityGroups[0].GroupId})
		wantCode(t, err, "CannotDelete")
	}
	n.teardown(t, c)
	if r := e.Resources(); !r.Empty() {
		t.Errorf("left behind: %s", r)
	}

	zones := must[*ec2.DescribeAvailabilityZonesOutput](t)(c.ec2.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{}))
	if len(zones.AvailabilityZones) < 3 || *zones.AvailabilityZones[0].ZoneName != "us-east-1a" {
		t.Errorf("DescribeAvailabilityZones = %+v", zones.AvailabilityZones)
	}
	types := must[*ec2.DescribeInstanceTypesOutput](t)(c.ec2.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []ec2types.InstanceType{"t3.medium"}}))
	if it := types.InstanceTypes[0]; *it.VCpuInfo.DefaultVCpus != 2 || *it.MemoryInfo.SizeInMiB != 4096 || !slices.Contains(it.ProcessorInfo.SupportedArchitectures, ec2types.ArchitectureTypeX8664) {
		t.Errorf("DescribeInstanceTypes = %+v", it)
	}
	// Tags apply to any resource; the VPC quota is AWS's 5.
	for i := range 5 {
		v := must[*ec2.CreateVpcOutput](t)(c.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}))
		if i == 0 {
			must[*ec2.CreateTagsOutput](t)(c.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*v.Vpc.VpcId}, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("x")}}}))
			got := must[*ec2.DescribeVpcsOutput](t)(c.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("tag:Name"), Values: []string{"x"}}}}))
			if len(got.Vpcs) != 1 {
				t.Errorf("DescribeVpcs by new tag = %+v", got.Vpcs)
			}
		}
	}
	_, err = c.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	wantCode(t, err, "VpcLimitExceeded")
}
