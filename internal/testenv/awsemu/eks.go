package awsemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// EKS (REST-JSON): clusters and managed nodegroups. The state transitions
// run in eks_lifecycle.go.

type eksRoute struct {
	method, action string
	path           *regexp.Regexp // named groups become call params
	op             func(e *Emulator, c *call) (int, any, *apiError)
}

var eksRoutes = []eksRoute{
	{"POST", "CreateCluster", regexp.MustCompile(`^/clusters$`), eksCreateCluster},
	{"GET", "ListClusters", regexp.MustCompile(`^/clusters$`), eksListClusters},
	{"GET", "DescribeCluster", regexp.MustCompile(`^/clusters/(?P<name>[^/]+)$`), eksDescribeCluster},
	{"DELETE", "DeleteCluster", regexp.MustCompile(`^/clusters/(?P<name>[^/]+)$`), eksDeleteCluster},
	{"POST", "CreateNodegroup", regexp.MustCompile(`^/clusters/(?P<name>[^/]+)/node-groups$`), eksCreateNodegroup},
	{"GET", "ListNodegroups", regexp.MustCompile(`^/clusters/(?P<name>[^/]+)/node-groups$`), eksListNodegroups},
	{"GET", "DescribeNodegroup", regexp.MustCompile(`^/clusters/(?P<name>[^/]+)/node-groups/(?P<nodegroupName>[^/]+)$`), eksDescribeNodegroup},
	{"DELETE", "DeleteNodegroup", regexp.MustCompile(`^/clusters/(?P<name>[^/]+)/node-groups/(?P<nodegroupName>[^/]+)$`), eksDeleteNodegroup},
	{"POST", "UpdateNodegroupConfig", regexp.MustCompile(`^/clusters/(?P<name>[^/]+)/node-groups/(?P<nodegroupName>[^/]+)/update-config$`), eksUpdateNodegroupConfig},
	{"GET", "DescribeUpdate", regexp.MustCompile(`^/clusters/(?P<name>[^/]+)/updates/(?P<updateId>[^/]+)$`), eksDescribeUpdate},
}

func (e *Emulator) serveEKS(w http.ResponseWriter, c *call, body []byte) {
	c.body = body
	var route *eksRoute
	for i := range eksRoutes {
		r := &eksRoutes[i]
		m := r.path.FindStringSubmatch(c.r.URL.Path)
		if m == nil {
			continue
		}
		if r.method != c.r.Method {
			continue
		}
		route = r
		c.params = map[string]string{}
		for j, name := range r.path.SubexpNames() {
			if name != "" {
				c.params[name] = m[j]
			}
		}
		break
	}
	if route == nil {
		writeError(w, svcEKS, c.requestID, notFound("UnknownOperationException", "No operation matches %s %s", c.r.Method, c.r.URL.Path))
		return
	}
	c.action = route.action
	// Names in the body, for fault messages.
	var names struct{ Name, NodegroupName string }
	if json.Unmarshal(body, &names) == nil {
		if c.params["name"] == "" {
			c.params["name"] = names.Name
		}
		if c.params["nodegroupName"] == "" {
			c.params["nodegroupName"] = names.NodegroupName
		}
	}
	if err := e.checkFault(c); err != nil {
		writeError(w, svcEKS, c.requestID, err)
		return
	}
	status, out, apiErr := route.op(e, c)
	if apiErr != nil {
		e.log.Debug(fmt.Sprintf("awsemu: eks:%s failed: %v", c.action, apiErr))
		writeError(w, svcEKS, c.requestID, apiErr)
		return
	}
	data, err := json.Marshal(out)
	if err != nil {
		writeError(w, svcEKS, c.requestID, errorf(500, "ServerException", "encoding the answer: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", c.requestID)
	w.WriteHeader(status)
	w.Write(data)
}

// decode reads the JSON body of c into v.
func (c *call) decode(v any) *apiError {
	if len(c.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return badRequest("SerializationException", "Could not parse the request body: %v", err)
	}
	return nil
}

func invalidParam(format string, args ...any) *apiError {
	return badRequest("InvalidParameterException", format, args...)
}

func clusterNotFound(name string) *apiError {
	err := notFound("ResourceNotFoundException", "No cluster found for name: %s.", name)
	err.Fields = map[string]string{"clusterName": name}
	return err
}

func nodegroupNotFound(cl, ng string) *apiError {
	err := notFound("ResourceNotFoundException", "No node group found for name: %s.", ng)
	err.Fields = map[string]string{"clusterName": cl, "nodegroupName": ng}
	return err
}

func resourceInUse(cl, ng, format string, args ...any) *apiError {
	err := conflict("ResourceInUseException", format, args...)
	err.Fields = map[string]string{"clusterName": cl}
	if ng != "" {
		err.Fields["nodegroupName"] = ng
	}
	return err
}

var eksNameRE = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$`)

// roleByARN finds an IAM role of the account by ARN.
func (a *account) roleByARN(arn string) *role {
	for _, r := range a.roles {
		if r.arn == arn {
			return r
		}
	}
	return nil
}

type createClusterInput struct {
	Name               string `json:"name"`
	Version            string `json:"version"`
	RoleArn            string `json:"roleArn"`
	ResourcesVpcConfig struct {
		SubnetIDs             []string `json:"subnetIds"`
		SecurityGroupIDs      []string `json:"securityGroupIds"`
		EndpointPublicAccess  *bool    `json:"endpointPublicAccess"`
		EndpointPrivateAccess *bool    `json:"endpointPrivateAccess"`
		PublicAccessCidrs     []string `json:"publicAccessCidrs"`
	} `json:"resourcesVpcConfig"`
	KubernetesNetworkConfig struct {
		ServiceIPv4CIDR string `json:"serviceIpv4Cidr"`
		IPFamily        string `json:"ipFamily"`
	} `json:"kubernetesNetworkConfig"`
	ClientRequestToken string            `json:"clientRequestToken"`
	Tags               map[string]string `json:"tags"`
	AccessConfig       struct {
		BootstrapClusterCreatorAdminPermissions *bool  `json:"bootstrapClusterCreatorAdminPermissions"`
		AuthenticationMode                      string `json:"authenticationMode"`
	} `json:"accessConfig"`
}

func eksCreateCluster(e *Emulator, c *call) (int, any, *apiError) {
	var in createClusterInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if !eksNameRE.MatchString(in.Name) {
		return 0, nil, invalidParam("The cluster name %q must satisfy the regular expression pattern: ^[0-9A-Za-z][A-Za-z0-9\\-_]*$ and be at most 100 characters", in.Name)
	}
	versions := e.opts.KubernetesVersions
	if in.Version == "" {
		in.Version = versions[len(versions)-1]
	}
	if !slices.Contains(versions, in.Version) {
		return 0, nil, invalidParam("unsupported Kubernetes version %s", in.Version)
	}
	if err := checkTags(in.Tags); err != nil {
		return 0, nil, err
	}
	authMode := in.AccessConfig.AuthenticationMode
	if authMode == "" {
		authMode = "API_AND_CONFIG_MAP"
	}
	if authMode != "API" && authMode != "API_AND_CONFIG_MAP" && authMode != "CONFIG_MAP" {
		return 0, nil, invalidParam("Unsupported authentication mode %s", authMode)
	}
	serviceCIDR := in.KubernetesNetworkConfig.ServiceIPv4CIDR
	if serviceCIDR == "" {
		serviceCIDR = "172.20.0.0/16"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a := c.acct
	if old := a.clusters[in.Name]; old != nil {
		if in.ClientRequestToken != "" && in.ClientRequestToken == old.clientToken {
			return 200, map[string]any{"cluster": old.view(e.region)}, nil // an idempotent retry
		}
		return 0, nil, resourceInUse(in.Name, "", "Cluster already exists with name: %s", in.Name)
	}
	r := a.roleByARN(in.RoleArn)
	if r == nil || !r.trusts("eks.amazonaws.com") {
		return 0, nil, invalidParam("Role with arn: %s, could not be assumed because it does not exist or the trusted entity is not correct", in.RoleArn)
	}
	vpcID, err := e.clusterNetwork(a, in.ResourcesVpcConfig.SubnetIDs, in.ResourcesVpcConfig.SecurityGroupIDs)
	if err != nil {
		return 0, nil, err
	}
	cl := &cluster{
		acct: a, name: in.Name, arn: fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", e.region, a.id, in.Name), version: in.Version,
		roleARN: in.RoleArn, subnets: in.ResourcesVpcConfig.SubnetIDs, sgs: in.ResourcesVpcConfig.SecurityGroupIDs, vpcID: vpcID,
		publicAccess: boolOr(in.ResourcesVpcConfig.EndpointPublicAccess, true), privateAccess: boolOr(in.ResourcesVpcConfig.EndpointPrivateAccess, false),
		publicCIDRs: in.ResourcesVpcConfig.PublicAccessCidrs, serviceCIDR: serviceCIDR, status: statusCreating, created: time.Now(),
		tags: in.Tags, creator: canonicalARN(c.cred.ARN), creatorAdmin: boolOr(in.AccessConfig.BootstrapClusterCreatorAdminPermissions, true),
		authMode: authMode, clientToken: in.ClientRequestToken, oidcID: strings.ToUpper(randomHex(32)), webhookKey: randomHex(32),
		nodegroups: map[string]*nodegroup{}, updates: map[string]*eksUpdate{}, access: map[string][]string{}, platformVersion: "eks.1",
	}
	if len(cl.publicCIDRs) == 0 {
		cl.publicCIDRs = []string{"0.0.0.0/0"}
	}
	// EKS creates the cluster security group in the VPC; it goes with the
	// cluster.
	sgName := fmt.Sprintf("eks-cluster-sg-%s-%s", in.Name, randomString(10, "0123456789"))
	sg := newSecurityGroup(sgName, "EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, as well as any managed workloads.",
		vpcID, map[string]string{"Name": sgName, "kubernetes.io/cluster/" + in.Name: "owned", "aws:eks:cluster-name": in.Name})
	sg.rules = append(sg.rules, sgRule{id: resourceID("sgr"), protocol: "-1", from: -1, to: -1, group: sg.id})
	sg.cluster = in.Name
	a.sgs[sg.id] = sg
	cl.clusterSG = sg.id
	a.clusters[in.Name] = cl
	e.webhooks[cl.webhookKey] = cl
	e.log.Info(fmt.Sprintf("awsemu: eks: cluster %s CREATING (version %s, vpc %s)", cl.name, cl.version, vpcID))
	e.goBackground(func() { e.runClusterCreate(cl) })
	return 200, map[string]any{"cluster": cl.view(e.region)}, nil
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func checkTags(tags map[string]string) *apiError {
	if len(tags) > 50 {
		return invalidParam("The number of tags must not exceed 50")
	}
	for k := range tags {
		if k == "" || len(k) > 128 || strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalidParam("Tag key %q is invalid: keys are 1 to 128 characters and may not start with aws:", k)
		}
	}
	return nil
}

// clusterNetwork checks a cluster's subnets (at least two, in two zones,
// one VPC) and security groups, and returns the VPC.
func (e *Emulator) clusterNetwork(a *account, subnetIDs, sgIDs []string) (string, *apiError) {
	if len(subnetIDs) == 0 {
		return "", invalidParam("Subnets specified must be in at least two different AZs")
	}
	vpcID := ""
	zones := map[string]bool{}
	for _, id := range subnetIDs {
		s := a.subnets[id]
		if s == nil {
			return "", invalidParam("The subnet ID '%s' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidSubnetID.NotFound)", id)
		}
		if vpcID != "" && s.vpcID != vpcID {
			return "", invalidParam("Subnets specified must belong to the same VPC: %s is in %s, not %s", id, s.vpcID, vpcID)
		}
		vpcID = s.vpcID
		zones[s.az] = true
	}
	if len(zones) < 2 {
		return "", invalidParam("Subnets specified must be in at least two different AZs")
	}
	for _, id := range sgIDs {
		g := a.sgs[id]
		if g == nil {
			return "", invalidParam("The security group '%s' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidGroup.NotFound)", id)
		}
		if g.vpcID != vpcID {
			return "", invalidParam("Security group %s is not in the cluster's VPC %s", id, vpcID)
		}
	}
	return vpcID, nil
}

func eksDescribeCluster(e *Emulator, c *call) (int, any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cl := c.acct.clusters[c.params["name"]]
	if cl == nil {
		return 0, nil, clusterNotFound(c.params["name"])
	}
	return 200, map[string]any{"cluster": cl.view(e.region)}, nil
}

func eksListClusters(e *Emulator, c *call) (int, any, *apiError) {
	max, next, err := eksPaging(c)
	if err != nil {
		return 0, nil, err
	}
	e.mu.Lock()
	names := sortedKeys(c.acct.clusters)
	e.mu.Unlock()
	page, token, ok := paginate(names, max, next)
	if !ok {
		return 0, nil, invalidParam("The nextToken is invalid")
	}
	out := map[string]any{"clusters": nonNil(page)}
	if token != "" {
		out["nextToken"] = token
	}
	return 200, out, nil
}

// eksPaging reads maxResults (1-100, default 100) and nextToken.
func eksPaging(c *call) (int, string, *apiError) {
	q := c.r.URL.Query()
	max, ok := formInt(q, "maxResults", 100)
	if !ok || max < 1 || max > 100 {
		return 0, "", invalidParam("maxResults must be between 1 and 100")
	}
	return max, q.Get("nextToken"), nil
}

func eksDeleteCluster(e *Emulator, c *call) (int, any, *apiError) {
	name := c.params["name"]
	e.mu.Lock()
	defer e.mu.Unlock()
	cl := c.acct.clusters[name]
	if cl == nil {
		return 0, nil, clusterNotFound(name)
	}
	switch cl.status {
	case statusDeleting:
		return 200, map[string]any{"cluster": cl.view(e.region)}, nil
	case statusCreating, statusUpdating:
		return 0, nil, resourceInUse(name, "", "Cannot delete because cluster %s currently has an update in progress", name)
	}
	if len(cl.nodegroups) > 0 {
		return 0, nil, resourceInUse(name, "", "Cluster has nodegroups attached")
	}
	cl.status = statusDeleting
	e.log.Info(fmt.Sprintf("awsemu: eks: cluster %s DELETING", name))
	e.goBackground(func() { e.runClusterDelete(cl) })
	return 200, map[string]any{"cluster": cl.view(e.region)}, nil
}

// subnetUser names the EKS cluster or nodegroup whose network interfaces
// are in a subnet, "" when none.
func (a *account) subnetUser(id string) string {
	for _, cl := range a.clusters {
		if slices.Contains(cl.subnets, id) {
			return "cluster " + cl.name
		}
		for _, ng := range cl.nodegroups {
			if slices.Contains(ng.subnets, id) {
				return "nodegroup " + ng.name
			}
		}
	}
	return ""
}

// securityGroupUser names the EKS cluster using a security group.
func (a *account) securityGroupUser(id string) string {
	for _, cl := range a.clusters {
		if cl.clusterSG == id || slices.Contains(cl.sgs, id) {
			return "cluster " + cl.name
		}
	}
	return ""
}

// vpcHasPublicAddresses reports whether nodes in the VPC hold public
// addresses (nodes of subnets that map them).
func (a *account) vpcHasPublicAddresses(vpcID string) bool {
	for _, cl := range a.clusters {
		for _, ng := range cl.nodegroups {
			for _, n := range ng.nodes {
				if s := a.subnets[n.subnet]; s != nil && s.vpcID == vpcID && s.mapPublicIP {
					return true
				}
			}
		}
	}
	return false
}
