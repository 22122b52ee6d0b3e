package rbac

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/component-helpers/auth/rbac/validation"

	"github.com/paddockhq/paddock/internal/model"
)

// Templates resolves role template names, built-ins plus custom ones.
type Templates map[string]*model.RoleTemplate

// NewTemplates returns the built-in templates plus custom. A custom
// template named like a built-in is ignored: built-ins win.
func NewTemplates(custom []model.RoleTemplate) Templates {
	ts := Templates{}
	for i := range custom {
		t := custom[i]
		ts[t.Name] = &t
	}
	for _, t := range BuiltinTemplates() {
		ts[t.Name] = &t
	}
	return ts
}

// Rules returns the flattened, de-duplicated and sorted rules of the named
// template including everything it inherits, transitively. An unknown
// template (itself or inherited) and an inheritance cycle are errors that
// name the chain that leads to them.
func (ts Templates) Rules(name string) ([]rbacv1.PolicyRule, error) {
	var rules []rbacv1.PolicyRule
	seen := map[string]bool{}   // rules already collected, by key
	done := map[string]bool{}   // templates fully collected
	onPath := map[string]bool{} // templates on the current chain
	var walk func(chain []string) error
	walk = func(chain []string) error {
		name := chain[len(chain)-1]
		t, ok := ts[name]
		if !ok {
			if len(chain) == 1 {
				return fmt.Errorf("unknown role template %q", name)
			}
			return fmt.Errorf("role template %q: unknown inherited template %q (%s)", chain[0], name, strings.Join(chain, " -> "))
		}
		if onPath[name] {
			return fmt.Errorf("role template %q: inheritance cycle (%s)", chain[0], strings.Join(chain, " -> "))
		}
		if done[name] {
			return nil
		}
		onPath[name] = true
		for _, r := range t.Rules {
			kr := KubeRule(r)
			if k := ruleKey(kr); !seen[k] {
				seen[k] = true
				rules = append(rules, kr)
			}
		}
		for _, parent := range t.Inherits {
			if err := walk(append(slices.Clip(chain), parent)); err != nil {
				return err
			}
		}
		onPath[name] = false
		done[name] = true
		return nil
	}
	if err := walk([]string{name}); err != nil {
		return nil, err
	}
	SortRules(rules)
	return rules, nil
}

// KubeRule converts a Paddock rule to an rbacv1 rule (copying its lists).
func KubeRule(r model.PolicyRule) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{
		Verbs:           slices.Clone(r.Verbs),
		APIGroups:       slices.Clone(r.APIGroups),
		Resources:       slices.Clone(r.Resources),
		ResourceNames:   slices.Clone(r.ResourceNames),
		NonResourceURLs: slices.Clone(r.NonResourceURLs),
	}
}

// KubeRules converts Paddock rules to rbacv1 rules.
func KubeRules(rs []model.PolicyRule) []rbacv1.PolicyRule {
	out := make([]rbacv1.PolicyRule, len(rs))
	for i, r := range rs {
		out[i] = KubeRule(r)
	}
	return out
}

// ruleKey identifies a rule for de-duplication and ordering: resource
// rules before non-resource rules, then by groups, resources, names and
// verbs.
func ruleKey(r rbacv1.PolicyRule) string {
	kind := "0"
	if len(r.NonResourceURLs) > 0 {
		kind = "1"
	}
	j := func(s []string) string { return strings.Join(s, ",") }
	return strings.Join([]string{kind, j(r.APIGroups), j(r.Resources), j(r.ResourceNames), j(r.NonResourceURLs), j(r.Verbs)}, "\x00")
}

// SortRules sorts rules deterministically (by ruleKey).
func SortRules(rules []rbacv1.PolicyRule) {
	slices.SortStableFunc(rules, func(a, b rbacv1.PolicyRule) int { return strings.Compare(ruleKey(a), ruleKey(b)) })
}

// Covers reports whether the held rules grant everything the wanted rules
// grant, as Kubernetes' RBAC escalation check does, and which (broken
// down) wanted rules are not covered.
func Covers(held, want []rbacv1.PolicyRule) (bool, []rbacv1.PolicyRule) {
	return validation.Covers(held, want)
}
