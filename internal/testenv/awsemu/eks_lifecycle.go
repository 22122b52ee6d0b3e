package awsemu

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// The asynchronous side of EKS: CREATING → ACTIVE (or FAILED), DELETING →
// gone, for clusters and nodegroups, with their control planes and nodes.

func (e *Emulator) runClusterCreate(cl *cluster) {
	began := time.Now()
	e.mu.Lock()
	fail := e.failCl[cl.name]
	e.mu.Unlock()
	var k *kube
	var kubeErr error
	if !e.opts.NoKubernetes && !fail {
		k, kubeErr = e.startKube(e.ctx, cl)
	}
	if !e.sleep(e.opts.ClusterDelay - time.Since(began)) {
		if k != nil {
			k.stop()
		}
		return
	}
	e.mu.Lock()
	fail = fail || e.failCl[cl.name]
	switch {
	case e.closed:
		e.mu.Unlock()
		if k != nil {
			k.stop()
		}
		return
	case fail || kubeErr != nil:
		msg := "The cluster failed to create (injected with FailCluster)."
		if kubeErr != nil {
			msg = "The control plane failed to start: " + kubeErr.Error()
			e.log.Warn(fmt.Sprintf("awsemu: eks: cluster %s: %v", cl.name, kubeErr))
		}
		cl.status = statusFailed
		cl.health = []eksIssue{{Code: "INTERNAL_FAILURE", Message: msg, ResourceIDs: []string{cl.name}}}
		e.mu.Unlock()
		if k != nil {
			k.stop()
		}
		e.log.Info(fmt.Sprintf("awsemu: eks: cluster %s FAILED", cl.name))
		return
	}
	cl.kube = k
	if k != nil {
		cl.endpoint, cl.caPEM = k.lc.URL(), k.lc.CAData()
		if e.opts.AgentBinary != "" {
			k.agents = e.newAgentRunner(cl, k)
		}
	} else {
		cl.endpoint = fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", randomHex(32), e.region)
		cl.caPEM = placeholderCA()
	}
	cl.status = statusActive
	e.mu.Unlock()
	if k != nil && k.agents != nil {
		e.goBackground(k.agents.run)
	}
	e.log.Info(fmt.Sprintf("awsemu: eks: cluster %s ACTIVE at %s after %s", cl.name, cl.endpoint, time.Since(began).Round(time.Millisecond)))
}

func (e *Emulator) runClusterDelete(cl *cluster) {
	if !e.sleep(e.opts.ClusterDelay) {
		return // Close stops the control plane
	}
	e.mu.Lock()
	k := cl.kube
	cl.kube = nil
	e.mu.Unlock()
	if k != nil {
		if err := k.stop(); err != nil {
			e.log.Warn(fmt.Sprintf("awsemu: eks: cluster %s: stopping the control plane: %v", cl.name, err))
		}
	}
	e.mu.Lock()
	delete(cl.acct.clusters, cl.name)
	delete(cl.acct.sgs, cl.clusterSG)
	delete(e.webhooks, cl.webhookKey)
	e.mu.Unlock()
	e.log.Info(fmt.Sprintf("awsemu: eks: cluster %s deleted", cl.name))
}

// nodegroupIssue returns why ng cannot get nodes, or nil. Called with e.mu
// held.
func (e *Emulator) nodegroupIssue(ng *nodegroup) *eksIssue {
	a := ng.cl.acct
	if e.failNG[ng.name] {
		return &eksIssue{Code: "NodeCreationFailure", Message: "Instances failed to join the kubernetes cluster", ResourceIDs: []string{resourceID("i")}}
	}
	var noPublicIP []string
	for _, id := range ng.subnets {
		s := a.subnets[id]
		if s == nil {
			return &eksIssue{Code: "Ec2SubnetNotFound", Message: fmt.Sprintf("The subnet ID '%s' does not exist", id), ResourceIDs: []string{id}}
		}
		if !a.subnetHasInternetRoute(s) {
			// Without a NAT gateway (not emulated), only an internet gateway
			// lets the nodes reach the cluster endpoint.
			return &eksIssue{Code: "NodeCreationFailure", Message: fmt.Sprintf("Instances failed to join the kubernetes cluster: subnet %s has no route to an internet gateway", id), ResourceIDs: []string{id}}
		}
		if !s.mapPublicIP {
			noPublicIP = append(noPublicIP, id)
		}
	}
	if len(noPublicIP) > 0 {
		return &eksIssue{Code: "Ec2SubnetInvalidConfiguration", ResourceIDs: noPublicIP, Message: fmt.Sprintf(
			"One or more Amazon EC2 Subnets of %v for node group %s does not automatically assign public IP addresses to instances launched into it. "+
				"If you want your instances to be assigned a public IP address, then you need to enable auto-assign public IP address for the subnet.", noPublicIP, ng.name)}
	}
	return nil
}

// subnetHasInternetRoute reports whether the subnet's route table (its own
// or the VPC's main one) sends 0.0.0.0/0 to an attached internet gateway.
func (a *account) subnetHasInternetRoute(s *subnet) bool {
	var table *routeTable
	for _, t := range mapValues(a.rtbs) {
		if slices.ContainsFunc(t.associations, func(as rtAssociation) bool { return as.subnetID == s.id }) {
			table = t
		}
	}
	if table == nil {
		for _, t := range mapValues(a.rtbs) {
			if t.vpcID == s.vpcID && slices.ContainsFunc(t.associations, func(as rtAssociation) bool { return as.main }) {
				table = t
			}
		}
	}
	if table == nil {
		return false
	}
	for _, r := range table.routes {
		if g := a.igws[r.gateway]; g != nil && g.vpcID == s.vpcID && r.dest.Bits() == 0 {
			return true
		}
	}
	return false
}

// launch allocates n new instances of ng, spread over its subnets. Called
// with e.mu held.
func (e *Emulator) launch(ng *nodegroup, n int) []*node {
	a := ng.cl.acct
	var out []*node
	for i := range n {
		s := a.subnets[ng.subnets[(len(ng.nodes)+i)%len(ng.subnets)]]
		if s.nextHost == 0 {
			s.nextHost = 10
		}
		base := s.cidr.Addr().As4()
		n := binary.BigEndian.Uint32(base[:]) + uint32(s.nextHost)
		s.nextHost++
		var addr [4]byte
		binary.BigEndian.PutUint32(addr[:], n)
		ip := netip.AddrFrom4(addr).String()
		z := zoneOf(e.region, s.az)
		out = append(out, &node{instanceID: resourceID("i"), name: nodeName(e.region, ip), subnet: s.id, az: s.az, azID: z.id, ip: ip})
	}
	return out
}

func zoneOf(region, name string) zone {
	for _, z := range regionZones[region] {
		if z.name == name {
			return z
		}
	}
	return zone{name: name}
}

func (e *Emulator) runNodegroupCreate(ng *nodegroup) {
	if !e.sleep(e.opts.NodegroupDelay) {
		return
	}
	e.mu.Lock()
	if issue := e.nodegroupIssue(ng); issue != nil {
		ng.status, ng.modified, ng.health = statusCreateFailed, time.Now(), []eksIssue{*issue}
		e.mu.Unlock()
		e.log.Info(fmt.Sprintf("awsemu: eks: nodegroup %s/%s CREATE_FAILED: %s", ng.cl.name, ng.name, issue.Message))
		return
	}
	nodes := e.launch(ng, ng.desired)
	specs := e.nodeSpecs(ng, nodes)
	k := ng.cl.kube
	e.mu.Unlock()
	if k != nil {
		if err := k.addNodes(e.ctx, specs); err != nil {
			e.mu.Lock()
			ng.status, ng.modified = statusCreateFailed, time.Now()
			ng.health = []eksIssue{{Code: "NodeCreationFailure", Message: "Instances failed to join the kubernetes cluster: " + err.Error()}}
			e.mu.Unlock()
			e.log.Warn(fmt.Sprintf("awsemu: eks: nodegroup %s/%s: %v", ng.cl.name, ng.name, err))
			return
		}
	}
	e.mu.Lock()
	ng.nodes = nodes
	ng.status, ng.modified = statusActive, time.Now()
	e.mu.Unlock()
	e.log.Info(fmt.Sprintf("awsemu: eks: nodegroup %s/%s ACTIVE with %d nodes", ng.cl.name, ng.name, len(nodes)))
}

func (e *Emulator) nodeSpecs(ng *nodegroup, nodes []*node) []nodeSpec {
	specs := make([]nodeSpec, len(nodes))
	for i, n := range nodes {
		specs[i] = e.nodeSpecFor(ng, n)
	}
	return specs
}

// runNodegroupUpdate applies next (a changed copy of ng) after the delay:
// nodes are added or removed (newest first) to the desired size, and the
// others get the new labels and taints.
func (e *Emulator) runNodegroupUpdate(ng *nodegroup, next *nodegroup, u *eksUpdate) {
	if !e.sleep(e.opts.NodegroupDelay) {
		return
	}
	e.mu.Lock()
	keep := ng.nodes
	var remove, add []*node
	if next.desired < len(keep) {
		keep, remove = keep[:next.desired:next.desired], keep[next.desired:]
	} else {
		add = e.launch(ng, next.desired-len(keep))
	}
	var drop []string
	for key := range ng.labels {
		if _, ok := next.labels[key]; !ok {
			drop = append(drop, key)
		}
	}
	oldTaints := e.nodeSpecFor(ng, &node{}).taints
	k := ng.cl.kube
	keepSpecs, addSpecs := e.nodeSpecs(next, keep), e.nodeSpecs(next, add)
	e.mu.Unlock()
	var err error
	if k != nil {
		names := make([]string, len(remove))
		for i, n := range remove {
			names[i] = n.name
		}
		if err = k.removeNodes(e.ctx, names); err == nil {
			if err = k.relabelNodes(e.ctx, keepSpecs, drop, oldTaints); err == nil {
				err = k.addNodes(e.ctx, addSpecs)
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ng.min, ng.max, ng.desired, ng.labels, ng.taints, ng.maxUnavailable = next.min, next.max, next.desired, next.labels, next.taints, next.maxUnavailable
	ng.nodes = append(keep, add...)
	ng.status, ng.modified = statusActive, time.Now()
	if err != nil {
		u.Status = "Failed"
		u.Errors = []any{map[string]any{"errorCode": "NodeCreationFailure", "errorMessage": err.Error()}}
		ng.health = []eksIssue{{Code: "NodeCreationFailure", Message: err.Error()}}
		e.log.Warn(fmt.Sprintf("awsemu: eks: nodegroup %s/%s update failed: %v", ng.cl.name, ng.name, err))
		return
	}
	u.Status = "Successful"
	e.log.Info(fmt.Sprintf("awsemu: eks: nodegroup %s/%s ACTIVE with %d nodes", ng.cl.name, ng.name, len(ng.nodes)))
}

func (e *Emulator) runNodegroupDelete(ng *nodegroup) {
	if !e.sleep(e.opts.NodegroupDelay) {
		return
	}
	e.mu.Lock()
	names := make([]string, len(ng.nodes))
	for i, n := range ng.nodes {
		names[i] = n.name
	}
	k := ng.cl.kube
	e.mu.Unlock()
	if k != nil {
		if err := k.removeNodes(e.ctx, names); err != nil {
			e.log.Warn(fmt.Sprintf("awsemu: eks: nodegroup %s/%s: removing nodes: %v", ng.cl.name, ng.name, err))
		}
	}
	e.mu.Lock()
	delete(ng.cl.nodegroups, ng.name)
	e.mu.Unlock()
	e.log.Info(fmt.Sprintf("awsemu: eks: nodegroup %s/%s deleted", ng.cl.name, ng.name))
}
