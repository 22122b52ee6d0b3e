package awsemu

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// maxVPCs is EC2's default quota of VPCs per region.
const maxVPCs = 5

type ec2CidrAssociation struct {
	AssociationID string `xml:"associationId"`
	CidrBlock     string `xml:"cidrBlock"`
	State         string `xml:"cidrBlockState>state"`
}

type ec2Vpc struct {
	VpcID           string               `xml:"vpcId"`
	OwnerID         string               `xml:"ownerId"`
	State           string               `xml:"state"`
	CidrBlock       string               `xml:"cidrBlock"`
	CidrAssocs      []ec2CidrAssociation `xml:"cidrBlockAssociationSet>item"`
	DhcpOptionsID   string               `xml:"dhcpOptionsId"`
	InstanceTenancy string               `xml:"instanceTenancy"`
	IsDefault       bool                 `xml:"isDefault"`
	TagSet          []ec2Tag             `xml:"tagSet>item"`
}

func (v *vpc) view(owner string) ec2Vpc {
	return ec2Vpc{
		VpcID: v.id, OwnerID: owner, State: "available", CidrBlock: v.cidr.String(),
		CidrAssocs:    []ec2CidrAssociation{{v.cidrAssociation, v.cidr.String(), "associated"}},
		DhcpOptionsID: "dopt-0a1b2c3d4e5f60718", InstanceTenancy: v.tenancy, TagSet: ec2Tags(v.tags),
	}
}

// parseCIDR reads an IPv4 network in canonical form.
func parseCIDR(param, s string) (netip.Prefix, *apiError) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return netip.Prefix{}, badRequest("InvalidParameterValue", "Value (%s) for parameter %s is invalid. This is not a valid CIDR block.", s, param)
	}
	return p, nil
}

func ec2CreateVpc(e *Emulator, c *call) (any, *apiError) {
	cidrStr := c.form.Get("CidrBlock")
	if cidrStr == "" {
		return nil, badRequest("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
	}
	cidr, err := parseCIDR("cidrBlock", cidrStr)
	if err != nil {
		return nil, err
	}
	if cidr.Bits() < 16 || cidr.Bits() > 28 {
		return nil, badRequest("InvalidVpc.Range", "The CIDR '%s' is invalid.", cidrStr)
	}
	tenancy := c.form.Get("InstanceTenancy")
	if tenancy == "" {
		tenancy = "default"
	}
	tags, err := tagSpecs(c, "vpc")
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a := c.acct
	if len(a.vpcs) >= maxVPCs {
		return nil, badRequest("VpcLimitExceeded", "The maximum number of VPCs has been reached.")
	}
	v := &vpc{id: resourceID("vpc"), cidr: cidr, cidrAssociation: resourceID("vpc-cidr-assoc"), tenancy: tenancy, dnsSupport: true, tags: tags}
	// Every VPC comes with its main route table and default security group,
	// which go with it.
	main := &routeTable{id: resourceID("rtb"), vpcID: v.id, tags: map[string]string{},
		routes:       []route{{dest: cidr, gateway: "local", origin: "CreateRouteTable"}},
		associations: []rtAssociation{{id: resourceID("rtbassoc"), main: true}}}
	sg := &securityGroup{id: resourceID("sg"), name: "default", description: "default VPC security group", vpcID: v.id, tags: map[string]string{}}
	sg.rules = []sgRule{
		{id: resourceID("sgr"), protocol: "-1", from: -1, to: -1, group: sg.id},
		{id: resourceID("sgr"), egress: true, protocol: "-1", from: -1, to: -1, cidr: "0.0.0.0/0"},
	}
	v.mainRouteTable, v.defaultSG = main.id, sg.id
	a.vpcs[v.id], a.rtbs[main.id], a.sgs[sg.id] = v, main, sg
	e.log.Info(fmt.Sprintf("awsemu: ec2: created %s (%s)", v.id, cidr))
	return struct {
		Vpc ec2Vpc `xml:"vpc"`
	}{v.view(a.id)}, nil
}

func ec2DescribeVpcs(e *Emulator, c *call) (any, *apiError) {
	ids, fs := list(c.form, "VpcId"), filters(c.form)
	e.mu.Lock()
	defer e.mu.Unlock()
	a := c.acct
	picked, err := selected(a.vpcs, ids, fs, nil, func(v *vpc) (attrFunc, map[string]string) {
		return func(name string) ([]string, bool) {
			switch name {
			case "vpc-id":
				return []string{v.id}, true
			case "cidr", "cidr-block-association.cidr-block", "cidrBlock":
				return []string{v.cidr.String()}, true
			case "state":
				return []string{"available"}, true
			case "is-default", "isDefault":
				return []string{"false"}, true
			case "owner-id":
				return []string{a.id}, true
			}
			return nil, false
		}, v.tags
	})
	if err != nil {
		return nil, err
	}
	out := make([]ec2Vpc, 0, len(picked))
	for _, v := range picked {
		out = append(out, v.view(a.id))
	}
	page, next, err := describePage(c, out)
	if err != nil {
		return nil, err
	}
	return struct {
		Vpcs      []ec2Vpc `xml:"vpcSet>item"`
		NextToken string   `xml:"nextToken,omitempty"`
	}{page, next}, nil
}

func ec2DeleteVpc(e *Emulator, c *call) (any, *apiError) {
	id := c.form.Get("VpcId")
	e.mu.Lock()
	defer e.mu.Unlock()
	a := c.acct
	v := a.vpcs[id]
	if v == nil {
		return nil, ec2NotFound(id)
	}
	dependent := slices.ContainsFunc(mapValues(a.subnets), func(s *subnet) bool { return s.vpcID == id }) ||
		slices.ContainsFunc(mapValues(a.igws), func(g *internetGateway) bool { return g.vpcID == id }) ||
		slices.ContainsFunc(mapValues(a.sgs), func(g *securityGroup) bool { return g.vpcID == id && g.id != v.defaultSG }) ||
		slices.ContainsFunc(mapValues(a.rtbs), func(t *routeTable) bool { return t.vpcID == id && t.id != v.mainRouteTable })
	if dependent {
		return nil, badRequest("DependencyViolation", "The vpc '%s' has dependencies and cannot be deleted.", id)
	}
	delete(a.rtbs, v.mainRouteTable)
	delete(a.sgs, v.defaultSG)
	delete(a.vpcs, id)
	e.log.Info("awsemu: ec2: deleted " + id)
	return nil, nil
}

func ec2ModifyVpcAttribute(e *Emulator, c *call) (any, *apiError) {
	id := c.form.Get("VpcId")
	support, hasSupport := formBool(c.form, "EnableDnsSupport.Value")
	hostnames, hasHostnames := formBool(c.form, "EnableDnsHostnames.Value")
	if hasSupport == hasHostnames {
		if hasSupport {
			return nil, badRequest("InvalidParameterCombination", "Fields for multiple attribute types specified: enableDnsHostnames, enableDnsSupport")
		}
		return nil, badRequest("MissingParameter", "The request must contain exactly one of the parameters enableDnsSupport or enableDnsHostnames")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	v := c.acct.vpcs[id]
	if v == nil {
		return nil, ec2NotFound(id)
	}
	if hasSupport {
		v.dnsSupport = support
	} else {
		if hostnames && !v.dnsSupport {
			return nil, badRequest("InvalidParameterValue", "enableDnsHostnames requires enableDnsSupport to be true")
		}
		v.dnsHostnames = hostnames
	}
	return nil, nil
}

func ec2DescribeVpcAttribute(e *Emulator, c *call) (any, *apiError) {
	id, attr := c.form.Get("VpcId"), c.form.Get("Attribute")
	e.mu.Lock()
	defer e.mu.Unlock()
	v := c.acct.vpcs[id]
	if v == nil {
		return nil, ec2NotFound(id)
	}
	type boolValue struct {
		Value bool `xml:"value"`
	}
	out := struct {
		VpcID        string     `xml:"vpcId"`
		DNSSupport   *boolValue `xml:"enableDnsSupport,omitempty"`
		DNSHostnames *boolValue `xml:"enableDnsHostnames,omitempty"`
	}{VpcID: id}
	switch attr {
	case "enableDnsSupport":
		out.DNSSupport = &boolValue{v.dnsSupport}
	case "enableDnsHostnames":
		out.DNSHostnames = &boolValue{v.dnsHostnames}
	default:
		return nil, badRequest("InvalidParameterValue", "Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	return out, nil
}

type ec2Subnet struct {
	SubnetID                string   `xml:"subnetId"`
	SubnetArn               string   `xml:"subnetArn"`
	VpcID                   string   `xml:"vpcId"`
	OwnerID                 string   `xml:"ownerId"`
	State                   string   `xml:"state"`
	CidrBlock               string   `xml:"cidrBlock"`
	AvailabilityZone        string   `xml:"availabilityZone"`
	AvailabilityZoneID      string   `xml:"availabilityZoneId"`
	AvailableIPAddressCount int      `xml:"availableIpAddressCount"`
	DefaultForAz            bool     `xml:"defaultForAz"`
	MapPublicIPOnLaunch     bool     `xml:"mapPublicIpOnLaunch"`
	TagSet                  []ec2Tag `xml:"tagSet>item"`
}

func (s *subnet) view(region, owner string) ec2Subnet {
	return ec2Subnet{
		SubnetID: s.id, SubnetArn: fmt.Sprintf("arn:aws:ec2:%s:%s:subnet/%s", region, owner, s.id), VpcID: s.vpcID,
		OwnerID: owner, State: "available", CidrBlock: s.cidr.String(), AvailabilityZone: s.az, AvailabilityZoneID: s.azID,
		AvailableIPAddressCount: 1<<(32-s.cidr.Bits()) - 5, MapPublicIPOnLaunch: s.mapPublicIP, TagSet: ec2Tags(s.tags),
	}
}

func ec2CreateSubnet(e *Emulator, c *call) (any, *apiError) {
	vpcID, cidrStr := c.form.Get("VpcId"), c.form.Get("CidrBlock")
	if vpcID == "" {
		return nil, badRequest("MissingParameter", "The request must contain the parameter vpcId")
	}
	if cidrStr == "" {
		return nil, badRequest("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
	}
	cidr, err := parseCIDR("cidrBlock", cidrStr)
	if err != nil {
		return nil, err
	}
	z, err := e.subnetZone(c.form.Get("AvailabilityZone"), c.form.Get("AvailabilityZoneId"))
	if err != nil {
		return nil, err
	}
	tags, err := tagSpecs(c, "subnet")
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a := c.acct
	v := a.vpcs[vpcID]
	if v == nil {
		return nil, ec2NotFound(vpcID)
	}
	if cidr.Bits() > 28 || cidr.Bits() < v.cidr.Bits() || !v.cidr.Contains(cidr.Addr()) {
		return nil, badRequest("InvalidSubnet.Range", "The CIDR '%s' is invalid.", cidrStr)
	}
	for _, s := range a.subnets {
		if s.vpcID == vpcID && s.cidr.Overlaps(cidr) {
			return nil, badRequest("InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", cidrStr)
		}
	}
	s := &subnet{id: resourceID("subnet"), vpcID: vpcID, az: z.name, azID: z.id, cidr: cidr, tags: tags}
	a.subnets[s.id] = s
	return struct {
		Subnet ec2Subnet `xml:"subnet"`
	}{s.view(e.region, a.id)}, nil
}

// subnetZone resolves CreateSubnet's zone: by name, by ID, or the region's
// first zone.
func (e *Emulator) subnetZone(name, id string) (zone, *apiError) {
	zones := regionZones[e.region]
	if name == "" && id == "" {
		return zones[0], nil
	}
	for _, z := range zones {
		if (name != "" && z.name == name) || (name == "" && z.id == id) {
			return z, nil
		}
	}
	var names []string
	for _, z := range zones {
		names = append(names, z.name)
	}
	param, value := "availabilityZone", name
	if name == "" {
		param, value = "availabilityZoneId", id
	}
	return zone{}, badRequest("InvalidParameterValue", "Value (%s) for parameter %s is invalid. Subnets can currently only be created in the following availability zones: %s.",
		value, param, strings.Join(names, ", "))
}

func ec2DescribeSubnets(e *Emulator, c *call) (any, *apiError) {
	ids, fs := list(c.form, "SubnetId"), filters(c.form)
	e.mu.Lock()
	defer e.mu.Unlock()
	a := c.acct
	picked, err := selected(a.subnets, ids, fs, nil, func(s *subnet) (attrFunc, map[string]string) {
		return func(name string) ([]string, bool) {
			switch name {
			case "subnet-id":
				return []string{s.id}, true
			case "vpc-id":
				return []string{s.vpcID}, true
			case "availability-zone", "availabilityZone":
				return []string{s.az}, true
			case "availability-zone-id", "availabilityZoneId":
				return []string{s.azID}, true
			case "cidr-block", "cidr", "cidrBlock":
				return []string{s.cidr.String()}, true
			case "state":
				return []string{"available"}, true
			case "default-for-az", "defaultForAz":
				return []string{"false"}, true
			case "map-public-ip-on-launch":
				return []string{strconv.FormatBool(s.mapPublicIP)}, true
			case "owner-id":
				return []string{a.id}, true
			}
			return nil, false
		}, s.tags
	})
	if err != nil {
		return nil, err
	}
	out := make([]ec2Subnet, 0, len(picked))
	for _, s := range picked {
		out = append(out, s.view(e.region, a.id))
	}
	page, next, err := describePage(c, out)
	if err != nil {
		return nil, err
	}
	return struct {
		Subnets   []ec2Subnet `xml:"subnetSet>item"`
		NextToken string      `xml:"nextToken,omitempty"`
	}{page, next}, nil
}

func ec2ModifySubnetAttribute(e *Emulator, c *call) (any, *apiError) {
	id := c.form.Get("SubnetId")
	mapPublic, ok := formBool(c.form, "MapPublicIpOnLaunch.Value")
	e.mu.Lock()
	defer e.mu.Unlock()
	s := c.acct.subnets[id]
	if s == nil {
		return nil, ec2NotFound(id)
	}
	if ok {
		s.mapPublicIP = mapPublic
	}
	return nil, nil
}

func ec2DeleteSubnet(e *Emulator, c *call) (any, *apiError) {
	id := c.form.Get("SubnetId")
	e.mu.Lock()
	defer e.mu.Unlock()
	a := c.acct
	if a.subnets[id] == nil {
		return nil, ec2NotFound(id)
	}
	// EKS's network interfaces (cluster ENIs, node instances) sit in the
	// subnet until the cluster or nodegroup is gone.
	if user := a.subnetUser(id); user != "" {
		return nil, badRequest("DependencyViolation", "The subnet '%s' has dependencies and cannot be deleted.", id)
	}
	for _, t := range a.rtbs {
		t.associations = slices.DeleteFunc(t.associations, func(as rtAssociation) bool { return as.subnetID == id })
	}
	delete(a.subnets, id)
	return nil, nil
}
