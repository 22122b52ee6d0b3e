// Package rbac owns Paddock's access model as pure logic: the Kubernetes
// names of Paddock identities, the built-in role templates and global
// roles, template resolution (inheritance) and validation, Kubernetes RBAC
// rule evaluation (Allows, Covers), and rendering of the RBAC and quota
// objects a cluster should hold. It does no I/O; a reconciler writes what
// Render returns into each cluster, so Kubernetes itself enforces access.
package rbac

import (
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/paddockhq/paddock/internal/model"
)

// Kubernetes names of Paddock identities and of rendered objects.
const (
	// UserPrefix prefixes a Paddock user's ID to form the Kubernetes user
	// name. IDs are assigned by Paddock, so users cannot choose (or collide
	// with) another user's name, and renaming a user keeps their bindings.
	UserPrefix = "paddock:user:"
	// GroupPrefix prefixes a Paddock group name ("dev", "ldap:devs") to form
	// the Kubernetes group name.
	GroupPrefix = "paddock:group:"
	// GroupAuthenticated is every Paddock user.
	GroupAuthenticated = "paddock:authenticated"
	// GroupAdmins is every Paddock admin; it is bound to cluster-admin
	// elsewhere.
	GroupAdmins = "paddock:admins"
	// GroupClustersManagers is every holder of the clusters-manage
	// capability; Render binds it to cluster-admin.
	GroupClustersManagers = "paddock:clusters-managers"
	// ManagedLabel marks every rendered object (value ManagedValue), so a
	// reconciler can find and prune what it owns.
	ManagedLabel = "paddock.io/managed"
	// ManagedValue is the value of ManagedLabel on rendered objects.
	ManagedValue = "rbac"
	// ObjectPrefix prefixes a template name to form the names of rendered
	// ClusterRoles, ClusterRoleBindings and RoleBindings.
	ObjectPrefix = "paddock:"
	// QuotaName is the name of the ResourceQuota rendered in each namespace
	// of a project with a namespace quota.
	QuotaName = "paddock-project-quota"
	// TemplateAnnotation records, on rendered RBAC objects, the role
	// template they come from.
	TemplateAnnotation = "paddock.io/template"
)

// KubeUser is the Kubernetes user name of the Paddock user with this ID.
func KubeUser(userID string) string { return UserPrefix + userID }

// KubeGroup is the Kubernetes group name of a Paddock group.
func KubeGroup(group string) string { return GroupPrefix + group }

// KubeSubject converts a binding subject to an rbacv1.Subject: a User
// becomes KubeUser(ID), a Group KubeGroup(name). Other kinds are passed
// through unchanged (validation of bindings rejects them elsewhere).
func KubeSubject(s model.Subject) rbacv1.Subject {
	switch s.Kind {
	case model.SubjectUser:
		return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: KubeUser(s.Name)}
	case model.SubjectGroup:
		return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: KubeGroup(s.Name)}
	}
	return rbacv1.Subject{Kind: s.Kind, APIGroup: rbacv1.GroupName, Name: s.Name}
}
