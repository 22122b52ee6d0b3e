package awsemu_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/paddockhq/paddock/internal/testenv/awsemu"
)

const account = "123456789012"

// clients are the real SDK clients of one principal, pointed at the
// emulator.
type clients struct {
	cred awsemu.Credential
	cfg  aws.Config
	sts  *sts.Client
	iam  *iam.Client
	ec2  *ec2.Client
	eks  *eks.Client
}

func newClients(t testing.TB, e *awsemu.Emulator, user string) *clients {
	t.Helper()
	cred, err := e.NewCredential(account, user)
	if err != nil {
		t.Fatal(err)
	}
	return clientsFor(e, cred)
}

func clientsFor(e *awsemu.Emulator, cred awsemu.Credential) *clients {
	cfg := e.Config(cred)
	return &clients{cred: cred, cfg: cfg, sts: sts.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg), ec2: ec2.NewFromConfig(cfg), eks: eks.NewFromConfig(cfg)}
}

// apiCode returns the AWS error code of err ("" when it is not an API
// error) and fails the test when err is nil.
func apiCode(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		t.Fatal("call succeeded; want an error")
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an API error", err)
	}
	return ae.ErrorCode()
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := apiCode(t, err); got != code {
		t.Fatalf("error code %q (%v); want %q", got, err, code)
	}
}

func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

const eksTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
const ec2Trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}`

// network is what a provider builds for a cluster: a VPC with two public
// subnets in two zones routed through an internet gateway, and the two
// roles.
type network struct {
	vpc, igw, rtb, assocA, assocB string
	subnets                       []string
	clusterRole, nodeRole         string
}

func buildNetwork(t testing.TB, c *clients, name string) network {
	t.Helper()
	ctx := t.Context()
	var n network
	tags := func(rt ec2types.ResourceType) []ec2types.TagSpecification {
		return []ec2types.TagSpecification{{ResourceType: rt, Tags: []ec2types.Tag{{Key: aws.String("paddock.io/cluster"), Value: aws.String(name)}}}}
	}
	vpc := must[*ec2.CreateVpcOutput](t)(c.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: tags(ec2types.ResourceTypeVpc)}))
	n.vpc = *vpc.Vpc.VpcId
	must[*ec2.ModifyVpcAttributeOutput](t)(c.ec2.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: &n.vpc, EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	igw := must[*ec2.CreateInternetGatewayOutput](t)(c.ec2.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{TagSpecifications: tags(ec2types.ResourceTypeInternetGateway)}))
	n.igw = *igw.InternetGateway.InternetGatewayId
	must[*ec2.AttachInternetGatewayOutput](t)(c.ec2.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &n.vpc}))
	rtb := must[*ec2.CreateRouteTableOutput](t)(c.ec2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &n.vpc, TagSpecifications: tags(ec2types.ResourceTypeRouteTable)}))
	n.rtb = *rtb.RouteTable.RouteTableId
	must[*ec2.CreateRouteOutput](t)(c.ec2.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &n.rtb, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &n.igw}))
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s := must[*ec2.CreateSubnetOutput](t)(c.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{
			VpcId: &n.vpc, CidrBlock: aws.String([]string{"10.0.0.0/20", "10.0.16.0/20"}[i]), AvailabilityZone: aws.String(az),
			TagSpecifications: tags(ec2types.ResourceTypeSubnet),
		}))
		id := *s.Subnet.SubnetId
		n.subnets = append(n.subnets, id)
		must[*ec2.ModifySubnetAttributeOutput](t)(c.ec2.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: &id, MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}))
		as := must[*ec2.AssociateRouteTableOutput](t)(c.ec2.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &n.rtb, SubnetId: &id}))
		if i == 0 {
			n.assocA = *as.AssociationId
		} else {
			n.assocB = *as.AssociationId
		}
	}
	cr := must[*iam.CreateRoleOutput](t)(c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name + "-cluster"), AssumeRolePolicyDocument: aws.String(eksTrust)}))
	n.clusterRole = *cr.Role.Arn
	must[*iam.AttachRolePolicyOutput](t)(c.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: cr.Role.RoleName, PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")}))
	nr := must[*iam.CreateRoleOutput](t)(c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name + "-node"), AssumeRolePolicyDocument: aws.String(ec2Trust)}))
	n.nodeRole = *nr.Role.Arn
	for _, p := range []string{"AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"} {
		must[*iam.AttachRolePolicyOutput](t)(c.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: nr.Role.RoleName, PolicyArn: aws.String("arn:aws:iam::aws:policy/" + p)}))
	}
	return n
}

// teardown deletes the network and roles in the order a provider must.
func (n network) teardown(t testing.TB, c *clients) {
	t.Helper()
	ctx := t.Context()
	for _, id := range []string{n.assocA, n.assocB} {
		must[*ec2.DisassociateRouteTableOutput](t)(c.ec2.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: aws.String(id)}))
	}
	must[*ec2.DeleteRouteTableOutput](t)(c.ec2.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: &n.rtb}))
	for _, id := range n.subnets {
		must[*ec2.DeleteSubnetOutput](t)(c.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(id)}))
	}
	must[*ec2.DetachInternetGatewayOutput](t)(c.ec2.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &n.vpc}))
	must[*ec2.DeleteInternetGatewayOutput](t)(c.ec2.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: &n.igw}))
	must[*ec2.DeleteVpcOutput](t)(c.ec2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &n.vpc}))
	for _, arn := range []string{n.clusterRole, n.nodeRole} {
		name := arn[strings.LastIndexByte(arn, '/')+1:]
		pols := must[*iam.ListAttachedRolePoliciesOutput](t)(c.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: &name}))
		for _, p := range pols.AttachedPolicies {
			must[*iam.DetachRolePolicyOutput](t)(c.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: &name, PolicyArn: p.PolicyArn}))
		}
		must[*iam.DeleteRoleOutput](t)(c.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: &name}))
	}
}

// waitCluster polls DescribeCluster until the cluster has status want.
func waitCluster(t testing.TB, c *clients, name string, want ekstypes.ClusterStatus) *ekstypes.Cluster {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out, err := c.eks.DescribeCluster(t.Context(), &eks.DescribeClusterInput{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		if out.Cluster.Status == want {
			return out.Cluster
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster %s is %s after 2 minutes; want %s (health %+v)", name, out.Cluster.Status, want, out.Cluster.Health)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitClusterGone polls until DescribeCluster answers ResourceNotFound.
func waitClusterGone(t testing.TB, c *clients, name string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, err := c.eks.DescribeCluster(t.Context(), &eks.DescribeClusterInput{Name: &name})
		var nf *ekstypes.ResourceNotFoundException
		if errors.As(err, &nf) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster %s still exists after 2 minutes", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitNodegroup(t testing.TB, c *clients, cluster, ng string, want ekstypes.NodegroupStatus) *ekstypes.Nodegroup {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out, err := c.eks.DescribeNodegroup(t.Context(), &eks.DescribeNodegroupInput{ClusterName: &cluster, NodegroupName: &ng})
		if err != nil {
			t.Fatal(err)
		}
		if out.Nodegroup.Status == want {
			return out.Nodegroup
		}
		if time.Now().After(deadline) {
			t.Fatalf("nodegroup %s is %s after 2 minutes; want %s (health %+v)", ng, out.Nodegroup.Status, want, out.Nodegroup.Health)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitNodegroupGone(t testing.TB, c *clients, cluster, ng string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, err := c.eks.DescribeNodegroup(t.Context(), &eks.DescribeNodegroupInput{ClusterName: &cluster, NodegroupName: &ng})
		var nf *ekstypes.ResourceNotFoundException
		if errors.As(err, &nf) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("nodegroup %s still exists after 2 minutes", ng)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// eksToken makes a bearer token the way aws-iam-authenticator and `aws eks
// get-token` do: a presigned sts:GetCallerIdentity URL signing the
// x-k8s-aws-id header, base64url-encoded after "k8s-aws-v1.".
func eksToken(t testing.TB, cfg aws.Config, cluster string) string {
	t.Helper()
	presign := sts.NewPresignClient(sts.NewFromConfig(cfg))
	req, err := presign.PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}, func(o *sts.PresignOptions) {
		o.ClientOptions = append(o.ClientOptions, func(o *sts.Options) {
			o.APIOptions = append(o.APIOptions,
				smithyhttp.SetHeaderValue("x-k8s-aws-id", cluster),
				smithyhttp.SetHeaderValue("X-Amz-Expires", "60"))
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return "k8s-aws-v1." + base64.RawURLEncoding.EncodeToString([]byte(req.URL))
}

func errorsAs(err error, target any) bool { return err != nil && errors.As(err, target) }

var ec2typesFalse = ec2types.AttributeBooleanValue{Value: aws.Bool(false)}
