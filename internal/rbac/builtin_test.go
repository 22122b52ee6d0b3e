package rbac

import (
	"slices"
	"strings"
	"testing"

	"github.com/paddockhq/paddock/internal/model"
)

// attrs parses "verb resource[.group][/subresource]" (or "verb /path").
func attrs(s string) Attributes {
	verb, what, _ := strings.Cut(s, " ")
	if strings.HasPrefix(what, "/") {
		return Attributes{Verb: verb, Path: what}
	}
	r, g, sub := ParseResource(what)
	return Attributes{Verb: verb, APIGroup: g, Resource: r, Subresource: sub}
}

var (
	writeVerbs = []string{"create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate", "approve"}
	allVerbs   = append([]string{"get", "list", "watch"}, writeVerbs...)
	// clusterScoped are cluster-scoped resources, in the form attrs takes.
	clusterScoped = []string{"nodes", "namespaces", "persistentvolumes", "clusterroles.rbac.authorization.k8s.io",
		"clusterrolebindings.rbac.authorization.k8s.io", "customresourcedefinitions.apiextensions.k8s.io",
		"storageclasses.storage.k8s.io", "csidrivers.storage.k8s.io", "volumeattachments.storage.k8s.io",
		"ingressclasses.networking.k8s.io", "ipaddresses.networking.k8s.io", "servicecidrs.networking.k8s.io",
		"priorityclasses.scheduling.k8s.io", "validatingwebhookconfigurations.admissionregistration.k8s.io",
		"mutatingwebhookconfigurations.admissionregistration.k8s.io", "certificatesigningrequests.certificates.k8s.io",
		"apiservices.apiregistration.k8s.io", "runtimeclasses.node.k8s.io", "flowschemas.flowcontrol.apiserver.k8s.io",
		"nodes.metrics.k8s.io", "nodes/proxy", "certificatesigningrequests.certificates.k8s.io/approval"}
)

func builtinRules(t *testing.T) map[string]model.RoleTemplate {
	t.Helper()
	out := map[string]model.RoleTemplate{}
	for _, bt := range BuiltinTemplates() {
		if err := validateBuiltin(bt); err != nil {
			t.Errorf("built-in %s is not a valid template: %v", bt.Name, err)
		}
		out[bt.Name] = bt
	}
	return out
}

// validateBuiltin runs the custom template checks, bar the name ones.
func validateBuiltin(bt model.RoleTemplate) error {
	bt.Name = "copy-of-" + bt.Name
	return ValidateTemplate(&bt, NewTemplates(nil))
}

func TestBuiltinViewersReadOnlyNoSecrets(t *testing.T) {
	bts := builtinRules(t)
	for _, name := range []string{TemplateClusterViewer, TemplateProjectViewer} {
		bt := bts[name]
		for i, r := range bt.Rules {
			for _, v := range r.Verbs {
				if !slices.Contains([]string{"get", "list", "watch"}, v) {
					t.Errorf("%s rules[%d]: verb %q", name, i, v)
				}
			}
			if slices.Contains(r.APIGroups, "") && slices.Contains(r.Resources, "*") || slices.Contains(r.APIGroups, "*") {
				t.Errorf("%s rules[%d] covers every core resource: %+v", name, i, r)
			}
		}
		rules := KubeRules(bt.Rules)
		for _, v := range allVerbs {
			for _, s := range []string{"secrets", "secrets/status"} {
				if Allows(rules, attrs(v+" "+s)) {
					t.Errorf("%s allows %s %s", name, v, s)
				}
			}
		}
		for _, v := range writeVerbs {
			for _, s := range []string{"pods", "pods/exec", "configmaps", "deployments.apps", "deployments.apps/scale",
				"namespaces", "roles.rbac.authorization.k8s.io", "nodes", "widgets.example.com"} {
				if Allows(rules, attrs(v+" "+s)) {
					t.Errorf("%s allows %s %s", name, v, s)
				}
			}
		}
	}
}

func TestBuiltinProjectTemplatesStayInProject(t *testing.T) {
	bts := builtinRules(t)
	for _, name := range []string{TemplateProjectOwner, TemplateProjectMember, TemplateProjectViewer} {
		bt := bts[name]
		if bt.Context != model.ContextProject {
			t.Errorf("%s: context %s", name, bt.Context)
		}
		rules := KubeRules(bt.Rules)
		for _, v := range writeVerbs {
			for _, s := range []string{"resourcequotas", "resourcequotas/status", "limitranges"} {
				if Allows(rules, attrs(v+" "+s)) {
					t.Errorf("%s allows %s %s", name, v, s)
				}
			}
		}
		for _, v := range allVerbs {
			for _, s := range clusterScoped {
				if Allows(rules, attrs(v+" "+s)) && (v+" "+s) != "get namespaces" && (v+" "+s) != "create namespaces" {
					t.Errorf("%s allows %s %s", name, v, s)
				}
			}
			if Allows(rules, attrs(v+" /metrics")) {
				t.Errorf("%s allows %s on a non-resource URL", name, v)
			}
		}
		if !Allows(rules, attrs("get namespaces")) {
			t.Errorf("%s: cannot get namespaces", name)
		}
	}
}

func TestBuiltinGrants(t *testing.T) {
	bts := builtinRules(t)
	tests := []struct {
		template string
		allowed  []string
		denied   []string
	}{
		{TemplateClusterOwner, []string{"create clusterroles.rbac.authorization.k8s.io", "delete nodes", "get /metrics", "escalate roles.rbac.authorization.k8s.io", "create widgets.example.com"}, nil},
		{TemplateClusterMember,
			[]string{"get secrets", "create secrets", "create namespaces", "list nodes", "get clusterroles.rbac.authorization.k8s.io",
				"create pods/exec", "get pods/log", "patch deployments.apps", "update deployments.apps/scale", "create jobs.batch",
				"create ingresses.networking.k8s.io", "create poddisruptionbudgets.policy", "create pods/eviction", "list widgets.example.com"},
			[]string{"update nodes", "delete namespaces", "create clusterroles.rbac.authorization.k8s.io", "create rolebindings.rbac.authorization.k8s.io",
				"update roles.rbac.authorization.k8s.io", "create resourcequotas", "impersonate users", "get /metrics", "create widgets.example.com",
				"create endpoints", "create endpointslices.discovery.k8s.io", "create ingressclasses.networking.k8s.io", "create ipaddresses.networking.k8s.io"}},
		{TemplateClusterViewer,
			[]string{"list pods", "get pods/log", "list nodes", "list namespaces", "watch deployments.apps", "get customresourcedefinitions.apiextensions.k8s.io",
				"list storageclasses.storage.k8s.io", "get pods.metrics.k8s.io", "list events.events.k8s.io", "list resourcequotas"},
			[]string{"get secrets", "create pods/exec", "get roles.rbac.authorization.k8s.io", "list widgets.example.com"}},
		{TemplateProjectOwner,
			[]string{"create rolebindings.rbac.authorization.k8s.io", "update roles.rbac.authorization.k8s.io", "list resourcequotas", "create secrets", "create pods/exec"},
			// escalate/bind would let an owner mint a Role with anything
			// and bind it (then relabel its namespace, lift Pod Security).
			[]string{"create clusterroles.rbac.authorization.k8s.io", "update resourcequotas", "bind roles.rbac.authorization.k8s.io",
				"escalate roles.rbac.authorization.k8s.io", "bind clusterroles.rbac.authorization.k8s.io", "update namespaces", "patch namespaces"}},
		{TemplateProjectMember,
			[]string{"get secrets", "deletecollection secrets", "create pods", "create pods/exec", "create pods/attach", "create pods/portforward",
				"create pods/eviction", "get pods/log", "create deployments.apps", "update deployments.apps/scale", "create cronjobs.batch",
				"create horizontalpodautoscalers.autoscaling", "create networkpolicies.networking.k8s.io", "create ingresses.networking.k8s.io",
				"create poddisruptionbudgets.policy", "list endpointslices.discovery.k8s.io", "list events", "list resourcequotas", "list limitranges",
				"create serviceaccounts", "create persistentvolumeclaims", "get namespaces", "list endpoints"},
			[]string{"create roles.rbac.authorization.k8s.io", "list namespaces", "create events", "create pods/log", "list widgets.example.com",
				"create endpoints", "update endpointslices.discovery.k8s.io"}},
		{TemplateProjectViewer,
			[]string{"list pods", "get pods/log", "list deployments.apps", "list configmaps", "list events", "list resourcequotas", "get namespaces", "list ingresses.networking.k8s.io"},
			[]string{"get secrets", "create pods/exec", "get pods/exec", "list roles.rbac.authorization.k8s.io"}},
	}
	for _, tt := range tests {
		rules := KubeRules(bts[tt.template].Rules)
		for _, s := range tt.allowed {
			if !Allows(rules, attrs(s)) {
				t.Errorf("%s does not allow %s", tt.template, s)
			}
		}
		for _, s := range tt.denied {
			if Allows(rules, attrs(s)) {
				t.Errorf("%s allows %s", tt.template, s)
			}
		}
	}
}
