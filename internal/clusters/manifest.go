package clusters

import (
	"bytes"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Names of the objects the import manifest creates.
const (
	AgentNamespace = "paddock-system"
	AgentName      = "paddock-agent"
)

// ManifestOptions parameterise the import manifest.
type ManifestOptions struct {
	ServerURL  string // external URL of the Paddock server
	CAChecksum string // hex SHA-256 of the server's CA PEM, pinned by the agent
	Token      string // the one-time registration token
	Image      string // agent image
	ClusterID  string
}

// AgentRules is exactly what the agent needs: impersonate the people Paddock
// proxies for, keep Paddock's RBAC objects, project quotas and namespace
// labels in step,
// read what it reports (version, nodes), and remove itself.
var AgentRules = []rbacv1.PolicyRule{
	{APIGroups: []string{""}, Resources: []string{"users", "groups", "serviceaccounts"}, Verbs: []string{"impersonate"}},
	{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"userextras/scopes", "uids"}, Verbs: []string{"impersonate"}},
	{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterroles", "clusterrolebindings", "roles", "rolebindings"},
		Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete", "escalate", "bind"}},
	{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch"}},
	{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list", "watch"}},
	// Project quotas are ResourceQuotas the RBAC sync keeps in step.
	{APIGroups: []string{""}, Resources: []string{"resourcequotas"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
	// Deleting the cluster from Paddock removes the agent's namespace.
	{APIGroups: []string{""}, Resources: []string{"namespaces"}, ResourceNames: []string{AgentNamespace}, Verbs: []string{"delete"}},
	{NonResourceURLs: []string{"/version", "/healthz", "/readyz"}, Verbs: []string{"get"}},
}

// Manifest renders the YAML a user applies to a cluster to connect it.
func Manifest(o ManifestOptions) ([]byte, error) {
	labels := map[string]string{"app.kubernetes.io/name": AgentName, "app.kubernetes.io/part-of": "paddock"}
	meta := func(name string, namespaced bool) metav1.ObjectMeta {
		m := metav1.ObjectMeta{Name: name, Labels: labels}
		if namespaced {
			m.Namespace = AgentNamespace
		}
		return m
	}
	one, nonRoot, noEsc, roRoot := int32(1), true, false, true
	objs := []any{
		&corev1.Namespace{TypeMeta: tm("v1", "Namespace"), ObjectMeta: meta(AgentNamespace, false)},
		&corev1.ServiceAccount{TypeMeta: tm("v1", "ServiceAccount"), ObjectMeta: meta(AgentName, true)},
		&rbacv1.ClusterRole{TypeMeta: tm("rbac.authorization.k8s.io/v1", "ClusterRole"), ObjectMeta: meta(AgentName, false), Rules: AgentRules},
		&rbacv1.ClusterRoleBinding{
			TypeMeta: tm("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"), ObjectMeta: meta(AgentName, false),
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: AgentName},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: AgentName, Namespace: AgentNamespace}},
		},
		&rbacv1.Role{
			TypeMeta: tm("rbac.authorization.k8s.io/v1", "Role"), ObjectMeta: meta(AgentName, true),
			// The agent stores the credential it exchanged its token for.
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{AgentName}, Verbs: []string{"get", "update"}}},
		},
		&rbacv1.RoleBinding{
			TypeMeta: tm("rbac.authorization.k8s.io/v1", "RoleBinding"), ObjectMeta: meta(AgentName, true),
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: AgentName},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: AgentName, Namespace: AgentNamespace}},
		},
		&corev1.Secret{
			TypeMeta: tm("v1", "Secret"), ObjectMeta: meta(AgentName, true), Type: corev1.SecretTypeOpaque,
			StringData: map[string]string{"token": o.Token, "server": o.ServerURL, "ca-checksum": o.CAChecksum, "cluster-id": o.ClusterID},
		},
		&appsv1.Deployment{
			TypeMeta: tm("apps/v1", "Deployment"), ObjectMeta: meta(AgentName, true),
			Spec: appsv1.DeploymentSpec{
				Replicas: &one,
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": AgentName}},
				Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{
						ServiceAccountName: AgentName,
						Containers: []corev1.Container{{
							Name:  "agent",
							Image: o.Image,
							Args:  []string{"agent", "--server", o.ServerURL, "--ca-checksum", o.CAChecksum},
							Env: []corev1.EnvVar{{Name: "PADDOCK_TOKEN", ValueFrom: &corev1.EnvVarSource{
								SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: AgentName}, Key: "token"},
							}}},
							Resources: corev1.ResourceRequirements{
								Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
								Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
							},
							SecurityContext: &corev1.SecurityContext{
								RunAsNonRoot: &nonRoot, AllowPrivilegeEscalation: &noEsc, ReadOnlyRootFilesystem: &roRoot,
								Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
								SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
							},
						}},
					},
				},
			},
		},
	}
	var buf bytes.Buffer
	for i, o := range objs {
		data, err := yaml.Marshal(o)
		if err != nil {
			return nil, fmt.Errorf("rendering manifest: %w", err)
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(data)
	}
	return buf.Bytes(), nil
}

func tm(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}
