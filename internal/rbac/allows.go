package rbac

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// Attributes is one request, like Kubernetes' authorizer attributes. A
// request with an empty Resource is a non-resource request for Path.
type Attributes struct {
	Verb        string
	APIGroup    string
	Resource    string
	Subresource string
	Name        string
	Path        string
}

// Allows reports whether any of the rules grants the request, with
// Kubernetes RBAC semantics (RuleAllows in k8s.io/kubernetes'
// plugin/pkg/auth/authorizer/rbac): verb "*" matches every verb; an API
// group matches exactly or by "*" (a rule for "apps" never matches
// "apps.example.com"); a resource matches by "*", exactly ("pods"), with
// its subresource ("pods/log") or by "*/<subresource>"; empty
// resourceNames match every name; a non-resource URL matches exactly, by
// "*", or as a prefix when the rule's URL ends in "*".
func Allows(rules []rbacv1.PolicyRule, a Attributes) bool {
	for i := range rules {
		if ruleAllows(&rules[i], a) {
			return true
		}
	}
	return false
}

func ruleAllows(r *rbacv1.PolicyRule, a Attributes) bool {
	if !verbMatches(r, a.Verb) {
		return false
	}
	if a.Resource == "" {
		return nonResourceURLMatches(r, a.Path)
	}
	combined := a.Resource
	if a.Subresource != "" {
		combined += "/" + a.Subresource
	}
	return apiGroupMatches(r, a.APIGroup) && resourceMatches(r, combined, a.Subresource) && resourceNameMatches(r, a.Name)
}

func verbMatches(r *rbacv1.PolicyRule, verb string) bool {
	for _, v := range r.Verbs {
		if v == rbacv1.VerbAll || v == verb {
			return true
		}
	}
	return false
}

func apiGroupMatches(r *rbacv1.PolicyRule, group string) bool {
	for _, g := range r.APIGroups {
		if g == rbacv1.APIGroupAll || g == group {
			return true
		}
	}
	return false
}

func resourceMatches(r *rbacv1.PolicyRule, combined, subresource string) bool {
	for _, res := range r.Resources {
		if res == rbacv1.ResourceAll || res == combined {
			return true
		}
		if subresource != "" && res == "*/"+subresource {
			return true
		}
	}
	return false
}

func resourceNameMatches(r *rbacv1.PolicyRule, name string) bool {
	if len(r.ResourceNames) == 0 {
		return true
	}
	for _, n := range r.ResourceNames {
		if n == name {
			return true
		}
	}
	return false
}

func nonResourceURLMatches(r *rbacv1.PolicyRule, path string) bool {
	for _, u := range r.NonResourceURLs {
		if u == rbacv1.NonResourceAll || u == path {
			return true
		}
		if strings.HasSuffix(u, "*") && strings.HasPrefix(path, strings.TrimRight(u, "*")) {
			return true
		}
	}
	return false
}

// ParseResource splits a resource as kubectl auth can-i accepts it,
// "<resource>[.<group>][/<subresource>]" ("pods", "pods/log",
// "deployments.apps", "deployments.apps/scale"), into its parts. The group
// is everything after the first dot, so "foos.example.com" is resource
// "foos" in group "example.com"; an empty group is the core group.
func ParseResource(s string) (resource, group, subresource string) {
	s, subresource, _ = strings.Cut(s, "/")
	resource, group, _ = strings.Cut(s, ".")
	return resource, group, subresource
}
