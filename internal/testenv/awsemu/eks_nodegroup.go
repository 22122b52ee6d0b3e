package awsemu

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// EKS managed nodegroups.

// Node role policies without which EKS refuses a nodegroup (either of
// each pair will do).
var nodeRolePolicies = [][2]string{
	{"AmazonEKSWorkerNodePolicy", "AmazonEKSWorkerNodeMinimalPolicy"},
	{"AmazonEC2ContainerRegistryReadOnly", "AmazonEC2ContainerRegistryPullOnly"},
}

var amiArch = map[string]string{
	"AL2023_x86_64_STANDARD": "amd64", "AL2023_ARM_64_STANDARD": "arm64", "AL2_x86_64": "amd64", "AL2_ARM_64": "arm64",
	"BOTTLEROCKET_x86_64": "amd64", "BOTTLEROCKET_ARM_64": "arm64",
}

type createNodegroupInput struct {
	NodegroupName      string            `json:"nodegroupName"`
	ScalingConfig      eksScaling        `json:"scalingConfig"`
	DiskSize           *int              `json:"diskSize"`
	Subnets            []string          `json:"subnets"`
	InstanceTypes      []string          `json:"instanceTypes"`
	AmiType            string            `json:"amiType"`
	NodeRole           string            `json:"nodeRole"`
	Labels             map[string]string `json:"labels"`
	Taints             []taint           `json:"taints"`
	Tags               map[string]string `json:"tags"`
	ClientRequestToken string            `json:"clientRequestToken"`
	CapacityType       string            `json:"capacityType"`
	UpdateConfig       struct {
		MaxUnavailable *int `json:"maxUnavailable"`
	} `json:"updateConfig"`
}

// clusterFor finds the cluster of a nodegroup call.
func (c *call) clusterFor() (*cluster, *apiError) {
	cl := c.acct.clusters[c.params["name"]]
	if cl == nil {
		return nil, clusterNotFound(c.params["name"])
	}
	return cl, nil
}

func (c *call) nodegroupFor() (*nodegroup, *apiError) {
	cl, err := c.clusterFor()
	if err != nil {
		return nil, err
	}
	ng := cl.nodegroups[c.params["nodegroupName"]]
	if ng == nil {
		return nil, nodegroupNotFound(cl.name, c.params["nodegroupName"])
	}
	return ng, nil
}

func eksCreateNodegroup(e *Emulator, c *call) (int, any, *apiError) {
	var in createNodegroupInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if !eksNameRE.MatchString(in.NodegroupName) {
		return 0, nil, invalidParam("The nodegroup name %q must satisfy the regular expression pattern: ^[0-9A-Za-z][A-Za-z0-9\\-_]*$", in.NodegroupName)
	}
	min, max, desired, err := scaling(in.ScalingConfig, 1, 2, 2)
	if err != nil {
		return 0, nil, err
	}
	if len(in.InstanceTypes) == 0 {
		in.InstanceTypes = []string{"t3.medium"}
	}
	if in.AmiType == "" {
		in.AmiType = "AL2023_x86_64_STANDARD"
	}
	arch, ok := amiArch[in.AmiType]
	if !ok {
		return 0, nil, invalidParam("AMI type %s is not supported", in.AmiType)
	}
	for _, t := range in.InstanceTypes {
		it, ok := instanceTypes[t]
		if !ok {
			return 0, nil, invalidParam("Instance type %s is not supported", t)
		}
		if it.arch != arch {
			return 0, nil, invalidParam("[%s] is not a valid instance type for requested amiType %s", t, in.AmiType)
		}
	}
	if in.CapacityType == "" {
		in.CapacityType = "ON_DEMAND"
	}
	if in.CapacityType != "ON_DEMAND" && in.CapacityType != "SPOT" {
		return 0, nil, invalidParam("capacityType must be ON_DEMAND or SPOT")
	}
	for _, t := range in.Taints {
		if k8sEffect(t.Effect) == "" || t.Key == "" {
			return 0, nil, invalidParam("Taint %+v is invalid: it needs a key and an effect NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE", t)
		}
	}
	if err := checkTags(in.Tags); err != nil {
		return 0, nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cl, apiErr := c.clusterFor()
	if apiErr != nil {
		return 0, nil, apiErr
	}
	if old := cl.nodegroups[in.NodegroupName]; old != nil {
		if in.ClientRequestToken != "" && in.ClientRequestToken == old.clientToken {
			return 200, map[string]any{"nodegroup": old.view()}, nil
		}
		return 0, nil, resourceInUse(cl.name, in.NodegroupName, "NodeGroup already exists with name %s and cluster name %s", in.NodegroupName, cl.name)
	}
	if cl.status != statusActive {
		return 0, nil, badRequest("InvalidRequestException", "Cluster '%s' is not in ACTIVE state", cl.name)
	}
	if err := nodegroupNetwork(c.acct, cl, in.Subnets); err != nil {
		return 0, nil, err
	}
	if err := checkNodeRole(c.acct, in.NodeRole); err != nil {
		return 0, nil, err
	}
	maxUnavailable := 1
	if in.UpdateConfig.MaxUnavailable != nil {
		maxUnavailable = *in.UpdateConfig.MaxUnavailable
	}
	disk := 20
	if in.DiskSize != nil {
		disk = *in.DiskSize
	}
	id := newUUID()
	now := time.Now()
	ng := &nodegroup{
		cl: cl, name: in.NodegroupName, arn: fmt.Sprintf("arn:aws:eks:%s:%s:nodegroup/%s/%s/%s", e.region, c.acct.id, cl.name, in.NodegroupName, id),
		status: statusCreating, created: now, modified: now, capacityType: in.CapacityType, min: min, max: max, desired: desired,
		instanceTypes: in.InstanceTypes, subnets: in.Subnets, amiType: in.AmiType, amiID: resourceID("ami"), nodeRole: in.NodeRole, labels: in.Labels,
		taints: in.Taints, diskSize: disk, tags: in.Tags, asgName: "eks-" + in.NodegroupName + "-" + id,
		releaseVersion: cl.version + ".0-20261115", clientToken: in.ClientRequestToken, maxUnavailable: maxUnavailable,
	}
	cl.nodegroups[ng.name] = ng
	e.log.Info(fmt.Sprintf("awsemu: eks: nodegroup %s/%s CREATING (%d × %s)", cl.name, ng.name, desired, ng.instanceTypes[0]))
	e.goBackground(func() { e.runNodegroupCreate(ng) })
	return 200, map[string]any{"nodegroup": ng.view()}, nil
}

// scaling applies a request's scaling config over defaults and checks it.
func scaling(s eksScaling, min, max, desired int) (int, int, int, *apiError) {
	if s.MinSize != nil {
		min = *s.MinSize
	}
	if s.MaxSize != nil {
		max = *s.MaxSize
	}
	if s.DesiredSize != nil {
		desired = *s.DesiredSize
	}
	switch {
	case min < 0 || desired < 0:
		return 0, 0, 0, invalidParam("Sizes must not be negative")
	case max < 1:
		return 0, 0, 0, invalidParam("Maxsize must be greater than or equal to 1")
	case max > 1000:
		return 0, 0, 0, invalidParam("Maxsize must be less than or equal to 1000")
	case min > max:
		return 0, 0, 0, invalidParam("Minimum capacity %d can't be greater than max size %d", min, max)
	case desired > max:
		return 0, 0, 0, invalidParam("Desired capacity:%d can't be greater than max size:%d", desired, max)
	case desired < min:
		return 0, 0, 0, invalidParam("Minimum capacity %d can't be greater than desired size %d", min, desired)
	}
	return min, max, desired, nil
}

func k8sEffect(effect string) string {
	return map[string]string{"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}[effect]
}

func nodegroupNetwork(a *account, cl *cluster, subnets []string) *apiError {
	if len(subnets) == 0 {
		return invalidParam("Subnets are required")
	}
	for _, id := range subnets {
		s := a.subnets[id]
		if s == nil {
			return invalidParam("The subnet ID '%s' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidSubnetID.NotFound)", id)
		}
		if s.vpcID != cl.vpcID {
			return invalidParam("Subnet %s is not in the cluster's VPC %s", id, cl.vpcID)
		}
	}
	return nil
}

func checkNodeRole(a *account, arn string) *apiError {
	r := a.roleByARN(arn)
	if r == nil || !r.trusts("ec2.amazonaws.com") {
		return invalidParam("Role with arn: %s, could not be assumed because it does not exist or the trusted entity is not correct", arn)
	}
	for _, pair := range nodeRolePolicies {
		if !slices.Contains(r.policies, managedPolicyPrefix+pair[0]) && !slices.Contains(r.policies, managedPolicyPrefix+pair[1]) {
			return invalidParam("The provided role doesn't have the Amazon EKS Managed Policies associated with it. Please ensure the following policies [%s%s, %s%s] are attached",
				managedPolicyPrefix, nodeRolePolicies[0][0], managedPolicyPrefix, nodeRolePolicies[1][0])
		}
	}
	return nil
}

func eksDescribeNodegroup(e *Emulator, c *call) (int, any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ng, err := c.nodegroupFor()
	if err != nil {
		return 0, nil, err
	}
	return 200, map[string]any{"nodegroup": ng.view()}, nil
}

func eksListNodegroups(e *Emulator, c *call) (int, any, *apiError) {
	max, next, err := eksPaging(c)
	if err != nil {
		return 0, nil, err
	}
	e.mu.Lock()
	cl, err := c.clusterFor()
	var names []string
	if cl != nil {
		names = sortedKeys(cl.nodegroups)
	}
	e.mu.Unlock()
	if err != nil {
		return 0, nil, err
	}
	page, token, ok := paginate(names, max, next)
	if !ok {
		return 0, nil, invalidParam("The nextToken is invalid")
	}
	out := map[string]any{"nodegroups": nonNil(page)}
	if token != "" {
		out["nextToken"] = token
	}
	return 200, out, nil
}

func eksDeleteNodegroup(e *Emulator, c *call) (int, any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ng, err := c.nodegroupFor()
	if err != nil {
		return 0, nil, err
	}
	switch ng.status {
	case statusDeleting:
		return 200, map[string]any{"nodegroup": ng.view()}, nil
	case statusCreating, statusUpdating:
		return 0, nil, resourceInUse(ng.cl.name, ng.name, "Nodegroup %s is currently in %s state and cannot be deleted", ng.name, ng.status)
	}
	ng.status, ng.modified = statusDeleting, time.Now()
	e.log.Info(fmt.Sprintf("awsemu: eks: nodegroup %s/%s DELETING", ng.cl.name, ng.name))
	e.goBackground(func() { e.runNodegroupDelete(ng) })
	return 200, map[string]any{"nodegroup": ng.view()}, nil
}

type updateNodegroupInput struct {
	ScalingConfig *eksScaling `json:"scalingConfig"`
	Labels        *struct {
		AddOrUpdate map[string]string `json:"addOrUpdateLabels"`
		Remove      []string          `json:"removeLabels"`
	} `json:"labels"`
	Taints *struct {
		AddOrUpdate []taint `json:"addOrUpdateTaints"`
		Remove      []taint `json:"removeTaints"`
	} `json:"taints"`
	UpdateConfig *struct {
		MaxUnavailable *int `json:"maxUnavailable"`
	} `json:"updateConfig"`
	ClientRequestToken string `json:"clientRequestToken"`
}

func eksUpdateNodegroupConfig(e *Emulator, c *call) (int, any, *apiError) {
	var in updateNodegroupInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ng, apiErr := c.nodegroupFor()
	if apiErr != nil {
		return 0, nil, apiErr
	}
	for _, u := range ng.cl.updates {
		if in.ClientRequestToken != "" && u.nodegroup == ng.name && u.token == in.ClientRequestToken {
			return 200, map[string]any{"update": *u}, nil // an idempotent retry
		}
	}
	if ng.status != statusActive && ng.status != "DEGRADED" {
		return 0, nil, resourceInUse(ng.cl.name, ng.name, "Nodegroup cannot be updated as it is currently not in Active State")
	}
	u := &eksUpdate{ID: newUUID(), Status: "InProgress", Type: "ConfigUpdate", CreatedAt: epoch(time.Now()), Errors: []any{}, nodegroup: ng.name, token: in.ClientRequestToken}
	next := *ng
	next.labels, next.taints = maps.Clone(ng.labels), slices.Clone(ng.taints)
	if s := in.ScalingConfig; s != nil {
		min, max, desired, err := scaling(*s, ng.min, ng.max, ng.desired)
		if err != nil {
			return 0, nil, err
		}
		for _, p := range []struct {
			typ      string
			old, new int
			set      *int
		}{{"MinSize", ng.min, min, s.MinSize}, {"MaxSize", ng.max, max, s.MaxSize}, {"DesiredSize", ng.desired, desired, s.DesiredSize}} {
			if p.set != nil {
				u.Params = append(u.Params, eksUpdateItem{p.typ, itoa(p.new)})
			}
		}
		next.min, next.max, next.desired = min, max, desired
	}
	if l := in.Labels; l != nil {
		if next.labels == nil {
			next.labels = map[string]string{}
		}
		maps.Copy(next.labels, l.AddOrUpdate)
		for _, k := range l.Remove {
			delete(next.labels, k)
		}
		if len(l.AddOrUpdate) > 0 {
			u.Params = append(u.Params, eksUpdateItem{"LabelsToAdd", jsonString(l.AddOrUpdate)})
		}
		if len(l.Remove) > 0 {
			u.Params = append(u.Params, eksUpdateItem{"LabelsToRemove", jsonString(l.Remove)})
		}
	}
	if t := in.Taints; t != nil {
		for _, add := range t.AddOrUpdate {
			if k8sEffect(add.Effect) == "" || add.Key == "" {
				return 0, nil, invalidParam("Taint %+v is invalid", add)
			}
			next.taints = slices.DeleteFunc(next.taints, func(o taint) bool { return o.Key == add.Key && o.Effect == add.Effect })
			next.taints = append(next.taints, add)
		}
		for _, rm := range t.Remove {
			next.taints = slices.DeleteFunc(next.taints, func(o taint) bool { return o.Key == rm.Key && (rm.Effect == "" || o.Effect == rm.Effect) })
		}
		if len(t.AddOrUpdate) > 0 {
			u.Params = append(u.Params, eksUpdateItem{"TaintsToAdd", jsonString(t.AddOrUpdate)})
		}
		if len(t.Remove) > 0 {
			u.Params = append(u.Params, eksUpdateItem{"TaintsToRemove", jsonString(t.Remove)})
		}
	}
	if uc := in.UpdateConfig; uc != nil && uc.MaxUnavailable != nil {
		next.maxUnavailable = *uc.MaxUnavailable
		u.Params = append(u.Params, eksUpdateItem{"MaxUnavailable", itoa(*uc.MaxUnavailable)})
	}
	if len(u.Params) == 0 {
		return 0, nil, invalidParam("No changes needed")
	}
	ng.cl.updates[u.ID] = u
	ng.status, ng.modified = statusUpdating, time.Now()
	e.log.Info(fmt.Sprintf("awsemu: eks: nodegroup %s/%s UPDATING (%d → %d nodes)", ng.cl.name, ng.name, ng.desired, next.desired))
	e.goBackground(func() { e.runNodegroupUpdate(ng, &next, u) })
	return 200, map[string]any{"update": *u}, nil
}

func jsonString(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

func eksDescribeUpdate(e *Emulator, c *call) (int, any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cl, err := c.clusterFor()
	if err != nil {
		return 0, nil, err
	}
	u := cl.updates[c.params["updateId"]]
	if u == nil || u.nodegroup != c.r.URL.Query().Get("nodegroupName") {
		e := notFound("ResourceNotFoundException", "No update found for ID: %s", c.params["updateId"])
		e.Fields = map[string]string{"clusterName": cl.name}
		return 0, nil, e
	}
	return 200, map[string]any{"update": *u}, nil
}

// nodeName is how EC2 names an instance in the cluster: ip-A-B-C-D and the
// region's internal domain.
func nodeName(region, ip string) string {
	domain := region + ".compute.internal"
	if region == "us-east-1" {
		domain = "ec2.internal"
	}
	return "ip-" + strings.ReplaceAll(ip, ".", "-") + "." + domain
}
