package model

import "time"

// Global capabilities a custom global role is built from. The built-in
// admin role holds all of them; the built-in user role none.
const (
	CapClustersCreate = "clusters-create"
	CapClustersManage = "clusters-manage"
	CapUsersManage    = "users-manage"
	CapRolesManage    = "roles-manage"
	CapAuthManage     = "auth-manage"
	CapAuditRead      = "audit-read"
	CapSettingsManage = "settings-manage"
)

// Capabilities lists every global capability.
var Capabilities = []string{CapClustersCreate, CapClustersManage, CapUsersManage, CapRolesManage,
	CapAuthManage, CapAuditRead, CapSettingsManage}

// Built-in global role names.
const (
	GlobalRoleAdmin = "admin"
	GlobalRoleUser  = "user"
)

// GlobalRole is a named set of capabilities over Paddock itself (not over
// any cluster). Users hold global roles by name (User.GlobalRoles).
type GlobalRole struct {
	Name         string
	Description  string
	Builtin      bool
	Capabilities []string
	CreatedBy    string // user ID; empty for built-ins
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// RoleContext says where a role template may be bound.
type RoleContext string

// Role template contexts.
const (
	ContextCluster RoleContext = "cluster"
	ContextProject RoleContext = "project"
)

// PolicyRule mirrors Kubernetes' rbac/v1 PolicyRule.
type PolicyRule struct {
	Verbs           []string `json:"verbs" yaml:"verbs"`
	APIGroups       []string `json:"apiGroups,omitempty" yaml:"apiGroups,omitempty"`
	Resources       []string `json:"resources,omitempty" yaml:"resources,omitempty"`
	ResourceNames   []string `json:"resourceNames,omitempty" yaml:"resourceNames,omitempty"`
	NonResourceURLs []string `json:"nonResourceURLs,omitempty" yaml:"nonResourceURLs,omitempty"`
}

// RoleTemplate is a named set of Kubernetes permissions bound in a cluster
// (everywhere in it) or in a project (in each of its namespaces). Its
// effective rules are Rules plus those of the templates it Inherits.
type RoleTemplate struct {
	Name        string
	Description string
	Context     RoleContext
	Builtin     bool
	Rules       []PolicyRule
	Inherits    []string
	CreatedBy   string // user ID; empty for built-ins
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ProjectLabel is the namespace label that records a namespace's project.
const ProjectLabel = "paddock.io/project"

// Project is a named group of namespaces in one cluster. Membership lives
// in the cluster, as ProjectLabel on each namespace.
type Project struct {
	ID          string
	ClusterID   string
	Name        string // unique per cluster, case-insensitive
	Description string
	// Quota is the project's total (ResourceQuota hard limits, e.g.
	// "limits.cpu": "4"); NamespaceQuota is what each namespace of the
	// project gets. Both empty: no quota.
	Quota          map[string]string
	NamespaceQuota map[string]string
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Binding subject kinds.
const (
	SubjectUser  = "User"
	SubjectGroup = "Group"
)

// Subject is who a binding grants to. For SubjectUser, Name is the user's
// ID (so renaming a user keeps their bindings); for SubjectGroup it is the
// group name ("dev", or "<provider>:<group>" for provider groups).
type Subject struct {
	Kind string
	Name string
}

// Binding grants a role template to a subject in a cluster (ProjectID
// empty) or in a project (ClusterID is then the project's cluster).
type Binding struct {
	ID           string
	Subject      Subject
	RoleTemplate string
	ClusterID    string
	ProjectID    string
	ExpiresAt    time.Time // zero: never
	CreatedBy    string    // user ID
	CreatedAt    time.Time
}

// Active reports whether the binding grants anything at now.
func (b Binding) Active(now time.Time) bool { return b.ExpiresAt.IsZero() || now.Before(b.ExpiresAt) }

// IsSystemNamespace reports a namespace that no project may hold: the
// cluster's own (kube-*) and Paddock's agent namespace. Whoever held such
// a namespace through a project would hold the cluster.
func IsSystemNamespace(name string) bool {
	return name == "kube-system" || name == "kube-public" || name == "kube-node-lease" || name == "paddock-system"
}
