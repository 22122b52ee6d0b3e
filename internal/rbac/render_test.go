package rbac

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/paddockhq/paddock/internal/model"
)

var update = flag.Bool("update", false, "rewrite testdata/render.golden.yaml")

var renderNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func renderInput() Input {
	user := func(id string) model.Subject { return model.Subject{Kind: model.SubjectUser, Name: id} }
	group := func(name string) model.Subject { return model.Subject{Kind: model.SubjectGroup, Name: name} }
	b := func(id string, s model.Subject, tmpl, project string, expires time.Duration) model.Binding {
		var exp time.Time
		if expires != 0 {
			exp = renderNow.Add(expires)
		}
		return model.Binding{ID: id, Subject: s, RoleTemplate: tmpl, ClusterID: "c1", ProjectID: project, ExpiresAt: exp}
	}
	return Input{
		ClusterID: "c1",
		Now:       renderNow,
		Templates: NewTemplates([]model.RoleTemplate{
			{Name: "deployer", Context: model.ContextProject, Inherits: strs(TemplateProjectViewer), Rules: []model.PolicyRule{
				mrule(strs("apps"), strs("deployments", "deployments/scale"), strs("update", "patch")),
				mrule(strs(""), strs("pods"), strs("get", "list", "watch")), // also in project-viewer
			}},
			{Name: "node-reader", Context: model.ContextCluster, Rules: []model.PolicyRule{
				mrule(strs(""), strs("nodes"), strs("get", "list")),
				{NonResourceURLs: strs("/metrics"), Verbs: strs("get")},
			}},
			{Name: "broken", Context: model.ContextProject, Inherits: strs("gone")},
		}),
		Bindings: []model.Binding{
			b("b01", user("u1"), TemplateClusterViewer, "", 0),
			b("b02", group("dev"), TemplateClusterViewer, "", 0),
			b("b03", user("u1"), TemplateClusterViewer, "", 72*time.Hour), // duplicate subject
			b("b04", user("u2"), TemplateClusterOwner, "", -time.Hour),    // expired
			b("b05", user("u3"), TemplateProjectOwner, "p-web", 2*time.Hour),
			b("b06", group("ldap:devs"), TemplateProjectMember, "p-web", 30*time.Minute),
			b("b07", user("u4"), "deployer", "p-web", 0),
			b("b08", user("u4"), TemplateProjectViewer, "p-data", 0),
			b("b09", user("u5"), "no-such-template", "", 0),
			b("b10", user("u5"), TemplateClusterMember, "p-data", 0), // cluster template in a project
			b("b11", user("u5"), TemplateProjectViewer, "", 0),       // project template cluster-wide
			b("b12", user("u6"), TemplateProjectMember, "p-bad", 0),
			b("b13", user("u7"), "broken", "p-data", 0),
			b("b14", group("dev"), TemplateProjectMember, "p-web", -time.Minute), // expired
			b("b15", user("u3"), TemplateProjectOwner, "p-web", 0),               // duplicate subject
			b("b16", user("u8"), TemplateProjectViewer, "p-gone", 0),
			b("b17", group("ops"), "node-reader", "", 0),
			b("b18", user("u9"), TemplateProjectViewer, "p-nons", 0), // project without namespaces
		},
		Namespaces: map[string]string{
			"web-prod": "p-web", "web-staging": "p-web", "data": "p-data", "idle": "p-idle", "bad-ns": "p-bad",
		},
		Projects: map[string]*model.Project{
			"p-web": {ID: "p-web", ClusterID: "c1", Name: "web",
				NamespaceQuota: map[string]string{"limits.cpu": "4", "limits.memory": "8Gi", "pods": "20"}},
			"p-data": {ID: "p-data", ClusterID: "c1", Name: "data"},
			"p-idle": {ID: "p-idle", ClusterID: "c1", Name: "idle"},
			"p-bad":  {ID: "p-bad", ClusterID: "c1", Name: "bad", NamespaceQuota: map[string]string{"pods": "lots"}},
			"p-nons": {ID: "p-nons", ClusterID: "c1", Name: "no-namespaces", NamespaceQuota: map[string]string{"pods": "5"}},
		},
	}
}

func TestRenderGolden(t *testing.T) {
	d := Render(renderInput())
	got, err := yaml.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "render.golden.yaml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/rbac -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Render output differs from %s (run go test ./internal/rbac -update and review the diff):\n%s", golden, got)
	}
}

func TestRenderProperties(t *testing.T) {
	in := renderInput()
	d := Render(in)
	if want := renderNow.Add(30 * time.Minute); !d.NextExpiry.Equal(want) {
		t.Errorf("NextExpiry %v, want %v", d.NextExpiry, want)
	}
	var roles, crbs, rbs, quotas []string
	for _, o := range d.ClusterRoles {
		roles = append(roles, o.Name)
	}
	for _, o := range d.ClusterRoleBindings {
		crbs = append(crbs, o.Name)
	}
	for _, o := range d.RoleBindings {
		rbs = append(rbs, o.Namespace+"/"+o.Name)
	}
	for _, o := range d.ResourceQuotas {
		quotas = append(quotas, o.Namespace+"/"+o.Name)
	}
	check := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", what, got, want)
		}
	}
	check("ClusterRoles", roles, strs("paddock:cluster-viewer", "paddock:deployer", "paddock:node-reader",
		"paddock:project-member", "paddock:project-owner", "paddock:project-viewer"))
	check("ClusterRoleBindings", crbs, strs("paddock:cluster-viewer", "paddock:clusters-managers", "paddock:node-reader"))
	check("RoleBindings", rbs, strs("bad-ns/paddock:project-member", "data/paddock:project-viewer",
		"web-prod/paddock:deployer", "web-prod/paddock:project-member", "web-prod/paddock:project-owner",
		"web-staging/paddock:deployer", "web-staging/paddock:project-member", "web-staging/paddock:project-owner"))
	check("ResourceQuotas", quotas, strs("web-prod/paddock-project-quota", "web-staging/paddock-project-quota"))

	for _, c := range d.ClusterRoleBindings {
		if c.Name == "paddock:cluster-viewer" {
			var subs []string
			for _, s := range c.Subjects {
				subs = append(subs, s.Kind+":"+s.Name)
			}
			check("cluster-viewer subjects", subs, strs("Group:paddock:group:dev", "User:paddock:user:u1"))
		}
		if c.Name == ClustersManagersBinding && (c.RoleRef.Name != "cluster-admin" || c.Subjects[0].Name != GroupClustersManagers) {
			t.Errorf("clusters-managers binding %+v", c)
		}
	}
	for _, rb := range d.RoleBindings {
		if rb.Labels[model.ProjectLabel] != in.Namespaces[rb.Namespace] || rb.Labels[ManagedLabel] != ManagedValue {
			t.Errorf("%s/%s labels %v", rb.Namespace, rb.Name, rb.Labels)
		}
		if rb.RoleRef.Kind != "ClusterRole" || rb.RoleRef.Name != rb.Name {
			t.Errorf("%s/%s roleRef %+v", rb.Namespace, rb.Name, rb.RoleRef)
		}
		if rb.Name == "paddock:project-owner" && len(rb.Subjects) != 1 {
			t.Errorf("%s/%s subjects not de-duplicated: %+v", rb.Namespace, rb.Name, rb.Subjects)
		}
	}

	wantProblems := []string{
		`binding b09 (User u5, template "no-such-template"): unknown role template`,
		`binding b10 (User u5, template "cluster-member"): a cluster template cannot be bound in project p-data`,
		`binding b11 (User u5, template "project-viewer"): a project template cannot be bound cluster-wide`,
		`binding b13 (User u7, template "broken"): role template "broken": unknown inherited template "gone" (broken -> gone)`,
		`binding b16 (User u8, template "project-viewer"): unknown project p-gone`,
		`project p-bad (bad): namespace quota skipped: pods: invalid quantity "lots"`,
	}
	if len(d.Problems) != len(wantProblems) {
		t.Fatalf("problems:\n%s", strings.Join(d.Problems, "\n"))
	}
	for i, p := range d.Problems {
		if !strings.HasPrefix(p, wantProblems[i]) {
			t.Errorf("problem %d: %q, want prefix %q", i, p, wantProblems[i])
		}
	}

	// Order of input does not matter.
	slices.Reverse(in.Bindings)
	if d2 := Render(in); !reflect.DeepEqual(d, d2) {
		t.Error("Render depends on the order of bindings")
	}
}

func TestRenderEmpty(t *testing.T) {
	d := Render(Input{ClusterID: "c1", Templates: NewTemplates(nil), Now: renderNow,
		Bindings: []model.Binding{{ID: "old", Subject: model.Subject{Kind: model.SubjectUser, Name: "u"},
			RoleTemplate: TemplateClusterOwner, ClusterID: "c1", ExpiresAt: renderNow}}})
	if len(d.ClusterRoles)+len(d.RoleBindings)+len(d.ResourceQuotas)+len(d.Problems) != 0 || len(d.ClusterRoleBindings) != 1 {
		t.Errorf("unexpected objects: %+v", d)
	}
	if !d.NextExpiry.IsZero() {
		t.Errorf("NextExpiry %v for a binding expiring now", d.NextExpiry)
	}
}

func TestKubeSubject(t *testing.T) {
	u := KubeSubject(model.Subject{Kind: model.SubjectUser, Name: "01HX"})
	g := KubeSubject(model.Subject{Kind: model.SubjectGroup, Name: "ldap:devs"})
	if u.Kind != "User" || u.Name != "paddock:user:01HX" || u.APIGroup != "rbac.authorization.k8s.io" {
		t.Errorf("user subject %+v", u)
	}
	if g.Kind != "Group" || g.Name != "paddock:group:ldap:devs" || g.APIGroup != "rbac.authorization.k8s.io" {
		t.Errorf("group subject %+v", g)
	}
	if KubeUser("x") != UserPrefix+"x" || KubeGroup("x") != GroupPrefix+"x" {
		t.Error("KubeUser/KubeGroup")
	}
}
