package rbac

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/paddockhq/paddock/internal/model"
)

// MaxNameLength is the longest custom template or global role name.
const MaxNameLength = 63

var nameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// ValidateName checks a custom template or global role name: lower-case
// letters, digits and inner dashes, at most MaxNameLength characters.
func ValidateName(name string) error {
	if name == "" {
		return errors.New("name: required")
	}
	if len(name) > MaxNameLength {
		return fmt.Errorf("name: %d characters, at most %d allowed", len(name), MaxNameLength)
	}
	if !nameRE.MatchString(name) {
		return fmt.Errorf("name %q: only lower-case letters, digits and '-', starting and ending with a letter or digit", name)
	}
	return nil
}

// ValidateTemplate checks a custom role template as if it replaced (or
// was added as) ts[t.Name]. All problems found are reported, joined.
func ValidateTemplate(t *model.RoleTemplate, ts Templates) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if err := ValidateName(t.Name); err != nil {
		errs = append(errs, err)
	} else if IsBuiltinTemplate(t.Name) {
		add("name %q: taken by a built-in template", t.Name)
	} else if ObjectPrefix+t.Name == ClustersManagersBinding {
		add("name %q: reserved", t.Name)
	}
	switch t.Context {
	case model.ContextCluster, model.ContextProject:
	default:
		add("context %q: must be %q or %q", t.Context, model.ContextCluster, model.ContextProject)
	}
	for i, r := range t.Rules {
		errs = append(errs, validateRule(fmt.Sprintf("rules[%d]", i), r, t.Context)...)
	}
	if len(t.Rules) == 0 && len(t.Inherits) == 0 {
		add("rules: a template needs at least one rule or inherited template")
	}
	errs = append(errs, validateInherits(t, ts)...)
	return errors.Join(errs...)
}

func validateRule(at string, r model.PolicyRule, ctx model.RoleContext) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(at+format, args...)) }
	if len(r.Verbs) == 0 {
		add(".verbs: at least one verb required")
	}
	resource := len(r.APIGroups) > 0 || len(r.Resources) > 0
	switch {
	case resource && len(r.NonResourceURLs) > 0:
		add(": a rule has either apiGroups and resources or nonResourceURLs, not both")
	case len(r.NonResourceURLs) > 0:
		if ctx == model.ContextProject {
			add(".nonResourceURLs: only allowed in cluster templates")
		}
	case len(r.APIGroups) == 0 && len(r.Resources) == 0:
		add(": needs apiGroups and resources, or nonResourceURLs")
	case len(r.APIGroups) == 0:
		add(".apiGroups: required with resources (\"\" is the core group)")
	case len(r.Resources) == 0:
		add(".resources: required with apiGroups")
	}
	if len(r.ResourceNames) > 0 && len(r.Resources) == 0 {
		add(".resourceNames: only allowed with resources")
	}
	for _, f := range []struct {
		name  string
		list  []string
		empty bool // "" allowed
	}{
		{"verbs", r.Verbs, false},
		{"apiGroups", r.APIGroups, true},
		{"resources", r.Resources, false},
		{"resourceNames", r.ResourceNames, false},
		{"nonResourceURLs", r.NonResourceURLs, false},
	} {
		for j, s := range f.list {
			if s == "" && !f.empty {
				add(".%s[%d]: empty", f.name, j)
			}
		}
	}
	for j, u := range r.NonResourceURLs {
		if u == "" || u == "*" {
			continue
		}
		if !strings.HasPrefix(u, "/") {
			add(".nonResourceURLs[%d] %q: must start with '/' (or be \"*\")", j, u)
		} else if i := strings.Index(u, "*"); i >= 0 && i != len(u)-1 {
			add(".nonResourceURLs[%d] %q: '*' is only allowed at the end", j, u)
		}
	}
	return errs
}

func validateInherits(t *model.RoleTemplate, ts Templates) []error {
	var errs []error
	seen := map[string]bool{}
	for i, name := range t.Inherits {
		at := fmt.Sprintf("inherits[%d] %q", i, name)
		if seen[name] {
			errs = append(errs, fmt.Errorf("%s: listed twice", at))
			continue
		}
		seen[name] = true
		if name == t.Name {
			errs = append(errs, fmt.Errorf("%s: a template cannot inherit itself", at))
			continue
		}
		p, ok := ts[name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: no such template", at))
			continue
		}
		if t.Context == model.ContextProject && p.Context != model.ContextProject {
			errs = append(errs, fmt.Errorf("%s: a project template may only inherit project templates, this one is a %s template", at, p.Context))
		}
	}
	if len(errs) > 0 || t.Name == "" {
		return errs
	}
	// Cycles (and templates missing further up) show when resolving the
	// template in the set it would join.
	with := maps.Clone(ts)
	if with == nil {
		with = Templates{}
	}
	with[t.Name] = t
	if _, err := with.Rules(t.Name); err != nil {
		errs = append(errs, fmt.Errorf("inherits: %w", err))
	}
	return errs
}

// ValidateGlobalRole checks a custom global role: a valid name that is not
// a built-in's, and a non-empty list of known capabilities without
// duplicates.
func ValidateGlobalRole(r *model.GlobalRole) error {
	var errs []error
	if err := ValidateName(r.Name); err != nil {
		errs = append(errs, err)
	} else if r.Name == model.GlobalRoleAdmin || r.Name == model.GlobalRoleUser {
		errs = append(errs, fmt.Errorf("name %q: taken by a built-in global role", r.Name))
	}
	if len(r.Capabilities) == 0 {
		errs = append(errs, errors.New("capabilities: at least one required"))
	}
	seen := map[string]bool{}
	for i, c := range r.Capabilities {
		switch {
		case !slices.Contains(model.Capabilities, c):
			errs = append(errs, fmt.Errorf("capabilities[%d] %q: unknown capability (known: %s)", i, c, strings.Join(model.Capabilities, ", ")))
		case seen[c]:
			errs = append(errs, fmt.Errorf("capabilities[%d] %q: listed twice", i, c))
		}
		seen[c] = true
	}
	return errors.Join(errs...)
}
