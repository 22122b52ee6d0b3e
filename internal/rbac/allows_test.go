package rbac

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

func res(groups, resources, verbs []string, names ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs, ResourceNames: names}
}

func urls(urls, verbs []string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{NonResourceURLs: urls, Verbs: verbs}
}

func TestAllows(t *testing.T) {
	get := strs("get")
	tests := []struct {
		name  string
		rules []rbacv1.PolicyRule
		a     Attributes
		want  bool
	}{
		{"no rules", nil, Attributes{Verb: "get", Resource: "pods"}, false},
		{"exact", []rbacv1.PolicyRule{res(strs(""), strs("pods"), get)}, Attributes{Verb: "get", Resource: "pods"}, true},
		{"other verb", []rbacv1.PolicyRule{res(strs(""), strs("pods"), get)}, Attributes{Verb: "list", Resource: "pods"}, false},
		{"verb star", []rbacv1.PolicyRule{res(strs(""), strs("pods"), strs("*"))}, Attributes{Verb: "escalate", Resource: "pods"}, true},
		{"second rule", []rbacv1.PolicyRule{res(strs(""), strs("pods"), get), res(strs(""), strs("pods"), strs("list"))}, Attributes{Verb: "list", Resource: "pods"}, true},
		{"core rule, apps request", []rbacv1.PolicyRule{res(strs(""), strs("deployments"), get)}, Attributes{Verb: "get", APIGroup: "apps", Resource: "deployments"}, false},
		{"apps rule, apps request", []rbacv1.PolicyRule{res(strs("apps"), strs("deployments"), get)}, Attributes{Verb: "get", APIGroup: "apps", Resource: "deployments"}, true},
		{"apps rule, apps.example.com request", []rbacv1.PolicyRule{res(strs("apps"), strs("*"), strs("*"))}, Attributes{Verb: "get", APIGroup: "apps.example.com", Resource: "deployments"}, false},
		{"apps.example.com rule, apps request", []rbacv1.PolicyRule{res(strs("apps.example.com"), strs("*"), strs("*"))}, Attributes{Verb: "get", APIGroup: "apps", Resource: "deployments"}, false},
		{"group star", []rbacv1.PolicyRule{res(strs("*"), strs("deployments"), get)}, Attributes{Verb: "get", APIGroup: "apps.example.com", Resource: "deployments"}, true},
		{"group star matches core", []rbacv1.PolicyRule{res(strs("*"), strs("pods"), get)}, Attributes{Verb: "get", Resource: "pods"}, true},
		{"resource star", []rbacv1.PolicyRule{res(strs(""), strs("*"), get)}, Attributes{Verb: "get", Resource: "pods", Subresource: "log"}, true},
		{"resource does not cover subresource", []rbacv1.PolicyRule{res(strs(""), strs("pods"), strs("*"))}, Attributes{Verb: "get", Resource: "pods", Subresource: "log"}, false},
		{"subresource does not cover resource", []rbacv1.PolicyRule{res(strs(""), strs("pods/log"), get)}, Attributes{Verb: "get", Resource: "pods"}, false},
		{"exact subresource", []rbacv1.PolicyRule{res(strs(""), strs("pods/log"), get)}, Attributes{Verb: "get", Resource: "pods", Subresource: "log"}, true},
		{"other subresource", []rbacv1.PolicyRule{res(strs(""), strs("pods/log"), get)}, Attributes{Verb: "get", Resource: "pods", Subresource: "exec"}, false},
		{"star subresource", []rbacv1.PolicyRule{res(strs("apps"), strs("*/scale"), strs("update"))}, Attributes{Verb: "update", APIGroup: "apps", Resource: "deployments", Subresource: "scale"}, true},
		{"star subresource, other subresource", []rbacv1.PolicyRule{res(strs("apps"), strs("*/scale"), strs("update"))}, Attributes{Verb: "update", APIGroup: "apps", Resource: "deployments", Subresource: "status"}, false},
		{"star subresource, no subresource", []rbacv1.PolicyRule{res(strs("apps"), strs("*/scale"), strs("update"))}, Attributes{Verb: "update", APIGroup: "apps", Resource: "deployments"}, false},
		{"star subresource, longer subresource", []rbacv1.PolicyRule{res(strs("apps"), strs("*/scale"), strs("update"))}, Attributes{Verb: "update", APIGroup: "apps", Resource: "deployments", Subresource: "xscale"}, false},
		{"resource name", []rbacv1.PolicyRule{res(strs(""), strs("configmaps"), get, "a", "b")}, Attributes{Verb: "get", Resource: "configmaps", Name: "b"}, true},
		{"other resource name", []rbacv1.PolicyRule{res(strs(""), strs("configmaps"), get, "a")}, Attributes{Verb: "get", Resource: "configmaps", Name: "c"}, false},
		{"resource names, list without name", []rbacv1.PolicyRule{res(strs(""), strs("configmaps"), strs("list"), "a")}, Attributes{Verb: "list", Resource: "configmaps"}, false},
		{"no resource names, any name", []rbacv1.PolicyRule{res(strs(""), strs("configmaps"), get)}, Attributes{Verb: "get", Resource: "configmaps", Name: "x"}, true},
		{"url exact", []rbacv1.PolicyRule{urls(strs("/healthz"), get)}, Attributes{Verb: "get", Path: "/healthz"}, true},
		{"url exact, longer path", []rbacv1.PolicyRule{urls(strs("/healthz"), get)}, Attributes{Verb: "get", Path: "/healthz/ready"}, false},
		{"url prefix", []rbacv1.PolicyRule{urls(strs("/healthz/*"), get)}, Attributes{Verb: "get", Path: "/healthz/ready"}, true},
		{"url prefix, parent", []rbacv1.PolicyRule{urls(strs("/healthz/*"), get)}, Attributes{Verb: "get", Path: "/healthz"}, false},
		{"url prefix without slash", []rbacv1.PolicyRule{urls(strs("/healthz*"), get)}, Attributes{Verb: "get", Path: "/healthzx"}, true},
		{"url star", []rbacv1.PolicyRule{urls(strs("*"), get)}, Attributes{Verb: "get", Path: "/metrics"}, true},
		{"url, wrong verb", []rbacv1.PolicyRule{urls(strs("/metrics"), get)}, Attributes{Verb: "post", Path: "/metrics"}, false},
		{"url rule, resource request", []rbacv1.PolicyRule{urls(strs("*"), strs("*"))}, Attributes{Verb: "get", Resource: "pods"}, false},
		{"resource rule, url request", []rbacv1.PolicyRule{res(strs("*"), strs("*"), strs("*"))}, Attributes{Verb: "get", Path: "/metrics"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Allows(tt.rules, tt.a); got != tt.want {
				t.Errorf("Allows(%+v, %+v) = %v, want %v", tt.rules, tt.a, got, tt.want)
			}
		})
	}
}

func TestParseResource(t *testing.T) {
	tests := []struct{ in, resource, group, sub string }{
		{"pods", "pods", "", ""},
		{"pods/log", "pods", "", "log"},
		{"deployments.apps", "deployments", "apps", ""},
		{"deployments.apps/scale", "deployments", "apps", "scale"},
		{"foos.stable.example.com", "foos", "stable.example.com", ""},
		{"foos.stable.example.com/status", "foos", "stable.example.com", "status"},
		{"*", "*", "", ""},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		r, g, s := ParseResource(tt.in)
		if r != tt.resource || g != tt.group || s != tt.sub {
			t.Errorf("ParseResource(%q) = %q, %q, %q; want %q, %q, %q", tt.in, r, g, s, tt.resource, tt.group, tt.sub)
		}
	}
}
