package api_test

import (
	"encoding/json"
	"testing"
	"time"
)

type accessGrant struct {
	RoleTemplate string
	Through      string
	Group        string
	Binding      struct {
		ID        string
		Subject   struct{ Kind, Name string }
		CreatedBy string
		ExpiresAt *time.Time
	}
}

type userAccess struct {
	User         struct{ Username string }
	Capabilities []string
	Everywhere   string
	Partial      bool
	Clusters     []struct {
		ID, Name string
		Roles    []accessGrant
		Projects []struct {
			ID, Name string
			Roles    []accessGrant
		}
	}
}

// TestUserEffectiveAccess: GET /v1/users/{id}/access lists, per cluster
// and project, each role template a user holds and the binding that grants
// it, directly or through a local group; expired bindings grant nothing;
// admins are owners everywhere; it needs users-manage.
func TestUserEffectiveAccess(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	id := e.createUser(admin, "frank", "franks-password", false)
	e.must(e.req(nil, "PATCH", "/v1/users/"+id, admin, map[string]any{"groups": []string{"sre"}}), 200)
	c1 := e.must(e.req(nil, "POST", "/v1/clusters", admin, map[string]any{"name": "alpha"}), 201).JSON()["id"].(string)
	c2 := e.must(e.req(nil, "POST", "/v1/clusters", admin, map[string]any{"name": "beta"}), 201).JSON()["id"].(string)
	e.must(e.req(nil, "POST", "/v1/clusters", admin, map[string]any{"name": "gamma"}), 201)
	p := e.must(e.req(nil, "POST", "/v1/projects", admin, map[string]any{"cluster": c2, "name": "web"}), 201).JSON()["id"].(string)
	expiry := e.clock.Now().Add(20 * time.Minute).UTC().Truncate(time.Second)
	bind := func(kind, name, template string, scope map[string]any, expires *time.Time) string {
		body := map[string]any{"subject": map[string]any{"kind": kind, "name": name}, "roleTemplate": template}
		for k, v := range scope {
			body[k] = v
		}
		if expires != nil {
			body["expiresAt"] = expires.Format(time.RFC3339)
		}
		return e.must(e.req(nil, "POST", "/v1/bindings", admin, body), 201).JSON()["id"].(string)
	}
	direct := bind("User", "frank", "cluster-member", map[string]any{"cluster": c1}, nil)
	viaGroup := bind("Group", "sre", "project-owner", map[string]any{"project": p}, &expiry)
	bind("Group", "other", "cluster-owner", map[string]any{"cluster": c2}, nil) // not frank's group

	get := func() userAccess {
		var a userAccess
		if err := json.Unmarshal(e.must(e.req(nil, "GET", "/v1/users/"+id+"/access", admin, nil), 200).Body, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := get()
	if a.User.Username != "frank" || a.Everywhere != "" || a.Partial || len(a.Capabilities) != 0 || len(a.Clusters) != 2 {
		t.Fatalf("access: %+v", a)
	}
	alpha, beta := a.Clusters[0], a.Clusters[1]
	if alpha.ID != c1 || alpha.Name != "alpha" || len(alpha.Roles) != 1 || len(alpha.Projects) != 0 {
		t.Fatalf("alpha: %+v", alpha)
	}
	g := alpha.Roles[0]
	if g.RoleTemplate != "cluster-member" || g.Through != "user" || g.Binding.ID != direct || g.Binding.Subject.Name != "frank" ||
		g.Binding.CreatedBy != "admin" || g.Binding.ExpiresAt != nil {
		t.Fatalf("direct grant: %+v", g)
	}
	if beta.Name != "beta" || len(beta.Roles) != 0 || len(beta.Projects) != 1 || beta.Projects[0].Name != "web" || len(beta.Projects[0].Roles) != 1 {
		t.Fatalf("beta: %+v", beta)
	}
	g = beta.Projects[0].Roles[0]
	if g.RoleTemplate != "project-owner" || g.Through != "group" || g.Group != "sre" || g.Binding.ID != viaGroup ||
		g.Binding.ExpiresAt == nil || !g.Binding.ExpiresAt.Equal(expiry) {
		t.Fatalf("group grant: %+v", g)
	}

	// Once the group binding expires, beta is gone.
	e.clock.Advance(30 * time.Minute)
	if a := get(); len(a.Clusters) != 1 || a.Clusters[0].ID != c1 {
		t.Fatalf("after expiry: %+v", a.Clusters)
	}

	// An admin owns every cluster; the reason is named.
	e.must(e.req(nil, "PATCH", "/v1/users/"+id, admin, map[string]any{"admin": true}), 200)
	if a := get(); a.Everywhere != "global role admin" || len(a.Capabilities) == 0 {
		t.Fatalf("admin: %+v", a)
	}

	// users-manage only; unknown users are 404.
	gid := e.createUser(admin, "gina", "ginas-password", false)
	gina := e.login("gina", "ginas-password")
	if r := e.req(nil, "GET", "/v1/users/"+id+"/access", gina, nil); r.Status != 403 {
		t.Fatalf("non-admin: %d", r.Status)
	}
	// A holder of users-manage sees only the bindings they may see
	// elsewhere; the answer says some were left out.
	e.must(e.req(nil, "POST", "/v1/globalroles", admin, map[string]any{"name": "helpdesk", "capabilities": []string{"users-manage"}}), 201)
	e.must(e.req(nil, "PATCH", "/v1/users/"+gid, admin, map[string]any{"globalRoles": []string{"helpdesk"}}), 200)
	e.must(e.req(nil, "PATCH", "/v1/users/"+id, admin, map[string]any{"admin": false}), 200)
	var partial userAccess
	_ = json.Unmarshal(e.must(e.req(nil, "GET", "/v1/users/"+id+"/access", gina, nil), 200).Body, &partial)
	if !partial.Partial || len(partial.Clusters) != 0 {
		t.Fatalf("helpdesk view: %+v", partial)
	}
	if r := e.req(nil, "GET", "/v1/users/nope/access", admin, nil); r.Status != 404 {
		t.Fatalf("unknown user: %d %s", r.Status, r.Body)
	}
}
