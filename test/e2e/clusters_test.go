package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/testenv"
)

// agentProc is one `paddock agent` process.
type agentProc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	log    string
}

func startAgent(t *testing.T, s *server, token, kubeconfig, stateFile, checksum string) *agentProc {
	t.Helper()
	a := &agentProc{exited: make(chan struct{}), log: filepath.Join(t.TempDir(), "agent.log")}
	out := createFile(t, a.log)
	a.cmd = exec.Command(binary, "agent", "--server", s.URL, "--token", token, "--kubeconfig", kubeconfig,
		"--state-file", stateFile, "--ca-checksum", checksum)
	a.cmd.Env, a.cmd.Stdout, a.cmd.Stderr = cleanEnv(), out, out
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.cmd.Wait(); out.Close(); close(a.exited) }()
	t.Cleanup(func() {
		a.kill()
		if t.Failed() {
			data, _ := os.ReadFile(a.log)
			t.Logf("--- agent log ---\n%s", tail(data, 6000))
		}
	})
	return a
}

func (a *agentProc) kill() {
	select {
	case <-a.exited:
	default:
		_ = a.cmd.Process.Kill()
		<-a.exited
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

type clusterView struct {
	ID, Name, State, StateReason, ConnectedVia, KubernetesVersion string
	NodeCount                                                     int
	Registration                                                  *struct{ Token, ManifestURL string }
}

func (s *server) waitState(token, id, want string, within time.Duration) clusterView {
	s.t.Helper()
	deadline := time.Now().Add(within)
	var c clusterView
	for {
		s.must("GET", "/v1/clusters/"+id, token, nil, 200, &c)
		if c.State == want {
			return c
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("cluster %s stayed %q (%s), want %q", c.Name, c.State, c.StateReason, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestClustersBehindOneURL registers cluster A through the agent tunnel and
// cluster B directly, then drives the real kubectl through the server with
// the kubeconfig it generates.
func TestClustersBehindOneURL(t *testing.T) {
	cs := testenv.StartAll(t, testenv.Options{Name: "a", Full: true}, testenv.Options{Name: "b", Full: true})
	a, b := cs[0], cs[1]
	s := start(t, options{env: bootstrapEnv})
	admin := s.login("admin", bootstrapPassword)
	sum := sha256.Sum256(s.CAPEM)
	checksum := hex.EncodeToString(sum[:])

	var ca clusterView
	s.must("POST", "/v1/clusters", admin, map[string]any{"name": "alpha"}, 201, &ca)
	kubeB, _ := os.ReadFile(b.Kubeconfig())
	var cb clusterView
	s.must("POST", "/v1/clusters", admin, map[string]any{"name": "beta", "kubeconfig": string(kubeB)}, 201, &cb)

	// A wrong CA checksum is refused by the agent; a used token by the server.
	state := filepath.Join(t.TempDir(), "agent-state")
	bad := startAgent(t, s, ca.Registration.Token, a.Kubeconfig(), state, strings.Repeat("0", 64))
	select {
	case <-bad.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("an agent with a wrong CA checksum kept running")
	}
	if log, _ := os.ReadFile(bad.log); !strings.Contains(string(log), "checksum") {
		t.Fatalf("wrong checksum not explained:\n%s", log)
	}
	// A forged registration token is refused, and the agent says so and stops.
	forged := startAgent(t, s, "pdr_"+strings.Repeat("A", 43), a.Kubeconfig(), filepath.Join(t.TempDir(), "f"), checksum)
	select {
	case <-forged.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("an agent with a forged token kept running")
	}
	if log, _ := os.ReadFile(forged.log); !strings.Contains(string(log), "refused the registration token") {
		t.Fatalf("forged token not explained:\n%s", log)
	}
	agent := startAgent(t, s, ca.Registration.Token, a.Kubeconfig(), state, checksum)
	got := s.waitState(admin, ca.ID, "active", 20*time.Second)
	if got.KubernetesVersion != "v1.37.2" || got.NodeCount != 1 {
		t.Fatalf("agent cluster facts: %+v", got)
	}

	// The generated kubeconfig reaches both clusters with the real kubectl.
	var kubeconfig string
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body, err := s.call(t.Context(), "GET", "/v1/kubeconfig", admin, nil)
		if err != nil {
			t.Fatal(err)
		}
		kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
		os.WriteFile(kubeconfig, body, 0o600)
		out, err := testenv.Kubectl(t, testenv.SystemKubectl, kubeconfig, "--context", "paddock-alpha", "get", "ns", "default")
		if err == nil {
			break
		}
		if time.Now().After(deadline) { // the admin binding is written on first contact
			t.Fatalf("kubectl through the tunnel: %v\n%s", err, out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, ctx := range []string{"paddock-alpha", "paddock-beta"} {
		kubectl := func(args ...string) string {
			t.Helper()
			out, err := testenv.Kubectl(t, testenv.SystemKubectl, kubeconfig, append([]string{"--context", ctx}, args...)...)
			if err != nil {
				t.Fatalf("%s: kubectl %v: %v\n%s", ctx, args, err, out)
			}
			return out
		}
		kubectl("get", "ns")
		kubectl("create", "configmap", "hello", "--from-literal=k=v")
		if out := kubectl("get", "configmap", "hello", "-o", "jsonpath={.data.k}"); out != "v" {
			t.Fatalf("%s: %q", ctx, out)
		}
		kubectl("create", "deployment", "web", "--image=nginx")
		kubectl("rollout", "status", "deployment/web", "--timeout=60s")
		if out := kubectl("exec", "deploy/web", "--", "echo", "hi-"+ctx); !strings.Contains(out, "hi-"+ctx) {
			t.Fatalf("%s exec: %q", ctx, out)
		}
		kubectl("logs", "deploy/web")
		// apply -f, watch and port-forward (SPDY) through the same path.
		manifest := filepath.Join(t.TempDir(), "cm.yaml")
		os.WriteFile(manifest, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied}\ndata: {a: b}\n"), 0o600)
		kubectl("apply", "-f", manifest)
		watch := testenv.StartKubectl(t, testenv.SystemKubectl, kubeconfig, nil, "--context", ctx, "get", "configmaps", "--watch", "-o", "name")
		testenv.WaitLine(t, watch, "configmap/applied")
		kubectl("create", "configmap", "watched")
		testenv.WaitLine(t, watch, "configmap/watched")
		pf := testenv.StartKubectl(t, testenv.SystemKubectl, kubeconfig, nil, "--context", ctx, "port-forward", "deploy/web", ":80")
		addr := regexp.MustCompile(`127\.0\.0\.1:\d+`).FindString(testenv.WaitLine(t, pf, "Forwarding from 127.0.0.1:"))
		_, body, err := get(http.DefaultClient, "http://"+addr+"/via-"+ctx)
		if err != nil || !strings.Contains(string(body), testenv.PortForwardBanner) {
			t.Fatalf("%s port-forward: %v %q", ctx, err, body)
		}
		who := kubectl("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
		if !strings.HasPrefix(who, "paddock:user:") {
			t.Fatalf("%s: the cluster sees %q", ctx, who)
		}
	}

	// Losing the agent makes A unavailable; it comes back by itself.
	agent.kill()
	s.waitState(admin, ca.ID, "unavailable", 15*time.Second)
	startAgent(t, s, ca.Registration.Token, a.Kubeconfig(), state, checksum) // uses the stored credential
	s.waitState(admin, ca.ID, "active", 15*time.Second)
	// Restart the server: the agent reconnects without help.
	s.stop()
	s = s.restart()
	began := time.Now()
	s.waitState(admin, ca.ID, "active", 20*time.Second)
	deadline = time.Now().Add(20 * time.Second)
	for {
		out, err := testenv.Kubectl(t, testenv.SystemKubectl, kubeconfig, "--context", "paddock-alpha", "get", "configmap", "hello")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a server restart: %v\n%s", err, out)
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Logf("kubectl works again %s after the server restart", time.Since(began).Round(100*time.Millisecond))

	// Metrics show the clusters and the tunnel.
	_, metrics, _ := get(s.Client, s.URL+"/metrics")
	for _, want := range []string{`paddock_cluster_state{cluster="` + ca.ID + `",connected_via="agent",name="alpha",state="active"} 1`,
		`paddock_clusters{state="active"} 2`, "paddock_tunnel_sessions 1"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// A user without access is refused by Paddock on both clusters, even
	// holding a kubeconfig that names them.
	s.createUser(admin, "mallory", "mallorys-password", false)
	mallory := s.login("mallory", "mallorys-password")
	data, _ := os.ReadFile(kubeconfig)
	var adminToken string
	s.must("GET", "/v1/me", admin, nil, 200, nil)
	for _, line := range strings.Split(string(data), "\n") {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "token: ") {
			adminToken = strings.TrimPrefix(t, "token: ")
		}
	}
	stolen := filepath.Join(t.TempDir(), "mallory")
	os.WriteFile(stolen, []byte(strings.ReplaceAll(string(data), adminToken, mallory)), 0o600)
	for _, ctx := range []string{"paddock-alpha", "paddock-beta"} {
		out, err := testenv.Kubectl(t, testenv.SystemKubectl, stolen, "--context", ctx, "get", "configmaps")
		if err == nil || !strings.Contains(out, "Forbidden") {
			t.Errorf("%s: mallory got %v\n%s", ctx, err, out)
		}
	}

	// An administrator who still has to change a temporary password gets no
	// cluster access either.
	s.must("POST", "/v1/users", admin, map[string]any{"username": "newadmin", "password": "temporary-pass-1", "admin": true, "mustChangePassword": true}, 201, nil)
	pending := filepath.Join(t.TempDir(), "newadmin")
	os.WriteFile(pending, []byte(strings.ReplaceAll(string(data), adminToken, s.login("newadmin", "temporary-pass-1"))), 0o600)
	if out, err := testenv.Kubectl(t, testenv.SystemKubectl, pending, "--context", "paddock-beta", "get", "configmaps"); err == nil || !strings.Contains(out, "Forbidden") {
		t.Errorf("an admin with a temporary password reached a cluster: %v\n%s", err, out)
	}

	// Deleting the clusters removes Paddock's objects downstream and cuts
	// the agent off.
	for _, c := range []clusterView{ca, cb} {
		var del struct {
			RemovedFromCluster bool
			Message            string
		}
		s.must("DELETE", "/v1/clusters/"+c.ID, admin, nil, 200, &del)
		if !del.RemovedFromCluster {
			t.Errorf("%s: %s", c.Name, del.Message)
		}
	}
	for _, c := range []*testenv.Cluster{a, b} {
		out, err := testenv.Kubectl(t, testenv.SystemKubectl, c.Kubeconfig(), "get", "clusterrolebinding", "paddock-admins")
		if err == nil || !strings.Contains(out, "NotFound") {
			t.Errorf("%s: the admin binding survived: %s", c.Name(), out)
		}
	}
	if out, err := testenv.Kubectl(t, testenv.SystemKubectl, kubeconfig, "--context", "paddock-alpha", "get", "ns"); err == nil {
		t.Errorf("a deleted cluster is still reachable:\n%s", out)
	}
}
