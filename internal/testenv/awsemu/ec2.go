package awsemu

import (
	"maps"
	"regexp"
	"slices"
	"strings"
)

// EC2: the network an EKS cluster needs (VPC, subnets, internet gateway,
// route tables, security groups), tags, zones and instance types. Files
// ec2_vpc.go, ec2_route.go and ec2_sg.go hold the resources' operations.

var ec2Ops = map[string]queryOp{
	"DescribeAvailabilityZones":     ec2DescribeAvailabilityZones,
	"DescribeInstanceTypes":         ec2DescribeInstanceTypes,
	"CreateTags":                    ec2CreateTags,
	"DeleteTags":                    ec2DeleteTags,
	"CreateVpc":                     ec2CreateVpc,
	"DescribeVpcs":                  ec2DescribeVpcs,
	"DeleteVpc":                     ec2DeleteVpc,
	"ModifyVpcAttribute":            ec2ModifyVpcAttribute,
	"DescribeVpcAttribute":          ec2DescribeVpcAttribute,
	"CreateSubnet":                  ec2CreateSubnet,
	"DescribeSubnets":               ec2DescribeSubnets,
	"DeleteSubnet":                  ec2DeleteSubnet,
	"ModifySubnetAttribute":         ec2ModifySubnetAttribute,
	"CreateInternetGateway":         ec2CreateInternetGateway,
	"AttachInternetGateway":         ec2AttachInternetGateway,
	"DetachInternetGateway":         ec2DetachInternetGateway,
	"DeleteInternetGateway":         ec2DeleteInternetGateway,
	"DescribeInternetGateways":      ec2DescribeInternetGateways,
	"CreateRouteTable":              ec2CreateRouteTable,
	"CreateRoute":                   ec2CreateRoute,
	"DeleteRoute":                   ec2DeleteRoute,
	"AssociateRouteTable":           ec2AssociateRouteTable,
	"DisassociateRouteTable":        ec2DisassociateRouteTable,
	"DeleteRouteTable":              ec2DeleteRouteTable,
	"DescribeRouteTables":           ec2DescribeRouteTables,
	"CreateSecurityGroup":           ec2CreateSecurityGroup,
	"DescribeSecurityGroups":        ec2DescribeSecurityGroups,
	"DeleteSecurityGroup":           ec2DeleteSecurityGroup,
	"AuthorizeSecurityGroupIngress": ec2AuthorizeSecurityGroupIngress,
	"RevokeSecurityGroupIngress":    ec2RevokeSecurityGroupIngress,
}

type ec2Tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func ec2Tags(m map[string]string) []ec2Tag {
	out := make([]ec2Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, ec2Tag{k, m[k]})
	}
	return out
}

type ec2Return struct {
	Return bool `xml:"return"`
}

// idKinds maps an ID prefix to the resource's name in EC2 messages and its
// not-found error code.
var idKinds = map[string]struct{ noun, notFound string }{
	"vpc":    {"vpc", "InvalidVpcID.NotFound"},
	"subnet": {"subnet", "InvalidSubnetID.NotFound"},
	"igw":    {"internetGateway", "InvalidInternetGatewayID.NotFound"},
	"rtb":    {"routeTable", "InvalidRouteTableID.NotFound"},
	"sg":     {"security group", "InvalidGroup.NotFound"},
}

var idRE = regexp.MustCompile(`^([a-z]+)-([0-9a-f]{8}|[0-9a-f]{17})$`)

// ec2NotFound is the error for a well-formed ID that names nothing, or for
// a malformed one.
func ec2NotFound(id string) *apiError {
	m := idRE.FindStringSubmatch(id)
	if m == nil {
		kind := id
		if i := strings.IndexByte(id, '-'); i > 0 {
			kind = id[:i]
		}
		if k, ok := idKinds[kind]; ok {
			return badRequest(strings.TrimSuffix(k.notFound, ".NotFound")+".Malformed", "Invalid id: \"%s\"", id)
		}
		return badRequest("InvalidID", "The ID '%s' is not valid", id)
	}
	k, ok := idKinds[m[1]]
	if !ok {
		return badRequest("InvalidID", "The ID '%s' is not valid", id)
	}
	if m[1] == "sg" {
		return badRequest(k.notFound, "The security group '%s' does not exist", id)
	}
	return badRequest(k.notFound, "The %s ID '%s' does not exist", k.noun, id)
}

// tagsOf returns the tags of any taggable resource of the account.
func (a *account) tagsOf(id string) (map[string]string, bool) {
	switch {
	case a.vpcs[id] != nil:
		return a.vpcs[id].tags, true
	case a.subnets[id] != nil:
		return a.subnets[id].tags, true
	case a.igws[id] != nil:
		return a.igws[id].tags, true
	case a.rtbs[id] != nil:
		return a.rtbs[id].tags, true
	case a.sgs[id] != nil:
		return a.sgs[id].tags, true
	}
	return nil, false
}

// tagParams reads prefix.N.Key/Value (CreateTags' "Tag", a tag
// specification's "TagSpecification.N.Tag").
func tagParams(c *call, prefix string) (map[string]string, *apiError) {
	tags := map[string]string{}
	for _, m := range members(c.form, prefix) {
		k := c.form.Get(m + ".Key")
		if k == "" || len(k) > 128 {
			return nil, badRequest("InvalidParameterValue", "Tag key must be between 1 and 128 characters: '%s'", k)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, badRequest("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use")
		}
		tags[k] = c.form.Get(m + ".Value")
	}
	if len(tags) > 50 {
		return nil, badRequest("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")
	}
	return tags, nil
}

// tagSpecs reads the TagSpecification of a create call; every
// specification must be for resourceType ("vpc", "subnet", ...).
func tagSpecs(c *call, resourceType string) (map[string]string, *apiError) {
	tags := map[string]string{}
	for _, m := range members(c.form, "TagSpecification") {
		if rt := c.form.Get(m + ".ResourceType"); rt != resourceType {
			return nil, badRequest("InvalidParameterValue", "'%s' is not a valid taggable resource type for this operation.", rt)
		}
		t, err := tagParams(c, m+".Tag")
		if err != nil {
			return nil, err
		}
		maps.Copy(tags, t)
	}
	return tags, nil
}

func ec2CreateTags(e *Emulator, c *call) (any, *apiError) {
	ids := list(c.form, "ResourceId")
	if len(ids) == 0 {
		return nil, badRequest("MissingParameter", "The request must contain the parameter resourceIdSet")
	}
	tags, err := tagParams(c, "Tag")
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var targets []map[string]string
	for _, id := range ids {
		t, ok := c.acct.tagsOf(id)
		if !ok {
			return nil, ec2NotFound(id)
		}
		targets = append(targets, t)
	}
	for _, t := range targets {
		maps.Copy(t, tags)
		if len(t) > 50 {
			return nil, badRequest("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")
		}
	}
	return nil, nil
}

func ec2DeleteTags(e *Emulator, c *call) (any, *apiError) {
	ids := list(c.form, "ResourceId")
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range ids {
		t, ok := c.acct.tagsOf(id)
		if !ok {
			return nil, ec2NotFound(id)
		}
		for _, m := range members(c.form, "Tag") {
			k := c.form.Get(m + ".Key")
			if v, ok := c.form[m+".Value"]; !ok || (len(v) > 0 && t[k] == v[0]) {
				delete(t, k)
			}
		}
	}
	return nil, nil
}

type ec2Zone struct {
	ZoneName           string `xml:"zoneName"`
	ZoneID             string `xml:"zoneId"`
	ZoneState          string `xml:"zoneState"`
	RegionName         string `xml:"regionName"`
	GroupName          string `xml:"groupName"`
	NetworkBorderGroup string `xml:"networkBorderGroup"`
	OptInStatus        string `xml:"optInStatus"`
	ZoneType           string `xml:"zoneType"`
}

func ec2DescribeAvailabilityZones(e *Emulator, c *call) (any, *apiError) {
	names, ids, fs := list(c.form, "ZoneName"), list(c.form, "ZoneId"), filters(c.form)
	var out []ec2Zone
	for _, z := range regionZones[e.region] {
		if (len(names) > 0 || len(ids) > 0) && !slices.Contains(names, z.name) && !slices.Contains(ids, z.id) {
			continue
		}
		ok, err := matchFilters(fs, func(name string) ([]string, bool) {
			switch name {
			case "zone-name":
				return []string{z.name}, true
			case "zone-id":
				return []string{z.id}, true
			case "state":
				return []string{"available"}, true
			case "region-name":
				return []string{e.region}, true
			case "zone-type":
				return []string{"availability-zone"}, true
			case "opt-in-status":
				return []string{"opt-in-not-required"}, true
			}
			return nil, false
		}, nil)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, ec2Zone{z.name, z.id, "available", e.region, e.region, e.region, "opt-in-not-required", "availability-zone"})
		}
	}
	for _, n := range names {
		if !slices.ContainsFunc(regionZones[e.region], func(z zone) bool { return z.name == n }) {
			return nil, badRequest("InvalidParameterValue", "The zone '%s' does not exist.", n)
		}
	}
	return struct {
		Zones []ec2Zone `xml:"availabilityZoneInfo>item"`
	}{out}, nil
}

type ec2InstanceType struct {
	InstanceType string `xml:"instanceType"`
	VCPUInfo     struct {
		DefaultVCpus int `xml:"defaultVCpus"`
	} `xml:"vCpuInfo"`
	MemoryInfo struct {
		SizeInMiB int `xml:"sizeInMiB"`
	} `xml:"memoryInfo"`
	ProcessorInfo struct {
		Architectures []string `xml:"supportedArchitectures>item"`
	} `xml:"processorInfo"`
	CurrentGeneration bool `xml:"currentGeneration"`
}

func ec2DescribeInstanceTypes(_ *Emulator, c *call) (any, *apiError) {
	want := list(c.form, "InstanceType")
	var missing []string
	for _, t := range want {
		if _, ok := instanceTypes[t]; !ok {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		return nil, badRequest("InvalidInstanceType", "The following supplied instance types do not exist: [%s]", strings.Join(missing, ", "))
	}
	if len(want) == 0 {
		want = slices.Sorted(maps.Keys(instanceTypes))
	}
	var out []ec2InstanceType
	for _, name := range want {
		it := instanceTypes[name]
		v := ec2InstanceType{InstanceType: name, CurrentGeneration: true}
		v.VCPUInfo.DefaultVCpus = it.vcpus
		v.MemoryInfo.SizeInMiB = it.memMiB
		arch := "x86_64"
		if it.arch == "arm64" {
			arch = "arm64"
		}
		v.ProcessorInfo.Architectures = []string{arch}
		out = append(out, v)
	}
	return struct {
		InstanceTypes []ec2InstanceType `xml:"instanceTypeSet>item"`
	}{out}, nil
}

// describe pages the matching resources of a Describe* call by MaxResults
// and NextToken.
func describePage[T any](c *call, items []T) ([]T, string, *apiError) {
	max, ok := formInt(c.form, "MaxResults", 0)
	if !ok || max < 0 || (max > 0 && (max < 5 || max > 1000)) {
		return nil, "", badRequest("InvalidParameterValue", "Value ( %s ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.", c.form.Get("MaxResults"))
	}
	page, next, ok := paginate(items, max, c.form.Get("NextToken"))
	if !ok {
		return nil, "", badRequest("InvalidPaginationToken", "Invalid pagination token")
	}
	return page, next, nil
}
