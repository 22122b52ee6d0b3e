package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/api"
	"github.com/paddockhq/paddock/internal/api/accessdata"
	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	kc "github.com/paddockhq/paddock/internal/clusters"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
	"github.com/paddockhq/paddock/internal/tunnel"
)

// newAccessEnv is newEnv with the /v1/access routes served. Until api.New
// mounts them, the test serves them in front of a second API over the
// same store, so both share one authorizer.
func newAccessEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	for _, rt := range e.api.Routes() {
		if rt.Path == "/v1/access/export" {
			return e
		}
	}
	acc := access.New(e.store, e.clock.Now, nil)
	if _, err := acc.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	kube := func(context.Context, string) (kubernetes.Interface, error) {
		return nil, errors.New("this server has no access to clusters")
	}
	full := api.New(api.Deps{Store: e.store, Auth: e.auth, Metrics: httpx.NewMetrics(), CAPEM: []byte("ca"), Version: "test",
		Settings: e.settings, Now: e.clock.Now, Access: acc, Kube: kube,
		Tunnel: tunnel.NewServer(tunnel.ServerOptions{Authenticate: kc.AgentAuthenticator(e.store)})})
	ad := &accessdata.API{Store: e.store, Acc: acc, Now: e.clock.Now, Kube: kube}
	mux := http.NewServeMux()
	rest.Mount(mux, ad.Routes(), func(p *auth.Principal, c string) bool { return acc.Capable(access.WhoOf(p.User), c) })
	bearer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
				p, err := e.auth.Authenticate(r.Context(), tok)
				if err != nil {
					httpx.WriteError(w, r, httpx.Unauthorized("invalid token"))
					return
				}
				httpx.SetActor(r.Context(), p.User.Username, p.User.ID)
				r = r.WithContext(auth.WithPrincipal(r.Context(), p))
			}
			next.ServeHTTP(w, r)
		})
	}
	mine := httpx.Chain(mux, httpx.Observe(httpx.NewMetrics()), audit.Middleware(e.store, "/v1/", e.clock.Now), bearer)
	others := full.Handler()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/access/") {
			others.ServeHTTP(w, r)
			return
		}
		mine.ServeHTTP(w, r)
		e.auth.Flush() // user access may have changed
	}))
	srv.StartTLS()
	t.Cleanup(srv.Close)
	e.srv, e.api = srv, full
	return e
}

// addCluster registers a (never reachable) cluster directly in the store.
func (e *env) addCluster(name string) string {
	e.t.Helper()
	now := e.clock.Now()
	c := &model.Cluster{ID: "c-" + name, Name: name, State: model.ClusterPending, ConnectedVia: model.ConnectAgent,
		RegistrationHash: "reg-" + name, CreatedAt: now, UpdatedAt: now}
	if err := e.store.CreateCluster(context.Background(), c); err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

type applyResult struct {
	DryRun  bool                 `json:"dryRun"`
	Changes []accessdata.Change  `json:"changes"`
	Errors  []accessdata.Problem `json:"errors"`
	Error   string               `json:"error"`
}

func (e *env) apply(tok, query, doc string, status int) applyResult {
	e.t.Helper()
	r := e.must(e.req(nil, "POST", "/v1/access/apply"+query, tok, doc, "Content-Type", "application/yaml"), status)
	var res applyResult
	if err := json.Unmarshal(r.Body, &res); err != nil {
		e.t.Fatalf("apply answer: %v: %s", err, r.Body)
	}
	return res
}

func (e *env) export(tok string) string {
	e.t.Helper()
	r := e.must(e.req(nil, "GET", "/v1/access/export", tok, nil), 200)
	if ct := r.Header.Get("Content-Type"); ct != "application/yaml" {
		e.t.Fatalf("export Content-Type %q", ct)
	}
	return string(r.Body)
}

func describe(cs []accessdata.Change) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "\n  %s %s %s (%s)", c.Action, c.Kind, c.Name, c.Detail)
	}
	return b.String()
}

const accessDoc = `apiVersion: paddock.io/v1
kind: GlobalRole
name: auditor
description: reads the audit log
capabilities: [audit-read]
---
# a template that inherits one defined further down
apiVersion: paddock.io/v1
kind: RoleTemplate
name: pod-logs
context: project
rules:
- verbs: [get]
  apiGroups: [""]
  resources: [pods/log]
inherits: [pod-reader]
---
apiVersion: paddock.io/v1
kind: RoleTemplate
name: pod-reader
context: project
rules:
- verbs: [get, list, watch]
  apiGroups: [""]
  resources: [pods]
---
apiVersion: paddock.io/v1
kind: Project
cluster: prod
name: web
description: the web shop
quota: {limits.cpu: "8"}
namespaceQuota: {limits.cpu: "2"}
namespacesUnknown: true
---
apiVersion: paddock.io/v1
kind: UserAccess
user: alice
admin: false
globalRoles: [auditor]
groups: [dev]
---
apiVersion: paddock.io/v1
kind: Binding
subject: {kind: User, name: alice}
roleTemplate: pod-logs
cluster: prod
project: web
---
apiVersion: paddock.io/v1
kind: Binding
subject: {kind: Group, name: dev}
roleTemplate: cluster-viewer
cluster: prod
expiresAt: "2099-01-02T03:04:05Z"
`

func TestAccessApplyExportRoundTrip(t *testing.T) {
	e := newAccessEnv(t)
	admin := e.admin()
	clusterID := e.addCluster("prod")
	aliceID := e.createUser(admin, "alice", "alice-password-1", false)

	dry := e.apply(admin, "?dryRun=true", accessDoc, 200)
	if !dry.DryRun || len(dry.Changes) != 7 {
		t.Fatalf("dry run: %d changes, want 7:%s", len(dry.Changes), describe(dry.Changes))
	}
	if rs, _ := e.store.ListRoleTemplates(context.Background()); len(rs) != 0 {
		t.Fatalf("dry run stored %d templates", len(rs))
	}
	res := e.apply(admin, "", accessDoc, 200)
	want := []string{"create GlobalRole auditor", "create RoleTemplate pod-logs", "create RoleTemplate pod-reader",
		"create Project prod/web", "update UserAccess alice", "create Binding User:alice pod-logs in prod/web",
		"create Binding Group:dev cluster-viewer in prod"}
	if len(res.Changes) != len(want) {
		t.Fatalf("changes:%s", describe(res.Changes))
	}
	for i, c := range res.Changes {
		if got := c.Action + " " + c.Kind + " " + c.Name; got != want[i] {
			t.Errorf("change %d = %q, want %q", i, got, want[i])
		}
	}

	// Everything is visible through the other APIs.
	e.must(e.req(nil, "GET", "/v1/roletemplates/pod-logs", admin, nil), 200)
	if !strings.Contains(string(e.must(e.req(nil, "GET", "/v1/globalroles", admin, nil), 200).Body), `"auditor"`) {
		t.Error("global role auditor not listed")
	}
	projects := e.must(e.req(nil, "GET", "/v1/projects?cluster="+clusterID, admin, nil), 200).JSON()["items"].([]any)
	if len(projects) != 1 || projects[0].(map[string]any)["name"] != "web" {
		t.Fatalf("projects: %v", projects)
	}
	u := e.must(e.req(nil, "GET", "/v1/users/"+aliceID, admin, nil), 200).JSON()
	if fmt.Sprint(u["globalRoles"], u["groups"]) != "[auditor] [dev]" {
		t.Errorf("alice: %v", u)
	}
	bs := e.must(e.req(nil, "GET", "/v1/bindings?cluster="+clusterID, admin, nil), 200).JSON()["items"].([]any)
	if len(bs) != 2 {
		t.Fatalf("bindings: %v", bs)
	}
	// alice now holds audit-read through the applied global role.
	alice := e.login("alice", "alice-password-1")
	e.must(e.req(nil, "GET", "/v1/audit", alice, nil), 200)

	// Idempotent: the same document, and the export, change nothing.
	if again := e.apply(admin, "", accessDoc, 200); len(again.Changes) != 0 {
		t.Fatalf("re-apply:%s", describe(again.Changes))
	}
	out := e.export(admin)
	for _, s := range []string{"kind: GlobalRole", "kind: RoleTemplate", "kind: Project", "namespacesUnknown: true",
		"kind: UserAccess", "user: admin", "kind: Binding", "cluster: prod", "project: web", "name: alice",
		"expiresAt: \"2099-01-02T03:04:05Z\""} {
		if !strings.Contains(out, s) {
			t.Errorf("export lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, aliceID) || strings.Contains(out, clusterID) || strings.Contains(out, "cluster-owner") {
		t.Errorf("export names things by ID or lists built-ins:\n%s", out)
	}
	if out2 := e.export(admin); out2 != out {
		t.Errorf("export is not deterministic")
	}
	for _, q := range []string{"?dryRun=true", "?dryRun=true&prune=true", ""} {
		if r := e.apply(admin, q, out, 200); len(r.Changes) != 0 {
			t.Fatalf("apply%s of the export:%s", q, describe(r.Changes))
		}
	}

	// A changed expiry is an update (the binding is replaced).
	changed := strings.Replace(out, "2099-01-02T03:04:05Z", "2098-01-01T00:00:00Z", 1)
	r := e.apply(admin, "", changed, 200)
	if len(r.Changes) != 1 || r.Changes[0].Action != "update" || r.Changes[0].Kind != "Binding" {
		t.Fatalf("expiry change:%s", describe(r.Changes))
	}

	evs, _, err := e.store.ListAudit(context.Background(), store.AuditFilter{Action: "access.apply"}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, ev := range evs {
		targets[ev.Target] = true
	}
	for _, tg := range []string{"dry-run", "7 changes", "0 changes", "1 changes"} {
		if !targets[tg] {
			t.Errorf("no access.apply audit event with target %q (have %v)", tg, targets)
		}
	}
}

func TestAccessApplyRejectsAndAppliesNothing(t *testing.T) {
	e := newAccessEnv(t)
	admin := e.admin()
	e.addCluster("prod")
	doc := `apiVersion: paddock.io/v1
kind: GlobalRole
name: fine
capabilities: [audit-read]
---
apiVersion: paddock.io/v1
kind: GlobalRole
name: [broken
---
apiVersion: paddock.io/v1
kind: GlobalRole
name: extra
capabilities: [audit-read]
colour: blue
---
apiVersion: paddock.io/v1
kind: Gadget
name: x
---
apiVersion: paddock.io/v1
kind: Binding
subject: {kind: Group, name: dev}
roleTemplate: no-such-template
cluster: prod
---
apiVersion: paddock.io/v1
kind: RoleTemplate
name: loop-a
context: cluster
inherits: [loop-b]
---
apiVersion: paddock.io/v1
kind: RoleTemplate
name: loop-b
context: cluster
inherits: [loop-a]
`
	res := e.apply(admin, "", doc, 422)
	if res.Error != "validation_failed" || len(res.Changes) != 0 {
		t.Fatalf("answer: %+v", res)
	}
	byDoc := map[int]string{}
	for _, p := range res.Errors {
		byDoc[p.Document] += p.Message + " | "
	}
	for n, want := range map[int]string{2: "malformed YAML", 3: `unknown field "colour"`, 4: `unknown kind "Gadget"`,
		5: `no role template "no-such-template"`, 6: "cycle", 7: "cycle"} {
		if !strings.Contains(byDoc[n], want) {
			t.Errorf("document %d: want %q in %q (all: %+v)", n, want, byDoc[n], res.Errors)
		}
	}
	if byDoc[1] != "" {
		t.Errorf("document 1 is fine but: %s", byDoc[1])
	}
	// The parse errors stop before planning; plan errors alone also apply nothing.
	planOnly := doc[:strings.Index(doc, "---")] + "---\n" + doc[strings.Index(doc, "apiVersion: paddock.io/v1\nkind: Binding"):]
	res = e.apply(admin, "", planOnly, 422)
	if len(res.Errors) < 3 {
		t.Fatalf("plan errors: %+v", res.Errors)
	}
	ctx := context.Background()
	roles, _ := e.store.ListGlobalRoles(ctx)
	templates, _ := e.store.ListRoleTemplates(ctx)
	bindings, _ := e.store.ListBindings(ctx, store.BindingFilter{})
	if len(roles)+len(templates)+len(bindings) != 0 {
		t.Fatalf("something was applied: %v %v %v", roles, templates, bindings)
	}
	// An empty body is refused rather than read as "nothing" (or, with
	// prune, "delete everything").
	e.must(e.req(nil, "POST", "/v1/access/apply?prune=true", admin, "# nothing\n"), 400)
}

func TestAccessApplyPrune(t *testing.T) {
	e := newAccessEnv(t)
	admin := e.admin()
	e.addCluster("prod")
	e.createUser(admin, "alice", "alice-password-1", false)
	base := `apiVersion: paddock.io/v1
kind: Binding
subject: {kind: User, name: alice}
roleTemplate: cluster-viewer
cluster: prod
`
	extra := `---
apiVersion: paddock.io/v1
kind: Binding
subject: {kind: Group, name: ops}
roleTemplate: cluster-owner
cluster: prod
`
	if r := e.apply(admin, "", base+extra, 200); len(r.Changes) != 2 {
		t.Fatalf("setup:%s", describe(r.Changes))
	}
	if r := e.apply(admin, "", base, 200); len(r.Changes) != 0 {
		t.Fatalf("without prune nothing is deleted:%s", describe(r.Changes))
	}
	r := e.apply(admin, "?prune=true&dryRun=true", base, 200)
	if len(r.Changes) != 1 || r.Changes[0].Action != "delete" || r.Changes[0].Name != "Group:ops cluster-owner in prod" {
		t.Fatalf("prune dry run:%s", describe(r.Changes))
	}
	e.apply(admin, "?prune=true", base, 200)
	bs, _ := e.store.ListBindings(context.Background(), store.BindingFilter{})
	if len(bs) != 1 || bs[0].Subject.Kind != model.SubjectUser {
		t.Fatalf("after prune: %+v", bs)
	}
}

func TestAccessNeedsRights(t *testing.T) {
	e := newAccessEnv(t)
	admin := e.admin()
	e.addCluster("prod")
	e.createUser(admin, "bob", "bobs-password-1", false)
	bob := e.login("bob", "bobs-password-1")
	e.must(e.req(nil, "GET", "/v1/access/export", bob, nil), 403)
	e.must(e.req(nil, "POST", "/v1/access/apply", bob, accessDoc), 403)
	e.must(e.req(nil, "GET", "/v1/access/who-can?cluster=prod&verb=get&resource=pods", bob, nil), 403)
	e.must(e.req(nil, "GET", "/v1/access/who-can?cluster=nope&verb=get&resource=pods", bob, nil), 403)
	e.must(e.req(nil, "GET", "/v1/access/export", "", nil), 401)
}

func TestAccessWhoCan(t *testing.T) {
	e := newAccessEnv(t)
	admin := e.admin()
	clusterID := e.addCluster("prod")
	e.createUser(admin, "alice", "alice-password-1", false)
	e.apply(admin, "", `apiVersion: paddock.io/v1
kind: Binding
subject: {kind: User, name: alice}
roleTemplate: cluster-owner
cluster: prod
---
apiVersion: paddock.io/v1
kind: Binding
subject: {kind: Group, name: viewers}
roleTemplate: cluster-viewer
cluster: prod
`, 200)
	type subject struct{ Kind, Name, Via, Binding string }
	ask := func(tok, q string) []subject {
		t.Helper()
		var res struct {
			Cluster  string
			Subjects []subject
		}
		if err := json.Unmarshal(e.must(e.req(nil, "GET", "/v1/access/who-can?"+q, tok, nil), 200).Body, &res); err != nil {
			t.Fatal(err)
		}
		if res.Cluster != "prod" {
			t.Errorf("cluster %q", res.Cluster)
		}
		return res.Subjects
	}
	subs := ask(admin, "cluster=prod&verb=delete&resource=deployments.apps")
	var admins, owner, viewer bool
	for _, s := range subs {
		switch {
		case s.Kind == "Group" && s.Name == "paddock:admins" && s.Via == "global role admin":
			admins = true
		case s.Kind == "User" && s.Name == "alice" && s.Via == "role template cluster-owner" && s.Binding != "":
			owner = true
		case s.Name == "viewers":
			viewer = true
		}
	}
	if !admins || !owner || viewer {
		t.Errorf("who can delete deployments: %+v", subs)
	}
	// Viewers may read pods; the cluster is found by ID too; alice, who
	// manages the cluster's members, may ask.
	alice := e.login("alice", "alice-password-1")
	found := false
	for _, s := range ask(alice, "cluster="+clusterID+"&verb=list&resource=pods") {
		found = found || (s.Kind == "Group" && s.Name == "viewers")
	}
	if !found {
		t.Error("viewers may list pods")
	}
	e.must(e.req(nil, "GET", "/v1/access/who-can?cluster=prod&verb=get&resource=pods&namespace=web", admin, nil), 503)
	e.must(e.req(nil, "GET", "/v1/access/who-can?cluster=nope&verb=get&resource=pods", admin, nil), 404)
	e.must(e.req(nil, "GET", "/v1/access/who-can?cluster=prod", admin, nil), 400)
}
