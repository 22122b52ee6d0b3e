package proxy_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/localcluster"
	"github.com/paddockhq/paddock/internal/proxy"
	"github.com/paddockhq/paddock/internal/testenv"
)

// memRecorder keeps what a session recorder is told.
type memRecorder struct {
	mu     sync.Mutex
	who    string
	target proxy.ExecTarget
	events []string
	closed bool
}

func (m *memRecorder) add(s string)    { m.mu.Lock(); m.events = append(m.events, s); m.mu.Unlock() }
func (m *memRecorder) Input(p []byte)  { m.add("i:" + string(p)) }
func (m *memRecorder) Output(p []byte) { m.add("o:" + string(p)) }
func (m *memRecorder) Resize(c, r int) { m.add(fmt.Sprintf("r:%dx%d", c, r)) }
func (m *memRecorder) Marker(l string) { m.add("m:" + l) }
func (m *memRecorder) Close() error    { m.mu.Lock(); m.closed = true; m.mu.Unlock(); return nil }

func (m *memRecorder) text() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.Join(m.events, "|")
}

// TestExecIsRecorded runs kubectl exec through the proxy with a recorder:
// stdin, stdout and the target are recorded for WebSocket streams; SPDY
// sessions are recorded as having happened.
func TestExecIsRecorded(t *testing.T) {
	var (
		mu   sync.Mutex
		recs []*memRecorder
	)
	h := newHarness(t, proxy.Options{Record: func(_ context.Context, p *auth.Principal, id string, tg proxy.ExecTarget) (proxy.Recorder, error) {
		m := &memRecorder{who: p.User.Username + "@" + id, target: tg}
		mu.Lock()
		recs = append(recs, m)
		mu.Unlock()
		return m, nil
	}})
	h.runningPod(t, podName)
	kubectl, err := localcluster.LookPath("", "kubectl")
	if err != nil {
		t.Fatal(err)
	}
	admin := h.kubeconfig(t, clusterID, "admin-token")
	last := func() *memRecorder {
		mu.Lock()
		defer mu.Unlock()
		if len(recs) == 0 {
			t.Fatal("no recording")
		}
		return recs[len(recs)-1]
	}

	// stdin to cat comes back on stdout: both directions are parsed.
	cmd := exec.Command(kubectl, "--kubeconfig="+admin, "--cache-dir="+t.TempDir(), "exec", "-i", podName, "-c", "web", "--", "head", "-n", "1")
	cmd.Stdin = strings.NewReader("hello-from-stdin\n")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "hello-from-stdin") {
		t.Fatalf("exec -i head: %v\n%s", err, out)
	}
	m := last()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(m.text(), "o:hello-from-stdin") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := m.text(); !strings.Contains(got, "i:hello-from-stdin") || !strings.Contains(got, "o:hello-from-stdin") {
		t.Errorf("recorded %q", got)
	}
	if m.who != "admin@"+clusterID || m.target != (proxy.ExecTarget{Namespace: "default", Pod: podName, Container: "web", Streamed: true}) {
		t.Errorf("recorded who %q target %+v", m.who, m.target)
	}

	// SPDY: the session is recorded, its bytes are not.
	runEnv(t, kubectl, admin, []string{"KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false"}, "exec", podName, "--", "echo", "spdy")
	if m := last(); m.target.Streamed || !strings.Contains(m.text(), "m:streams not recorded") {
		t.Errorf("SPDY: %+v %q", m.target, m.text())
	}

	// Other requests are not recorded.
	n := len(recs)
	if _, err := testenv.Kubectl(t, kubectl, admin, "get", "pods"); err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Error("a plain request was recorded")
	}
}
