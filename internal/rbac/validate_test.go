package rbac

import (
	"strings"
	"testing"

	"github.com/paddockhq/paddock/internal/model"
)

func TestValidateTemplate(t *testing.T) {
	pods := mrule(strs(""), strs("pods"), strs("get"))
	ts := NewTemplates([]model.RoleTemplate{
		{Name: "proj", Context: model.ContextProject, Rules: []model.PolicyRule{pods}},
		{Name: "clus", Context: model.ContextCluster, Rules: []model.PolicyRule{pods}},
		{Name: "loop-a", Context: model.ContextProject, Inherits: strs("loop-b")},
		{Name: "loop-b", Context: model.ContextProject, Rules: []model.PolicyRule{pods}},
	})
	proj := func(rules ...model.PolicyRule) model.RoleTemplate {
		return model.RoleTemplate{Name: "custom", Context: model.ContextProject, Rules: rules}
	}
	clus := func(rules ...model.PolicyRule) model.RoleTemplate {
		return model.RoleTemplate{Name: "custom", Context: model.ContextCluster, Rules: rules}
	}
	named := func(name string) model.RoleTemplate { t := proj(pods); t.Name = name; return t }
	inherits := func(ctx model.RoleContext, name string, parents ...string) model.RoleTemplate {
		return model.RoleTemplate{Name: name, Context: ctx, Inherits: parents}
	}
	tests := []struct {
		name string
		t    model.RoleTemplate
		err  string // "" valid
	}{
		{"valid project", proj(pods), ""},
		{"valid cluster urls", clus(model.PolicyRule{NonResourceURLs: strs("/healthz", "/metrics*", "*"), Verbs: strs("get")}), ""},
		{"valid resource names", proj(model.PolicyRule{APIGroups: strs(""), Resources: strs("configmaps"), ResourceNames: strs("a"), Verbs: strs("get")}), ""},
		{"valid inherits only", inherits(model.ContextProject, "custom", "proj", TemplateProjectViewer), ""},
		{"valid cluster inherits project", inherits(model.ContextCluster, "custom", "proj", "clus", TemplateClusterViewer), ""},
		{"valid replacement", named("proj"), ""},
		{"valid 63 chars", named(strings.Repeat("a", 63)), ""},
		{"empty name", named(""), "name: required"},
		{"long name", named(strings.Repeat("a", 64)), "64 characters, at most 63"},
		{"upper-case name", named("Dev"), `name "Dev": only lower-case`},
		{"leading dash", named("-dev"), `name "-dev"`},
		{"trailing dash", named("dev-"), `name "dev-"`},
		{"colon", named("a:b"), `name "a:b"`},
		{"built-in name", named(TemplateProjectMember), `name "project-member": taken by a built-in template`},
		{"reserved name", named("clusters-managers"), `name "clusters-managers": reserved`},
		{"bad context", model.RoleTemplate{Name: "custom", Context: "namespace", Rules: []model.PolicyRule{pods}}, `context "namespace": must be "cluster" or "project"`},
		{"no rules", proj(), "rules: a template needs at least one rule or inherited template"},
		{"no verbs", proj(pods, mrule(strs(""), strs("pods"), nil)), "rules[1].verbs: at least one verb required"},
		{"both", clus(model.PolicyRule{APIGroups: strs(""), Resources: strs("pods"), NonResourceURLs: strs("/x"), Verbs: strs("get")}), "rules[0]: a rule has either apiGroups and resources or nonResourceURLs, not both"},
		{"nothing", proj(model.PolicyRule{Verbs: strs("get")}), "rules[0]: needs apiGroups and resources, or nonResourceURLs"},
		{"no groups", proj(model.PolicyRule{Resources: strs("pods"), Verbs: strs("get")}), "rules[0].apiGroups: required with resources"},
		{"no resources", proj(model.PolicyRule{APIGroups: strs("apps"), Verbs: strs("get")}), "rules[0].resources: required with apiGroups"},
		{"urls in project", proj(model.PolicyRule{NonResourceURLs: strs("/metrics"), Verbs: strs("get")}), "rules[0].nonResourceURLs: only allowed in cluster templates"},
		{"names with urls", clus(model.PolicyRule{NonResourceURLs: strs("/metrics"), ResourceNames: strs("a"), Verbs: strs("get")}), "rules[0].resourceNames: only allowed with resources"},
		{"empty verb", proj(mrule(strs(""), strs("pods"), strs("get", ""))), "rules[0].verbs[1]: empty"},
		{"empty resource", proj(mrule(strs(""), strs(""), strs("get"))), "rules[0].resources[0]: empty"},
		{"empty resource name", proj(model.PolicyRule{APIGroups: strs(""), Resources: strs("pods"), ResourceNames: strs(""), Verbs: strs("get")}), "rules[0].resourceNames[0]: empty"},
		{"empty url", clus(model.PolicyRule{NonResourceURLs: strs(""), Verbs: strs("get")}), "rules[0].nonResourceURLs[0]: empty"},
		{"relative url", clus(model.PolicyRule{NonResourceURLs: strs("metrics"), Verbs: strs("get")}), `rules[0].nonResourceURLs[0] "metrics": must start with '/'`},
		{"inner star url", clus(model.PolicyRule{NonResourceURLs: strs("/a/*/b"), Verbs: strs("get")}), `rules[0].nonResourceURLs[0] "/a/*/b": '*' is only allowed at the end`},
		{"unknown inherited", inherits(model.ContextProject, "custom", "proj", "nope"), `inherits[1] "nope": no such template`},
		{"duplicate inherited", inherits(model.ContextProject, "custom", "proj", "proj"), `inherits[1] "proj": listed twice`},
		{"inherits self", inherits(model.ContextProject, "custom", "custom"), `inherits[0] "custom": a template cannot inherit itself`},
		{"project inherits cluster", inherits(model.ContextProject, "custom", "clus"), `inherits[0] "clus": a project template may only inherit project templates, this one is a cluster template`},
		{"project inherits built-in cluster", inherits(model.ContextProject, "custom", TemplateClusterViewer), `inherits[0] "cluster-viewer": a project template may only inherit`},
		{"cycle", inherits(model.ContextProject, "loop-b", "loop-a"), `inherits: role template "loop-b": inheritance cycle (loop-b -> loop-a -> loop-b)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateTemplate(&tt.t, ts)
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.err != "" && err == nil:
				t.Errorf("no error, want %q", tt.err)
			case tt.err != "" && !strings.Contains(err.Error(), tt.err):
				t.Errorf("error %q, want one containing %q", err, tt.err)
			}
		})
	}
}

func TestValidateTemplateReportsAll(t *testing.T) {
	tmpl := model.RoleTemplate{Name: "Bad", Context: model.ContextProject, Rules: []model.PolicyRule{
		{Verbs: strs("get"), NonResourceURLs: strs("/x")},
		{APIGroups: strs("apps"), Resources: strs("deployments")},
	}}
	err := ValidateTemplate(&tmpl, NewTemplates(nil))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`name "Bad"`, "rules[0].nonResourceURLs", "rules[1].verbs"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestValidateGlobalRole(t *testing.T) {
	tests := []struct {
		name string
		r    model.GlobalRole
		err  string
	}{
		{"valid", model.GlobalRole{Name: "auditor", Capabilities: strs(model.CapAuditRead)}, ""},
		{"valid all", model.GlobalRole{Name: "almost-admin", Capabilities: model.Capabilities}, ""},
		{"admin", model.GlobalRole{Name: "admin", Capabilities: strs(model.CapAuditRead)}, `name "admin": taken by a built-in global role`},
		{"user", model.GlobalRole{Name: "user", Capabilities: strs(model.CapAuditRead)}, `name "user": taken by a built-in global role`},
		{"bad name", model.GlobalRole{Name: "Audit_Read", Capabilities: strs(model.CapAuditRead)}, `name "Audit_Read"`},
		{"empty name", model.GlobalRole{Capabilities: strs(model.CapAuditRead)}, "name: required"},
		{"no capabilities", model.GlobalRole{Name: "nothing"}, "capabilities: at least one required"},
		{"unknown", model.GlobalRole{Name: "x", Capabilities: strs(model.CapAuditRead, "root")}, `capabilities[1] "root": unknown capability`},
		{"duplicate", model.GlobalRole{Name: "x", Capabilities: strs(model.CapAuditRead, model.CapUsersManage, model.CapAuditRead)}, `capabilities[2] "audit-read": listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateGlobalRole(&tt.r)
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.err != "" && err == nil:
				t.Errorf("no error, want %q", tt.err)
			case tt.err != "" && !strings.Contains(err.Error(), tt.err):
				t.Errorf("error %q, want one containing %q", err, tt.err)
			}
		})
	}
}
