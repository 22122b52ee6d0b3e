package access_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/rbac"
	"github.com/paddockhq/paddock/internal/secrets"
	"github.com/paddockhq/paddock/internal/store"
	"github.com/paddockhq/paddock/internal/store/sqlstore"
)

type world struct {
	t     testing.TB
	st    store.Store
	acc   *access.Authorizer
	now   time.Time
	users map[string]*model.User
	n     int
}

func newWorld(t testing.TB) *world {
	key, _ := secrets.GenerateKey()
	sealer, _ := secrets.New(key)
	st, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := &world{t: t, st: st, now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), users: map[string]*model.User{}}
	w.acc = access.New(st, func() time.Time { return w.now }, nil)
	for _, c := range []string{"A", "B"} {
		if err := st.CreateCluster(context.Background(), &model.Cluster{ID: c, Name: strings.ToLower(c), State: model.ClusterActive,
			ConnectedVia: model.ConnectDirect, CreatedAt: w.now, UpdatedAt: w.now}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []struct{ id, cluster string }{{"P", "A"}, {"Q", "A"}, {"R", "B"}} {
		if err := st.CreateProject(context.Background(), &model.Project{ID: p.id, ClusterID: p.cluster, Name: strings.ToLower(p.id),
			CreatedAt: w.now, UpdatedAt: w.now}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) user(name string, groups ...string) access.Who {
	u := &model.User{ID: "id-" + name, Username: name, Provider: model.LocalProvider, Groups: groups, CreatedAt: w.now, UpdatedAt: w.now}
	if err := w.st.CreateUser(context.Background(), u); err != nil {
		w.t.Fatal(err)
	}
	w.users[name] = u
	return access.WhoOf(u)
}

func (w *world) bind(kind, name, template, cluster, project string, expires time.Time) *model.Binding {
	w.n++
	if kind == model.SubjectUser {
		name = "id-" + name
	}
	b := &model.Binding{ID: "b" + string(rune('0'+w.n)), Subject: model.Subject{Kind: kind, Name: name}, RoleTemplate: template,
		ClusterID: cluster, ProjectID: project, ExpiresAt: expires, CreatedAt: w.now}
	if err := w.st.CreateBinding(context.Background(), b); err != nil {
		w.t.Fatal(err)
	}
	w.acc.Changed(context.Background())
	return b
}

func TestViews(t *testing.T) {
	w := newWorld(t)
	alice, bob, carol, dave := w.user("alice"), w.user("bob"), w.user("carol", "dev"), w.user("dave")
	w.bind(model.SubjectUser, "alice", "cluster-owner", "A", "", time.Time{})
	w.bind(model.SubjectUser, "bob", "project-member", "A", "P", time.Time{})
	w.bind(model.SubjectGroup, "dev", "project-viewer", "A", "P", time.Time{})
	w.bind(model.SubjectUser, "dave", "project-member", "A", "Q", w.now.Add(time.Minute))

	for _, c := range []struct {
		who         access.Who
		reachA      bool
		reachB      bool
		wide        bool
		projects    string
		seeP, seeQ  bool
		manageP     bool
		placeP      bool
		manageAWide bool
	}{
		{alice, true, false, true, "", true, true, true, true, true},
		{bob, true, false, false, "P", true, false, false, true, false},
		{carol, true, false, false, "P", true, false, false, false, false},
		{dave, true, false, false, "Q", false, true, false, false, false},
	} {
		name := c.who.UserID
		a := w.acc
		if a.MayReach(c.who, "A") != c.reachA || a.MayReach(c.who, "B") != c.reachB {
			t.Errorf("%s: reach A=%v B=%v", name, a.MayReach(c.who, "A"), a.MayReach(c.who, "B"))
		}
		if a.ClusterWide(c.who, "A") != c.wide {
			t.Errorf("%s: cluster-wide %v", name, !c.wide)
		}
		if got := strings.Join(a.ReachableProjects(c.who, "A"), ","); got != c.projects {
			t.Errorf("%s: projects %q, want %q", name, got, c.projects)
		}
		if a.MaySeeProject(c.who, "P") != c.seeP || a.MaySeeProject(c.who, "Q") != c.seeQ || a.MaySeeProject(c.who, "R") {
			t.Errorf("%s: sees P=%v Q=%v R=%v", name, a.MaySeeProject(c.who, "P"), a.MaySeeProject(c.who, "Q"), a.MaySeeProject(c.who, "R"))
		}
		if a.MayManageMembers(c.who, "A", "P") != c.manageP || a.MayPlaceNamespace(c.who, "A", "P") != c.placeP ||
			a.MayManageMembers(c.who, "A", "") != c.manageAWide {
			t.Errorf("%s: manage P=%v place P=%v manage A=%v", name, a.MayManageMembers(c.who, "A", "P"),
				a.MayPlaceNamespace(c.who, "A", "P"), a.MayManageMembers(c.who, "A", ""))
		}
	}
	// Time-bound access ends at expiry, with no change to the store.
	if !w.acc.MayReach(dave, "A") {
		t.Fatal("dave cannot reach A before expiry")
	}
	w.now = w.now.Add(time.Minute)
	if w.acc.MayReach(dave, "A") {
		t.Fatal("dave still reaches A after expiry")
	}
	// Someone with nothing sees nothing; an admin everything.
	nobody := w.user("nobody")
	if w.acc.MayReach(nobody, "A") || len(w.acc.ReachableClusters(nobody)) != 0 {
		t.Fatal("nobody reaches something")
	}
	admin := access.Who{UserID: "root", Admin: true}
	if !w.acc.MayReach(admin, "B") || !w.acc.Everywhere(admin) || !w.acc.MayManageMembers(admin, "B", "R") {
		t.Fatal("admin is not everywhere")
	}
}

func TestEscalation(t *testing.T) {
	w := newWorld(t)
	alice, erin, bob := w.user("alice"), w.user("erin"), w.user("bob")
	w.bind(model.SubjectUser, "alice", "cluster-owner", "A", "", time.Time{})
	w.bind(model.SubjectUser, "erin", "project-owner", "A", "P", time.Time{})
	w.bind(model.SubjectUser, "bob", "project-member", "A", "P", time.Time{})
	god := &model.RoleTemplate{Name: "project-god", Context: model.ContextProject, CreatedAt: w.now, UpdatedAt: w.now,
		Rules: []model.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}}
	ext := &model.RoleTemplate{Name: "ext-apps", Context: model.ContextProject, CreatedAt: w.now, UpdatedAt: w.now,
		Rules: []model.PolicyRule{{APIGroups: []string{"apps.example.com"}, Resources: []string{"deployments"}, Verbs: []string{"get"}}}}
	for _, tpl := range []*model.RoleTemplate{god, ext} {
		if err := w.st.CreateRoleTemplate(context.Background(), tpl); err != nil {
			t.Fatal(err)
		}
	}
	w.acc.Changed(context.Background())
	binding := func(template, cluster, project string) *model.Binding {
		return &model.Binding{Subject: model.Subject{Kind: model.SubjectUser, Name: "id-x"}, RoleTemplate: template, ClusterID: cluster, ProjectID: project}
	}
	for _, c := range []struct {
		name string
		who  access.Who
		b    *model.Binding
		ok   bool
	}{
		{"owner binds member in own cluster", alice, binding("cluster-member", "A", ""), true},
		{"owner binds in a project of own cluster", alice, binding("project-owner", "A", "Q"), true},
		{"CVE-2022-31247: owner of A binds in B", alice, binding("cluster-owner", "B", ""), false},
		{"CVE-2022-31247: owner of A binds in B's project", alice, binding("project-viewer", "B", "R"), false},
		{"CVE-2019-14436: project owner makes a cluster owner", erin, binding("cluster-owner", "A", ""), false},
		{"project owner binds a template broader than theirs", erin, binding("project-god", "A", "P"), false},
		{"apps never covers apps.example.com", erin, binding("ext-apps", "A", "P"), false},
		{"project owner shares what they hold", erin, binding("project-member", "A", "P"), true},
		{"project owner binds in another project", erin, binding("project-viewer", "A", "Q"), false},
		{"project member binds anything", bob, binding("project-viewer", "A", "P"), false},
		{"cluster template in a project", alice, binding("cluster-viewer", "A", "P"), false},
		{"project template on a cluster", alice, binding("project-viewer", "A", ""), false},
	} {
		err := w.acc.CheckBind(c.who, c.b)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// Time-bound access cannot mint lasting access.
	gus := w.user("gus")
	w.bind(model.SubjectUser, "gus", "project-owner", "A", "Q", w.now.Add(time.Hour))
	grant := func(expires time.Time) error {
		b := binding("project-member", "A", "Q")
		b.ExpiresAt = expires
		return w.acc.CheckBind(gus, b)
	}
	if err := grant(time.Time{}); !errors.Is(err, access.ErrDenied) {
		t.Errorf("a time-bound owner granted lasting access: %v", err)
	}
	if err := grant(w.now.Add(2 * time.Hour)); !errors.Is(err, access.ErrDenied) {
		t.Errorf("a time-bound owner granted access beyond their own: %v", err)
	}
	if err := grant(w.now.Add(30 * time.Minute)); err != nil {
		t.Errorf("a time-bound owner may grant within their own window: %v", err)
	}
	// Widening a template where it is bound needs the new rules there.
	w.bind(model.SubjectUser, "bob", "ext-apps", "A", "Q", time.Time{})
	wide := rbac.KubeRules(god.Rules)
	if err := w.acc.CheckTemplateChange(erin, "ext-apps", wide); !errors.Is(err, access.ErrDenied) {
		t.Errorf("erin widened a template bound in Q: %v", err)
	}
	if err := w.acc.CheckTemplateChange(alice, "ext-apps", wide); err != nil {
		t.Errorf("the cluster owner may widen it: %v", err)
	}
	// CVE-2021-36784: global roles only with capabilities one holds.
	if err := w.st.CreateGlobalRole(context.Background(), &model.GlobalRole{Name: "role-editor",
		Capabilities: []string{model.CapRolesManage}, CreatedAt: w.now, UpdatedAt: w.now}); err != nil {
		t.Fatal(err)
	}
	w.acc.Changed(context.Background())
	frank := access.Who{UserID: "frank", GlobalRoles: []string{"role-editor"}}
	if err := w.acc.CheckGlobalRole(frank, []string{model.CapUsersManage}); !errors.Is(err, access.ErrDenied) {
		t.Errorf("frank minted users-manage: %v", err)
	}
	if err := w.acc.CheckGlobalRole(frank, []string{model.CapRolesManage}); err != nil {
		t.Errorf("frank may pass on what he holds: %v", err)
	}
	if !w.acc.Capable(frank, model.CapRolesManage) || w.acc.Capable(frank, model.CapAuditRead) {
		t.Error("frank's capabilities are wrong")
	}
}

func TestWhoCan(t *testing.T) {
	w := newWorld(t)
	w.user("alice")
	w.user("bob")
	w.bind(model.SubjectUser, "alice", "cluster-owner", "A", "", time.Time{})
	w.bind(model.SubjectUser, "bob", "project-member", "A", "P", time.Time{})
	w.bind(model.SubjectGroup, "dev", "project-viewer", "A", "P", time.Time{})
	names := func(gs []access.Grant) string {
		var out []string
		for _, g := range gs {
			out = append(out, g.Subject.Name)
		}
		return strings.Join(out, ",")
	}
	create := rbac.Attributes{Verb: "create", Resource: "configmaps"}
	if got := names(w.acc.WhoCan("A", "P", create)); got != "paddock:admins,id-alice,id-bob" {
		t.Errorf("who can create configmaps in P: %s", got)
	}
	list := rbac.Attributes{Verb: "list", Resource: "configmaps"}
	if got := names(w.acc.WhoCan("A", "P", list)); got != "paddock:admins,id-alice,id-bob,dev" {
		t.Errorf("who can list configmaps in P: %s", got)
	}
	if got := names(w.acc.WhoCan("A", "", list)); got != "paddock:admins,id-alice" {
		t.Errorf("who can list configmaps outside projects: %s", got)
	}
}

// BenchmarkGate is the proxy's authorization gate on the hot path: a
// cached view, a map lookup.
func BenchmarkGate(b *testing.B) {
	w := newWorld(b)
	bob := w.user("bob", "dev", "ops")
	for i := range 200 {
		w.bind(model.SubjectGroup, "g"+string(rune('a'+i%26))+string(rune('a'+i/26)), "project-viewer", "A", "P", time.Time{})
	}
	w.bind(model.SubjectUser, "bob", "project-member", "A", "P", time.Time{})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if !w.acc.MayReach(bob, "A") {
			b.Fatal("no access")
		}
	}
}
