package awsemu_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/paddockhq/paddock/internal/testenv/awsemu"
)

// fast keeps the AWS-only tests quick.
var fast = awsemu.Options{NoKubernetes: true, ClusterDelay: 50 * time.Millisecond, NodegroupDelay: 50 * time.Millisecond}

func createCluster(t *testing.T, c *clients, name string, n network) *ekstypes.Cluster {
	t.Helper()
	out, err := c.eks.CreateCluster(t.Context(), &eks.CreateClusterInput{
		Name: aws.String(name), RoleArn: &n.clusterRole, Version: aws.String("1.37"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: n.subnets},
		Tags:               map[string]string{"paddock.io/cluster": name},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Cluster
}

func createNodegroup(t *testing.T, c *clients, cluster, name string, n network, desired int32) {
	t.Helper()
	_, err := c.eks.CreateNodegroup(t.Context(), &eks.CreateNodegroupInput{
		ClusterName: &cluster, NodegroupName: &name, NodeRole: &n.nodeRole, Subnets: n.subnets,
		ScalingConfig: &ekstypes.NodegroupScalingConfig{MinSize: aws.Int32(1), MaxSize: aws.Int32(5), DesiredSize: aws.Int32(desired)},
		InstanceTypes: []string{"t3.medium"}, Labels: map[string]string{"role": "worker"},
		Tags: map[string]string{"paddock.io/cluster": cluster},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEKSLifecycle runs a cluster and a nodegroup through their states,
// without a control plane, and checks EKS's refusals on the way.
func TestEKSLifecycle(t *testing.T) {
	t.Parallel()
	e := awsemu.Start(t, fast)
	c := newClients(t, e, "alice")
	ctx := t.Context()
	n := buildNetwork(t, c, "life")

	cl := createCluster(t, c, "life", n)
	if cl.Status != ekstypes.ClusterStatusCreating || *cl.Arn != "arn:aws:eks:us-east-1:"+account+":cluster/life" || cl.Endpoint != nil {
		t.Errorf("CreateCluster = %+v", cl)
	}
	_, err := c.eks.CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String("life"), RoleArn: &n.clusterRole, ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: n.subnets}})
	var inUse *ekstypes.ResourceInUseException
	if !errors.As(err, &inUse) {
		t.Errorf("duplicate CreateCluster: %v; want ResourceInUseException", err)
	}
	_, err = c.eks.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String("life")})
	if !errors.As(err, &inUse) {
		t.Errorf("DeleteCluster while CREATING: %v; want ResourceInUseException", err)
	}
	cl = waitCluster(t, c, "life", ekstypes.ClusterStatusActive)
	if cl.Endpoint == nil || !strings.HasPrefix(*cl.Endpoint, "https://") || cl.CertificateAuthority.Data == nil ||
		*cl.ResourcesVpcConfig.VpcId != n.vpc || cl.ResourcesVpcConfig.ClusterSecurityGroupId == nil || cl.Tags["paddock.io/cluster"] != "life" ||
		*cl.Version != "1.37" || cl.CreatedAt == nil || cl.Identity.Oidc.Issuer == nil {
		t.Errorf("ACTIVE cluster = %+v", cl)
	}
	list := must[*eks.ListClustersOutput](t)(c.eks.ListClusters(ctx, &eks.ListClustersInput{}))
	if len(list.Clusters) != 1 || list.Clusters[0] != "life" {
		t.Errorf("ListClusters = %v", list.Clusters)
	}

	// EKS's network interfaces hold the subnets and the cluster security
	// group.
	_, err = c.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &n.subnets[0]})
	wantCode(t, err, "DependencyViolation")

	createNodegroup(t, c, "life", "workers", n, 2)
	_, err = c.eks.UpdateNodegroupConfig(ctx, &eks.UpdateNodegroupConfigInput{ClusterName: aws.String("life"), NodegroupName: aws.String("workers"),
		ScalingConfig: &ekstypes.NodegroupScalingConfig{DesiredSize: aws.Int32(3)}})
	if !errors.As(err, &inUse) {
		t.Errorf("UpdateNodegroupConfig while CREATING: %v; want ResourceInUseException", err)
	}
	ng := waitNodegroup(t, c, "life", "workers", ekstypes.NodegroupStatusActive)
	if *ng.ScalingConfig.DesiredSize != 2 || ng.Resources == nil || len(ng.Resources.AutoScalingGroups) != 1 || ng.Labels["role"] != "worker" ||
		ng.AmiType != ekstypes.AMITypesAl2023X8664Standard || ng.CapacityType != ekstypes.CapacityTypesOnDemand {
		t.Errorf("ACTIVE nodegroup = %+v", ng)
	}
	_, err = c.ec2.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &n.vpc})
	wantCode(t, err, "DependencyViolation") // the nodes' public addresses
	_, err = c.eks.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String("life")})
	if !errors.As(err, &inUse) || !strings.Contains(err.Error(), "nodegroups") {
		t.Errorf("DeleteCluster with a nodegroup: %v; want ResourceInUseException", err)
	}

	up := must[*eks.UpdateNodegroupConfigOutput](t)(c.eks.UpdateNodegroupConfig(ctx, &eks.UpdateNodegroupConfigInput{
		ClusterName: aws.String("life"), NodegroupName: aws.String("workers"), ScalingConfig: &ekstypes.NodegroupScalingConfig{DesiredSize: aws.Int32(4)}}))
	if up.Update.Status != ekstypes.UpdateStatusInProgress || up.Update.Params[0].Type != ekstypes.UpdateParamTypeDesiredSize || *up.Update.Params[0].Value != "4" {
		t.Errorf("UpdateNodegroupConfig = %+v", up.Update)
	}
	ng = waitNodegroup(t, c, "life", "workers", ekstypes.NodegroupStatusActive)
	upd := must[*eks.DescribeUpdateOutput](t)(c.eks.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: aws.String("life"), UpdateId: up.Update.Id, NodegroupName: aws.String("workers")}))
	if *ng.ScalingConfig.DesiredSize != 4 || upd.Update.Status != ekstypes.UpdateStatusSuccessful {
		t.Errorf("after scaling: desired %d, update %s", *ng.ScalingConfig.DesiredSize, upd.Update.Status)
	}
	_, err = c.eks.UpdateNodegroupConfig(ctx, &eks.UpdateNodegroupConfigInput{ClusterName: aws.String("life"), NodegroupName: aws.String("workers"),
		ScalingConfig: &ekstypes.NodegroupScalingConfig{DesiredSize: aws.Int32(9)}})
	wantCode(t, err, "InvalidParameterException")

	must[*eks.DeleteNodegroupOutput](t)(c.eks.DeleteNodegroup(ctx, &eks.DeleteNodegroupInput{ClusterName: aws.String("life"), NodegroupName: aws.String("workers")}))
	waitNodegroupGone(t, c, "life", "workers")
	del := must[*eks.DeleteClusterOutput](t)(c.eks.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String("life")}))
	if del.Cluster.Status != ekstypes.ClusterStatusDeleting {
		t.Errorf("DeleteCluster = %s", del.Cluster.Status)
	}
	// Deleting the VPC before the cluster is gone fails: its security
	// group and interfaces are still there.
	_, err = c.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &n.subnets[0]})
	wantCode(t, err, "DependencyViolation")
	waitClusterGone(t, c, "life")
	n.teardown(t, c)
	if r := e.Resources(); !r.Empty() {
		t.Errorf("left behind: %s", r)
	}
}

func TestEKSValidation(t *testing.T) {
	t.Parallel()
	e := awsemu.Start(t, fast)
	c := newClients(t, e, "alice")
	ctx := t.Context()
	n := buildNetwork(t, c, "val")
	create := func(mod func(in *eks.CreateClusterInput)) error {
		in := &eks.CreateClusterInput{Name: aws.String("val"), RoleArn: &n.clusterRole, ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: n.subnets}}
		mod(in)
		_, err := c.eks.CreateCluster(ctx, in)
		return err
	}
	for name, mod := range map[string]func(in *eks.CreateClusterInput){
		"UnknownRole": func(in *eks.CreateClusterInput) { in.RoleArn = aws.String("arn:aws:iam::" + account + ":role/nope") },
		"NodeRole":    func(in *eks.CreateClusterInput) { in.RoleArn = &n.nodeRole }, // trusts ec2, not eks
		"UnknownSubnet": func(in *eks.CreateClusterInput) {
			in.ResourcesVpcConfig.SubnetIds = []string{n.subnets[0], "subnet-0123456789abcdef0"}
		},
		"OneZone":        func(in *eks.CreateClusterInput) { in.ResourcesVpcConfig.SubnetIds = n.subnets[:1] },
		"OldVersion":     func(in *eks.CreateClusterInput) { in.Version = aws.String("1.20") },
		"BadName":        func(in *eks.CreateClusterInput) { in.Name = aws.String("-bad") },
		"ReservedTagKey": func(in *eks.CreateClusterInput) { in.Tags = map[string]string{"aws:x": "y"} },
	} {
		var ipe *ekstypes.InvalidParameterException
		if err := create(mod); !errors.As(err, &ipe) {
			t.Errorf("%s: %v; want InvalidParameterException", name, err)
		}
	}
	_, err := c.eks.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("nope")})
	var nf *ekstypes.ResourceNotFoundException
	if !errors.As(err, &nf) || *nf.ClusterName != "nope" {
		t.Errorf("DescribeCluster of a missing cluster: %v", err)
	}

	if err := create(func(*eks.CreateClusterInput) {}); err != nil {
		t.Fatal(err)
	}
	waitCluster(t, c, "val", ekstypes.ClusterStatusActive)
	ngIn := func(name string) *eks.CreateNodegroupInput {
		return &eks.CreateNodegroupInput{ClusterName: aws.String("val"), NodegroupName: aws.String(name), NodeRole: &n.nodeRole, Subnets: n.subnets}
	}
	// A node role without the worker policies.
	bare := must[*iam.CreateRoleOutput](t)(c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bare"), AssumeRolePolicyDocument: aws.String(ec2Trust)}))
	in := ngIn("a")
	in.NodeRole = bare.Role.Arn
	_, err = c.eks.CreateNodegroup(ctx, in)
	if err == nil || !strings.Contains(err.Error(), "AmazonEKSWorkerNodePolicy") {
		t.Errorf("nodegroup with a bare role: %v", err)
	}
	in = ngIn("b")
	in.InstanceTypes = []string{"t4g.medium"} // arm64 on an x86 AMI
	_, err = c.eks.CreateNodegroup(ctx, in)
	wantCode(t, err, "InvalidParameterException")
	in = ngIn("c")
	in.ScalingConfig = &ekstypes.NodegroupScalingConfig{MinSize: aws.Int32(3), MaxSize: aws.Int32(5), DesiredSize: aws.Int32(2)}
	_, err = c.eks.CreateNodegroup(ctx, in)
	wantCode(t, err, "InvalidParameterException")

	// Subnets that do not map public addresses: the nodegroup fails, as on
	// AWS, with a health issue.
	must[*ec2.ModifySubnetAttributeOutput](t)(c.ec2.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: &n.subnets[1], MapPublicIpOnLaunch: &ec2typesFalse}))
	must[*eks.CreateNodegroupOutput](t)(c.eks.CreateNodegroup(ctx, ngIn("private")))
	ng := waitNodegroup(t, c, "val", "private", ekstypes.NodegroupStatusCreateFailed)
	if len(ng.Health.Issues) != 1 || ng.Health.Issues[0].Code != ekstypes.NodegroupIssueCodeEc2SubnetInvalidConfiguration {
		t.Errorf("health = %+v", ng.Health)
	}
	// FailNodegroup injects the generic failure.
	e.FailNodegroup("doomed")
	must[*eks.CreateNodegroupOutput](t)(c.eks.CreateNodegroup(ctx, ngIn("doomed")))
	ng = waitNodegroup(t, c, "val", "doomed", ekstypes.NodegroupStatusCreateFailed)
	if ng.Health.Issues[0].Code != ekstypes.NodegroupIssueCodeNodeCreationFailure {
		t.Errorf("health = %+v", ng.Health)
	}
	_, err = c.eks.CreateNodegroup(ctx, ngIn("doomed"))
	var inUse *ekstypes.ResourceInUseException
	if !errors.As(err, &inUse) {
		t.Errorf("duplicate nodegroup: %v", err)
	}
	// A failed cluster.
	e.FailCluster("broken")
	must[*eks.CreateClusterOutput](t)(c.eks.CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String("broken"), RoleArn: &n.clusterRole,
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: n.subnets}}))
	failed := waitCluster(t, c, "broken", ekstypes.ClusterStatusFailed)
	if len(failed.Health.Issues) == 0 {
		t.Errorf("FAILED cluster without health issues: %+v", failed)
	}
	must[*eks.DeleteClusterOutput](t)(c.eks.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String("broken")}))
}

// TestFaults injects throttling, which the SDK's retryer absorbs, and
// access denials, which surface naming the action.
func TestFaults(t *testing.T) {
	t.Parallel()
	e := awsemu.Start(t, fast)
	c := newClients(t, e, "alice")
	ctx := t.Context()

	for op, code := range map[string]string{"eks:ListClusters": "ThrottlingException", "sts:GetCallerIdentity": "Throttling", "ec2:DescribeVpcs": "RequestLimitExceeded", "iam:ListRoles": "Throttling"} {
		e.Fault(op, awsemu.Fault{Code: code, Times: 2})
	}
	if _, err := c.eks.ListClusters(ctx, &eks.ListClustersInput{}); err != nil {
		t.Errorf("ListClusters through 2 throttles: %v", err)
	}
	if _, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("GetCallerIdentity through 2 throttles: %v", err)
	}
	if _, err := c.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Errorf("DescribeVpcs through 2 throttles: %v", err)
	}
	if _, err := c.iam.ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Errorf("ListRoles through 2 throttles: %v", err)
	}
	if hits := e.FaultHits("eks:ListClusters"); hits != 2 {
		t.Errorf("FaultHits = %d; want 2", hits)
	}

	// Every attempt throttled: the retryer gives up after 3.
	e.Fault("eks:*", awsemu.Fault{Code: "ThrottlingException"})
	_, err := c.eks.ListClusters(ctx, &eks.ListClustersInput{})
	wantCode(t, err, "ThrottlingException")
	if hits := e.FaultHits("eks:*"); hits != 3 {
		t.Errorf("attempts = %d; want 3", hits)
	}
	e.ClearFaults()

	e.Fault("eks:CreateCluster", awsemu.Fault{Code: "AccessDenied"})
	_, err = c.eks.CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String("denied"), RoleArn: aws.String("arn:aws:iam::" + account + ":role/x"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}}})
	var denied *ekstypes.AccessDeniedException
	want := "User: " + c.cred.ARN + " is not authorized to perform: eks:CreateCluster on resource: arn:aws:eks:us-east-1:" + account + ":cluster/denied"
	if !errors.As(err, &denied) || !strings.Contains(*denied.Message, want) {
		t.Errorf("CreateCluster denied: %v; want AccessDeniedException %q", err, want)
	}
	e.Fault("ec2:CreateVpc", awsemu.Fault{Code: "AccessDenied"})
	_, err = c.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if wantCode(t, err, "UnauthorizedOperation"); !strings.Contains(err.Error(), "ec2:CreateVpc") {
		t.Errorf("CreateVpc denied: %v", err)
	}
	e.Fault("iam:CreateRole", awsemu.Fault{Code: "AccessDenied"})
	_, err = c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(eksTrust)})
	if wantCode(t, err, "AccessDenied"); !strings.Contains(err.Error(), "iam:CreateRole on resource: arn:aws:iam::"+account+":role/r") {
		t.Errorf("CreateRole denied: %v", err)
	}
	e.ClearFaults()
	if _, err := c.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}
}
