// Package awsemu is an in-process emulator of the AWS operations Paddock's
// EKS provider calls (STS, IAM, EC2, EKS), for tests that must not touch
// real AWS. It serves plain HTTP on a loopback port, verifies every
// request's Signature Version 4 against the credentials it was given, keeps
// per-account state, moves EKS clusters and nodegroups through their states
// in the background and, when a cluster turns ACTIVE, gives it a real
// kube-apiserver (package localcluster: etcd, kube-apiserver,
// controller-manager, scheduler, kwok) that authenticates EKS tokens. Tests
// drive it with the real aws-sdk-go-v2 clients.
//
// # Starting and connecting
//
//	emu := awsemu.Start(t, awsemu.Options{})            // t.Cleanup closes it
//	cred, _ := emu.NewCredential("123456789012", "ci")  // IAM user arn:aws:iam::123456789012:user/ci
//	cfg := emu.Config(cred)                             // aws.Config: region, static credentials, BaseEndpoint
//	eksClient := eks.NewFromConfig(cfg)                 // likewise sts, iam, ec2
//
// [Emulator.URL] (http://127.0.0.1:PORT) is the endpoint of every service:
// requests are routed by the service of their SigV4 credential scope
// (sts, iam, ec2, eks). A provider that builds its own aws.Config sets
// BaseEndpoint to it (and the region to [Emulator.Region], us-east-1 by
// default; IAM may also sign for us-east-1). [New] and [Emulator.Close]
// are the non-test forms of [Start].
//
// Credentials: [Emulator.AddCredential] registers any [Credential] (access
// key, secret, optional session token, account, principal ARN: an IAM user,
// an assumed-role session "arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION"
// or the account root); [Emulator.NewCredential] makes a random IAM-user
// key. A request with an unknown key, a wrong secret, a tampered body or
// query, a missing or wrong X-Amz-Security-Token, a credential scope for
// another region, or an X-Amz-Date more than 15 minutes off is refused
// with the code each service uses (InvalidClientTokenId / AuthFailure /
// UnrecognizedClientException; SignatureDoesNotMatch /
// InvalidSignatureException; RequestExpired for EC2). What a principal
// creates belongs to its account; accounts do not see each other.
//
// # Operations
//
// Wire shapes (Query/XML for STS and IAM, EC2's own XML, REST-JSON for
// EKS, and each one's error body) follow the services, as the SDK's
// deserializers read them; the tests prove each operation with the real
// clients.
//
//   - STS: GetCallerIdentity (also as a presigned GET, answered in JSON to
//     Accept: application/json, as aws-iam-authenticator asks).
//   - IAM: CreateRole, GetRole, DeleteRole, ListRoles, AttachRolePolicy,
//     DetachRolePolicy, ListAttachedRolePolicies, TagRole, UntagRole,
//     ListRoleTags. Only AWS managed policies exist
//     (arn:aws:iam::aws:policy/AmazonEKSClusterPolicy,
//     AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy,
//     AmazonEC2ContainerRegistryReadOnly, AmazonSSMManagedInstanceCore,
//     ...). Role names are unique case-insensitively; DeleteRole with
//     attached policies is DeleteConflict; at most 10 policies per role.
//   - EC2: DescribeAvailabilityZones, DescribeInstanceTypes, CreateTags,
//     DeleteTags, CreateVpc, DescribeVpcs, DeleteVpc, ModifyVpcAttribute,
//     DescribeVpcAttribute, CreateSubnet, DescribeSubnets, DeleteSubnet,
//     ModifySubnetAttribute, CreateInternetGateway, AttachInternetGateway,
//     DetachInternetGateway, DeleteInternetGateway, DescribeInternetGateways,
//     CreateRouteTable, CreateRoute, DeleteRoute, AssociateRouteTable,
//     DisassociateRouteTable, DeleteRouteTable, DescribeRouteTables,
//     CreateSecurityGroup, DescribeSecurityGroups, DeleteSecurityGroup,
//     AuthorizeSecurityGroupIngress, RevokeSecurityGroupIngress.
//     TagSpecifications work on every create; Describe* take IDs, Filters
//     (tag:KEY, tag-key, vpc-id, ... with * and ? wildcards; an unknown
//     filter is InvalidParameterValue) and MaxResults/NextToken. IDs look
//     like AWS's (vpc-0a1b2c3d4e5f67890, subnet-…, igw-…, rtb-…,
//     rtbassoc-…, sg-…). A VPC comes with its main route table and
//     "default" security group, which go with it. There is no default VPC
//     and no NAT gateway. As on AWS: at most 5 VPCs per account;
//     DeleteVpc with subnets, an attached internet gateway, non-main route
//     tables or non-default security groups left is DependencyViolation;
//     so are DeleteInternetGateway while attached, DeleteRouteTable while
//     associated, DeleteSecurityGroup while another group's rule or an EKS
//     cluster uses it, DeleteSubnet while an EKS cluster or nodegroup (its
//     network interfaces) is in it, and DetachInternetGateway while nodes
//     in the VPC hold public addresses.
//   - EKS: CreateCluster, DescribeCluster, ListClusters, DeleteCluster,
//     CreateNodegroup, DescribeNodegroup, ListNodegroups,
//     UpdateNodegroupConfig (scaling, labels, taints), DeleteNodegroup,
//     DescribeUpdate. Create calls are idempotent for the same
//     clientRequestToken (the SDK fills it). Refusals: InvalidParameterException
//     for a role that does not exist or does not trust eks.amazonaws.com
//     (nodegroups: ec2.amazonaws.com, and it must have
//     AmazonEKSWorkerNodePolicy and AmazonEC2ContainerRegistryReadOnly
//     attached), unknown subnets or security groups, subnets not in at least
//     two zones of one VPC, a version not in [Options].KubernetesVersions
//     (1.33-1.37; the default is the last), bad names, sizes or instance
//     types, "aws:" tag keys; ResourceInUseException for a duplicate name,
//     DeleteCluster with nodegroups left or while CREATING,
//     UpdateNodegroupConfig or DeleteNodegroup while the nodegroup is
//     CREATING or UPDATING; InvalidRequestException for CreateNodegroup
//     before the cluster is ACTIVE; ResourceNotFoundException (with
//     clusterName, nodegroupName) for what does not exist. CreateCluster
//     also creates the cluster security group (eks-cluster-sg-NAME-…,
//     tagged kubernetes.io/cluster/NAME=owned), removed with the cluster.
//     Every created resource carries the request's tags.
//
// # States
//
// A cluster is CREATING for [Options].ClusterDelay (1 s by default) and at
// least until its control plane is ready (~5-8 s), then ACTIVE with
// endpoint (https://127.0.0.1:PORT), certificateAuthority.data (base64 of
// the PEM CA), identity.oidc.issuer, resourcesVpcConfig (with
// clusterSecurityGroupId and vpcId), accessConfig, tags; or FAILED with a
// health issue ([Emulator.FailCluster], or a control plane that did not
// start). DeleteCluster: DELETING for ClusterDelay, then gone with its
// control plane. A nodegroup is CREATING, UPDATING and DELETING for
// [Options].NodegroupDelay (1 s) plus the time its nodes take (well under
// a second), then ACTIVE, gone, or CREATE_FAILED with health issues:
// [Emulator.FailNodegroup] (NodeCreationFailure), a subnet with no
// 0.0.0.0/0 route to an attached internet gateway (NodeCreationFailure:
// without NAT gateways nodes could not reach the endpoint), or a subnet
// without MapPublicIpOnLaunch (Ec2SubnetInvalidConfiguration). So a
// provider's subnets must be public: a route table with 0.0.0.0/0 → igw,
// associated with them, and map-public-ip-on-launch. DescribeUpdate
// reports an UpdateNodegroupConfig as InProgress, then Successful.
//
// # The control plane and its tokens
//
// Each ACTIVE cluster's endpoint is a real kube-apiserver whose bearer
// tokens are checked by a TokenReview webhook the emulator serves, exactly
// as EKS (aws-iam-authenticator) checks them. A token is "k8s-aws-v1."
// followed by the unpadded base64url of a presigned sts:GetCallerIdentity
// URL (Action=GetCallerIdentity&Version=2011-06-15, X-Amz-Expires at most
// 900) whose signed headers include host and x-k8s-aws-id, the latter set
// to the cluster name. The URL must point at the emulator itself
// (http://127.0.0.1:PORT/, which is where an STS client with BaseEndpoint
// presigns; real EKS wants an https AWS STS host). The token is valid for
// 15 minutes after its X-Amz-Date whatever X-Amz-Expires says, and its
// signature is verified against the stored credential. Anything else is
// authenticated:false, so the apiserver answers 401. Generate a token the
// way aws-iam-authenticator does:
//
//	presign := sts.NewPresignClient(sts.NewFromConfig(cfg))
//	req, err := presign.PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.PresignOptions) {
//		o.ClientOptions = append(o.ClientOptions, func(o *sts.Options) {
//			o.APIOptions = append(o.APIOptions,
//				smithyhttp.SetHeaderValue("x-k8s-aws-id", clusterName),
//				smithyhttp.SetHeaderValue("X-Amz-Expires", "60"))
//		})
//	})
//	token := "k8s-aws-v1." + base64.RawURLEncoding.EncodeToString([]byte(req.URL))
//
// The authenticated user is the caller's ARN as GetCallerIdentity returns
// it, with UID "aws-iam-authenticator:ACCOUNT:USERID" and extras arn,
// canonicalArn, accessKeyId, principalId (and sessionName). The principal
// that created the cluster (matched by canonical ARN: an assumed-role
// session counts as its role) is in system:masters, the EKS "cluster
// creator admin", unless CreateCluster said
// accessConfig.bootstrapClusterCreatorAdminPermissions=false;
// [Emulator.MapPrincipal] gives other principals groups, like an access
// entry. Any other valid principal is authenticated with no groups, so
// RBAC refuses it (403); real EKS would answer 401 for a principal without
// an access entry. The apiserver remembers a successful token for 10 s (as
// EKS's does), so mapping changes reach new tokens at once and used ones
// within 10 s. [Emulator.Kubeconfig] gives a test an admin kubeconfig of a
// cluster's control plane, outside the AWS identity.
//
// Nodegroups are kwok nodes of the cluster, desiredSize of them, named
// like EC2 instances (ip-10-0-1-10.ec2.internal), with providerID
// aws:///ZONE/i-…, the nodegroup's labels and taints, and EKS's labels:
// eks.amazonaws.com/nodegroup, eks.amazonaws.com/nodegroup-image,
// eks.amazonaws.com/capacityType, node.kubernetes.io/instance-type,
// topology.kubernetes.io/region and zone, topology.k8s.aws/zone-id,
// kubernetes.io/arch and os. Capacity follows the instance type (t3.medium:
// 2 CPUs, 4 GiB, 17 pods). Scaling down removes the newest nodes with
// their pods, which their controllers recreate on the others. Pods on
// nodes reach Running within seconds, but no container runs, except:
//
// # The emulator plays kubelet for the agent pod
//
// With [Options].AgentBinary set to a paddock binary, the emulator runs
// the Paddock agent of every ACTIVE cluster the way its pod would run:
// when a pod labelled app.kubernetes.io/name=paddock-agent (the import
// manifest's Deployment, GET /v1/import/{token}.yaml) is Running on a
// node, it starts AgentBinary with the container's command (after the
// image's entrypoint) and args ("agent --server URL --ca-checksum SUM"),
// $(VAR) expanded, plus "--kubeconfig FILE --state-file FILE", and the
// container's environment resolved as the kubelet resolves it (env and
// envFrom: values, Secret keys such as PADDOCK_TOKEN, ConfigMap keys, pod
// fields), then [Options].AgentEnv. Instead of the in-cluster
// configuration, the kubeconfig holds the cluster's URL and CA and a
// tokenFile with a token of the pod's ServiceAccount minted through the
// TokenRequest API (bound to the pod, one hour, refreshed at 48 minutes),
// so the agent has exactly the RBAC powers the manifest gives it. The
// state file (the agent's credential) lives per cluster and namespace, so
// it survives the pod being replaced, like the agent's Secret. The process
// is restarted with a capped backoff when it exits, and stopped (SIGTERM,
// SIGKILL after 2 s) when its pod goes away (deleted Deployment or
// namespace, node scaled away: the replacement pod gets a new process) or
// the cluster is deleted. It runs on this machine, in its own process
// group, and dies with the test binary. [Emulator.Agents] lists the
// processes with their log files; nothing runs without an ACTIVE nodegroup
// (the pod stays Pending).
//
// # Faults
//
// [Emulator.Fault] makes calls of one operation ("eks:CreateCluster",
// "ec2:*", "*") fail with an AWS error, Times times or until
// [Emulator.ClearFaults]: throttling (ThrottlingException for EKS with
// 429, Throttling for STS and IAM, RequestLimitExceeded for EC2 with 503)
// is retried by the SDK's standard retryer (3 attempts);
// Code "AccessDenied" is rendered as each service denies
// (AccessDeniedException, UnauthorizedOperation, AccessDenied) with AWS's
// message "User: ARN is not authorized to perform: eks:CreateCluster on
// resource: arn:aws:eks:…:cluster/NAME …". [Emulator.FaultHits] counts
// the failed calls. [Emulator.FailNodegroup] and [Emulator.FailCluster]
// make creations fail asynchronously, as AWS's do.
//
// # Cleanup
//
// [Emulator.Resources] lists the roles, VPCs, subnets, internet gateways,
// route tables, security groups, clusters, nodegroups and running
// processes (control planes, agents) left: after a provider deletes what
// it created, Resources().Empty() must hold. [Start]'s cleanup (or
// [Emulator.Close]) stops every control plane and agent process and
// removes the emulator's directory; when the test failed it first logs
// the tails of their logs ([Emulator.LogTails]).
//
// Tests with [Options].NoKubernetes need no Kubernetes binaries: clusters
// then turn ACTIVE after ClusterDelay with an unreachable endpoint, and
// nodegroups have no nodes. Otherwise the toolchain's binaries must be
// built (`make toolchain`, see localcluster.BinDir); a cluster whose
// control plane cannot start turns FAILED with the reason in its health.
package awsemu
