package api_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestUsersAdminOnly(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	id := e.createUser(admin, "carol", "carols-password", false)
	carol := e.login("carol", "carols-password")
	for _, c := range [][2]string{{"GET", "/v1/users"}, {"POST", "/v1/users"}, {"GET", "/v1/users/" + id},
		{"PATCH", "/v1/users/" + id}, {"DELETE", "/v1/users/" + id}, {"GET", "/v1/audit"}} {
		if r := e.req(nil, c[0], c[1], carol, map[string]any{"admin": true}); r.Status != 403 {
			t.Errorf("%s %s as non-admin: %d", c[0], c[1], r.Status)
		}
		if r := e.req(nil, c[0], c[1], "", nil); r.Status != 401 {
			t.Errorf("%s %s anonymous: %d", c[0], c[1], r.Status)
		}
	}
	// Carol did not make herself admin.
	if me := e.must(e.req(nil, "GET", "/v1/me", carol, nil), 200).JSON(); me["admin"] != false {
		t.Fatal("privilege escalation")
	}
}

func TestUsersCRUDAndBadInput(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	sqlish := `Robert'); DROP TABLE users;--`
	r := e.must(e.req(nil, "POST", "/v1/users", admin, map[string]any{"username": "dave", "password": "daves-password", "displayName": sqlish}), 201).JSON()
	id := r["id"].(string)
	got := e.must(e.req(nil, "GET", "/v1/users/"+id, admin, nil), 200).JSON()
	if got["displayName"] != sqlish || got["provider"] != "local" {
		t.Fatalf("%v", got)
	}
	for name, body := range map[string]any{
		"duplicate (case-insensitive)": map[string]any{"username": "DAVE", "password": "another-password"},
		"sql username":                 map[string]any{"username": "x' OR '1'='1", "password": "another-password"},
		"weak password":                map[string]any{"username": "erin", "password": "short"},
		"path-ish username":            map[string]any{"username": "../../etc/passwd", "password": "another-password"},
		"empty username":               map[string]any{"username": "", "password": "another-password"},
		"unknown field":                `{"username":"erin","password":"another-password","role":"god"}`,
		"not json":                     `username=erin`,
	} {
		r := e.req(nil, "POST", "/v1/users", admin, body)
		want := map[bool]int{true: 409, false: 422}[strings.HasPrefix(name, "duplicate")]
		if strings.HasPrefix(name, "unknown") || strings.HasPrefix(name, "not json") {
			want = 400
		}
		if r.Status != want || r.JSON()["message"] == "" {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	// Every user is still there after the SQL-looking input.
	list := e.must(e.req(nil, "GET", "/v1/users", admin, nil), 200).JSON()["items"].([]any)
	if len(list) != 2 {
		t.Fatalf("users: %v", list)
	}
	// PATCH: display name, admin, then disable (kills tokens at once).
	dave := e.login("dave", "daves-password")
	e.must(e.req(nil, "PATCH", "/v1/users/"+id, admin, map[string]any{"displayName": "Dave"}), 200)
	e.must(e.req(nil, "GET", "/v1/me", dave, nil), 200)
	e.must(e.req(nil, "PATCH", "/v1/users/"+id, admin, map[string]any{"disabled": true}), 200)
	if r := e.req(nil, "GET", "/v1/me", dave, nil); r.Status != 401 {
		t.Fatalf("disabled user's token works: %d", r.Status)
	}
	if r := e.req(nil, "POST", "/v1/auth/login", "", map[string]string{"username": "dave", "password": "daves-password"}); r.Status != 401 {
		t.Fatalf("disabled user logs in: %d", r.Status)
	}
	e.must(e.req(nil, "PATCH", "/v1/users/"+id, admin, map[string]any{"disabled": false, "password": "reset-password-1"}), 200)
	tok := e.login("dave", "reset-password-1")
	if r := e.req(nil, "GET", "/v1/tokens", tok, nil); r.Code() != "password_change_required" {
		t.Fatalf("admin reset must force a change: %s", r.Body)
	}
	// Admins cannot lock themselves out.
	me := e.must(e.req(nil, "GET", "/v1/me", admin, nil), 200).JSON()["id"].(string)
	for _, body := range []map[string]any{{"disabled": true}, {"admin": false}} {
		if r := e.req(nil, "PATCH", "/v1/users/"+me, admin, body); r.Status != 422 {
			t.Errorf("self %v: %d", body, r.Status)
		}
	}
	if r := e.req(nil, "DELETE", "/v1/users/"+me, admin, nil); r.Status != 422 {
		t.Errorf("self delete: %d", r.Status)
	}
	// Unknown and path-ish ids are plain 404s.
	for _, p := range []string{"nope", url.PathEscape("../../etc/passwd"), "%2e%2e", "1%27%20OR%20%271%27%3D%271"} {
		if r := e.req(nil, "GET", "/v1/users/"+p, admin, nil); r.Status != 404 {
			t.Errorf("GET /v1/users/%s: %d %s", p, r.Status, r.Body)
		}
	}
	if r := e.req(nil, "PATCH", "/v1/users/nope", admin, map[string]any{"displayName": "x"}); r.Status != 404 {
		t.Errorf("patch unknown: %d", r.Status)
	}
}

func TestUsersPagination(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	for i := 0; i < 5; i++ {
		e.createUser(admin, fmt.Sprintf("user%02d", i), "long-enough-pass", false)
	}
	seen := map[string]bool{}
	next := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		r := e.must(e.req(nil, "GET", "/v1/users?limit=2&after="+url.QueryEscape(next), admin, nil), 200).JSON()
		for _, it := range r["items"].([]any) {
			name := it.(map[string]any)["username"].(string)
			if seen[name] {
				t.Fatalf("%s twice", name)
			}
			seen[name] = true
		}
		next, _ = r["next"].(string)
		if next == "" {
			break
		}
	}
	if len(seen) != 6 {
		t.Fatalf("saw %v", seen)
	}
	q := e.must(e.req(nil, "GET", "/v1/users?q=USER0", admin, nil), 200).JSON()["items"].([]any)
	if len(q) != 5 {
		t.Fatalf("search: %d", len(q))
	}
	if r := e.req(nil, "GET", "/v1/users?q=%25", admin, nil); len(r.JSON()["items"].([]any)) != 0 {
		t.Fatalf("%% must match literally: %s", r.Body)
	}
	for _, bad := range []string{"limit=0", "limit=9999", "limit=x", "after=%27%20OR%201%3D1"} {
		if r := e.req(nil, "GET", "/v1/users?"+bad, admin, nil); r.Status != 400 {
			t.Errorf("%s: %d %s", bad, r.Status, r.Body)
		}
	}
}
