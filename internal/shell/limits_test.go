package shell

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cgValue reads a number from the session's cgroup (v1 path form
// "ctl/file", v2 "file"); -1 when it is not there.
func cgValue(s *Session, v1, v2 string) int64 {
	for _, d := range s.cg.dirs {
		p := filepath.Join(d, v2)
		if !s.r.cg.v2 {
			ctl, file, _ := strings.Cut(v1, "/")
			if filepath.Base(filepath.Dir(filepath.Dir(d))) != ctl {
				continue
			}
			p = filepath.Join(d, file)
		}
		if b, err := os.ReadFile(p); err == nil {
			n, _ := strconv.ParseInt(strings.Fields(string(b))[0], 10, 64)
			return n
		}
	}
	return -1
}

func needCgroup(t *testing.T, r *Runner) {
	t.Helper()
	if w := r.Warning(); w != "" {
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("%s (%s is set)", w, RequireEnv)
		}
		t.Skip(w)
	}
}

// The exec credential plugin fork bomb: a kubeconfig whose credential is
// kubectl with that kubeconfig again. The kuberc denies plugins; with a
// kubectl that ignored it, the cgroup holds the bomb to its limits.
func TestForkBombIsBounded(t *testing.T) {
	f := newFakeServer(t)
	cfg := f.config(t)
	cfg.Limits = Limits{Memory: 256 << 20, Pids: 64, CPU: 0.5}
	r := needSandbox(t, cfg)
	needCgroup(t, r)
	tm, s := serve(t, r, Spec{ClusterID: "c1", ClusterName: "lab", Token: "pdk_x"})
	for _, line := range []string{
		"kubectl config --kubeconfig /home/paddock/x set-cluster c --server=https://127.0.0.1:6443 --insecure-skip-tls-verify",
		"kubectl config --kubeconfig /home/paddock/x set-context c --cluster=c --user=u",
		"kubectl config --kubeconfig /home/paddock/x use-context c",
		"kubectl config --kubeconfig /home/paddock/x set-credentials u --exec-api-version=client.authentication.k8s.io/v1 " +
			"--exec-interactive-mode=Never --exec-command=/usr/bin/kubectl --exec-arg=--kubeconfig --exec-arg=/home/paddock/x --exec-arg=get --exec-arg=--raw --exec-arg=/version",
	} {
		if out := tm.run(line); strings.Contains(out, "error") {
			t.Fatalf("%s: %q", line, out)
		}
	}
	if out := tm.run("kubectl --kubeconfig ./x get --raw /version"); !strings.Contains(out, "not allowed") {
		t.Errorf("the kuberc did not deny the plugin: %q", out)
	}
	if out := tm.run("kubectl --kuberc=/home/paddock/k get --raw /version"); !strings.Contains(out, "--kuberc is not allowed") {
		t.Errorf("--kuberc: %q", out)
	}

	// A kubectl that ignores the kuberc: the cgroup is the bound.
	if err := os.WriteFile(filepath.Join(s.dir, "kuberc"), []byte(strings.Replace(kuberc, "DenyAll", "AllowAll", 1)), 0o444); err != nil {
		t.Fatal(err)
	}
	start := len(tm.output())
	tm.in <- []byte("kubectl --kubeconfig ./x get --raw /version\r")
	deadline := time.Now().Add(8 * time.Second)
	var most int64
	for time.Now().Before(deadline) {
		most = max(most, cgValue(s, "pids/pids.current", "pids.current"))
		if strings.Contains(tm.output()[start:], "$ ") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(tm.output()[start:], "$ ") {
		tm.in <- []byte{0x03}
		tm.waitFrom(start+10, "$ ", 30*time.Second)
	}
	peakPids := cgValue(s, "pids/pids.peak", "pids.peak")
	peakMem := cgValue(s, "memory/memory.max_usage_in_bytes", "memory.peak")
	t.Logf("fork bomb: pids now-max %d, peak %d; memory peak %d MiB", most, peakPids, peakMem>>20)
	if most > 64 || peakPids > 64 || peakMem > 256<<20 {
		t.Errorf("the bomb passed the limits: pids %d/%d, memory %d", most, peakPids, peakMem)
	}
	if peakPids < 20 {
		t.Errorf("the bomb did not run (peak %d processes): the test tests nothing", peakPids)
	}
	// The session goes on; its cgroup goes with it.
	if out := tm.run("kubectl get --raw /version"); !strings.Contains(out, "v1.99.0-fake") {
		t.Errorf("after the bomb: %q", out)
	}
	dirs := append([]string(nil), s.cg.dirs...)
	s.Close()
	for _, d := range dirs {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("cgroup %s outlived the session: %v", d, err)
		}
	}
}

func TestSessionCaps(t *testing.T) {
	f := newFakeServer(t)
	cfg := f.config(t)
	cfg.MaxPerUser, cfg.MaxSessions = 3, 5
	r := needSandbox(t, cfg)
	open := func(user string) (*Session, error) {
		s, err := r.Open(Spec{ClusterID: "c1", ClusterName: "lab", Token: "pdk_x", User: user})
		if err == nil {
			t.Cleanup(s.Close)
		}
		return s, err
	}
	var alices []*Session
	for range 3 {
		s, err := open("alice")
		if err != nil {
			t.Fatal(err)
		}
		alices = append(alices, s)
	}
	if _, err := open("alice"); !errors.Is(err, ErrTooMany) || !strings.Contains(err.Error(), "3 shells open") {
		t.Fatalf("a 4th shell of alice: %v", err)
	}
	for range 2 {
		if _, err := open("bob"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := open("carol"); !errors.Is(err, ErrTooMany) {
		t.Fatalf("a 6th shell in all: %v", err)
	}
	alices[0].Close()
	alices[0].Close() // idempotent: frees one place only
	if _, err := open("alice"); err != nil {
		t.Fatalf("after one closed: %v", err)
	}
}

// Input pasted while the command does not read it is dropped past a bound;
// the session still ends at once.
func TestPasteToABusyCommand(t *testing.T) {
	f := newFakeServer(t)
	r := needSandbox(t, f.config(t))
	tm, _ := serve(t, r, Spec{ClusterID: "c1", ClusterName: "lab", Token: "pdk_x"})
	tm.in <- []byte("kubectl get --raw /slow\r")
	time.Sleep(time.Second)
	chunk := []byte(strings.Repeat("x", 64<<10))
	for range 16 { // 1 MiB
		select {
		case tm.in <- chunk:
		case <-time.After(5 * time.Second):
			t.Fatal("the session stopped taking input")
		}
	}
	tm.wait("input dropped", 10*time.Second)
	close(tm.in)
	select {
	case err := <-tm.done:
		tm.done <- err
	case <-time.After(5 * time.Second):
		t.Fatal("the session did not end")
	}
}

// A command filling the scratch folder is stopped while it runs.
func TestScratchBoundWhileRunning(t *testing.T) {
	f := newFakeServer(t)
	cfg := f.config(t)
	cfg.MaxScratch = 8 << 20
	r := needSandbox(t, cfg)
	tm, s := serve(t, r, Spec{ClusterID: "c1", ClusterName: "lab", Token: "pdk_x"})
	start := len(tm.output())
	tm.in <- []byte("kubectl get --raw /slow\r") // stands for kubectl cp
	time.Sleep(time.Second)
	// What kubectl cp would write (the sandbox uid owns HOME).
	if err := os.WriteFile(filepath.Join(s.Home(), "big"), make([]byte, 9<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	out := tm.waitFrom(start, "$ ", 10*time.Second)
	if !strings.Contains(out, "took more than 8 MiB") {
		t.Errorf("%q", out)
	}
	if _, err := os.Stat(filepath.Join(s.Home(), "big")); !os.IsNotExist(err) {
		t.Errorf("the scratch folder was not emptied: %v", err)
	}
}

// Without a cgroup the runner says so and kubectl still works under the
// lower per-process limits.
func TestWithoutCgroup(t *testing.T) {
	f := newFakeServer(t)
	cfg := f.config(t)
	cfg.CgroupRoot = "none"
	r := needSandbox(t, cfg)
	if w := r.Warning(); !strings.Contains(w, "no cgroup") || !strings.Contains(w, "64 processes") {
		t.Errorf("warning: %q", w)
	}
	tm, _ := serve(t, r, Spec{ClusterID: "c1", ClusterName: "lab", Token: "pdk_x"})
	if out := tm.run("kubectl get --raw /version"); !strings.Contains(out, "v1.99.0-fake") {
		t.Errorf("kubectl under prlimit only: %q", out)
	}
}
