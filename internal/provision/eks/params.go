package eks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/provision"
	"github.com/paddockhq/paddock/internal/store"
)

// Choices offered (and checked).
var (
	// KubernetesVersions are the EKS versions offered, oldest first; the
	// newest is the default.
	KubernetesVersions = []string{"1.30", "1.31", "1.32", "1.33"}
	// InstanceTypes are the node instance types offered (x86_64, run with
	// the AL2023 AMI).
	InstanceTypes = []string{"t3.medium", "t3.large", "t3.xlarge", "t3.2xlarge", "m5.large", "m5.xlarge", "m5.2xlarge",
		"m6i.large", "m6i.xlarge", "m6i.2xlarge", "m7i.large", "m7i.xlarge", "c5.large", "c5.xlarge", "c6i.large",
		"c6i.xlarge", "r5.large", "r5.xlarge", "r6i.large", "r6i.xlarge"}
	// LogTypes are the control plane log types that can be sent to
	// CloudWatch.
	LogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}
	// TaintEffects are the Kubernetes taint effects.
	TaintEffects = []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}
)

// Defaults.
const (
	DefaultCIDR         = "10.0.0.0/16"
	DefaultInstanceType = "t3.medium"
	DefaultDiskSize     = 20
	MaxNodeGroups       = 10
	MaxGroupSize        = 100
)

// Params are an eks cluster's parameters, as validated and normalised.
type Params struct {
	Provider     string `json:"provider"`
	CredentialID string `json:"credentialID"`
	// Region defaults to the credential's default region.
	Region string `json:"region"`
	// KubernetesVersion defaults to the newest of KubernetesVersions.
	KubernetesVersion string     `json:"kubernetesVersion"`
	Networking        Networking `json:"networking"`
	// EndpointPublicAccess (default true) and EndpointPrivateAccess
	// (default false) say where the API server answers; Paddock installs
	// its agent through the endpoint, so it must reach one of them.
	EndpointPublicAccess  *bool `json:"endpointPublicAccess"`
	EndpointPrivateAccess *bool `json:"endpointPrivateAccess"`
	// ClusterRoleARN and NodeRoleARN name existing IAM roles; empty:
	// Paddock creates them with the AWS managed policies EKS needs.
	ClusterRoleARN string `json:"clusterRoleARN,omitempty"`
	NodeRoleARN    string `json:"nodeRoleARN,omitempty"`
	// Logging lists the control plane log types to enable (LogTypes).
	Logging []string `json:"logging"`
	// Tags go on everything Paddock creates (with paddock.io/cluster).
	Tags       map[string]string `json:"tags"`
	NodeGroups []NodeGroup       `json:"nodeGroups"`
}

// Networking is an existing network (SubnetIDs, SecurityGroupIDs) or a new
// VPC (CreateVPC, CIDR).
type Networking struct {
	CreateVPC        bool     `json:"createVPC"`
	CIDR             string   `json:"cidr,omitempty"`
	SubnetIDs        []string `json:"subnetIDs,omitempty"`
	SecurityGroupIDs []string `json:"securityGroupIDs,omitempty"`
}

// NodeGroup is a managed node group.
type NodeGroup struct {
	Name         string            `json:"name"`
	InstanceType string            `json:"instanceType"`
	DiskSize     int               `json:"diskSize"` // GiB
	MinSize      int               `json:"minSize"`
	MaxSize      int               `json:"maxSize"`
	DesiredSize  int               `json:"desiredSize"`
	Labels       map[string]string `json:"labels,omitempty"`
	Taints       []Taint           `json:"taints,omitempty"`
}

// Taint is a Kubernetes taint on a node group's nodes.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

var (
	nameRE     = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$`)
	subnetRE   = regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`)
	sgRE       = regexp.MustCompile(`^sg-[0-9a-f]{8,17}$`)
	roleARNRE  = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	labelKeyRE = regexp.MustCompile(`^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$`)
	labelValRE = regexp.MustCompile(`^([a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?)?$`)
)

// Validate reads the provision object, fills defaults and checks every
// field (errors name it). The credential must exist and be usable by the
// caller (its owner or an administrator), else provision.ErrNoCredential.
func (p *Provisioner) Validate(ctx context.Context, by provision.Caller, raw json.RawMessage) (json.RawMessage, error) {
	var in Params
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("provision: %v", err)
	}
	cred, err := p.credential(ctx, by, in.CredentialID)
	if err != nil {
		return nil, err
	}
	if in.Region == "" {
		in.Region = cred.DefaultRegion
	}
	if err := in.normalise(); err != nil {
		return nil, err
	}
	return json.Marshal(in)
}

// credential finds the credential by for the caller.
func (p *Provisioner) credential(ctx context.Context, by provision.Caller, id string) (*model.CloudCredential, error) {
	if id == "" {
		return nil, errors.New("credentialID: required (a cloud credential of yours, see /v1/cloudcredentials)")
	}
	c, err := p.Store.GetCloudCredential(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !c.UsableBy(by.UserID, by.Admin)) {
		return nil, fmt.Errorf("credentialID: %w %q", provision.ErrNoCredential, id)
	}
	if err != nil {
		return nil, err
	}
	if c.Provider != model.CloudAWS {
		return nil, fmt.Errorf("credentialID: the credential is for %s, not aws", c.Provider)
	}
	return c, nil
}

// normalise fills defaults and checks everything but the credential.
func (in *Params) normalise() error {
	in.Provider = Name
	if in.Region == "" {
		return errors.New("region: required (the credential has no default region)")
	}
	if !model.ValidAWSRegion(in.Region) {
		return fmt.Errorf("region: %q is not an AWS region", in.Region)
	}
	if in.KubernetesVersion == "" {
		in.KubernetesVersion = KubernetesVersions[len(KubernetesVersions)-1]
	}
	if !slices.Contains(KubernetesVersions, in.KubernetesVersion) {
		return fmt.Errorf("kubernetesVersion: %q is not one of %s", in.KubernetesVersion, strings.Join(KubernetesVersions, ", "))
	}
	if err := in.Networking.normalise(); err != nil {
		return err
	}
	yes, no := true, false
	if in.EndpointPublicAccess == nil {
		in.EndpointPublicAccess = &yes
	}
	if in.EndpointPrivateAccess == nil {
		in.EndpointPrivateAccess = &no
	}
	if !*in.EndpointPublicAccess && !*in.EndpointPrivateAccess {
		return errors.New("endpointPublicAccess, endpointPrivateAccess: at least one must be true")
	}
	for field, arn := range map[string]string{"clusterRoleARN": in.ClusterRoleARN, "nodeRoleARN": in.NodeRoleARN} {
		if arn != "" && !roleARNRE.MatchString(arn) {
			return fmt.Errorf("%s: %q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", field, arn)
		}
	}
	if in.Logging == nil {
		in.Logging = []string{}
	}
	for _, l := range in.Logging {
		if !slices.Contains(LogTypes, l) {
			return fmt.Errorf("logging: %q is not one of %s", l, strings.Join(LogTypes, ", "))
		}
	}
	if err := checkTags(in.Tags); err != nil {
		return err
	}
	if in.Tags == nil {
		in.Tags = map[string]string{}
	}
	return in.normaliseGroups()
}

func (n *Networking) normalise() error {
	existing := len(n.SubnetIDs) > 0 || len(n.SecurityGroupIDs) > 0
	if !n.CreateVPC && !existing {
		n.CreateVPC = true // nothing given: a new VPC
	}
	if n.CreateVPC {
		if existing {
			return errors.New("networking: either createVPC or subnetIDs/securityGroupIDs, not both")
		}
		if n.CIDR == "" {
			n.CIDR = DefaultCIDR
		}
		pfx, err := netip.ParsePrefix(n.CIDR)
		if err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx || pfx.Bits() < 16 || pfx.Bits() > 24 {
			return fmt.Errorf("networking.cidr: %q must be an IPv4 network from /16 to /24, e.g. %s", n.CIDR, DefaultCIDR)
		}
		return nil
	}
	if n.CIDR != "" {
		return errors.New("networking.cidr: only with createVPC")
	}
	if len(n.SubnetIDs) < 2 {
		return errors.New("networking.subnetIDs: at least two subnets, in different availability zones")
	}
	for _, s := range n.SubnetIDs {
		if !subnetRE.MatchString(s) {
			return fmt.Errorf("networking.subnetIDs: %q is not a subnet ID (subnet-…)", s)
		}
	}
	for _, s := range n.SecurityGroupIDs {
		if !sgRE.MatchString(s) {
			return fmt.Errorf("networking.securityGroupIDs: %q is not a security group ID (sg-…)", s)
		}
	}
	return nil
}

func checkTags(tags map[string]string) error {
	if len(tags) > 40 {
		return errors.New("tags: at most 40")
	}
	for k, v := range tags {
		switch {
		case k == "" || len(k) > 128 || len(v) > 256:
			return fmt.Errorf("tags: %q: keys are 1-128 characters, values at most 256", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return fmt.Errorf("tags: %q: the aws: prefix is AWS's own", k)
		case strings.HasPrefix(k, "paddock.io/"):
			return fmt.Errorf("tags: %q: the paddock.io/ prefix is Paddock's own", k)
		}
	}
	return nil
}

func (in *Params) normaliseGroups() error {
	if len(in.NodeGroups) == 0 {
		in.NodeGroups = []NodeGroup{{Name: "default"}}
	}
	if len(in.NodeGroups) > MaxNodeGroups {
		return fmt.Errorf("nodeGroups: at most %d", MaxNodeGroups)
	}
	seen := map[string]bool{}
	for i := range in.NodeGroups {
		g := &in.NodeGroups[i]
		if err := g.normalise(); err != nil {
			return fmt.Errorf("nodeGroups[%d].%w", i, err)
		}
		if seen[g.Name] {
			return fmt.Errorf("nodeGroups[%d].name: %q is used twice", i, g.Name)
		}
		seen[g.Name] = true
	}
	return nil
}

func (g *NodeGroup) normalise() error {
	if g.Name == "" {
		g.Name = "default"
	}
	if !nameRE.MatchString(g.Name) {
		return fmt.Errorf("name: %q must be 1-63 letters, digits, '-' or '_', starting with a letter or digit", g.Name)
	}
	if g.InstanceType == "" {
		g.InstanceType = DefaultInstanceType
	}
	if !slices.Contains(InstanceTypes, g.InstanceType) {
		return fmt.Errorf("instanceType: %q is not one of %s", g.InstanceType, strings.Join(InstanceTypes, ", "))
	}
	if g.DiskSize == 0 {
		g.DiskSize = DefaultDiskSize
	}
	if g.DiskSize < 10 || g.DiskSize > 16384 {
		return fmt.Errorf("diskSize: %d GiB is not within 10-16384", g.DiskSize)
	}
	if g.MinSize == 0 && g.MaxSize == 0 && g.DesiredSize == 0 {
		g.MinSize, g.MaxSize, g.DesiredSize = 1, 3, 2
	}
	if g.DesiredSize == 0 && g.MinSize > 0 {
		g.DesiredSize = g.MinSize
	}
	if g.MaxSize == 0 {
		g.MaxSize = max(g.DesiredSize, g.MinSize)
	}
	switch {
	case g.MinSize < 0 || g.MaxSize < 1 || g.MaxSize > MaxGroupSize:
		return fmt.Errorf("maxSize: %d is not within 1-%d (and minSize at least 0)", g.MaxSize, MaxGroupSize)
	case g.MinSize > g.DesiredSize || g.DesiredSize > g.MaxSize:
		return fmt.Errorf("desiredSize: need minSize <= desiredSize <= maxSize, got %d <= %d <= %d", g.MinSize, g.DesiredSize, g.MaxSize)
	}
	for k, v := range g.Labels {
		if !labelKeyRE.MatchString(k) || !labelValRE.MatchString(v) {
			return fmt.Errorf("labels: %q=%q is not a valid Kubernetes label", k, v)
		}
	}
	if len(g.Taints) > 50 {
		return errors.New("taints: at most 50")
	}
	for _, t := range g.Taints {
		if !labelKeyRE.MatchString(t.Key) || !labelValRE.MatchString(t.Value) {
			return fmt.Errorf("taints: %q=%q is not a valid Kubernetes taint key and value", t.Key, t.Value)
		}
		if !slices.Contains(TaintEffects, t.Effect) {
			return fmt.Errorf("taints: effect %q of %q is not one of %s", t.Effect, t.Key, strings.Join(TaintEffects, ", "))
		}
	}
	return nil
}
