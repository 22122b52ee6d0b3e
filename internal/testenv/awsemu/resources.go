package awsemu

import (
	"fmt"
	"slices"
	"strings"
)

// Resources lists what exists in the emulator, across accounts: what a
// test asserts to be empty after deleting everything it created. A VPC's
// main route table and default security group are part of the VPC and not
// listed; an EKS cluster's security group is listed until the cluster is
// gone.
type Resources struct {
	Roles            []string // role ARNs
	VPCs             []string
	Subnets          []string
	InternetGateways []string
	RouteTables      []string
	SecurityGroups   []string
	Clusters         []string // EKS cluster names (any status)
	Nodegroups       []string // "cluster/nodegroup"
	// Processes are the PIDs of the running control-plane components and
	// agents.
	Processes []int
}

// Empty reports whether nothing is left.
func (r Resources) Empty() bool {
	return len(r.Roles)+len(r.VPCs)+len(r.Subnets)+len(r.InternetGateways)+len(r.RouteTables)+
		len(r.SecurityGroups)+len(r.Clusters)+len(r.Nodegroups)+len(r.Processes) == 0
}

// String lists the non-empty kinds, e.g. "VPCs [vpc-0…]; Subnets [...]".
func (r Resources) String() string {
	var parts []string
	add := func(kind string, items []string) {
		if len(items) > 0 {
			parts = append(parts, fmt.Sprintf("%s %v", kind, items))
		}
	}
	add("Roles", r.Roles)
	add("VPCs", r.VPCs)
	add("Subnets", r.Subnets)
	add("InternetGateways", r.InternetGateways)
	add("RouteTables", r.RouteTables)
	add("SecurityGroups", r.SecurityGroups)
	add("Clusters", r.Clusters)
	add("Nodegroups", r.Nodegroups)
	if len(r.Processes) > 0 {
		parts = append(parts, fmt.Sprintf("Processes %v", r.Processes))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, "; ")
}

// Resources returns what exists now.
func (e *Emulator) Resources() Resources {
	var r Resources
	var kubes []*kube
	e.mu.Lock()
	for _, a := range mapValues(e.accounts) {
		for _, ro := range mapValues(a.roles) {
			r.Roles = append(r.Roles, ro.arn)
		}
		implicit := map[string]bool{}
		for _, v := range mapValues(a.vpcs) {
			r.VPCs = append(r.VPCs, v.id)
			implicit[v.mainRouteTable], implicit[v.defaultSG] = true, true
		}
		r.Subnets = append(r.Subnets, sortedKeys(a.subnets)...)
		r.InternetGateways = append(r.InternetGateways, sortedKeys(a.igws)...)
		for _, id := range sortedKeys(a.rtbs) {
			if !implicit[id] {
				r.RouteTables = append(r.RouteTables, id)
			}
		}
		for _, id := range sortedKeys(a.sgs) {
			if !implicit[id] {
				r.SecurityGroups = append(r.SecurityGroups, id)
			}
		}
		for _, cl := range mapValues(a.clusters) {
			r.Clusters = append(r.Clusters, cl.name)
			for _, ng := range sortedKeys(cl.nodegroups) {
				r.Nodegroups = append(r.Nodegroups, cl.name+"/"+ng)
			}
			if cl.kube != nil {
				kubes = append(kubes, cl.kube)
			}
		}
	}
	e.mu.Unlock()
	for _, k := range kubes {
		r.Processes = append(r.Processes, k.pids()...)
	}
	slices.Sort(r.Processes)
	return r
}

// Agents returns the agent processes the emulator runs (see the package
// documentation).
func (e *Emulator) Agents() []AgentProcess {
	var out []AgentProcess
	for _, k := range e.kubes() {
		if k.agents != nil {
			out = append(out, k.agents.list()...)
		}
	}
	return out
}

// LogTails returns the last n lines of the logs of every running control
// plane component and agent, under headings naming the files.
func (e *Emulator) LogTails(n int) string {
	var b strings.Builder
	for _, k := range e.kubes() {
		fmt.Fprintf(&b, "awsemu: cluster %s:\n%s", k.name, k.lc.LogTails(n))
	}
	for _, a := range e.Agents() {
		fmt.Fprintf(&b, "awsemu: agent of pod %s in cluster %s (%s):\n%s", a.Pod, a.Cluster, a.LogPath, tailFile(a.LogPath, n))
	}
	return b.String()
}

// kubes returns the running control planes.
func (e *Emulator) kubes() []*kube {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*kube
	for _, a := range mapValues(e.accounts) {
		for _, cl := range mapValues(a.clusters) {
			if cl.kube != nil {
				out = append(out, cl.kube)
			}
		}
	}
	return out
}

// Kubeconfig returns the path of an admin kubeconfig (system:masters, a
// static token, not an AWS identity) of the control plane of the ACTIVE
// cluster named name, for tests that inspect the cluster directly; "" when
// there is none.
func (e *Emulator) Kubeconfig(name string) string {
	for _, k := range e.kubes() {
		if k.name == name {
			return k.lc.Kubeconfig()
		}
	}
	return ""
}
