package shell

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestKubectlReachesOnlyTheRelay(t *testing.T) {
	f := newFakeServer(t)
	r := needSandbox(t, f.config(t))
	tm, s := serve(t, r, Spec{ClusterID: "c1", ClusterName: "lab", Token: "pdk_session-token"})

	began := time.Now()
	out := tm.run("kubectl get --raw /version")
	if !strings.Contains(out, "v1.99.0-fake") {
		t.Fatalf("kubectl through the relay: %q", out)
	}
	t.Logf("one sandboxed kubectl round trip: %s", time.Since(began).Round(time.Millisecond))
	seen := f.requests()
	if len(seen) == 0 || seen[len(seen)-1] != "/k8s/clusters/c1/version Bearer pdk_session-token" {
		t.Fatalf("the server saw %q", seen)
	}

	// Any other address is unreachable: the host's loopback (another
	// server listening there), the fake's real port, the outside world.
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the sandbox reached a host server: %s", r.URL)
	}))
	defer other.Close()
	for _, server := range []string{other.URL, "https://" + f.Listener.Addr().String(), "https://1.1.1.1", "https://example.com"} {
		out := tm.run("kubectl --request-timeout=5s --insecure-skip-tls-verify --server " + server + " get --raw /version")
		if strings.Contains(out, "v1.99.0-fake") || !strings.Contains(strings.ToLower(out), "unable to connect") &&
			!strings.Contains(out, "refused") && !strings.Contains(out, "unreachable") && !strings.Contains(out, "lookup") {
			t.Errorf("--server %s: %q", server, out)
		}
	}

	// The scratch folder is HOME and survives between commands.
	if err := os.WriteFile(filepath.Join(s.Home(), "cm.yaml"), []byte("kind: ConfigMap"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = tm.run("kubectl apply --dry-run=client -f ./cm.yaml")
	if strings.Contains(out, "does not exist") || strings.Contains(out, "no such file") {
		t.Errorf("a file in HOME is not found: %q", out)
	}
	out = tm.run("kubectl config view --minify -o jsonpath={.clusters[0].cluster.server}")
	if !strings.Contains(out, "https://127.0.0.1:6443/k8s/clusters/c1") {
		t.Errorf("kubeconfig server: %q", out)
	}
}

func TestSandboxHidesTheHost(t *testing.T) {
	f := newFakeServer(t)
	r := needSandbox(t, f.config(t))
	tm, s := serve(t, r, Spec{ClusterID: "c1", ClusterName: "lab", Token: "pdk_x"})

	secretDir := t.TempDir() // like the server's data dir
	secret := filepath.Join(secretDir, "encryption.key")
	if err := os.WriteFile(secret, []byte("top secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	hostKubeconfig := filepath.Join(secretDir, "admin.kubeconfig")
	if err := os.WriteFile(hostKubeconfig, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ line, want string }{
		{"kubectl apply --dry-run=client -f /etc/passwd", "does not exist"},
		{"kubectl create secret generic x --dry-run=client --from-file=" + secret, "no such file"},
		{"kubectl --kubeconfig " + hostKubeconfig + " get pods", "no such file"},
		{"kubectl apply --dry-run=client -f " + f.config(t).ScratchRoot, "does not exist"},
	} {
		if out := tm.run(tc.line); !strings.Contains(out, tc.want) || strings.Contains(out, "top secret") {
			t.Errorf("%s: %q, want %q", tc.line, out, tc.want)
		}
	}

	// A plugin on the host's PATH is not found.
	plugin := "/usr/local/bin/kubectl-paddocktestevil"
	if err := os.WriteFile(plugin, []byte("#!/bin/sh\necho PWNED > /tmp/paddock-plugin-ran\n"), 0o755); err == nil {
		defer os.Remove(plugin)
		if out := tm.run("kubectl paddocktestevil"); strings.Contains(out, "PWNED") || !strings.Contains(out, "unknown command") {
			t.Errorf("a host plugin: %q", out)
		}
		if out := tm.run("kubectl plugin list"); strings.Contains(out, "paddocktestevil") {
			t.Errorf("plugin list shows the host's plugin: %q", out)
		}
	} else {
		t.Logf("cannot place a plugin in /usr/local/bin (%v); not checking plugins", err)
	}

	// Nothing but the scratch folder is writable: kubectl's own cache goes
	// there, and writing elsewhere fails.
	if out := tm.run("kubectl config set-context other --kubeconfig /etc/paddock/kubeconfig"); !strings.Contains(out, "read-only") {
		t.Errorf("the kubeconfig is writable: %q", out)
	}
	if out := tm.run("kubectl config set-context other --kubeconfig /etc/new.kubeconfig"); !strings.Contains(out, "read-only") {
		t.Errorf("the root is writable: %q", out)
	}
	if _, err := os.Stat("/etc/new.kubeconfig"); err == nil {
		t.Fatal("a file appeared in the host's /etc")
	}
	if out := tm.run("kubectl config set-context other --kubeconfig ./mine.kubeconfig"); strings.Contains(out, "error") {
		t.Errorf("writing in HOME: %q", out)
	}
	if st, err := os.Stat(filepath.Join(s.Home(), "mine.kubeconfig")); err != nil {
		t.Errorf("the file written in HOME is not in the scratch folder: %v", err)
	} else if os.Geteuid() == 0 && st.Sys() != nil {
		if uid := fileUID(st); uid < DefaultUIDBase {
			t.Errorf("files are written as uid %d, not a sandbox uid", uid)
		}
	}
}

func TestFrontEnd(t *testing.T) {
	f := newFakeServer(t)
	r := needSandbox(t, f.config(t))
	tm, s := serve(t, r, Spec{ClusterID: "c1", ClusterName: "lab", Token: "pdk_x"})
	if out := tm.run("ls -la"); !strings.Contains(out, "ls: command not found") {
		t.Errorf("ls: %q", out)
	}
	if out := tm.run("kubectl get pods | grep x"); !strings.Contains(out, "pipes (|)") {
		t.Errorf("a pipe: %q", out)
	}
	if out := tm.run("help"); !strings.Contains(out, "no expansion, no\r\npipes") {
		t.Errorf("help: %q", out)
	}
	// Editing: backspace and ^U; the typed line is what runs.
	start := len(tm.output())
	tm.in <- []byte("kubectx\x7f\x7fctl versoin\x15kubectl get --raw '/ver'sion\r")
	tm.waitFrom(start, "v1.99.0-fake", 30*time.Second)
	tm.waitFrom(len(tm.output())-20, "$ ", 30*time.Second)
	if out := tm.output()[start:]; !strings.Contains(out, "\r\x1b[Kkubectl@lab$ kubectl get --raw '/ver'sion\r\n") {
		t.Errorf("edited line: %q", out)
	}
	// ^C drops a line; ^D on an empty line ends the session.
	tm.in <- []byte("kubectl delete everything\x03")
	tm.wait("^C\r\n", 5*time.Second)
	home := s.Home()
	tm.in <- []byte{0x04}
	select {
	case err := <-tm.done:
		tm.done <- err
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("^D did not end the session")
	}
	s.Close()
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("the scratch folder outlived the session: %v", err)
	}
}

func TestUnavailableSaysWhy(t *testing.T) {
	r := New(Config{Kubectl: "/nonexistent/kubectl", Bwrap: "/nonexistent/bwrap", Relay: "127.0.0.1:1", ServerName: "x", CAPEM: []byte("x")})
	err := r.Available()
	if err == nil || !strings.Contains(err.Error(), "bwrap /nonexistent/bwrap is not an executable file") ||
		!strings.Contains(err.Error(), "kubectl /nonexistent/kubectl") {
		t.Fatalf("%v", err)
	}
	if _, err := r.Open(Spec{}); err == nil {
		t.Fatal("Open on an unavailable runner")
	}
	var nilRunner *Runner
	if nilRunner.Available() == nil {
		t.Fatal("a nil runner is available")
	}
}

func TestIdleSessionEnds(t *testing.T) {
	f := newFakeServer(t)
	cfg := f.config(t)
	cfg.Idle = 300 * time.Millisecond
	r := needSandbox(t, cfg)
	tm, _ := serve(t, r, Spec{ClusterID: "c1", ClusterName: "lab", Token: "pdk_x"})
	select {
	case err := <-tm.done:
		tm.done <- err
		if err != ErrIdle || !strings.Contains(tm.output(), "without activity") {
			t.Fatalf("%v %q", err, tm.output())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("an idle session stayed open")
	}
}
