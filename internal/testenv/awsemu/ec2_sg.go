package awsemu

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Security groups.

type ec2IPRange struct {
	CidrIP      string `xml:"cidrIp"`
	Description string `xml:"description,omitempty"`
}

type ec2GroupPair struct {
	GroupID     string `xml:"groupId"`
	UserID      string `xml:"userId"`
	Description string `xml:"description,omitempty"`
}

type ec2IPPermission struct {
	IPProtocol string         `xml:"ipProtocol"`
	FromPort   *int           `xml:"fromPort,omitempty"`
	ToPort     *int           `xml:"toPort,omitempty"`
	Groups     []ec2GroupPair `xml:"groups>item"`
	IPRanges   []ec2IPRange   `xml:"ipRanges>item"`
}

type ec2SecurityGroup struct {
	OwnerID          string            `xml:"ownerId"`
	GroupName        string            `xml:"groupName"`
	GroupID          string            `xml:"groupId"`
	GroupDescription string            `xml:"groupDescription"`
	IPPermissions    []ec2IPPermission `xml:"ipPermissions>item"`
	IPPermissionsOut []ec2IPPermission `xml:"ipPermissionsEgress>item"`
	VpcID            string            `xml:"vpcId"`
	SecurityGroupArn string            `xml:"securityGroupArn"`
	TagSet           []ec2Tag          `xml:"tagSet>item"`
}

func (g *securityGroup) view(region, owner string) ec2SecurityGroup {
	return ec2SecurityGroup{
		OwnerID: owner, GroupName: g.name, GroupID: g.id, GroupDescription: g.description,
		IPPermissions: permissions(g.rules, false, owner), IPPermissionsOut: permissions(g.rules, true, owner),
		VpcID: g.vpcID, SecurityGroupArn: fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", region, owner, g.id),
		TagSet: ec2Tags(g.tags),
	}
}

// permissions groups rules into EC2's IpPermissions: one per protocol and
// port range, listing its peers.
func permissions(rules []sgRule, egress bool, owner string) []ec2IPPermission {
	var out []ec2IPPermission
	for _, r := range rules {
		if r.egress != egress {
			continue
		}
		i := slices.IndexFunc(out, func(p ec2IPPermission) bool {
			return p.IPProtocol == r.protocol && portEq(p.FromPort, r.from) && portEq(p.ToPort, r.to)
		})
		if i < 0 {
			p := ec2IPPermission{IPProtocol: r.protocol}
			if r.from >= 0 || r.protocol != "-1" {
				from, to := r.from, r.to
				p.FromPort, p.ToPort = &from, &to
			}
			out = append(out, p)
			i = len(out) - 1
		}
		if r.group != "" {
			out[i].Groups = append(out[i].Groups, ec2GroupPair{r.group, owner, r.description})
		} else {
			out[i].IPRanges = append(out[i].IPRanges, ec2IPRange{r.cidr, r.description})
		}
	}
	return out
}

func portEq(p *int, v int) bool {
	if p == nil {
		return v < 0
	}
	return *p == v
}

func ec2CreateSecurityGroup(e *Emulator, c *call) (any, *apiError) {
	name, desc, vid := c.form.Get("GroupName"), c.form.Get("GroupDescription"), c.form.Get("VpcId")
	switch {
	case name == "":
		return nil, badRequest("MissingParameter", "The request must contain the parameter groupName")
	case desc == "":
		return nil, badRequest("MissingParameter", "The request must contain the parameter groupDescription")
	case vid == "":
		return nil, badRequest("VPCIdNotSpecified", "No default VPC for this user")
	case strings.EqualFold(name, "default"):
		return nil, badRequest("InvalidGroup.Reserved", "The security group 'default' is reserved")
	case strings.HasPrefix(name, "sg-"):
		return nil, badRequest("InvalidParameterValue", "Group names may not be in the format sg-*")
	case len(name) > 255 || len(desc) > 255:
		return nil, badRequest("InvalidParameterValue", "Group name and description must be at most 255 characters")
	}
	tags, err := tagSpecs(c, "security-group")
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a := c.acct
	if a.vpcs[vid] == nil {
		return nil, ec2NotFound(vid)
	}
	if slices.ContainsFunc(mapValues(a.sgs), func(g *securityGroup) bool { return g.vpcID == vid && g.name == name }) {
		return nil, badRequest("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", name, vid)
	}
	g := newSecurityGroup(name, desc, vid, tags)
	a.sgs[g.id] = g
	return struct {
		GroupID          string   `xml:"groupId"`
		TagSet           []ec2Tag `xml:"tagSet>item"`
		SecurityGroupArn string   `xml:"securityGroupArn"`
	}{g.id, ec2Tags(g.tags), fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", e.region, a.id, g.id)}, nil
}

// newSecurityGroup returns a group allowing all egress, as EC2 creates it.
func newSecurityGroup(name, desc, vpcID string, tags map[string]string) *securityGroup {
	return &securityGroup{id: resourceID("sg"), name: name, description: desc, vpcID: vpcID, tags: tags,
		rules: []sgRule{{id: resourceID("sgr"), egress: true, protocol: "-1", from: -1, to: -1, cidr: "0.0.0.0/0"}}}
}

// securityGroupFor finds the group of GroupId, or of GroupName.
func (c *call) securityGroupFor() (*securityGroup, *apiError) {
	if id := c.form.Get("GroupId"); id != "" {
		if g := c.acct.sgs[id]; g != nil {
			return g, nil
		}
		return nil, ec2NotFound(id)
	}
	name := c.form.Get("GroupName")
	if name == "" {
		return nil, badRequest("MissingParameter", "The request must contain the parameter groupId")
	}
	for _, g := range mapValues(c.acct.sgs) {
		if g.name == name {
			return g, nil
		}
	}
	return nil, badRequest("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC 'none'", name)
}

func ec2DescribeSecurityGroups(e *Emulator, c *call) (any, *apiError) {
	ids, names, fs := list(c.form, "GroupId"), list(c.form, "GroupName"), filters(c.form)
	e.mu.Lock()
	defer e.mu.Unlock()
	a := c.acct
	picked, err := selected(a.sgs, ids, fs, func(g *securityGroup) bool { return len(names) == 0 || slices.Contains(names, g.name) }, func(g *securityGroup) (attrFunc, map[string]string) {
		return func(name string) ([]string, bool) {
			switch name {
			case "group-id":
				return []string{g.id}, true
			case "group-name":
				return []string{g.name}, true
			case "vpc-id":
				return []string{g.vpcID}, true
			case "description":
				return []string{g.description}, true
			case "owner-id":
				return []string{a.id}, true
			}
			return nil, false
		}, g.tags
	})
	if err != nil {
		return nil, err
	}
	out := make([]ec2SecurityGroup, 0, len(picked))
	for _, g := range picked {
		out = append(out, g.view(e.region, a.id))
	}
	page, next, err := describePage(c, out)
	if err != nil {
		return nil, err
	}
	return struct {
		SecurityGroups []ec2SecurityGroup `xml:"securityGroupInfo>item"`
		NextToken      string             `xml:"nextToken,omitempty"`
	}{page, next}, nil
}

func ec2DeleteSecurityGroup(e *Emulator, c *call) (any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := c.acct
	g, err := c.securityGroupFor()
	if err != nil {
		return nil, err
	}
	if v := a.vpcs[g.vpcID]; v != nil && v.defaultSG == g.id {
		return nil, badRequest("CannotDelete", "the specified group: \"%s\" name: \"default\" cannot be deleted by a user", g.id)
	}
	referenced := slices.ContainsFunc(mapValues(a.sgs), func(o *securityGroup) bool {
		return o.id != g.id && slices.ContainsFunc(o.rules, func(r sgRule) bool { return r.group == g.id })
	})
	if referenced || a.securityGroupUser(g.id) != "" {
		return nil, badRequest("DependencyViolation", "resource %s has a dependent object", g.id)
	}
	delete(a.sgs, g.id)
	return struct {
		Return  bool   `xml:"return"`
		GroupID string `xml:"groupId"`
	}{true, g.id}, nil
}

// ingressRules reads IpPermissions.N (or the legacy flat IpProtocol,
// FromPort, ToPort, CidrIp) of an Authorize/Revoke call.
func ingressRules(c *call) ([]sgRule, *apiError) {
	var rules []sgRule
	perms := members(c.form, "IpPermissions")
	if len(perms) == 0 && c.form.Get("IpProtocol") != "" {
		perms = []string{""}
	}
	for _, m := range perms {
		key := func(k string) string {
			if m == "" {
				return k
			}
			return m + "." + k
		}
		proto := strings.ToLower(c.form.Get(key("IpProtocol")))
		switch proto {
		case "6":
			proto = "tcp"
		case "17":
			proto = "udp"
		case "1":
			proto = "icmp"
		case "all":
			proto = "-1"
		}
		from, fromOK := formInt(c.form, key("FromPort"), -1)
		to, toOK := formInt(c.form, key("ToPort"), -1)
		if !fromOK || !toOK {
			return nil, badRequest("InvalidParameterValue", "Invalid value for portRange. Must be an integer.")
		}
		switch proto {
		case "-1":
			from, to = -1, -1
		case "tcp", "udp":
			if from < 0 || to < from || to > 65535 {
				return nil, badRequest("InvalidParameterValue", "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange")
			}
		case "icmp":
		case "":
			return nil, badRequest("MissingParameter", "The request must contain the parameter ipProtocol")
		default:
			if _, err := strconv.Atoi(proto); err != nil {
				return nil, badRequest("InvalidParameterValue", "Invalid value '%s' for IP protocol. Unknown protocol.", proto)
			}
		}
		base := sgRule{protocol: proto, from: from, to: to}
		peers := 0
		cidrKeys := members(c.form, key("IpRanges"))
		if m == "" && c.form.Get("CidrIp") != "" {
			cidrKeys = []string{""}
		}
		for _, rk := range cidrKeys {
			cidrKey, descKey := rk+".CidrIp", rk+".Description"
			if rk == "" {
				cidrKey, descKey = "CidrIp", "Description"
			}
			if _, err := parseCIDR("cidrIp", c.form.Get(cidrKey)); err != nil {
				return nil, err
			}
			r := base
			r.cidr, r.description = c.form.Get(cidrKey), c.form.Get(descKey)
			rules = append(rules, r)
			peers++
		}
		for _, gk := range members(c.form, key("Groups")) {
			r := base
			r.group, r.description = c.form.Get(gk+".GroupId"), c.form.Get(gk+".Description")
			if r.group == "" {
				return nil, badRequest("MissingParameter", "The request must contain the parameter groupId for a source security group")
			}
			rules = append(rules, r)
			peers++
		}
		if peers == 0 {
			return nil, badRequest("MissingParameter", "The request must contain a source (IpRanges or Groups) for each permission")
		}
	}
	if len(rules) == 0 {
		return nil, badRequest("MissingParameter", "The request must contain the parameter ipPermissions")
	}
	return rules, nil
}

func (r sgRule) sameAs(o sgRule) bool {
	return r.egress == o.egress && r.protocol == o.protocol && r.from == o.from && r.to == o.to && r.cidr == o.cidr && r.group == o.group
}

func (r sgRule) describe() string {
	peer := r.cidr
	if r.group != "" {
		peer = r.group
	}
	return fmt.Sprintf("peer: %s, %s, from port: %d, to port: %d, ALLOW", peer, strings.ToUpper(r.protocol), r.from, r.to)
}

type ec2SecurityGroupRule struct {
	ID          string `xml:"securityGroupRuleId"`
	GroupID     string `xml:"groupId"`
	GroupOwner  string `xml:"groupOwnerId"`
	IsEgress    bool   `xml:"isEgress"`
	IPProtocol  string `xml:"ipProtocol"`
	FromPort    int    `xml:"fromPort"`
	ToPort      int    `xml:"toPort"`
	CidrIPv4    string `xml:"cidrIpv4,omitempty"`
	Referenced  string `xml:"referencedGroupInfo>groupId,omitempty"`
	Description string `xml:"description,omitempty"`
}

func ec2AuthorizeSecurityGroupIngress(e *Emulator, c *call) (any, *apiError) {
	rules, err := ingressRules(c)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g, err := c.securityGroupFor()
	if err != nil {
		return nil, err
	}
	var out []ec2SecurityGroupRule
	for i := range rules {
		r := &rules[i]
		if r.group != "" && c.acct.sgs[r.group] == nil {
			return nil, ec2NotFound(r.group)
		}
		if slices.ContainsFunc(g.rules, r.sameAs) || slices.ContainsFunc(rules[:i], r.sameAs) {
			return nil, badRequest("InvalidPermission.Duplicate", "the specified rule \"%s\" already exists", r.describe())
		}
		r.id = resourceID("sgr")
		out = append(out, ec2SecurityGroupRule{r.id, g.id, c.acct.id, false, r.protocol, r.from, r.to, r.cidr, r.group, r.description})
	}
	g.rules = append(g.rules, rules...)
	return struct {
		Return bool                   `xml:"return"`
		Rules  []ec2SecurityGroupRule `xml:"securityGroupRuleSet>item"`
	}{true, out}, nil
}

func ec2RevokeSecurityGroupIngress(e *Emulator, c *call) (any, *apiError) {
	rules, err := ingressRules(c)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g, err := c.securityGroupFor()
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		i := slices.IndexFunc(g.rules, r.sameAs)
		if i < 0 {
			return nil, badRequest("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
		}
		g.rules = slices.Delete(g.rules, i, i+1)
	}
	return ec2Return{true}, nil
}
