package awsemu

import (
	"slices"
	"strconv"
)

// Internet gateways and route tables.

type ec2IGWAttachment struct {
	VpcID string `xml:"vpcId"`
	State string `xml:"state"`
}

type ec2InternetGateway struct {
	InternetGatewayID string             `xml:"internetGatewayId"`
	OwnerID           string             `xml:"ownerId"`
	Attachments       []ec2IGWAttachment `xml:"attachmentSet>item"`
	TagSet            []ec2Tag           `xml:"tagSet>item"`
}

func (g *internetGateway) view(owner string) ec2InternetGateway {
	v := ec2InternetGateway{InternetGatewayID: g.id, OwnerID: owner, TagSet: ec2Tags(g.tags)}
	if g.vpcID != "" {
		v.Attachments = []ec2IGWAttachment{{g.vpcID, "available"}}
	}
	return v
}

func ec2CreateInternetGateway(e *Emulator, c *call) (any, *apiError) {
	tags, err := tagSpecs(c, "internet-gateway")
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g := &internetGateway{id: resourceID("igw"), tags: tags}
	c.acct.igws[g.id] = g
	return struct {
		InternetGateway ec2InternetGateway `xml:"internetGateway"`
	}{g.view(c.acct.id)}, nil
}

// gatewayAndVpc finds the InternetGatewayId and VpcId of a call.
func gatewayAndVpc(c *call) (*internetGateway, *vpc, *apiError) {
	gid, vid := c.form.Get("InternetGatewayId"), c.form.Get("VpcId")
	g := c.acct.igws[gid]
	if g == nil {
		return nil, nil, ec2NotFound(gid)
	}
	v := c.acct.vpcs[vid]
	if v == nil {
		return nil, nil, ec2NotFound(vid)
	}
	return g, v, nil
}

func ec2AttachInternetGateway(e *Emulator, c *call) (any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	g, v, err := gatewayAndVpc(c)
	if err != nil {
		return nil, err
	}
	if g.vpcID != "" {
		return nil, badRequest("Resource.AlreadyAssociated", "resource %s is already attached to network %s", g.id, g.vpcID)
	}
	for _, other := range c.acct.igws {
		if other.vpcID == v.id {
			return nil, badRequest("InvalidParameterValue", "Network %s already has an internet gateway attached", v.id)
		}
	}
	g.vpcID = v.id
	return nil, nil
}

func ec2DetachInternetGateway(e *Emulator, c *call) (any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	g, v, err := gatewayAndVpc(c)
	if err != nil {
		return nil, err
	}
	if g.vpcID != v.id {
		return nil, badRequest("Gateway.NotAttached", "resource %s is not attached to network %s", g.id, v.id)
	}
	// Nodes in public subnets hold public addresses through the gateway.
	if c.acct.vpcHasPublicAddresses(v.id) {
		return nil, badRequest("DependencyViolation", "Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", v.id)
	}
	g.vpcID = ""
	return nil, nil
}

func ec2DeleteInternetGateway(e *Emulator, c *call) (any, *apiError) {
	id := c.form.Get("InternetGatewayId")
	e.mu.Lock()
	defer e.mu.Unlock()
	g := c.acct.igws[id]
	if g == nil {
		return nil, ec2NotFound(id)
	}
	if g.vpcID != "" {
		return nil, badRequest("DependencyViolation", "The internetGateway '%s' has dependencies and cannot be deleted.", id)
	}
	delete(c.acct.igws, id)
	return nil, nil
}

func ec2DescribeInternetGateways(e *Emulator, c *call) (any, *apiError) {
	ids, fs := list(c.form, "InternetGatewayId"), filters(c.form)
	e.mu.Lock()
	defer e.mu.Unlock()
	a := c.acct
	picked, err := selected(a.igws, ids, fs, nil, func(g *internetGateway) (attrFunc, map[string]string) {
		return func(name string) ([]string, bool) {
			switch name {
			case "internet-gateway-id":
				return []string{g.id}, true
			case "attachment.vpc-id":
				return []string{g.vpcID}, true
			case "attachment.state":
				if g.vpcID == "" {
					return nil, true
				}
				return []string{"available"}, true
			case "owner-id":
				return []string{a.id}, true
			}
			return nil, false
		}, g.tags
	})
	if err != nil {
		return nil, err
	}
	out := make([]ec2InternetGateway, 0, len(picked))
	for _, g := range picked {
		out = append(out, g.view(a.id))
	}
	page, next, err := describePage(c, out)
	if err != nil {
		return nil, err
	}
	return struct {
		InternetGateways []ec2InternetGateway `xml:"internetGatewaySet>item"`
		NextToken        string               `xml:"nextToken,omitempty"`
	}{page, next}, nil
}

type ec2Route struct {
	DestinationCidrBlock string `xml:"destinationCidrBlock"`
	GatewayID            string `xml:"gatewayId"`
	State                string `xml:"state"`
	Origin               string `xml:"origin"`
}

type ec2RouteTableAssociation struct {
	ID           string `xml:"routeTableAssociationId"`
	RouteTableID string `xml:"routeTableId"`
	SubnetID     string `xml:"subnetId,omitempty"`
	Main         bool   `xml:"main"`
	State        string `xml:"associationState>state"`
}

type ec2RouteTable struct {
	RouteTableID string                     `xml:"routeTableId"`
	VpcID        string                     `xml:"vpcId"`
	OwnerID      string                     `xml:"ownerId"`
	Routes       []ec2Route                 `xml:"routeSet>item"`
	Associations []ec2RouteTableAssociation `xml:"associationSet>item"`
	TagSet       []ec2Tag                   `xml:"tagSet>item"`
}

func (t *routeTable) view(a *account) ec2RouteTable {
	v := ec2RouteTable{RouteTableID: t.id, VpcID: t.vpcID, OwnerID: a.id, TagSet: ec2Tags(t.tags)}
	for _, r := range t.routes {
		state := "active"
		if g := a.igws[r.gateway]; r.gateway != "local" && (g == nil || g.vpcID != t.vpcID) {
			state = "blackhole" // the gateway was detached or deleted
		}
		v.Routes = append(v.Routes, ec2Route{r.dest.String(), r.gateway, state, r.origin})
	}
	for _, as := range t.associations {
		v.Associations = append(v.Associations, ec2RouteTableAssociation{as.id, t.id, as.subnetID, as.main, "associated"})
	}
	return v
}

func ec2CreateRouteTable(e *Emulator, c *call) (any, *apiError) {
	vid := c.form.Get("VpcId")
	tags, err := tagSpecs(c, "route-table")
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	v := c.acct.vpcs[vid]
	if v == nil {
		return nil, ec2NotFound(vid)
	}
	t := &routeTable{id: resourceID("rtb"), vpcID: vid, tags: tags, routes: []route{{dest: v.cidr, gateway: "local", origin: "CreateRouteTable"}}}
	c.acct.rtbs[t.id] = t
	return struct {
		RouteTable ec2RouteTable `xml:"routeTable"`
	}{t.view(c.acct)}, nil
}

func (c *call) routeTable() (*routeTable, *apiError) {
	id := c.form.Get("RouteTableId")
	t := c.acct.rtbs[id]
	if t == nil {
		return nil, ec2NotFound(id)
	}
	return t, nil
}

func ec2CreateRoute(e *Emulator, c *call) (any, *apiError) {
	dest, err := parseCIDR("destinationCidrBlock", c.form.Get("DestinationCidrBlock"))
	if err != nil {
		return nil, err
	}
	gid := c.form.Get("GatewayId")
	if gid == "" {
		return nil, badRequest("MissingParameter", "The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId or instanceId (the emulator supports gatewayId)")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := c.routeTable()
	if err != nil {
		return nil, err
	}
	g := c.acct.igws[gid]
	if g == nil {
		return nil, ec2NotFound(gid)
	}
	if g.vpcID != t.vpcID {
		return nil, badRequest("InvalidParameterValue", "route table %s and network gateway %s belong to different networks", t.id, gid)
	}
	if slices.ContainsFunc(t.routes, func(r route) bool { return r.dest == dest }) {
		return nil, badRequest("RouteAlreadyExists", "The route identified by %s already exists.", dest)
	}
	t.routes = append(t.routes, route{dest: dest, gateway: gid, origin: "CreateRoute"})
	return ec2Return{true}, nil
}

func ec2DeleteRoute(e *Emulator, c *call) (any, *apiError) {
	dest, err := parseCIDR("destinationCidrBlock", c.form.Get("DestinationCidrBlock"))
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := c.routeTable()
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(t.routes, func(r route) bool { return r.dest == dest })
	if i < 0 {
		return nil, badRequest("InvalidRoute.NotFound", "no route with destination-cidr-block %s in route table %s", dest, t.id)
	}
	if t.routes[i].gateway == "local" {
		return nil, badRequest("InvalidParameterValue", "cannot remove local route %s in route table %s", dest, t.id)
	}
	t.routes = slices.Delete(t.routes, i, i+1)
	return nil, nil
}

func ec2AssociateRouteTable(e *Emulator, c *call) (any, *apiError) {
	sid := c.form.Get("SubnetId")
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := c.routeTable()
	if err != nil {
		return nil, err
	}
	s := c.acct.subnets[sid]
	if s == nil {
		return nil, ec2NotFound(sid)
	}
	if s.vpcID != t.vpcID {
		return nil, badRequest("InvalidParameterValue", "Route table %s and subnet %s belong to different networks", t.id, sid)
	}
	for _, other := range c.acct.rtbs {
		if slices.ContainsFunc(other.associations, func(as rtAssociation) bool { return as.subnetID == sid }) {
			return nil, badRequest("Resource.AlreadyAssociated", "the specified association for route table %s conflicts with an existing association", t.id)
		}
	}
	as := rtAssociation{id: resourceID("rtbassoc"), subnetID: sid}
	t.associations = append(t.associations, as)
	return struct {
		AssociationID string `xml:"associationId"`
		State         string `xml:"associationState>state"`
	}{as.id, "associated"}, nil
}

func ec2DisassociateRouteTable(e *Emulator, c *call) (any, *apiError) {
	id := c.form.Get("AssociationId")
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range c.acct.rtbs {
		i := slices.IndexFunc(t.associations, func(as rtAssociation) bool { return as.id == id })
		if i < 0 {
			continue
		}
		if t.associations[i].main {
			return nil, badRequest("InvalidParameterValue", "cannot disassociate the main route table association %s", id)
		}
		t.associations = slices.Delete(t.associations, i, i+1)
		return nil, nil
	}
	return nil, badRequest("InvalidAssociationID.NotFound", "The association ID '%s' does not exist", id)
}

func ec2DeleteRouteTable(e *Emulator, c *call) (any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := c.routeTable()
	if err != nil {
		return nil, err
	}
	if len(t.associations) > 0 {
		return nil, badRequest("DependencyViolation", "The routeTable '%s' has dependencies and cannot be deleted.", t.id)
	}
	delete(c.acct.rtbs, t.id)
	return nil, nil
}

func ec2DescribeRouteTables(e *Emulator, c *call) (any, *apiError) {
	ids, fs := list(c.form, "RouteTableId"), filters(c.form)
	e.mu.Lock()
	defer e.mu.Unlock()
	a := c.acct
	picked, err := selected(a.rtbs, ids, fs, nil, func(t *routeTable) (attrFunc, map[string]string) {
		return func(name string) ([]string, bool) {
			var vals []string
			switch name {
			case "route-table-id":
				return []string{t.id}, true
			case "vpc-id":
				return []string{t.vpcID}, true
			case "owner-id":
				return []string{a.id}, true
			case "association.subnet-id":
				for _, as := range t.associations {
					vals = append(vals, as.subnetID)
				}
			case "association.route-table-association-id":
				for _, as := range t.associations {
					vals = append(vals, as.id)
				}
			case "association.main":
				main := slices.ContainsFunc(t.associations, func(as rtAssociation) bool { return as.main })
				vals = []string{strconv.FormatBool(main)}
			case "route.gateway-id":
				for _, r := range t.routes {
					vals = append(vals, r.gateway)
				}
			case "route.destination-cidr-block":
				for _, r := range t.routes {
					vals = append(vals, r.dest.String())
				}
			default:
				return nil, false
			}
			return vals, true
		}, t.tags
	})
	if err != nil {
		return nil, err
	}
	out := make([]ec2RouteTable, 0, len(picked))
	for _, t := range picked {
		out = append(out, t.view(a))
	}
	page, next, err := describePage(c, out)
	if err != nil {
		return nil, err
	}
	return struct {
		RouteTables []ec2RouteTable `xml:"routeTableSet>item"`
		NextToken   string          `xml:"nextToken,omitempty"`
	}{page, next}, nil
}
