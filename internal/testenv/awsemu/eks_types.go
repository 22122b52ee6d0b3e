package awsemu

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// EKS's model: clusters and nodegroups as the emulator keeps them, and
// their JSON views (member names as in the EKS API).

const (
	statusCreating     = "CREATING"
	statusActive       = "ACTIVE"
	statusDeleting     = "DELETING"
	statusFailed       = "FAILED"
	statusUpdating     = "UPDATING"
	statusCreateFailed = "CREATE_FAILED"
)

type cluster struct {
	acct            *account
	name, arn       string
	version         string
	roleARN         string
	subnets, sgs    []string
	vpcID           string
	clusterSG       string
	publicAccess    bool
	privateAccess   bool
	publicCIDRs     []string
	serviceCIDR     string
	status          string
	created         time.Time
	tags            map[string]string
	creator         string // canonical ARN of the creating principal
	creatorAdmin    bool   // bootstrapClusterCreatorAdminPermissions
	authMode        string
	clientToken     string
	health          []eksIssue
	endpoint        string
	caPEM           []byte
	oidcID          string
	webhookKey      string
	kube            *kube // the control plane, once ACTIVE (nil with NoKubernetes)
	nodegroups      map[string]*nodegroup
	updates         map[string]*eksUpdate
	access          map[string][]string // canonical principal ARN → groups
	platformVersion string
}

type taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

type nodegroup struct {
	cl             *cluster
	name, arn      string
	status         string
	created        time.Time
	modified       time.Time
	capacityType   string
	min, max       int
	desired        int
	instanceTypes  []string
	subnets        []string
	amiType        string
	amiID          string // the image, as the nodes' label shows it
	nodeRole       string
	labels         map[string]string
	taints         []taint
	diskSize       int
	tags           map[string]string
	health         []eksIssue
	asgName        string
	releaseVersion string
	clientToken    string
	maxUnavailable int
	nodes          []*node // the instances, in launch order
}

// node is one instance of a nodegroup, a kwok Node in the control plane.
type node struct {
	instanceID string
	name       string // ip-10-0-1-23.ec2.internal
	subnet     string
	az, azID   string
	ip         string
}

type eksIssue struct {
	Code        string   `json:"code"`
	Message     string   `json:"message"`
	ResourceIDs []string `json:"resourceIds,omitempty"`
}

type eksUpdate struct {
	ID        string          `json:"id"`
	Status    string          `json:"status"`
	Type      string          `json:"type"`
	Params    []eksUpdateItem `json:"params"`
	CreatedAt float64         `json:"createdAt"`
	Errors    []any           `json:"errors"`
	nodegroup string
	token     string // the client request token
}

type eksUpdateItem struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

type eksVpcConfig struct {
	SubnetIDs              []string `json:"subnetIds"`
	SecurityGroupIDs       []string `json:"securityGroupIds"`
	ClusterSecurityGroupID string   `json:"clusterSecurityGroupId,omitempty"`
	VpcID                  string   `json:"vpcId"`
	EndpointPublicAccess   bool     `json:"endpointPublicAccess"`
	EndpointPrivateAccess  bool     `json:"endpointPrivateAccess"`
	PublicAccessCidrs      []string `json:"publicAccessCidrs"`
}

type eksClusterView struct {
	Name               string       `json:"name"`
	Arn                string       `json:"arn"`
	CreatedAt          float64      `json:"createdAt"`
	Version            string       `json:"version"`
	Endpoint           string       `json:"endpoint,omitempty"`
	RoleArn            string       `json:"roleArn"`
	ResourcesVpcConfig eksVpcConfig `json:"resourcesVpcConfig"`
	KubernetesNetwork  struct {
		ServiceIPv4CIDR string `json:"serviceIpv4Cidr"`
		IPFamily        string `json:"ipFamily"`
	} `json:"kubernetesNetworkConfig"`
	Logging  map[string]any `json:"logging"`
	Identity *struct {
		OIDC struct {
			Issuer string `json:"issuer"`
		} `json:"oidc"`
	} `json:"identity,omitempty"`
	Status               string `json:"status"`
	CertificateAuthority struct {
		Data string `json:"data,omitempty"`
	} `json:"certificateAuthority"`
	ClientRequestToken string            `json:"clientRequestToken,omitempty"`
	PlatformVersion    string            `json:"platformVersion"`
	Tags               map[string]string `json:"tags"`
	Health             struct {
		Issues []eksIssue `json:"issues"`
	} `json:"health"`
	AccessConfig struct {
		BootstrapClusterCreatorAdminPermissions bool   `json:"bootstrapClusterCreatorAdminPermissions"`
		AuthenticationMode                      string `json:"authenticationMode"`
	} `json:"accessConfig"`
	UpgradePolicy struct {
		SupportType string `json:"supportType"`
	} `json:"upgradePolicy"`
}

func (c *cluster) view(region string) eksClusterView {
	v := eksClusterView{
		Name: c.name, Arn: c.arn, CreatedAt: epoch(c.created), Version: c.version, RoleArn: c.roleARN,
		ResourcesVpcConfig: eksVpcConfig{
			SubnetIDs: nonNil(c.subnets), SecurityGroupIDs: nonNil(c.sgs), ClusterSecurityGroupID: c.clusterSG, VpcID: c.vpcID,
			EndpointPublicAccess: c.publicAccess, EndpointPrivateAccess: c.privateAccess, PublicAccessCidrs: nonNil(c.publicCIDRs),
		},
		Logging: map[string]any{"clusterLogging": []map[string]any{{
			"types": []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}, "enabled": false}}},
		Status: c.status, ClientRequestToken: c.clientToken, PlatformVersion: c.platformVersion, Tags: maps.Clone(c.tags),
	}
	if v.Tags == nil {
		v.Tags = map[string]string{}
	}
	v.KubernetesNetwork.ServiceIPv4CIDR, v.KubernetesNetwork.IPFamily = c.serviceCIDR, "ipv4"
	v.Health.Issues = nonNil(c.health)
	v.AccessConfig.BootstrapClusterCreatorAdminPermissions, v.AccessConfig.AuthenticationMode = c.creatorAdmin, c.authMode
	v.UpgradePolicy.SupportType = "EXTENDED"
	if c.status == statusActive || c.status == statusUpdating || (c.status == statusDeleting && c.endpoint != "") {
		v.Endpoint = c.endpoint
		v.CertificateAuthority.Data = base64.StdEncoding.EncodeToString(c.caPEM)
		v.Identity = &struct {
			OIDC struct {
				Issuer string `json:"issuer"`
			} `json:"oidc"`
		}{}
		v.Identity.OIDC.Issuer = fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", region, c.oidcID)
	}
	return v
}

type eksScaling struct {
	MinSize     *int `json:"minSize,omitempty"`
	MaxSize     *int `json:"maxSize,omitempty"`
	DesiredSize *int `json:"desiredSize,omitempty"`
}

type eksNodegroupView struct {
	NodegroupName  string            `json:"nodegroupName"`
	NodegroupArn   string            `json:"nodegroupArn"`
	ClusterName    string            `json:"clusterName"`
	Version        string            `json:"version"`
	ReleaseVersion string            `json:"releaseVersion"`
	CreatedAt      float64           `json:"createdAt"`
	ModifiedAt     float64           `json:"modifiedAt"`
	Status         string            `json:"status"`
	CapacityType   string            `json:"capacityType"`
	ScalingConfig  eksScaling        `json:"scalingConfig"`
	InstanceTypes  []string          `json:"instanceTypes"`
	Subnets        []string          `json:"subnets"`
	AmiType        string            `json:"amiType"`
	NodeRole       string            `json:"nodeRole"`
	Labels         map[string]string `json:"labels"`
	Taints         []taint           `json:"taints,omitempty"`
	Resources      *struct {
		AutoScalingGroups []map[string]string `json:"autoScalingGroups"`
	} `json:"resources,omitempty"`
	DiskSize int `json:"diskSize"`
	Health   struct {
		Issues []eksIssue `json:"issues"`
	} `json:"health"`
	UpdateConfig struct {
		MaxUnavailable int `json:"maxUnavailable"`
	} `json:"updateConfig"`
	Tags map[string]string `json:"tags"`
}

func (n *nodegroup) view() eksNodegroupView {
	min, max, desired := n.min, n.max, n.desired
	v := eksNodegroupView{
		NodegroupName: n.name, NodegroupArn: n.arn, ClusterName: n.cl.name, Version: n.cl.version, ReleaseVersion: n.releaseVersion,
		CreatedAt: epoch(n.created), ModifiedAt: epoch(n.modified), Status: n.status, CapacityType: n.capacityType,
		ScalingConfig: eksScaling{&min, &max, &desired}, InstanceTypes: slices.Clone(n.instanceTypes), Subnets: slices.Clone(n.subnets),
		AmiType: n.amiType, NodeRole: n.nodeRole, Labels: maps.Clone(n.labels), Taints: slices.Clone(n.taints), DiskSize: n.diskSize,
		Tags: maps.Clone(n.tags),
	}
	if v.Labels == nil {
		v.Labels = map[string]string{}
	}
	if v.Tags == nil {
		v.Tags = map[string]string{}
	}
	if n.status != statusCreating && n.status != statusCreateFailed {
		v.Resources = &struct {
			AutoScalingGroups []map[string]string `json:"autoScalingGroups"`
		}{[]map[string]string{{"name": n.asgName}}}
	}
	v.Health.Issues = nonNil(n.health)
	v.UpdateConfig.MaxUnavailable = n.maxUnavailable
	return v
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return slices.Clone(s)
}

func itoa(n int) string { return strconv.Itoa(n) }
