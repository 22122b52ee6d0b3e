package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
)

// The run-time settings API: who may use it, validation, the audit
// record, and that each consumer reads the current value.

func TestSettingsReadAndReset(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	get := func() map[string]any { return e.must(e.req(nil, "GET", "/v1/settings", admin, nil), 200).JSON() }
	field := func(v map[string]any, name string) map[string]any { return v[name].(map[string]any) }

	v := get()
	if f := field(v, "tokenMaxTTL"); f["value"] != "48h" || f["source"] != "flag" || f["default"] != "48h" ||
		f["flag"] != "--token-max-ttl" || f["max"] != "43800h" || v["revision"] != float64(0) {
		t.Fatalf("flags only: %v", v)
	}
	if f := field(v, "sessionIdleTimeout"); f["value"] != "0s" || f["zeroDisables"] != true || f["max"] != "1h" {
		t.Fatalf("idle timeout: %v", f)
	}

	r := e.must(e.req(nil, "PATCH", "/v1/settings", admin, map[string]any{"tokenMaxTTL": "36h", "agentImage": "example.com/paddock:v2"}), 200).JSON()
	if f := field(r, "tokenMaxTTL"); f["value"] != "36h" || f["source"] != "set" || f["default"] != "48h" ||
		r["revision"] != float64(1) || r["updatedBy"] != "admin" || r["updatedAt"] == nil {
		t.Fatalf("after a change: %v", r)
	}
	if f := field(get(), "agentImage"); f["value"] != "example.com/paddock:v2" || f["source"] != "set" {
		t.Fatalf("agent image: %v", f)
	}
	// "" resets to the flag; absent fields stay.
	r = e.must(e.req(nil, "PATCH", "/v1/settings", admin, map[string]any{"tokenMaxTTL": ""}), 200).JSON()
	if f := field(r, "tokenMaxTTL"); f["value"] != "48h" || f["source"] != "flag" || field(r, "agentImage")["source"] != "set" {
		t.Fatalf("after a reset: %v", r)
	}

	// A save based on an old revision is refused.
	if r := e.req(nil, "PATCH", "/v1/settings", admin, map[string]any{"revision": 1, "tokenMaxTTL": "40h"}); r.Status != 409 {
		t.Fatalf("stale revision: %d %s", r.Status, r.Body)
	}
	e.must(e.req(nil, "PATCH", "/v1/settings", admin, map[string]any{"revision": 2, "tokenMaxTTL": "40h"}), 200)
}

func TestSettingsNeedTheCapability(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	e.createUser(admin, "olga", "olgas-password", false)
	olga := e.login("olga", "olgas-password")
	for _, m := range []string{"GET", "PATCH"} {
		if r := e.req(nil, m, "/v1/settings", olga, map[string]any{"tokenMaxTTL": "1000h"}); r.Status != 403 {
			t.Fatalf("%s as a user: %d %s", m, r.Status, r.Body)
		}
	}
	if v := e.must(e.req(nil, "GET", "/v1/settings", admin, nil), 200).JSON(); v["revision"] != float64(0) {
		t.Fatalf("a refused change was stored: %v", v)
	}
	// A global role with settings-manage is enough.
	id := e.createUser(admin, "sam", "sams-password1", false)
	e.must(e.req(nil, "POST", "/v1/globalroles", admin, map[string]any{"name": "operators", "capabilities": []string{"settings-manage"}}), 201)
	e.must(e.req(nil, "PATCH", "/v1/users/"+id, admin, map[string]any{"globalRoles": []string{"operators"}}), 200)
	sam := e.login("sam", "sams-password1")
	e.must(e.req(nil, "PATCH", "/v1/settings", sam, map[string]any{"groupRefreshInterval": "2h"}), 200)
	if e.settings.GroupRefresh() != 2*time.Hour {
		t.Fatalf("group refresh = %v", e.settings.GroupRefresh())
	}
	// ...but not for the agent image: the agent holds impersonation rights in
	// every cluster, so choosing its image stays with administrators.
	if r := e.req(nil, "PATCH", "/v1/settings", sam, map[string]any{"agentImage": "evil.example/agent:1"}); r.Status != 403 {
		t.Fatalf("agent image by a settings manager: %d %s", r.Status, r.Body)
	}
	e.must(e.req(nil, "PATCH", "/v1/settings", admin, map[string]any{"agentImage": "registry.example/paddock:2"}), 200)
}

func TestSettingsValidation(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	cases := []struct {
		body  any
		field string
	}{
		{map[string]any{"tokenMaxTTL": "forever"}, "tokenMaxTTL"},
		{map[string]any{"tokenMaxTTL": "-1h"}, "tokenMaxTTL"},
		{map[string]any{"tokenMaxTTL": "50000h"}, "tokenMaxTTL"},
		{map[string]any{"tokenDefaultTTL": "0s"}, "tokenDefaultTTL"},
		{map[string]any{"tokenDefaultTTL": "72h"}, "tokenDefaultTTL"}, // above the flag's 48h maximum
		{map[string]any{"tokenMaxTTL": "12h"}, "tokenMaxTTL"},         // below the flag's 24h default
		{map[string]any{"groupRefreshInterval": "30s"}, "groupRefreshInterval"},
		{map[string]any{"groupRefreshInterval": "200h"}, "groupRefreshInterval"},
		{map[string]any{"sessionIdleTimeout": "1m"}, "sessionIdleTimeout"},
		{map[string]any{"sessionIdleTimeout": "2h"}, "sessionIdleTimeout"}, // above the 1h session TTL
		{map[string]any{"agentImage": "not an image"}, "agentImage"},
		{map[string]any{"agentImage": "https://example.com/paddock"}, "agentImage"},
	}
	for _, tc := range cases {
		r := e.req(nil, "PATCH", "/v1/settings", admin, tc.body)
		if r.Status != 422 || r.Code() != "validation_failed" || !strings.HasPrefix(r.JSON()["message"].(string), tc.field+": ") {
			t.Errorf("%v: %d %s, want 422 about %s", tc.body, r.Status, r.Body, tc.field)
		}
	}
	// Both bounds of the TTL pair move together; every bad field is named.
	e.must(e.req(nil, "PATCH", "/v1/settings", admin, map[string]any{"tokenDefaultTTL": "8h", "tokenMaxTTL": "12h"}), 200)
	r := e.req(nil, "PATCH", "/v1/settings", admin, map[string]any{"groupRefreshInterval": "1s", "agentImage": "a b"})
	if msg, _ := r.JSON()["message"].(string); r.Status != 422 || !strings.Contains(msg, "groupRefreshInterval: ") || !strings.Contains(msg, "agentImage: ") {
		t.Errorf("two bad fields: %s", r.Body)
	}
	if r := e.req(nil, "PATCH", "/v1/settings", admin, map[string]any{"tokenTTL": "1h"}); r.Status != 400 {
		t.Errorf("unknown field: %d %s", r.Status, r.Body)
	}
	if v := e.must(e.req(nil, "GET", "/v1/settings", admin, nil), 200).JSON(); v["revision"] != float64(1) {
		t.Errorf("refused changes were stored: %v", v)
	}
}

func TestSettingsAudited(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	e.must(e.req(nil, "PATCH", "/v1/settings", admin, map[string]any{"tokenMaxTTL": "36h", "agentImage": "example.com/paddock:v2"}), 200)
	e.req(nil, "PATCH", "/v1/settings", admin, map[string]any{"tokenMaxTTL": "nope"})
	items := e.must(e.req(nil, "GET", "/v1/audit?action=settings.update", admin, nil), 200).JSON()["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("%d settings.update events, want 2: %v", len(items), items)
	}
	ok, failed := items[1].(map[string]any), items[0].(map[string]any)
	if ok["actor"] != "admin" || ok["outcome"] != "success" || ok["target"] != "tokenMaxTTL,agentImage" ||
		ok["detail"].(map[string]any)["body"].(map[string]any)["tokenMaxTTL"] != "36h" {
		t.Errorf("success event: %v", ok)
	}
	if failed["outcome"] != "failure" || failed["status"] != float64(422) {
		t.Errorf("failure event: %v", failed)
	}
}

func TestMaxTTLChangeAppliesAtOnce(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	e.must(e.req(nil, "POST", "/v1/tokens", admin, map[string]any{"description": "long", "ttl": "40h"}), 201)
	e.must(e.req(nil, "PATCH", "/v1/settings", admin, map[string]any{"tokenDefaultTTL": "1h", "tokenMaxTTL": "2h"}), 200)
	if r := e.req(nil, "POST", "/v1/tokens", admin, map[string]any{"description": "long", "ttl": "3h"}); r.Status != 422 ||
		!strings.Contains(r.JSON()["message"].(string), "maximum of 2h") {
		t.Fatalf("ttl above the new maximum: %d %s", r.Status, r.Body)
	}
	e.must(e.req(nil, "POST", "/v1/tokens", admin, map[string]any{"description": "ok", "ttl": "2h"}), 201)
	def := e.must(e.req(nil, "POST", "/v1/tokens", admin, map[string]any{"description": "default"}), 201).JSON()
	exp, _ := time.Parse(time.RFC3339Nano, def["expiresAt"].(string))
	if want := e.clock.Now().Add(time.Hour); exp.Sub(want).Abs() > time.Second {
		t.Errorf("default token expires at %v, want %v (the new default TTL)", exp, want)
	}
	if r := e.req(nil, "GET", "/v1/kubeconfig?ttl=3h", admin, nil); r.Status != 400 {
		t.Errorf("kubeconfig ttl above the new maximum: %d %s", r.Status, r.Body)
	}
}

func TestAgentImageChangeInNewManifests(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	manifest := func(name string) string {
		reg := e.must(e.req(nil, "POST", "/v1/clusters", admin, map[string]any{"name": name}), 201).JSON()["registration"].(map[string]any)
		return string(e.must(e.req(nil, "GET", "/v1/import/"+reg["token"].(string)+".yaml", "", nil), 200).Body)
	}
	if m := manifest("before"); !strings.Contains(m, "image: paddockhq/paddock:latest") {
		t.Fatalf("flag image missing:\n%s", m)
	}
	e.must(e.req(nil, "PATCH", "/v1/settings", admin, map[string]any{"agentImage": "registry.example.com:5000/paddock:v9"}), 200)
	if m := manifest("after"); !strings.Contains(m, "image: registry.example.com:5000/paddock:v9") {
		t.Fatalf("new image missing:\n%s", m)
	}
}

func TestIdleTimeoutEndsSessionsNotAPITokens(t *testing.T) {
	e := newEnv(t) // the verified-token cache lasts a minute here
	admin := e.admin()
	apiTok := e.must(e.req(nil, "POST", "/v1/tokens", admin, map[string]any{"description": "ci"}), 201).JSON()["token"].(string)
	e.must(e.req(nil, "PATCH", "/v1/settings", admin, map[string]any{"sessionIdleTimeout": "10m"}), 200)
	browser := e.client("")
	e.must(e.req(browser, "POST", "/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}), 200)
	use := func() {
		t.Helper()
		e.must(e.req(browser, "GET", "/v1/me", "", nil), 200)
		e.waitUseRecorded(model.TokenSession, e.clock.Now())
	}
	use()
	e.must(e.req(nil, "GET", "/v1/me", apiTok, nil), 200)

	// Used every 9 minutes, the session lives on.
	for range 3 {
		e.clock.Advance(9 * time.Minute)
		use()
	}
	// Idle for the timeout plus the granularity of recorded use (a minute,
	// plus the verification cache): it is over. The API token is not.
	e.clock.Advance(10*time.Minute + e.auth.IdleSlack())
	if r := e.req(browser, "GET", "/v1/me", "", nil); r.Status != 401 {
		t.Fatalf("idle session: %d %s", r.Status, r.Body)
	}
	e.must(e.req(nil, "GET", "/v1/me", apiTok, nil), 200)
	if r := e.req(nil, "GET", "/v1/me", admin, nil); r.Status != 401 {
		t.Fatalf("idle login token used as a bearer: %d", r.Status)
	}
}

// waitUseRecorded waits until the admin's last use of a token of kind at
// (or after) at is stored: uses are recorded off the request path.
func (e *env) waitUseRecorded(kind model.TokenKind, at time.Time) {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.store.GetUserByUsername(ctx, "admin")
	if err != nil {
		e.t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		toks, _ := e.store.ListTokens(ctx, u.ID, kind, at)
		for _, tok := range toks {
			if !tok.LastUsedAt.Before(at.Truncate(time.Microsecond)) {
				return
			}
		}
	}
	e.t.Fatalf("no use of a %s token at %v was recorded", kind, at)
}
