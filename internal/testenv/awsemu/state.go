package awsemu

import (
	"maps"
	"net/netip"
	"slices"
	"time"
)

// account holds what one AWS account owns. Everything is guarded by
// Emulator.mu.
type account struct {
	id       string
	roles    map[string]*role // by lower-case name: IAM names are case-insensitive
	vpcs     map[string]*vpc
	subnets  map[string]*subnet
	igws     map[string]*internetGateway
	rtbs     map[string]*routeTable
	sgs      map[string]*securityGroup
	clusters map[string]*cluster
}

func (e *Emulator) account(id string) *account {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.accounts[id]
	if a == nil {
		a = &account{
			id: id, roles: map[string]*role{}, vpcs: map[string]*vpc{}, subnets: map[string]*subnet{},
			igws: map[string]*internetGateway{}, rtbs: map[string]*routeTable{}, sgs: map[string]*securityGroup{},
			clusters: map[string]*cluster{},
		}
		e.accounts[id] = a
	}
	return a
}

type role struct {
	name, path, id, arn string
	trustPolicy         string // JSON
	description         string
	maxSession          int
	created             time.Time
	policies            []string // attached managed policy ARNs, in order
	tags                []tag
}

// tag is an ordered key/value pair (IAM keeps tag order; EC2 and EKS use
// maps).
type tag struct{ key, value string }

type vpc struct {
	id              string
	cidr            netip.Prefix
	cidrAssociation string // vpc-cidr-assoc-…
	tenancy         string
	dnsSupport      bool
	dnsHostnames    bool
	mainRouteTable  string
	defaultSG       string
	tags            map[string]string
}

type subnet struct {
	id, vpcID, az, azID string
	cidr                netip.Prefix
	mapPublicIP         bool
	tags                map[string]string
	nextHost            int // host number of the next node address
}

type internetGateway struct {
	id    string
	vpcID string // attached VPC, "" when detached
	tags  map[string]string
}

type route struct {
	dest    netip.Prefix
	gateway string // "local" or an internet gateway ID
	origin  string // CreateRouteTable or CreateRoute
}

type rtAssociation struct {
	id       string
	subnetID string // "" for the main association
	main     bool
}

type routeTable struct {
	id, vpcID    string
	routes       []route
	associations []rtAssociation
	tags         map[string]string
}

// sgRule is one rule of a security group: a protocol and port range from
// (ingress) or to (egress) one peer, a CIDR or another group.
type sgRule struct {
	id          string // sgr-…
	egress      bool
	protocol    string // "-1", "tcp", "udp", "icmp" or a protocol number
	from, to    int    // -1 when the protocol has no ports
	cidr        string
	group       string // referenced security group ID
	description string
}

type securityGroup struct {
	id, name, description, vpcID string
	rules                        []sgRule
	tags                         map[string]string
	// cluster names the EKS cluster that created the group (its cluster
	// security group); AWS deletes it with the cluster.
	cluster string
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func mapValues[V any](m map[string]V) []V {
	out := make([]V, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}
