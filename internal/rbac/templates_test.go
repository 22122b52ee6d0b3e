package rbac

import (
	"reflect"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/paddockhq/paddock/internal/model"
)

func mrule(groups, resources, verbs []string) model.PolicyRule {
	return model.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs}
}

func TestRulesInheritance(t *testing.T) {
	cm := mrule(strs(""), strs("configmaps"), strs("get"))
	dep := mrule(strs("apps"), strs("deployments"), strs("get"))
	job := mrule(strs("batch"), strs("jobs"), strs("get"))
	ts := NewTemplates([]model.RoleTemplate{
		{Name: "base", Context: model.ContextProject, Rules: []model.PolicyRule{cm}},
		{Name: "mid", Context: model.ContextProject, Rules: []model.PolicyRule{dep, cm}, Inherits: strs("base")},
		{Name: "other", Context: model.ContextProject, Rules: []model.PolicyRule{job}, Inherits: strs("base")},
		{Name: "top", Context: model.ContextCluster, Rules: []model.PolicyRule{cm}, Inherits: strs("mid", "other")},
		{Name: "bad", Context: model.ContextCluster, Inherits: strs("mid", "missing")},
		{Name: "deep", Context: model.ContextCluster, Inherits: strs("bad")},
		{Name: "c1", Context: model.ContextCluster, Inherits: strs("c2")},
		{Name: "c2", Context: model.ContextCluster, Inherits: strs("c3")},
		{Name: "c3", Context: model.ContextCluster, Inherits: strs("c1")},
		{Name: "self", Context: model.ContextCluster, Inherits: strs("self")},
		{Name: "into-cycle", Context: model.ContextCluster, Inherits: strs("c2")},
	})
	tests := []struct {
		name, err string
		want      []rbacv1.PolicyRule
	}{
		{name: "base", want: []rbacv1.PolicyRule{KubeRule(cm)}},
		{name: "mid", want: []rbacv1.PolicyRule{KubeRule(cm), KubeRule(dep)}},
		// Diamond: base reached twice, each rule once, sorted.
		{name: "top", want: []rbacv1.PolicyRule{KubeRule(cm), KubeRule(dep), KubeRule(job)}},
		{name: "nope", err: `unknown role template "nope"`},
		{name: "bad", err: `role template "bad": unknown inherited template "missing" (bad -> missing)`},
		{name: "deep", err: `(deep -> bad -> missing)`},
		{name: "c1", err: `role template "c1": inheritance cycle (c1 -> c2 -> c3 -> c1)`},
		{name: "self", err: `inheritance cycle (self -> self)`},
		{name: "into-cycle", err: `inheritance cycle (into-cycle -> c2 -> c3 -> c1 -> c2)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ts.Rules(tt.name)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Rules(%q) error = %v, want one containing %q", tt.name, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Rules(%q) = %+v\nwant %+v", tt.name, got, tt.want)
			}
		})
	}
}

func TestRulesDoNotAlias(t *testing.T) {
	ts := NewTemplates(nil)
	a, _ := ts.Rules(TemplateProjectViewer)
	a[0].Verbs[0] = "mutated"
	b, _ := ts.Rules(TemplateProjectViewer)
	if b[0].Verbs[0] == "mutated" {
		t.Fatal("Rules returned slices shared with the templates")
	}
	bt := BuiltinTemplates()
	bt[0].Rules[0].Verbs[0] = "mutated"
	if BuiltinTemplates()[0].Rules[0].Verbs[0] == "mutated" {
		t.Fatal("BuiltinTemplates returned shared slices")
	}
}

func TestNewTemplatesBuiltinsWin(t *testing.T) {
	ts := NewTemplates([]model.RoleTemplate{
		{Name: TemplateClusterViewer, Context: model.ContextCluster, Rules: []model.PolicyRule{mrule(strs("*"), strs("*"), strs("*"))}},
		{Name: "custom", Context: model.ContextProject, Rules: []model.PolicyRule{mrule(strs(""), strs("pods"), strs("get"))}},
	})
	if !ts[TemplateClusterViewer].Builtin {
		t.Error("custom template replaced a built-in")
	}
	if ts["custom"] == nil {
		t.Error("custom template missing")
	}
	if len(ts) != len(BuiltinTemplates())+1 {
		t.Errorf("%d templates, want %d", len(ts), len(BuiltinTemplates())+1)
	}
	for _, bt := range BuiltinTemplates() {
		if !bt.Builtin || !IsBuiltinTemplate(bt.Name) {
			t.Errorf("%s: Builtin %v, IsBuiltinTemplate %v", bt.Name, bt.Builtin, IsBuiltinTemplate(bt.Name))
		}
	}
	if IsBuiltinTemplate("custom") {
		t.Error("IsBuiltinTemplate(custom)")
	}
}

func TestBuiltinGlobalRoles(t *testing.T) {
	rs := BuiltinGlobalRoles()
	if len(rs) != 2 || rs[0].Name != model.GlobalRoleAdmin || rs[1].Name != model.GlobalRoleUser {
		t.Fatalf("roles %+v", rs)
	}
	if !reflect.DeepEqual(rs[0].Capabilities, model.Capabilities) || len(rs[1].Capabilities) != 0 {
		t.Errorf("capabilities: admin %v, user %v", rs[0].Capabilities, rs[1].Capabilities)
	}
	rs[0].Capabilities[0] = "mutated"
	if model.Capabilities[0] == "mutated" {
		t.Error("admin capabilities alias model.Capabilities")
	}
}

func TestCovers(t *testing.T) {
	ts := NewTemplates([]model.RoleTemplate{
		{Name: "example-apps", Context: model.ContextProject, Rules: []model.PolicyRule{mrule(strs("apps.example.com"), strs("widgets"), strs("get"))}},
		{Name: "apps-all", Context: model.ContextProject, Rules: []model.PolicyRule{mrule(strs("apps"), strs("*"), strs("*"))}},
		{Name: "log-reader", Context: model.ContextProject, Rules: []model.PolicyRule{mrule(strs(""), strs("pods/log"), strs("get"))}},
		{Name: "pod-reader", Context: model.ContextProject, Rules: []model.PolicyRule{mrule(strs(""), strs("pods"), strs("get"))}},
	})
	rules := func(name string) []rbacv1.PolicyRule {
		t.Helper()
		rs, err := ts.Rules(name)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	tests := []struct {
		held, want string
		covers     bool
	}{
		{TemplateClusterOwner, TemplateClusterOwner, true},
		{TemplateClusterOwner, TemplateClusterMember, true},
		{TemplateClusterOwner, TemplateProjectOwner, true},
		{TemplateClusterOwner, "example-apps", true},
		{TemplateProjectOwner, TemplateClusterOwner, false},
		{TemplateProjectOwner, TemplateProjectMember, true},
		{TemplateProjectOwner, TemplateProjectViewer, true},
		{TemplateProjectMember, TemplateProjectViewer, true},
		{TemplateProjectMember, TemplateProjectOwner, false},
		{TemplateProjectViewer, TemplateProjectMember, false},
		{TemplateClusterMember, TemplateProjectOwner, false},
		{TemplateClusterMember, TemplateProjectMember, true},
		{TemplateClusterMember, TemplateClusterViewer, true},
		{TemplateClusterMember, TemplateClusterOwner, false},
		{TemplateClusterViewer, TemplateProjectViewer, true},
		{TemplateClusterViewer, TemplateProjectMember, false},
		{"apps-all", "example-apps", false},
		{TemplateProjectOwner, "example-apps", false},
		{"pod-reader", "log-reader", false},
		{"log-reader", "pod-reader", false},
	}
	for _, tt := range tests {
		got, uncovered := Covers(rules(tt.held), rules(tt.want))
		if got != tt.covers {
			t.Errorf("Covers(%s, %s) = %v, want %v (uncovered %v)", tt.held, tt.want, got, tt.covers, uncovered)
		}
		if !got && len(uncovered) == 0 {
			t.Errorf("Covers(%s, %s): not covered but nothing uncovered", tt.held, tt.want)
		}
	}
	// What cluster-member misses of project-owner is exactly the RBAC writes.
	_, uncovered := Covers(rules(TemplateClusterMember), rules(TemplateProjectOwner))
	for _, r := range uncovered {
		if r.APIGroups[0] != rbacv1.GroupName {
			t.Errorf("cluster-member unexpectedly misses %+v", r)
		}
	}
}
