package shell_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/paddockhq/paddock/internal/testenv"
)

// TestBrowserShell drives the shell the way the browser does, against a
// real cluster behind a real server.
func TestBrowserShell(t *testing.T) {
	needSandbox(t)
	kc := testenv.Start(t, testenv.Options{Name: "shell", Full: true})
	s := startServer(t)
	kubeconfig, err := os.ReadFile(kc.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	var c struct{ ID string }
	s.must("POST", "/v1/clusters", s.admin, map[string]any{"name": "lab", "kubeconfig": string(kubeconfig)}, 201, &c)
	var alice, bob struct{ ID string }
	s.must("POST", "/v1/users", s.admin, map[string]any{"username": "alice", "password": "alice-password-1"}, 201, &alice)
	s.must("POST", "/v1/users", s.admin, map[string]any{"username": "bob", "password": "bob-password-12"}, 201, &bob)
	s.must("POST", "/v1/bindings", s.admin, map[string]any{"subject": map[string]any{"kind": "User", "name": "alice"},
		"roleTemplate": "cluster-viewer", "cluster": c.ID}, 201, nil)
	aliceTok, bobTok := s.login("alice", "alice-password-1"), s.login("bob", "bob-password-12")
	var aliceShellToken string // printed in alice's shell

	t.Run("Handshake", func(t *testing.T) {
		// No credential: 401. A cluster bob may not reach does not exist.
		if _, resp, err := s.dial(c.ID, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous: %v %v", err, resp)
		}
		if _, resp, err := s.dial(c.ID, bearer(bobTok)); err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
			t.Errorf("bob: %v %v", err, resp)
		}
		// Cross-site WebSocket hijacking (CVE-2019-13209): the session
		// cookie from another origin, or with no Origin, is refused.
		cookie := func(origin string) http.Header {
			h := http.Header{"Cookie": {"__Host-paddock_session=" + aliceTok}}
			if origin != "" {
				h.Set("Origin", origin)
			}
			return h
		}
		for _, origin := range []string{"https://evil.example", "http://" + strings.TrimPrefix(s.app.URL(), "https://"),
			s.app.URL() + ".evil.example", "null", ""} {
			if _, resp, err := s.dial(c.ID, cookie(origin)); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Errorf("cookie with Origin %q: %v %v", origin, err, resp)
			}
		}
		h := bearer(aliceTok)
		h.Set("Origin", "https://evil.example")
		if _, resp, err := s.dial(c.ID, h); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("bearer with a foreign Origin: %v %v", err, resp)
		}
		tm := s.open(t, c.ID, cookie(s.app.URL()))
		tm.send("exit\r")
		tm.closed(10 * time.Second)
	})

	t.Run("AsTheUser", func(t *testing.T) {
		tm := s.open(t, c.ID, bearer(aliceTok))
		if ctrl := tm.control(); len(ctrl) == 0 || ctrl[0]["type"] != "ready" || ctrl[0]["recording"] == "" {
			t.Fatalf("first control message: %v", ctrl)
		}
		who := waitRun(t, tm, "kubectl auth whoami -o jsonpath={.status.userInfo.username}", "paddock:user:"+alice.ID, 30*time.Second)
		t.Logf("whoami: %q", who)
		if out := tm.run("kubectl create configmap nope"); !strings.Contains(out, "Forbidden") && !strings.Contains(out, "forbidden") {
			t.Errorf("a viewer creates: %q", out)
		}
		if out := tm.run("kubectl get secrets -n kube-system"); !strings.Contains(out, "forbidden") {
			t.Errorf("a viewer reads secrets: %q", out)
		}
		// The sandbox reaches nothing but the relay: not the cluster's
		// apiserver, not the server's own port.
		for _, server := range []string{kc.URL(), s.app.URL()} {
			out := tm.run("kubectl --request-timeout=5s --insecure-skip-tls-verify --server " + server + " get ns")
			if !strings.Contains(out, "Unable to connect") && !strings.Contains(out, "refused") {
				t.Errorf("--server %s: %q", server, out)
			}
		}
		token := strings.TrimSpace(tm.run("kubectl config view --raw -o jsonpath={.users[0].user.token}"))
		if !strings.HasPrefix(token, "pdk_") {
			t.Fatalf("session token: %q", token)
		}
		aliceShellToken = token
		// The token reaches the Kubernetes proxy, never Paddock's own API
		// (where it could mint a longer-lived token).
		proxied := "/k8s/clusters/" + c.ID + "/api"
		if code := s.status("GET", proxied, token); code != 200 {
			t.Fatalf("the session token through the proxy during the session: %d", code)
		}
		if code := s.status("GET", "/v1/me", token); code != http.StatusForbidden {
			t.Fatalf("the session token on /v1 during the session: %d", code)
		}
		tm.send("kubectl get ns\r")
		time.Sleep(50 * time.Millisecond)
		tm.c.Close(websocket.StatusNormalClosure, "tab closed")
		deadline := time.Now().Add(10 * time.Second)
		for s.status("GET", proxied, token) != http.StatusUnauthorized {
			if time.Now().After(deadline) {
				t.Fatal("the session token still works after the shell closed")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	t.Run("FilesAndPrompts", func(t *testing.T) {
		// A pod of the kwok cluster: its exec runs in kc's exec folder.
		if err := os.WriteFile(filepath.Join(kc.Local().ExecDir(), "cm.yaml"),
			[]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: copied}\ndata: {a: b}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		tm := s.open(t, c.ID, bearer(s.admin))
		waitRun(t, tm, "kubectl run web --image=nginx", "created", 30*time.Second)
		waitRun(t, tm, "kubectl wait --for=condition=Ready pod/web --timeout=60s", "condition met", 90*time.Second)
		tm.run("kubectl cp web:cm.yaml ./cm.yaml")
		if out := tm.run("kubectl apply -f ./cm.yaml"); !strings.Contains(out, "configmap/copied created") {
			t.Fatalf("apply of a copied file: %q", out)
		}
		// Writing outside the scratch folder fails and reaches nothing on
		// the host.
		for _, dst := range []string{"/etc/paddock-escaped.yaml", "../../../../root/paddock-escaped.yaml", "/tmp/paddock-escaped.yaml"} {
			tm.run("kubectl cp web:cm.yaml " + dst)
		}
		for _, p := range []string{"/etc/paddock-escaped.yaml", "/root/paddock-escaped.yaml", "/tmp/paddock-escaped.yaml"} {
			if _, err := os.Stat(p); err == nil {
				os.Remove(p)
				t.Errorf("kubectl cp wrote %s on the host", p)
			}
		}
		// y/n prompts read the terminal.
		from := len(tm.output())
		tm.send("kubectl delete configmap copied --interactive\r")
		tm.waitFrom(from, "(y/N)", 30*time.Second)
		tm.send("y\r")
		if out := tm.waitFrom(from, "$ ", 30*time.Second); !strings.Contains(out, "deleted") {
			t.Errorf("interactive delete: %q", out)
		}
		tm.send("exit\r")
		tm.closed(10 * time.Second)
	})

	t.Run("Recordings", func(t *testing.T) {
		var list struct {
			Items []struct {
				ID, Kind, Username, ClusterID string
				EndedAt                       *time.Time
			}
		}
		s.must("GET", "/v1/recordings?user=alice&kind=shell", s.admin, nil, 200, &list)
		if len(list.Items) == 0 || list.Items[0].Username != "alice" || list.Items[0].ClusterID != c.ID || list.Items[0].EndedAt == nil {
			t.Fatalf("alice's recordings: %+v", list.Items)
		}
		var rec struct {
			Recording struct{ ID string }
			Cast      string
		}
		s.must("GET", "/v1/recordings/"+list.Items[0].ID, s.admin, nil, 200, &rec)
		for _, want := range []string{`"version":2`, `"width":120`, `"i","kubectl auth whoami`, `"o","paddock:user:` + alice.ID} {
			if !strings.Contains(rec.Cast, want) {
				t.Errorf("the recording lacks %s:\n%s", want, rec.Cast)
			}
		}
		// The session's token, printed, is not in the recording.
		if aliceShellToken == "" || strings.Contains(rec.Cast, aliceShellToken) || !strings.Contains(rec.Cast, `"o","pdk_[REDACTED]`) {
			t.Errorf("the recording holds the session token %q:\n%s", aliceShellToken, rec.Cast)
		}
		// Only audit-read may read recordings.
		if code := s.status("GET", "/v1/recordings", aliceTok); code != http.StatusForbidden {
			t.Errorf("alice lists recordings: %d", code)
		}
		if code := s.status("GET", "/v1/recordings/"+list.Items[0].ID, aliceTok); code != http.StatusForbidden {
			t.Errorf("alice reads a recording: %d", code)
		}
		var audit struct {
			Items []struct{ Action, Actor string }
		}
		s.must("GET", "/v1/audit?action=shell.*&actor=alice", s.admin, nil, 200, &audit)
		if len(audit.Items) < 2 || audit.Items[0].Action != "shell.end" {
			t.Errorf("audit: %+v", audit.Items)
		}
	})

	t.Run("SessionCap", func(t *testing.T) {
		var open []*terminal
		for range 3 {
			open = append(open, s.open(t, c.ID, bearer(s.admin)))
		}
		if _, resp, err := s.dial(c.ID, bearer(s.admin)); err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("a 4th shell: %v %v", err, resp)
		}
		for _, tm := range open {
			tm.send("exit\r")
			tm.closed(10 * time.Second)
		}
		tm := s.open(t, c.ID, bearer(s.admin)) // places are given back
		tm.send("exit\r")
		tm.closed(10 * time.Second)
	})

	t.Run("PasteDuringWatch", func(t *testing.T) {
		tm := s.open(t, c.ID, bearer(s.admin))
		token := strings.TrimSpace(tm.run("kubectl config view --raw -o jsonpath={.users[0].user.token}"))
		from := len(tm.output())
		tm.send("kubectl get ns -w\r")
		tm.waitFrom(from, "kube-system", 60*time.Second)
		chunk := strings.Repeat("y", 64<<10)
		for range 16 { // 1 MiB that kubectl never reads
			tm.send(chunk)
		}
		tm.waitFrom(from, "input dropped", 10*time.Second)
		tm.c.Close(websocket.StatusNormalClosure, "tab closed")
		proxied := "/k8s/clusters/" + c.ID + "/api"
		deadline := time.Now().Add(5 * time.Second)
		for s.status("GET", proxied, token) != http.StatusUnauthorized {
			if time.Now().After(deadline) {
				t.Fatal("the session did not end: its token still works")
			}
			time.Sleep(100 * time.Millisecond)
		}
		var audit struct {
			Items []struct {
				Action string
				Detail map[string]any
			}
		}
		for deadline = time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			s.must("GET", "/v1/audit?action=shell.*&actor=admin", s.admin, nil, 200, &audit)
			if len(audit.Items) > 0 && audit.Items[0].Action == "shell.end" && audit.Items[0].Detail["reason"] == "closed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no shell.end audited: %+v", audit.Items)
			}
		}
	})

	t.Run("SignOutEndsTheShell", func(t *testing.T) {
		tok := s.login("alice", "alice-password-1")
		tm := s.open(t, c.ID, bearer(tok))
		s.must("POST", "/v1/auth/logout", tok, nil, 204, nil)
		tm.closed(10 * time.Second)
		if ctrl := tm.control(); ctrl[len(ctrl)-1]["reason"] != "expired" || !strings.Contains(tm.output(), "signed out") {
			t.Errorf("control %v, output %q", ctrl, tm.output())
		}
	})

	t.Run("ServerShutdown", func(t *testing.T) {
		tm := s.open(t, c.ID, bearer(aliceTok))
		s.stop()
		tm.closed(15 * time.Second)
		ctrl := tm.control()
		if last := ctrl[len(ctrl)-1]; last["type"] != "exit" || last["reason"] != "shutdown" ||
			!strings.Contains(tm.output(), "the server is shutting down") {
			t.Errorf("control %v, output %q", ctrl, tm.output())
		}
	})
}

// waitRun runs line until its output contains want (the RBAC sync may
// still be writing the user's roles).
func waitRun(t *testing.T, tm *terminal, line, want string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		out := tm.run(line)
		if strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %q, want %q", line, out, want)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
