package e2e

import (
	"testing"
)

// TestWebUIAccess drives the access pages in Chromium against a real
// server and cluster: an admin grants a group a project role with an
// expiry, a member of that group sees only the project's namespaces, a
// project owner adds and removes a member of their project and sees no
// other project, roles and access-as-data pages work, and the audit page
// shows the grants and replays a recorded kubectl shell session.
func TestWebUIAccess(t *testing.T) {
	browser := chromium(t)
	s, admin, demo := startWithDemo(t)
	project := func(name, ns string) string {
		var p struct{ ID string }
		s.must("POST", "/v1/projects", admin, map[string]any{"cluster": demo.ID, "name": name}, 201, &p)
		s.must("POST", "/v1/projects/"+p.ID+"/namespaces", admin, map[string]any{"name": ns}, 201, nil)
		return p.ID
	}
	alpha := project("alpha", "alpha-1")
	project("beta", "beta-1")
	s.createUser(admin, "olga", "olga-password-1", false)
	s.createUser(admin, "lee", "lee-password-1", false)
	gus := s.createUser(admin, "gus", "gus-password-1", false)
	s.must("PATCH", "/v1/users/"+gus.ID, admin, map[string]any{"groups": []string{"devs"}}, 200, nil)
	s.must("POST", "/v1/bindings", admin, map[string]any{"subject": map[string]any{"kind": "User", "name": "olga"},
		"roleTemplate": "project-owner", "project": alpha}, 201, nil)

	runPlaywright(t, "access.e2e.mjs",
		"PADDOCK_URL="+s.URL, "CHROMIUM="+browser, "ARTIFACTS="+artifacts(t, "ui-access"),
		"ADMIN_PASSWORD="+bootstrapPassword, "CLUSTER_ID="+demo.ID)
}
