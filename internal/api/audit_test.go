package api_test

import (
	"strings"
	"testing"
	"time"
)

func TestAuditRecordsAndRedacts(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	e.req(nil, "POST", "/v1/auth/login", "", map[string]string{"username": "admin", "password": "not-the-password"})
	id := e.createUser(admin, "heidi", "heidis-secret-pw", false)
	e.must(e.req(nil, "PATCH", "/v1/users/"+id, admin, map[string]any{"password": "heidis-reset-pw1"}), 200)
	heidi := e.login("heidi", "heidis-reset-pw1")
	e.must(e.req(nil, "POST", "/v1/me/password", heidi, map[string]string{"current": "heidis-reset-pw1", "new": "heidis-own-pass1"}), 204)
	tok := e.must(e.req(nil, "POST", "/v1/tokens", admin, map[string]string{"description": "bot"}), 201).JSON()["token"].(string)
	e.req(nil, "POST", "/v1/users", admin, `{"username": broken`)
	e.req(nil, "DELETE", "/v1/users/"+id, "pdk_forgedforgedforgedforgedforgedforgedforge", nil)

	all := e.must(e.req(nil, "GET", "/v1/audit?limit=500", admin, nil), 200)
	for _, secret := range []string{adminPassword, "not-the-password", "heidis-secret-pw", "heidis-reset-pw1", "heidis-own-pass1", tok, heidi} {
		if strings.Contains(string(all.Body), secret) {
			t.Errorf("audit log contains a secret %q", secret)
		}
	}
	type ev = map[string]any
	find := func(action, outcome string) ev {
		for _, it := range all.JSON()["items"].([]any) {
			m := it.(ev)
			if m["action"] == action && m["outcome"] == outcome {
				return m
			}
		}
		t.Fatalf("no %s/%s event in %s", action, outcome, all.Body)
		return nil
	}
	fail := find("auth.login", "failure")
	if fail["actor"] != "" || fail["target"] != "admin" || fail["sourceIP"] != "127.0.0.1" || fail["status"] != float64(401) {
		t.Errorf("failed login: %v", fail)
	}
	create := find("user.create", "success")
	if create["actor"] != "admin" || create["target"] != "heidi" || create["requestId"] == "" {
		t.Errorf("create: %v", create)
	}
	if body := create["detail"].(ev)["body"].(ev); body["username"] != "heidi" || body["password"] != "[REDACTED]" {
		t.Errorf("create body: %v", body)
	}
	find("user.update", "success")
	find("user.password.change", "success")
	find("token.create", "success")
	find("user.create", "failure")
	// A forged token is recorded too, named by method and path.
	forged := false
	for _, it := range all.JSON()["items"].([]any) {
		m := it.(ev)
		forged = forged || (m["action"] == "DELETE /v1/users/"+id && m["outcome"] == "failure" && m["status"] == float64(401))
	}
	if !forged {
		t.Error("request with a forged token not audited")
	}

	// Filters and pagination.
	only := e.must(e.req(nil, "GET", "/v1/audit?actor=heidi", admin, nil), 200).JSON()["items"].([]any)
	if len(only) == 0 {
		t.Fatal("actor filter found nothing")
	}
	for _, it := range only {
		if it.(ev)["actor"] != "heidi" {
			t.Fatalf("actor filter leaked %v", it)
		}
	}
	users := e.must(e.req(nil, "GET", "/v1/audit?action=user.*", admin, nil), 200).JSON()["items"].([]any)
	for _, it := range users {
		if !strings.HasPrefix(it.(ev)["action"].(string), "user.") {
			t.Fatalf("prefix filter leaked %v", it)
		}
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if r := e.must(e.req(nil, "GET", "/v1/audit?since="+future, admin, nil), 200).JSON()["items"].([]any); len(r) != 0 {
		t.Fatalf("since filter: %v", r)
	}
	page := e.must(e.req(nil, "GET", "/v1/audit?limit=2", admin, nil), 200).JSON()
	if len(page["items"].([]any)) != 2 || page["next"] == "" {
		t.Fatalf("page: %v", page)
	}
	if r := e.req(nil, "GET", "/v1/audit?since=yesterday", admin, nil); r.Status != 400 {
		t.Fatalf("bad since: %d", r.Status)
	}
}
