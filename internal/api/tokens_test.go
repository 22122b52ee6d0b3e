package api_test

import (
	"strings"
	"testing"
	"time"
)

func TestAPITokens(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	e.createUser(admin, "alice", "alice-password-1", false)
	alice := e.login("alice", "alice-password-1")

	created := e.must(e.req(nil, "POST", "/v1/tokens", alice, map[string]string{"description": "ci", "ttl": "2h"}), 201).JSON()
	secret := created["token"].(string)
	if !strings.HasPrefix(secret, "pdk_") || len(secret) != 47 {
		t.Fatalf("token %q", secret)
	}
	me := e.must(e.req(nil, "GET", "/v1/me", secret, nil), 200).JSON()
	if me["username"] != "alice" {
		t.Fatal(me)
	}
	// The secret is never listed; last use is recorded.
	deadline := time.Now().Add(5 * time.Second)
	for {
		list := e.must(e.req(nil, "GET", "/v1/tokens?kind=api", alice, nil), 200)
		if strings.Contains(string(list.Body), secret) {
			t.Fatal("listing shows the secret")
		}
		items := list.JSON()["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("items %v", items)
		}
		if items[0].(map[string]any)["lastUsedAt"] != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("last use never recorded")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Bad TTLs are clear errors.
	for ttl, want := range map[string]string{"49h": "exceeds the maximum", "-1h": "positive", "soon": "positive", "0s": "positive"} {
		r := e.req(nil, "POST", "/v1/tokens", alice, map[string]string{"ttl": ttl})
		if r.Status != 422 || !strings.Contains(r.JSON()["message"].(string), want) {
			t.Errorf("ttl %q: %d %s", ttl, r.Status, r.Body)
		}
	}
	// Someone else's token cannot be revoked, nor its existence learned.
	bobID := e.createUser(admin, "bob", "bobs-password-1", false)
	bob := e.login("bob", "bobs-password-1")
	id := created["id"].(string)
	if r := e.req(nil, "DELETE", "/v1/tokens/"+id, bob, nil); r.Status != 404 {
		t.Fatalf("bob revoked alice's token: %d", r.Status)
	}
	e.must(e.req(nil, "GET", "/v1/me", secret, nil), 200)
	e.must(e.req(nil, "DELETE", "/v1/tokens/"+id, alice, nil), 204)
	if r := e.req(nil, "GET", "/v1/me", secret, nil); r.Status != 401 {
		t.Fatalf("revoked token works: %d", r.Status)
	}
	// Expiry: a 2h token stops working once the clock passes it.
	short := e.must(e.req(nil, "POST", "/v1/tokens", bob, map[string]string{"ttl": "2h"}), 201).JSON()["token"].(string)
	e.must(e.req(nil, "GET", "/v1/me", short, nil), 200)
	e.clock.Advance(2*time.Hour + time.Second)
	if r := e.req(nil, "GET", "/v1/me", short, nil); r.Status != 401 {
		t.Fatalf("expired token works: %d", r.Status)
	}
	// Deleting a user kills their tokens at once.
	bob2 := e.login("bob", "bobs-password-1")
	e.must(e.req(nil, "DELETE", "/v1/users/"+bobID, e.admin(), nil), 204)
	if r := e.req(nil, "GET", "/v1/me", bob2, nil); r.Status != 401 {
		t.Fatalf("deleted user's token works: %d", r.Status)
	}
}
