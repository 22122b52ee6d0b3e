package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	kc "github.com/paddockhq/paddock/internal/clusters"
	"github.com/paddockhq/paddock/internal/testenv"
)

func TestAgentClusterRegistration(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	created := e.must(e.req(nil, "POST", "/v1/clusters", admin, map[string]any{
		"name": "edge-1", "description": "behind NAT", "labels": map[string]string{"env": "prod"}}), 201).JSON()
	reg := created["registration"].(map[string]any)
	token, manifestURL := reg["token"].(string), reg["manifestURL"].(string)
	if created["state"] != "pending" || created["connectedVia"] != "agent" || !strings.HasPrefix(token, "pdr_") ||
		!strings.HasSuffix(manifestURL, "/v1/import/"+token+".yaml") || !strings.Contains(reg["command"].(string), "kubectl apply -f") {
		t.Fatalf("%v", created)
	}
	path := manifestURL[strings.Index(manifestURL, "/v1/import/"):]
	m := e.must(e.req(nil, "GET", path, "", nil), 200)
	if !strings.Contains(string(m.Body), "kind: Deployment") || !strings.Contains(string(m.Body), token) {
		t.Fatalf("manifest:\n%s", m.Body)
	}
	// Other methods and uncleaned paths do not leak the token either.
	e.req(nil, "POST", path, "", "{}")
	e.req(nil, "DELETE", path, admin, nil)
	e.req(nil, "GET", strings.Replace(path, "/v1/import/", "/v1/import//", 1), "", nil)
	audit := e.must(e.req(nil, "GET", "/v1/audit?limit=500", admin, nil), 200)
	if strings.Contains(logs.String(), token[4:]) || strings.Contains(string(audit.Body), token[4:]) {
		t.Fatal("the registration token reached the logs or the audit log")
	}
	for _, bad := range []string{"/v1/import/garbage.yaml", "/v1/import/" + token, "/v1/import/" + token[:len(token)-1] + otherChar(token[len(token)-1]) + ".yaml",
		"/v1/import/..%2f..%2fetc%2fpasswd.yaml", "/v1/import/pda_" + token[4:] + ".yaml"} {
		if r := e.req(nil, "GET", bad, "", nil); r.Status != 404 {
			t.Errorf("%s: %d", bad, r.Status)
		}
	}
	// Names are DNS labels, unique; labels are Kubernetes-style.
	for name, body := range map[string]map[string]any{
		"duplicate":  {"name": "edge-1"},
		"uppercase":  {"name": "Edge-2"},
		"sql":        {"name": "x'; DROP TABLE clusters;--"},
		"bad label":  {"name": "edge-3", "labels": map[string]string{"a b": "c"}},
		"empty name": {"name": ""},
	} {
		r := e.req(nil, "POST", "/v1/clusters", admin, body)
		if want := map[bool]int{true: 409, false: 422}[name == "duplicate"]; r.Status != want {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	e.createUser(admin, "ivan", "ivans-password", false)
	ivan := e.login("ivan", "ivans-password")
	if r := e.req(nil, "POST", "/v1/clusters", ivan, map[string]any{"name": "mine"}); r.Status != 403 {
		t.Fatalf("non-admin registered a cluster: %d", r.Status)
	}
	id := created["id"].(string)
	up := e.must(e.req(nil, "PATCH", "/v1/clusters/"+id, admin, map[string]any{"name": "edge-one", "labels": map[string]string{}}), 200).JSON()
	if up["name"] != "edge-one" || len(up["labels"].(map[string]any)) != 0 {
		t.Fatalf("%v", up)
	}
	e.must(e.req(nil, "DELETE", "/v1/clusters/"+id, admin, nil), 200)
	e.must(e.req(nil, "GET", "/v1/clusters/"+id, admin, nil), 404)
	if r := e.req(nil, "GET", path, "", nil); r.Status != 404 {
		t.Fatalf("token of a deleted cluster still unlocks the manifest: %d", r.Status)
	}
}

func TestDirectClusterRegistration(t *testing.T) {
	c := testenv.Start(t, testenv.Options{Full: true, Nodes: 3})
	e := newEnv(t)
	admin := e.admin()
	kubeconfig, err := os.ReadFile(c.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	got := e.must(e.req(nil, "POST", "/v1/clusters", admin, map[string]any{"name": "lab", "kubeconfig": string(kubeconfig)}), 201)
	v := got.JSON()
	if v["state"] != "active" || v["connectedVia"] != "direct" || v["kubernetesVersion"] != "v1.37.2" || v["nodeCount"] != float64(3) {
		t.Fatalf("%v", v)
	}
	id := v["id"].(string)
	for _, r := range []resp{got, e.req(nil, "GET", "/v1/clusters/"+id, admin, nil), e.req(nil, "GET", "/v1/clusters", admin, nil)} {
		if strings.Contains(string(r.Body), c.AdminToken()) || strings.Contains(string(r.Body), "BEGIN") {
			t.Fatal("a credential left the server")
		}
	}
	if audit := e.must(e.req(nil, "GET", "/v1/audit?limit=500", admin, nil), 200); strings.Contains(string(audit.Body), c.AdminToken()) {
		t.Fatal("the kubeconfig's credential reached the audit log")
	}
	stored, err := e.store.GetSecret(context.Background(), kc.KubeconfigSecret(id))
	if err != nil || !bytes.Equal(stored, kubeconfig) {
		t.Fatalf("stored credential: %v", err)
	}
	forged := strings.ReplaceAll(string(kubeconfig), c.AdminToken(), "forged")
	for name, cfg := range map[string]string{
		"malformed": "apiVersion: v1\nclusters: [", "no context": "apiVersion: v1\nkind: Config\n",
		"forged": forged,
	} {
		r := e.req(nil, "POST", "/v1/clusters", admin, map[string]any{"name": "bad-" + strings.ReplaceAll(name, " ", "-"), "kubeconfig": cfg})
		if r.Status != 422 || !strings.HasPrefix(r.JSON()["message"].(string), "kubeconfig: ") {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	if list := e.must(e.req(nil, "GET", "/v1/clusters", admin, nil), 200).JSON()["items"].([]any); len(list) != 1 {
		t.Fatalf("a refused registration left a cluster behind: %v", list)
	}
	e.must(e.req(nil, "DELETE", "/v1/clusters/"+id, admin, nil), 200)
	if _, err := e.store.GetSecret(context.Background(), kc.KubeconfigSecret(id)); err == nil {
		t.Fatal("the credential outlived its cluster")
	}
}

func TestKubeconfigDownload(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	for _, n := range []string{"alpha", "beta"} {
		e.must(e.req(nil, "POST", "/v1/clusters", admin, map[string]any{"name": n}), 201)
	}
	r := e.must(e.req(nil, "GET", "/v1/kubeconfig?ttl=1h", admin, nil), 200)
	cfg, err := clientcmd.Load(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Contexts) != 2 || cfg.CurrentContext != "paddock-alpha" {
		t.Fatalf("contexts %v current %q", cfg.Contexts, cfg.CurrentContext)
	}
	for _, cl := range cfg.Clusters {
		if !strings.Contains(cl.Server, "/k8s/clusters/") || len(cl.CertificateAuthorityData) == 0 {
			t.Fatalf("cluster entry %+v", cl)
		}
	}
	var token string
	for _, u := range cfg.AuthInfos {
		token = u.Token
	}
	me := e.must(e.req(nil, "GET", "/v1/me", token, nil), 200).JSON()
	if me["username"] != "admin" {
		t.Fatal(me)
	}
	// The issued token is audited, and revoking it cuts access at once.
	evs := e.must(e.req(nil, "GET", "/v1/audit?action=kubeconfig.issue", admin, nil), 200).JSON()["items"].([]any)
	if len(evs) != 1 {
		t.Fatalf("kubeconfig issue not audited: %v", evs)
	}
	toks := e.must(e.req(nil, "GET", "/v1/tokens?kind=api", admin, nil), 200).JSON()["items"].([]any)
	e.must(e.req(nil, "DELETE", "/v1/tokens/"+toks[0].(map[string]any)["id"].(string), admin, nil), 204)
	if r := e.req(nil, "GET", "/v1/me", token, nil); r.Status != 401 {
		t.Fatalf("revoked kubeconfig token works: %d", r.Status)
	}
	for _, bad := range []string{"ttl=forever", "ttl=-1h", "ttl=100000h"} {
		if r := e.req(nil, "GET", "/v1/kubeconfig?"+bad, admin, nil); r.Status != 400 {
			t.Errorf("%s: %d", bad, r.Status)
		}
	}
	// A user without access gets an empty kubeconfig and 404 for one cluster.
	e.createUser(admin, "judy", "judys-password", false)
	judy := e.login("judy", "judys-password")
	cfg, _ = clientcmd.Load(e.must(e.req(nil, "GET", "/v1/kubeconfig", judy, nil), 200).Body)
	if len(cfg.Contexts) != 0 {
		t.Fatalf("judy sees %v", cfg.Contexts)
	}
	id := e.must(e.req(nil, "GET", "/v1/clusters", admin, nil), 200).JSON()["items"].([]any)[0].(map[string]any)["id"].(string)
	e.must(e.req(nil, "GET", "/v1/clusters/"+id+"/kubeconfig", judy, nil), 404)
	one, _ := clientcmd.Load(e.must(e.req(nil, "GET", "/v1/clusters/"+id+"/kubeconfig", admin, nil), 200).Body)
	if len(one.Contexts) != 1 {
		t.Fatalf("one-cluster kubeconfig: %v", one.Contexts)
	}
}

func TestAgentRegistrationTokenIsOneTime(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	created := e.must(e.req(nil, "POST", "/v1/clusters", admin, map[string]any{"name": "nat-1"}), 201).JSON()
	token := created["registration"].(map[string]any)["token"].(string)
	// Concurrent exchanges: exactly one wins.
	results := make(chan resp, 4)
	for i := 0; i < 4; i++ {
		go func() { results <- e.req(nil, "POST", "/v1/agent/register", "", map[string]string{"token": token}) }()
	}
	var agentToken string
	wins := 0
	for i := 0; i < 4; i++ {
		r := <-results
		switch r.Status {
		case 200:
			wins++
			agentToken = r.JSON()["agentToken"].(string)
			if r.JSON()["clusterID"] != created["id"] {
				t.Fatalf("%s", r.Body)
			}
		case 401:
		default:
			t.Fatalf("unexpected %d %s", r.Status, r.Body)
		}
	}
	if wins != 1 || !strings.HasPrefix(agentToken, "pda_") {
		t.Fatalf("%d winners", wins)
	}
	c, err := kc.AuthenticateAgent(context.Background(), e.store, agentToken)
	if err != nil || c.ID != created["id"] {
		t.Fatalf("agent credential: %v", err)
	}
	for _, bad := range []string{token, admin, "garbage", strings.Replace(agentToken, "pda_", "pdr_", 1)} {
		if _, err := kc.AuthenticateAgent(context.Background(), e.store, bad); err == nil {
			t.Errorf("%q authenticated as an agent", bad)
		}
	}
	// The used token no longer unlocks the manifest or a second exchange.
	e.must(e.req(nil, "GET", "/v1/import/"+token+".yaml", "", nil), 404)
	e.must(e.req(nil, "POST", "/v1/agent/register", "", map[string]string{"token": token}), 401)
	// An agent credential is not a user token.
	e.must(e.req(nil, "GET", "/v1/me", agentToken, nil), 401)
}

// otherChar returns a token character different from c (a changed last
// character must never be the token itself).
func otherChar(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}
