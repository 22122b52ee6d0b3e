package rbac

import (
	"slices"

	"github.com/paddockhq/paddock/internal/model"
)

// Built-in role template names.
const (
	TemplateClusterOwner  = "cluster-owner"
	TemplateClusterMember = "cluster-member"
	TemplateClusterViewer = "cluster-viewer"
	TemplateProjectOwner  = "project-owner"
	TemplateProjectMember = "project-member"
	TemplateProjectViewer = "project-viewer"
)

// Verb sets of the built-in templates.
var (
	verbsRead  = []string{"get", "list", "watch"}
	verbsWrite = []string{"create", "update", "patch", "delete", "deletecollection"}
	verbsAll   = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
)

// Resource sets of the built-in templates.
var (
	// coreEditable are the core namespaced resources members may write.
	// Endpoints (and discovery.k8s.io EndpointSlices) are read-only, as in
	// Kubernetes' own edit role since 1.22 (CVE-2021-25740: a hand-made
	// endpoint can point a Service at another tenant's pods).
	coreEditable = []string{"pods", "services", "configmaps", "secrets", "persistentvolumeclaims",
		"serviceaccounts", "replicationcontrollers"}
	// podActions are the pod subresources members may create (exec and
	// friends are also read with get by older clients).
	podActions = []string{"pods/exec", "pods/attach", "pods/portforward"}
	// workloadGroups are API groups whose resources are all namespaced.
	workloadGroups = []string{"apps", "batch", "autoscaling"}
	// namespacedNetworking are the namespaced networking.k8s.io resources
	// (the group also holds cluster-scoped ones: ingressclasses,
	// ipaddresses, servicecidrs).
	namespacedNetworking = []string{"networkpolicies", "ingresses"}
	// coreViewableNamespaced are the core namespaced resources viewers read
	// (everything but secrets).
	coreViewableNamespaced = []string{"pods", "pods/log", "pods/status", "services", "endpoints", "configmaps",
		"persistentvolumeclaims", "replicationcontrollers", "serviceaccounts", "events", "limitranges",
		"resourcequotas"}
	// coreViewableCluster are the core cluster-scoped resources cluster
	// viewers read.
	coreViewableCluster = []string{"persistentvolumes", "namespaces", "nodes"}
)

// rule builds a resource rule from fresh copies of its lists.
func rule(groups, resources, verbs []string) model.PolicyRule {
	return model.PolicyRule{APIGroups: slices.Clone(groups), Resources: slices.Clone(resources), Verbs: slices.Clone(verbs)}
}

func strs(s ...string) []string { return s }

func clusterOwnerRules() []model.PolicyRule {
	return []model.PolicyRule{
		rule(strs("*"), strs("*"), strs("*")),
		{NonResourceURLs: strs("*"), Verbs: strs("*")},
	}
}

func clusterMemberRules() []model.PolicyRule {
	return []model.PolicyRule{
		rule(strs("*"), strs("*"), verbsRead),
		rule(strs(""), append(slices.Clone(coreEditable), "events"), verbsWrite),
		rule(strs(""), append(slices.Clone(podActions), "pods/eviction"), verbsWrite),
		rule(workloadGroups, strs("*"), verbsWrite),
		rule(strs("networking.k8s.io"), namespacedNetworking, verbsWrite),
		rule(strs("policy"), strs("poddisruptionbudgets"), verbsWrite),
		rule(strs(""), strs("namespaces"), strs("create")),
	}
}

func clusterViewerRules() []model.PolicyRule {
	return []model.PolicyRule{
		rule(strs(""), slices.Concat(coreViewableNamespaced, coreViewableCluster), verbsRead),
		rule(strs("apps", "batch", "autoscaling", "networking.k8s.io", "policy", "discovery.k8s.io",
			"events.k8s.io", "storage.k8s.io", "metrics.k8s.io"), strs("*"), verbsRead),
		rule(strs("apiextensions.k8s.io"), strs("customresourcedefinitions"), verbsRead),
	}
}

// projectViewerRules are also the read part of project-member.
func projectViewerRules() []model.PolicyRule {
	return []model.PolicyRule{
		rule(strs(""), coreViewableNamespaced, verbsRead),
		rule(strs(""), strs("namespaces"), strs("get")),
		rule(strs("apps", "batch", "autoscaling", "discovery.k8s.io", "events.k8s.io"), strs("*"), verbsRead),
		rule(strs("networking.k8s.io"), namespacedNetworking, verbsRead),
		rule(strs("policy"), strs("poddisruptionbudgets"), verbsRead),
		rule(strs("metrics.k8s.io"), strs("pods"), verbsRead),
	}
}

func projectMemberRules() []model.PolicyRule {
	return []model.PolicyRule{
		rule(strs(""), coreEditable, verbsAll),
		rule(strs(""), podActions, strs("get", "create")),
		rule(strs(""), strs("pods/eviction"), strs("create")),
		rule(strs(""), strs("pods/log", "pods/status", "events", "endpoints", "resourcequotas", "limitranges"), verbsRead),
		// get: "kubectl get ns <own namespace>" through the RoleBinding.
		// create: means nothing to Kubernetes in a RoleBinding (creating a
		// namespace is cluster-scoped); Paddock reads it as "may place
		// namespaces in this project" (package access).
		rule(strs(""), strs("namespaces"), strs("get", "create")),
		rule(workloadGroups, strs("*"), verbsAll),
		rule(strs("networking.k8s.io"), namespacedNetworking, verbsAll),
		rule(strs("policy"), strs("poddisruptionbudgets"), verbsAll),
		rule(strs("discovery.k8s.io", "events.k8s.io"), strs("*"), verbsRead),
		rule(strs("metrics.k8s.io"), strs("pods"), verbsRead),
	}
}

// projectOwnerRules add managing Roles and RoleBindings in the project's
// namespaces — never with the escalate or bind verbs, so Kubernetes' own
// rule holds: an owner creates or binds only what they already hold.
func projectOwnerRules() []model.PolicyRule {
	return append(projectMemberRules(),
		rule(strs("rbac.authorization.k8s.io"), strs("roles", "rolebindings"), verbsAll),
	)
}

// BuiltinTemplates returns the built-in role templates, as fresh copies
// each call (callers may modify them).
func BuiltinTemplates() []model.RoleTemplate {
	return []model.RoleTemplate{
		{Name: TemplateClusterOwner, Context: model.ContextCluster, Builtin: true, Rules: clusterOwnerRules(),
			Description: "Everything in the cluster, like Kubernetes' cluster-admin."},
		{Name: TemplateClusterMember, Context: model.ContextCluster, Builtin: true, Rules: clusterMemberRules(),
			Description: "Like Kubernetes' edit role bound cluster-wide: read everything, create namespaces, edit workloads, services, configuration and secrets in every namespace (no RBAC, node or endpoint writes). Editing pods and secrets in system namespaces is close to administering the cluster: grant it as you would cluster-admin; prefer project roles."},
		{Name: TemplateClusterViewer, Context: model.ContextCluster, Builtin: true, Rules: clusterViewerRules(),
			Description: "Read-only access to the cluster's resources, except secrets."},
		{Name: TemplateProjectOwner, Context: model.ContextProject, Builtin: true, Rules: projectOwnerRules(),
			Description: "Everything a project member may do, plus managing roles and role bindings in the project's namespaces."},
		{Name: TemplateProjectMember, Context: model.ContextProject, Builtin: true, Rules: projectMemberRules(),
			Description: "Edit workloads, services, configuration and secrets in the project's namespaces, like Kubernetes' edit."},
		{Name: TemplateProjectViewer, Context: model.ContextProject, Builtin: true, Rules: projectViewerRules(),
			Description: "Read-only access to the project's namespaces, except secrets."},
	}
}

// IsBuiltinTemplate reports whether name is a built-in role template.
func IsBuiltinTemplate(name string) bool {
	switch name {
	case TemplateClusterOwner, TemplateClusterMember, TemplateClusterViewer,
		TemplateProjectOwner, TemplateProjectMember, TemplateProjectViewer:
		return true
	}
	return false
}

// BuiltinGlobalRoles returns the built-in global roles, as fresh copies
// each call: admin (every capability) and user (none).
func BuiltinGlobalRoles() []model.GlobalRole {
	return []model.GlobalRole{
		{Name: model.GlobalRoleAdmin, Builtin: true, Capabilities: slices.Clone(model.Capabilities),
			Description: "Every capability over Paddock, and cluster-admin in every cluster."},
		{Name: model.GlobalRoleUser, Builtin: true, Capabilities: []string{},
			Description: "Every user: access comes from role template bindings only."},
	}
}
