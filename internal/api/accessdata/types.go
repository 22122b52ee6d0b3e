package accessdata

import (
	"time"

	"github.com/paddockhq/paddock/internal/model"
)

// APIVersion is the apiVersion of every access document.
const APIVersion = "paddock.io/v1"

// Document kinds, in the order an export lists them and apply applies them.
const (
	KindGlobalRole   = "GlobalRole"
	KindRoleTemplate = "RoleTemplate"
	KindProject      = "Project"
	KindUserAccess   = "UserAccess"
	KindBinding      = "Binding"
)

// TypeMeta opens every document.
type TypeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// GlobalRoleDoc is a custom global role.
type GlobalRoleDoc struct {
	TypeMeta     `json:",inline"`
	Name         string   `json:"name"`
	Description  string   `json:"description,omitempty"`
	Capabilities []string `json:"capabilities"`
}

// RoleTemplateDoc is a custom role template.
type RoleTemplateDoc struct {
	TypeMeta    `json:",inline"`
	Name        string             `json:"name"`
	Description string             `json:"description,omitempty"`
	Context     string             `json:"context"`
	Rules       []model.PolicyRule `json:"rules,omitempty"`
	Inherits    []string           `json:"inherits,omitempty"`
}

// ProjectDoc is a project, named within its cluster (by the cluster's
// name). Namespaces lists namespaces the project holds; apply attaches (or
// creates) those not in it yet and never detaches others.
// NamespacesUnknown says the cluster did not answer at export: apply then
// leaves the project's namespaces alone.
type ProjectDoc struct {
	TypeMeta          `json:",inline"`
	Cluster           string            `json:"cluster"`
	Name              string            `json:"name"`
	Description       string            `json:"description,omitempty"`
	Quota             map[string]string `json:"quota,omitempty"`
	NamespaceQuota    map[string]string `json:"namespaceQuota,omitempty"`
	Namespaces        []string          `json:"namespaces,omitempty"`
	NamespacesUnknown bool              `json:"namespacesUnknown,omitempty"`
}

// UserAccessDoc is what an existing user (by username) holds: the admin
// role, custom global roles and local groups. Apply sets exactly these.
type UserAccessDoc struct {
	TypeMeta    `json:",inline"`
	User        string   `json:"user"`
	Admin       bool     `json:"admin"`
	GlobalRoles []string `json:"globalRoles,omitempty"`
	Groups      []string `json:"groups,omitempty"`
}

// SubjectRef names a binding's subject: a username or a group name.
type SubjectRef struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// BindingDoc grants a role template in a cluster (by name) or in one of
// its projects (by name).
type BindingDoc struct {
	TypeMeta     `json:",inline"`
	Subject      SubjectRef `json:"subject"`
	RoleTemplate string     `json:"roleTemplate"`
	Cluster      string     `json:"cluster"`
	Project      string     `json:"project,omitempty"`
	ExpiresAt    *time.Time `json:"expiresAt,omitempty"`
}

// Change is one step of an apply.
type Change struct {
	// Action is create, update, delete or attach.
	Action string `json:"action"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Detail string `json:"detail,omitempty"`

	do      func() error
	cluster bool // the step acts on a cluster (a failure is a 502)
}

// Problem is one reason a document cannot be applied.
type Problem struct {
	// Document is the 1-based position of the document among the
	// non-empty documents of the request; 0 when no single document is
	// at fault.
	Document int    `json:"document,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Name     string `json:"name,omitempty"`
	Message  string `json:"message"`
}

// Result answers an apply. On success Changes are the changes computed
// (dry run) or made. When validation fails, Errors lists every problem and
// nothing was applied. When a step fails midway, Error is
// "partially_applied", Changes are those made, Failed the one that failed.
type Result struct {
	DryRun  bool      `json:"dryRun"`
	Changes []Change  `json:"changes"`
	Errors  []Problem `json:"errors"`
	Error   string    `json:"error,omitempty"`
	Message string    `json:"message,omitempty"`
	Failed  *Change   `json:"failed,omitempty"`
}

// WhoCanSubject is one subject allowed the request.
type WhoCanSubject struct {
	Kind string `json:"kind"`
	// Name is a username for users, a group or global role name otherwise.
	Name      string     `json:"name"`
	Via       string     `json:"via"`
	Binding   string     `json:"binding,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// WhoCanResult answers who-can.
type WhoCanResult struct {
	Cluster   string          `json:"cluster"`
	Namespace string          `json:"namespace,omitempty"`
	Project   string          `json:"project,omitempty"`
	Verb      string          `json:"verb"`
	Resource  string          `json:"resource"`
	Subjects  []WhoCanSubject `json:"subjects"`
}
