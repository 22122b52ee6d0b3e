package storetest

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Fixtures of the access model.

func newGlobalRole(name string) *model.GlobalRole {
	return &model.GlobalRole{
		Name: name, Description: "role " + name, Capabilities: []string{model.CapAuditRead, model.CapUsersManage},
		CreatedBy: "u1", CreatedAt: at(0), UpdatedAt: at(time.Second),
	}
}

func newRoleTemplate(name string) *model.RoleTemplate {
	return &model.RoleTemplate{
		Name: name, Description: "template " + name, Context: model.ContextProject,
		Rules: []model.PolicyRule{
			{
				Verbs: []string{"get", "list", "watch"}, APIGroups: []string{"", "apps"},
				Resources: []string{"pods", "deployments/scale"}, ResourceNames: []string{"web", "db"},
			},
			{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz", "/api/*"}},
		},
		Inherits:  []string{"view", "Edit"},
		CreatedBy: "u1", CreatedAt: at(0), UpdatedAt: at(time.Second),
	}
}

func mustCreateCluster(t *testing.T, s store.Store, name string) *model.Cluster {
	t.Helper()
	c := newCluster(name)
	noErr(t, "CreateCluster("+name+")", s.CreateCluster(t.Context(), c))
	return c
}

func newProject(clusterID, name string) *model.Project {
	return &model.Project{
		ID: randomID("p-"), ClusterID: clusterID, Name: name, Description: "project " + name,
		Quota:          map[string]string{"limits.cpu": "4", "limits.memory": "8Gi"},
		NamespaceQuota: map[string]string{"limits.cpu": "1"},
		CreatedBy:      "u1", CreatedAt: at(0), UpdatedAt: at(time.Second),
	}
}

func mustCreateProject(t *testing.T, s store.Store, clusterID, name string) *model.Project {
	t.Helper()
	p := newProject(clusterID, name)
	noErr(t, "CreateProject("+name+")", s.CreateProject(t.Context(), p))
	return p
}

func newBinding(kind, name, clusterID, projectID string, created time.Time) *model.Binding {
	return &model.Binding{
		ID: randomID("b-"), Subject: model.Subject{Kind: kind, Name: name}, RoleTemplate: "project-member",
		ClusterID: clusterID, ProjectID: projectID, CreatedBy: "u1", CreatedAt: created,
	}
}

func mustCreateBinding(t *testing.T, s store.Store, b *model.Binding) *model.Binding {
	t.Helper()
	noErr(t, "CreateBinding", s.CreateBinding(t.Context(), b))
	return b
}

func checkGlobalRole(t *testing.T, got, want *model.GlobalRole) {
	t.Helper()
	if got == nil {
		t.Fatalf("global role %q: got nil", want.Name)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	sameStrings(t, "Capabilities", got.Capabilities, want.Capabilities)
	if got.Name != want.Name || got.Description != want.Description || got.Builtin || got.CreatedBy != want.CreatedBy {
		t.Errorf("global role mismatch:\n got %+v\nwant %+v", got, want)
	}
}

func sameRules(a, b []model.PolicyRule) bool {
	return slices.EqualFunc(a, b, func(x, y model.PolicyRule) bool {
		return slices.Equal(x.Verbs, y.Verbs) && slices.Equal(x.APIGroups, y.APIGroups) &&
			slices.Equal(x.Resources, y.Resources) && slices.Equal(x.ResourceNames, y.ResourceNames) &&
			slices.Equal(x.NonResourceURLs, y.NonResourceURLs)
	})
}

func checkRoleTemplate(t *testing.T, got, want *model.RoleTemplate) {
	t.Helper()
	if got == nil {
		t.Fatalf("role template %q: got nil", want.Name)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	sameStrings(t, "Inherits", got.Inherits, want.Inherits)
	if !sameRules(got.Rules, want.Rules) {
		t.Errorf("Rules = %+v, want %+v", got.Rules, want.Rules)
	}
	if got.Name != want.Name || got.Description != want.Description || got.Context != want.Context ||
		got.Builtin || got.CreatedBy != want.CreatedBy {
		t.Errorf("role template mismatch:\n got %+v\nwant %+v", got, want)
	}
}

func checkProject(t *testing.T, got, want *model.Project) {
	t.Helper()
	if got == nil {
		t.Fatalf("project %q: got nil", want.Name)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	// maps.Equal, like slices.Equal, holds nil and empty equal.
	if !maps.Equal(got.Quota, want.Quota) || !maps.Equal(got.NamespaceQuota, want.NamespaceQuota) ||
		got.ID != want.ID || got.ClusterID != want.ClusterID || got.Name != want.Name ||
		got.Description != want.Description || got.CreatedBy != want.CreatedBy {
		t.Errorf("project mismatch:\n got %+v\nwant %+v", got, want)
	}
}

func checkBinding(t *testing.T, got, want *model.Binding) {
	t.Helper()
	if got == nil {
		t.Fatalf("binding %q: got nil", want.ID)
	}
	g, w := *got, *want
	sameTime(t, "CreatedAt", g.CreatedAt, w.CreatedAt)
	sameTime(t, "ExpiresAt", g.ExpiresAt, w.ExpiresAt)
	g.CreatedAt, g.ExpiresAt, w.CreatedAt, w.ExpiresAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("binding mismatch:\n got %+v\nwant %+v", g, w)
	}
}

func bindingIDs(bs []model.Binding) []string {
	ids := make([]string, 0, len(bs))
	for _, b := range bs {
		ids = append(ids, b.ID)
	}
	return ids
}

func testUserAccessFields(t *testing.T, s store.Store) {
	ctx := t.Context()
	plain := newUser("plain")
	plain.GlobalRoles, plain.Groups, plain.ProviderGroups = nil, nil, nil
	noErr(t, "CreateUser(plain)", s.CreateUser(ctx, plain))
	got, err := s.GetUser(ctx, plain.ID)
	noErr(t, "GetUser(plain)", err)
	checkUser(t, got, plain)

	u := newUser("member")
	u.GlobalRoles, u.Groups = []string{"zeta", "alpha", "Ünïcode role"}, []string{"oidc:Team A", "dev"}
	noErr(t, "CreateUser(member)", s.CreateUser(ctx, u))
	tok := mustCreateToken(t, s, u.ID, model.TokenSession, at(0), at(time.Hour))
	readAll := func(want *model.User) {
		t.Helper()
		got, err := s.GetUser(ctx, want.ID)
		noErr(t, "GetUser", err)
		checkUser(t, got, want)
		got, err = s.GetUserByUsername(ctx, want.Username)
		noErr(t, "GetUserByUsername", err)
		checkUser(t, got, want)
		listed, _, err := s.ListUsers(ctx, want.Username, store.Page{})
		noErr(t, "ListUsers", err)
		if len(listed) != 1 {
			t.Fatalf("ListUsers(%q) = %d users", want.Username, len(listed))
		}
		checkUser(t, &listed[0], want)
		_, authUser, err := s.Authenticate(ctx, tok.Hash, at(time.Minute))
		noErr(t, "Authenticate", err)
		checkUser(t, authUser, want)
	}
	readAll(u)

	want := *u
	want.GlobalRoles, want.Groups, want.ProviderGroups = []string{"auditor"}, nil, []string{"oidc:x"}
	updated, err := s.UpdateUser(ctx, u.ID, func(u *model.User) error {
		sameStrings(t, "GlobalRoles seen by fn", u.GlobalRoles, []string{"zeta", "alpha", "Ünïcode role"})
		sameStrings(t, "ProviderGroups seen by fn", u.ProviderGroups, []string{"ldap:devs", "ldap:ops"})
		u.GlobalRoles, u.Groups, u.ProviderGroups = []string{"auditor"}, nil, []string{"oidc:x"}
		return nil
	})
	noErr(t, "UpdateUser", err)
	checkUser(t, updated, &want)
	readAll(&want)
}

func testGlobalRoles(t *testing.T, s store.Store) {
	ctx := t.Context()
	roles, err := s.ListGlobalRoles(ctx)
	noErr(t, "ListGlobalRoles (empty)", err)
	if len(roles) != 0 {
		t.Fatalf("ListGlobalRoles of an empty store = %v", roles)
	}
	r := newGlobalRole("Auditor")
	noErr(t, "CreateGlobalRole", s.CreateGlobalRole(ctx, r))
	got, err := s.GetGlobalRole(ctx, r.Name)
	noErr(t, "GetGlobalRole", err)
	checkGlobalRole(t, got, r)
	for _, name := range []string{"Auditor", "auditor", "AUDITOR"} {
		wantErr(t, "CreateGlobalRole("+name+")", s.CreateGlobalRole(ctx, newGlobalRole(name)), store.ErrConflict)
	}
	_, err = s.GetGlobalRole(ctx, "missing")
	wantErr(t, "GetGlobalRole(missing)", err, store.ErrNotFound)

	bare := newGlobalRole("beta")
	bare.Capabilities, bare.Description = nil, ""
	noErr(t, "CreateGlobalRole(beta)", s.CreateGlobalRole(ctx, bare))
	mustList := func(want ...string) {
		t.Helper()
		roles, err := s.ListGlobalRoles(ctx)
		noErr(t, "ListGlobalRoles", err)
		var names []string
		for _, r := range roles {
			names = append(names, r.Name)
		}
		if !slices.Equal(names, want) {
			t.Fatalf("ListGlobalRoles = %q, want %q", names, want)
		}
	}
	mustList("Auditor", "beta")
	got, err = s.GetGlobalRole(ctx, "beta")
	noErr(t, "GetGlobalRole(beta)", err)
	checkGlobalRole(t, got, bare)

	want := *r
	want.Description, want.Capabilities, want.UpdatedAt = "new", []string{model.CapAuthManage}, at(time.Hour)
	up, err := s.UpdateGlobalRole(ctx, r.Name, func(r *model.GlobalRole) error {
		r.Description, r.Capabilities, r.UpdatedAt = "new", []string{model.CapAuthManage}, at(time.Hour)
		return nil
	})
	noErr(t, "UpdateGlobalRole", err)
	checkGlobalRole(t, up, &want)
	boom := errors.New("boom")
	_, err = s.UpdateGlobalRole(ctx, r.Name, func(r *model.GlobalRole) error { r.Description = "lost"; return boom })
	wantErr(t, "UpdateGlobalRole(failing fn)", err, boom)
	_, err = s.UpdateGlobalRole(ctx, r.Name, func(r *model.GlobalRole) error { r.Name, r.Description = "other", "lost"; return nil })
	if err == nil {
		t.Fatal("UpdateGlobalRole accepted a changed name")
	}
	got, err = s.GetGlobalRole(ctx, r.Name)
	noErr(t, "GetGlobalRole", err)
	checkGlobalRole(t, got, &want)
	_, err = s.GetGlobalRole(ctx, "other")
	wantErr(t, "GetGlobalRole(other)", err, store.ErrNotFound)
	called := false
	_, err = s.UpdateGlobalRole(ctx, "missing", func(*model.GlobalRole) error { called = true; return nil })
	wantErr(t, "UpdateGlobalRole(missing)", err, store.ErrNotFound)
	if called {
		t.Error("UpdateGlobalRole called fn for a missing role")
	}

	noErr(t, "DeleteGlobalRole", s.DeleteGlobalRole(ctx, r.Name))
	wantErr(t, "DeleteGlobalRole again", s.DeleteGlobalRole(ctx, r.Name), store.ErrNotFound)
	_, err = s.GetGlobalRole(ctx, r.Name)
	wantErr(t, "GetGlobalRole(deleted)", err, store.ErrNotFound)
	mustList("beta")
	noErr(t, "CreateGlobalRole(freed name)", s.CreateGlobalRole(ctx, newGlobalRole("AUDITOR")))
	mustList("AUDITOR", "beta")
}

func testRoleTemplates(t *testing.T, s store.Store) {
	ctx := t.Context()
	tmpls, err := s.ListRoleTemplates(ctx)
	noErr(t, "ListRoleTemplates (empty)", err)
	if len(tmpls) != 0 {
		t.Fatalf("ListRoleTemplates of an empty store = %v", tmpls)
	}
	rt := newRoleTemplate("Deployer")
	noErr(t, "CreateRoleTemplate", s.CreateRoleTemplate(ctx, rt))
	got, err := s.GetRoleTemplate(ctx, rt.Name)
	noErr(t, "GetRoleTemplate", err)
	checkRoleTemplate(t, got, rt)
	for _, name := range []string{"Deployer", "deployer"} {
		wantErr(t, "CreateRoleTemplate("+name+")", s.CreateRoleTemplate(ctx, newRoleTemplate(name)), store.ErrConflict)
	}
	_, err = s.GetRoleTemplate(ctx, "missing")
	wantErr(t, "GetRoleTemplate(missing)", err, store.ErrNotFound)

	bare := &model.RoleTemplate{Name: "aaa-empty", Context: model.ContextCluster, CreatedAt: at(0), UpdatedAt: at(0)}
	noErr(t, "CreateRoleTemplate(empty)", s.CreateRoleTemplate(ctx, bare))
	got, err = s.GetRoleTemplate(ctx, bare.Name)
	noErr(t, "GetRoleTemplate(empty)", err)
	checkRoleTemplate(t, got, bare)
	tmpls, err = s.ListRoleTemplates(ctx)
	noErr(t, "ListRoleTemplates", err)
	if len(tmpls) != 2 || tmpls[0].Name != "aaa-empty" || tmpls[1].Name != "Deployer" {
		t.Fatalf("ListRoleTemplates = %+v", tmpls)
	}
	checkRoleTemplate(t, &tmpls[1], rt)

	want := *rt
	want.Context, want.Inherits, want.UpdatedAt = model.ContextCluster, nil, at(time.Hour)
	want.Rules = []model.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}
	up, err := s.UpdateRoleTemplate(ctx, rt.Name, func(t *model.RoleTemplate) error {
		t.Context, t.Inherits, t.UpdatedAt, t.Rules = want.Context, nil, want.UpdatedAt, want.Rules
		return nil
	})
	noErr(t, "UpdateRoleTemplate", err)
	checkRoleTemplate(t, up, &want)
	boom := errors.New("boom")
	_, err = s.UpdateRoleTemplate(ctx, rt.Name, func(t *model.RoleTemplate) error { t.Rules = nil; return boom })
	wantErr(t, "UpdateRoleTemplate(failing fn)", err, boom)
	_, err = s.UpdateRoleTemplate(ctx, rt.Name, func(t *model.RoleTemplate) error { t.Name = "renamed"; return nil })
	if err == nil {
		t.Fatal("UpdateRoleTemplate accepted a changed name")
	}
	got, err = s.GetRoleTemplate(ctx, rt.Name)
	noErr(t, "GetRoleTemplate", err)
	checkRoleTemplate(t, got, &want)
	_, err = s.UpdateRoleTemplate(ctx, "missing", func(*model.RoleTemplate) error { return nil })
	wantErr(t, "UpdateRoleTemplate(missing)", err, store.ErrNotFound)

	noErr(t, "DeleteRoleTemplate", s.DeleteRoleTemplate(ctx, rt.Name))
	wantErr(t, "DeleteRoleTemplate again", s.DeleteRoleTemplate(ctx, rt.Name), store.ErrNotFound)
	_, err = s.GetRoleTemplate(ctx, rt.Name)
	wantErr(t, "GetRoleTemplate(deleted)", err, store.ErrNotFound)
}

func testProjects(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps, err := s.ListProjects(ctx, "")
	noErr(t, "ListProjects (empty)", err)
	if len(ps) != 0 {
		t.Fatalf("ListProjects of an empty store = %v", ps)
	}
	c1, c2 := mustCreateCluster(t, s, "one"), mustCreateCluster(t, s, "two")
	web := mustCreateProject(t, s, c1.ID, "Web")
	got, err := s.GetProject(ctx, web.ID)
	noErr(t, "GetProject", err)
	checkProject(t, got, web)

	wantErr(t, "CreateProject(web, same cluster)", s.CreateProject(ctx, newProject(c1.ID, "web")), store.ErrConflict)
	sameID := newProject(c2.ID, "other")
	sameID.ID = web.ID
	wantErr(t, "CreateProject(same ID)", s.CreateProject(ctx, sameID), store.ErrConflict)
	wantErr(t, "CreateProject(missing cluster)", s.CreateProject(ctx, newProject("missing", "x")), store.ErrNotFound)
	_, err = s.GetProject(ctx, "missing")
	wantErr(t, "GetProject(missing)", err, store.ErrNotFound)

	web2 := mustCreateProject(t, s, c2.ID, "WEB") // same name in another cluster
	api := newProject(c1.ID, "api")
	api.Quota, api.NamespaceQuota = nil, nil
	noErr(t, "CreateProject(api)", s.CreateProject(ctx, api))
	got, err = s.GetProject(ctx, api.ID)
	noErr(t, "GetProject(api)", err)
	checkProject(t, got, api)

	listIDs := func(clusterID string) []string {
		ps, err := s.ListProjects(ctx, clusterID)
		noErr(t, "ListProjects", err)
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		return ids
	}
	if got, want := listIDs(c1.ID), []string{api.ID, web.ID}; !slices.Equal(got, want) {
		t.Errorf("ListProjects(c1) = %v, want %v", got, want)
	}
	if got, want := listIDs(c2.ID), []string{web2.ID}; !slices.Equal(got, want) {
		t.Errorf("ListProjects(c2) = %v, want %v", got, want)
	}
	wantAll := []string{api.ID, web.ID, web2.ID}
	if c2.ID < c1.ID {
		wantAll = []string{web2.ID, api.ID, web.ID}
	}
	if got := listIDs(""); !slices.Equal(got, wantAll) {
		t.Errorf("ListProjects(all) = %v, want %v", got, wantAll)
	}
	if got := listIDs("missing"); len(got) != 0 {
		t.Errorf("ListProjects(missing) = %v", got)
	}

	want := *web
	want.Name, want.Description, want.UpdatedAt = "Website", "the site", at(time.Hour)
	want.Quota, want.NamespaceQuota = map[string]string{"requests.storage": "10Gi"}, nil
	up, err := s.UpdateProject(ctx, web.ID, func(p *model.Project) error {
		p.Name, p.Description, p.UpdatedAt = want.Name, want.Description, want.UpdatedAt
		p.Quota, p.NamespaceQuota = map[string]string{"requests.storage": "10Gi"}, nil
		return nil
	})
	noErr(t, "UpdateProject", err)
	checkProject(t, up, &want)
	boom := errors.New("boom")
	_, err = s.UpdateProject(ctx, web.ID, func(p *model.Project) error { p.Description = "lost"; return boom })
	wantErr(t, "UpdateProject(failing fn)", err, boom)
	_, err = s.UpdateProject(ctx, web.ID, func(p *model.Project) error { p.Name = "API"; return nil })
	wantErr(t, "UpdateProject(rename onto api)", err, store.ErrConflict)
	for what, fn := range map[string]func(*model.Project){
		"ID":      func(p *model.Project) { p.ID = "other" },
		"cluster": func(p *model.Project) { p.ClusterID = c2.ID },
	} {
		_, err = s.UpdateProject(ctx, web.ID, func(p *model.Project) error { fn(p); p.Description = "lost"; return nil })
		if err == nil {
			t.Errorf("UpdateProject accepted a changed %s", what)
		}
	}
	got, err = s.GetProject(ctx, web.ID)
	noErr(t, "GetProject", err)
	checkProject(t, got, &want)
	_, err = s.UpdateProject(ctx, "missing", func(*model.Project) error { return nil })
	wantErr(t, "UpdateProject(missing)", err, store.ErrNotFound)

	noErr(t, "DeleteProject", s.DeleteProject(ctx, web.ID))
	wantErr(t, "DeleteProject again", s.DeleteProject(ctx, web.ID), store.ErrNotFound)
	_, err = s.GetProject(ctx, web.ID)
	wantErr(t, "GetProject(deleted)", err, store.ErrNotFound)
	if got, want := listIDs(c1.ID), []string{api.ID}; !slices.Equal(got, want) {
		t.Errorf("ListProjects(c1) after delete = %v, want %v", got, want)
	}
}

func testBindings(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := mustCreateUser(t, s, "alice")
	c1, c2 := mustCreateCluster(t, s, "one"), mustCreateCluster(t, s, "two")
	p1, p2 := mustCreateProject(t, s, c1.ID, "p1"), mustCreateProject(t, s, c2.ID, "p2")

	ub := newBinding(model.SubjectUser, alice.ID, c1.ID, "", at(time.Second))
	ub.RoleTemplate, ub.ExpiresAt = "cluster-admin", at(time.Hour)
	mustCreateBinding(t, s, ub)
	gb := mustCreateBinding(t, s, newBinding(model.SubjectGroup, "oidc:Team A", c1.ID, p1.ID, at(2*time.Second)))
	for _, want := range []*model.Binding{ub, gb} {
		got, err := s.GetBinding(ctx, want.ID)
		noErr(t, "GetBinding", err)
		checkBinding(t, got, want)
	}
	if got, _ := s.GetBinding(ctx, gb.ID); got != nil && !got.ExpiresAt.IsZero() {
		t.Errorf("ExpiresAt of a binding that never expires = %v", got.ExpiresAt)
	}
	_, err := s.GetBinding(ctx, "missing")
	wantErr(t, "GetBinding(missing)", err, store.ErrNotFound)

	dup := newBinding(model.SubjectGroup, "dev", c1.ID, "", at(0))
	dup.ID = ub.ID
	wantErr(t, "CreateBinding(same ID)", s.CreateBinding(ctx, dup), store.ErrConflict)
	for what, b := range map[string]*model.Binding{
		"missing cluster":           newBinding(model.SubjectGroup, "dev", "missing", "", at(0)),
		"missing project":           newBinding(model.SubjectGroup, "dev", c1.ID, "missing", at(0)),
		"missing user":              newBinding(model.SubjectUser, "missing", c1.ID, "", at(0)),
		"missing user in a project": newBinding(model.SubjectUser, "missing", c1.ID, p1.ID, at(0)),
	} {
		wantErr(t, "CreateBinding("+what+")", s.CreateBinding(ctx, b), store.ErrNotFound)
		if _, err := s.GetBinding(ctx, b.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("binding with a %s was stored (%v)", what, err)
		}
	}
	for what, b := range map[string]*model.Binding{
		"project of another cluster": newBinding(model.SubjectGroup, "dev", c1.ID, p2.ID, at(0)),
		"no subject name":            newBinding(model.SubjectGroup, "", c1.ID, "", at(0)),
		"no cluster":                 newBinding(model.SubjectGroup, "dev", "", p1.ID, at(0)),
	} {
		if err := s.CreateBinding(ctx, b); err == nil {
			t.Errorf("CreateBinding accepted a binding with %s", what)
		}
		if _, err := s.GetBinding(ctx, b.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("binding with %s was stored (%v)", what, err)
		}
	}
	all, err := s.ListBindings(ctx, store.BindingFilter{})
	noErr(t, "ListBindings", err)
	if got, want := bindingIDs(all), []string{ub.ID, gb.ID}; !slices.Equal(got, want) {
		t.Fatalf("ListBindings = %v, want %v", got, want)
	}
	checkBinding(t, &all[0], ub)

	noErr(t, "DeleteBinding", s.DeleteBinding(ctx, ub.ID))
	wantErr(t, "DeleteBinding again", s.DeleteBinding(ctx, ub.ID), store.ErrNotFound)
	_, err = s.GetBinding(ctx, ub.ID)
	wantErr(t, "GetBinding(deleted)", err, store.ErrNotFound)
}

func testBindingFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	empty, err := s.ListBindings(ctx, store.BindingFilter{})
	noErr(t, "ListBindings (empty)", err)
	if len(empty) != 0 {
		t.Fatalf("ListBindings of an empty store = %v", empty)
	}
	alice, bob := mustCreateUser(t, s, "alice"), mustCreateUser(t, s, "bob")
	c1, c2 := mustCreateCluster(t, s, "one"), mustCreateCluster(t, s, "two")
	p1a, p1b := mustCreateProject(t, s, c1.ID, "a"), mustCreateProject(t, s, c1.ID, "b")
	p2 := mustCreateProject(t, s, c2.ID, "a")

	mk := func(id, kind, name, role, cluster, project string, sec int) *model.Binding {
		b := newBinding(kind, name, cluster, project, at(time.Duration(sec)*time.Second))
		b.ID, b.RoleTemplate = id, role
		return b
	}
	byID := map[string]*model.Binding{}
	// Created out of order; b6a and b6b share a creation time, so their
	// IDs order them.
	for _, b := range []*model.Binding{
		mk("b6b", model.SubjectGroup, "ops", "view", c1.ID, "", 6),
		mk("b3", model.SubjectUser, bob.ID, "project-member", c1.ID, p1b.ID, 3),
		mk("b1", model.SubjectUser, alice.ID, "cluster-admin", c1.ID, "", 1),
		mk("b5", model.SubjectGroup, "dev", "view", c2.ID, "", 5),
		mk("b2", model.SubjectGroup, "dev", "project-member", c1.ID, p1a.ID, 2),
		mk("b6a", model.SubjectGroup, "ops", "view", c1.ID, "", 6),
		mk("b4", model.SubjectUser, alice.ID, "project-owner", c2.ID, p2.ID, 4),
	} {
		byID[b.ID] = mustCreateBinding(t, s, b)
	}
	for _, tc := range []struct {
		f    store.BindingFilter
		want []string
	}{
		{store.BindingFilter{}, []string{"b1", "b2", "b3", "b4", "b5", "b6a", "b6b"}},
		{store.BindingFilter{ClusterID: c1.ID}, []string{"b1", "b2", "b3", "b6a", "b6b"}},
		{store.BindingFilter{ClusterID: c1.ID, ClusterOnly: true}, []string{"b1", "b6a", "b6b"}},
		{store.BindingFilter{ClusterOnly: true}, []string{"b1", "b5", "b6a", "b6b"}},
		{store.BindingFilter{ProjectID: p1a.ID}, []string{"b2"}},
		{store.BindingFilter{ClusterID: c2.ID, ProjectID: p2.ID}, []string{"b4"}},
		{store.BindingFilter{ClusterID: c1.ID, ProjectID: p2.ID}, nil},
		{store.BindingFilter{ProjectID: p1a.ID, ClusterOnly: true}, nil},
		{store.BindingFilter{Subject: model.Subject{Kind: model.SubjectUser, Name: alice.ID}}, []string{"b1", "b4"}},
		{store.BindingFilter{Subject: model.Subject{Kind: model.SubjectGroup, Name: "dev"}}, []string{"b2", "b5"}},
		{store.BindingFilter{Subject: model.Subject{Kind: model.SubjectGroup, Name: bob.ID}}, nil},
		{store.BindingFilter{Subject: model.Subject{Kind: model.SubjectGroup, Name: "DEV"}}, nil},
		{store.BindingFilter{Subject: model.Subject{Kind: model.SubjectUser}}, []string{"b1", "b2", "b3", "b4", "b5", "b6a", "b6b"}},
		{store.BindingFilter{Subject: model.Subject{Name: "dev"}}, []string{"b1", "b2", "b3", "b4", "b5", "b6a", "b6b"}},
		{store.BindingFilter{RoleTemplate: "project-member"}, []string{"b2", "b3"}},
		{store.BindingFilter{RoleTemplate: "project"}, nil},
		{store.BindingFilter{ClusterID: c1.ID, RoleTemplate: "project-member",
			Subject: model.Subject{Kind: model.SubjectGroup, Name: "dev"}}, []string{"b2"}},
		{store.BindingFilter{ClusterID: "missing"}, nil},
	} {
		got, err := s.ListBindings(ctx, tc.f)
		noErr(t, "ListBindings", err)
		if ids := bindingIDs(got); !slices.Equal(ids, tc.want) {
			t.Errorf("ListBindings(%+v) = %v, want %v", tc.f, ids, tc.want)
		}
		for i := range got {
			checkBinding(t, &got[i], byID[got[i].ID])
		}
	}
}

func testExpiredBindings(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := mustCreateCluster(t, s, "one")
	n, err := s.DeleteExpiredBindings(ctx, at(time.Hour))
	noErr(t, "DeleteExpiredBindings (empty)", err)
	if n != 0 {
		t.Fatalf("DeleteExpiredBindings of an empty store = %d", n)
	}
	var ids []string
	for i, exp := range []time.Time{at(time.Hour), at(2 * time.Hour), {}, at(3 * time.Hour)} {
		b := newBinding(model.SubjectGroup, "dev", c.ID, "", at(time.Duration(i)*time.Second))
		b.ExpiresAt = exp
		ids = append(ids, mustCreateBinding(t, s, b).ID)
	}
	list := func() []model.Binding {
		bs, err := s.ListBindings(ctx, store.BindingFilter{})
		noErr(t, "ListBindings", err)
		return bs
	}
	bs := list()
	if len(bs) != 4 || bs[0].Active(at(90*time.Minute)) || !bs[1].Active(at(90*time.Minute)) || !bs[2].Active(at(1000*time.Hour)) {
		t.Fatalf("ListBindings before the sweep: %+v", bs)
	}
	for _, tc := range []struct {
		before time.Time
		n      int
		left   []string
	}{
		{at(2 * time.Hour), 1, ids[1:]}, // expiring exactly at before is kept
		{at(2 * time.Hour), 0, ids[1:]},
		{at(10 * time.Hour), 2, []string{ids[2]}},
	} {
		n, err := s.DeleteExpiredBindings(ctx, tc.before)
		noErr(t, "DeleteExpiredBindings", err)
		if n != tc.n {
			t.Errorf("DeleteExpiredBindings(%v) = %d, want %d", tc.before, n, tc.n)
		}
		if got := bindingIDs(list()); !slices.Equal(got, tc.left) {
			t.Errorf("after DeleteExpiredBindings(%v): %v, want %v", tc.before, got, tc.left)
		}
	}
}

func testAccessCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice, bob := mustCreateUser(t, s, "alice"), mustCreateUser(t, s, "bob")
	c1, c2 := mustCreateCluster(t, s, "one"), mustCreateCluster(t, s, "two")
	p1, p1b, p2 := mustCreateProject(t, s, c1.ID, "p1"), mustCreateProject(t, s, c1.ID, "p1b"), mustCreateProject(t, s, c2.ID, "p2")
	b := func(kind, name, cluster, project string) string {
		return mustCreateBinding(t, s, newBinding(kind, name, cluster, project, at(0))).ID
	}
	var (
		aliceC1   = b(model.SubjectUser, alice.ID, c1.ID, "")
		aliceP1   = b(model.SubjectUser, alice.ID, c1.ID, p1.ID)
		aliceC2   = b(model.SubjectUser, alice.ID, c2.ID, "")
		bobC1     = b(model.SubjectUser, bob.ID, c1.ID, "")
		bobP2     = b(model.SubjectUser, bob.ID, c2.ID, p2.ID)
		devC1     = b(model.SubjectGroup, "dev", c1.ID, "")
		devP1     = b(model.SubjectGroup, "dev", c1.ID, p1.ID)
		devP1b    = b(model.SubjectGroup, "dev", c1.ID, p1b.ID)
		aliceName = b(model.SubjectGroup, alice.ID, c2.ID, "") // a group named like the user's ID
	)
	remaining := func(want ...string) {
		t.Helper()
		bs, err := s.ListBindings(ctx, store.BindingFilter{})
		noErr(t, "ListBindings", err)
		got := bindingIDs(bs)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("bindings left %v, want %v", got, want)
		}
		for _, id := range want {
			if _, err := s.GetBinding(ctx, id); err != nil {
				t.Errorf("GetBinding(%s): %v", id, err)
			}
		}
	}

	noErr(t, "DeleteUser(alice)", s.DeleteUser(ctx, alice.ID))
	for _, id := range []string{aliceC1, aliceP1, aliceC2} {
		_, err := s.GetBinding(ctx, id)
		wantErr(t, "GetBinding of a deleted user", err, store.ErrNotFound)
	}
	remaining(bobC1, bobP2, devC1, devP1, devP1b, aliceName)

	noErr(t, "DeleteProject(p1)", s.DeleteProject(ctx, p1.ID))
	_, err := s.GetBinding(ctx, devP1)
	wantErr(t, "GetBinding of a deleted project", err, store.ErrNotFound)
	remaining(bobC1, bobP2, devC1, devP1b, aliceName)

	noErr(t, "DeleteCluster(c1)", s.DeleteCluster(ctx, c1.ID))
	_, err = s.GetProject(ctx, p1b.ID)
	wantErr(t, "GetProject of a deleted cluster", err, store.ErrNotFound)
	remaining(bobP2, aliceName)
	ps, err := s.ListProjects(ctx, "")
	noErr(t, "ListProjects", err)
	if len(ps) != 1 || ps[0].ID != p2.ID {
		t.Errorf("projects left: %+v", ps)
	}
	bs, err := s.ListBindings(ctx, store.BindingFilter{ClusterID: c1.ID})
	noErr(t, "ListBindings(c1)", err)
	if len(bs) != 0 {
		t.Errorf("bindings of a deleted cluster: %v", bindingIDs(bs))
	}
	// The deleted cluster's name and the project's name are free again.
	c1 = mustCreateCluster(t, s, "one")
	mustCreateProject(t, s, c1.ID, "p1")
}

func testAccessRevision(t *testing.T, s store.Store) {
	ctx := t.Context()
	rev := func() int64 {
		t.Helper()
		n, err := s.AccessRevision(ctx)
		noErr(t, "AccessRevision", err)
		return n
	}
	step := func(what string, bumps bool, fn func() error) {
		t.Helper()
		before := rev()
		noErr(t, what, fn())
		after := rev()
		switch {
		case bumps && after <= before:
			t.Errorf("%s: revision %d -> %d, want it to grow", what, before, after)
		case !bumps && after != before:
			t.Errorf("%s (a read): revision %d -> %d, want it unchanged", what, before, after)
		}
	}
	write := func(what string, fn func() error) { step(what, true, fn) }
	read := func(what string, fn func() error) { step(what, false, fn) }
	ignore := func(_ any, err error) error { return err }

	u := newUser("alice")
	write("CreateUser", func() error { return s.CreateUser(ctx, u) })
	write("UpdateUser", func() error {
		return ignore(s.UpdateUser(ctx, u.ID, func(u *model.User) error { u.Groups = []string{"dev"}; return nil }))
	})
	c := mustCreateCluster(t, s, "one")
	gr, tmpl, p := newGlobalRole("auditor"), newRoleTemplate("deployer"), newProject(c.ID, "web")
	write("CreateGlobalRole", func() error { return s.CreateGlobalRole(ctx, gr) })
	write("UpdateGlobalRole", func() error {
		return ignore(s.UpdateGlobalRole(ctx, gr.Name, func(r *model.GlobalRole) error { r.Description = "x"; return nil }))
	})
	write("CreateRoleTemplate", func() error { return s.CreateRoleTemplate(ctx, tmpl) })
	write("UpdateRoleTemplate", func() error {
		return ignore(s.UpdateRoleTemplate(ctx, tmpl.Name, func(r *model.RoleTemplate) error { r.Description = "x"; return nil }))
	})
	write("CreateProject", func() error { return s.CreateProject(ctx, p) })
	write("UpdateProject", func() error {
		return ignore(s.UpdateProject(ctx, p.ID, func(p *model.Project) error { p.Description = "x"; return nil }))
	})
	ub := newBinding(model.SubjectUser, u.ID, c.ID, p.ID, at(0))
	write("CreateBinding", func() error { return s.CreateBinding(ctx, ub) })
	expiring := newBinding(model.SubjectGroup, "dev", c.ID, "", at(0))
	expiring.ExpiresAt = at(time.Minute)
	write("CreateBinding(expiring)", func() error { return s.CreateBinding(ctx, expiring) })

	read("reads", func() error {
		return errors.Join(
			ignore(s.GetUser(ctx, u.ID)), ignore(s.GetUserByUsername(ctx, u.Username)),
			ignore(s.CountUsers(ctx)), ignore(s.GetGlobalRole(ctx, gr.Name)), ignore(s.ListGlobalRoles(ctx)),
			ignore(s.GetRoleTemplate(ctx, tmpl.Name)), ignore(s.ListRoleTemplates(ctx)),
			ignore(s.GetProject(ctx, p.ID)), ignore(s.ListProjects(ctx, "")), ignore(s.GetBinding(ctx, ub.ID)),
			ignore(s.ListBindings(ctx, store.BindingFilter{ClusterID: c.ID})), ignore(s.AccessRevision(ctx)),
			ignore(s.GetCluster(ctx, c.ID)))
	})
	write("DeleteExpiredBindings", func() error {
		n, err := s.DeleteExpiredBindings(ctx, at(time.Hour))
		if err == nil && n != 1 {
			err = errors.New("deleted " + strconv.Itoa(n) + " bindings, want 1")
		}
		return err
	})
	write("DeleteBinding", func() error { return s.DeleteBinding(ctx, ub.ID) })
	write("DeleteGlobalRole", func() error { return s.DeleteGlobalRole(ctx, gr.Name) })
	write("DeleteRoleTemplate", func() error { return s.DeleteRoleTemplate(ctx, tmpl.Name) })
	write("DeleteProject", func() error { return s.DeleteProject(ctx, p.ID) })
	write("DeleteCluster", func() error { return s.DeleteCluster(ctx, c.ID) })
	write("DeleteUser", func() error { return s.DeleteUser(ctx, u.ID) })
}

// testConcurrentUpdateProject checks UpdateProject is an atomic
// read-modify-write, like testConcurrentUpdateUser.
func testConcurrentUpdateProject(t *testing.T, s store.Store) {
	c := mustCreateCluster(t, s, "one")
	p := newProject(c.ID, "counter")
	p.Description = "0"
	noErr(t, "CreateProject", s.CreateProject(t.Context(), p))
	var g errGroup
	start := make(chan struct{})
	for i := range workers {
		g.Go(func() error {
			<-start
			_, err := s.UpdateProject(t.Context(), p.ID, func(p *model.Project) error {
				n, err := strconv.Atoi(p.Description)
				if err != nil {
					return err
				}
				p.Description = strconv.Itoa(n + 1)
				p.Quota = map[string]string{"worker": strings.Repeat("x", i)}
				return nil
			})
			return err
		})
	}
	close(start)
	noErr(t, "concurrent UpdateProject", g.Wait())
	got, err := s.GetProject(t.Context(), p.ID)
	noErr(t, "GetProject", err)
	if got.Description != strconv.Itoa(workers) {
		t.Errorf("counter = %s after %d concurrent increments (lost updates)", got.Description, workers)
	}
}
