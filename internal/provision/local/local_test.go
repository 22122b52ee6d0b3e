package local

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// processesUnder returns "pid: cmdline" of every process whose command
// line mentions dir.
func processesUnder(t *testing.T, dir string) []string {
	t.Helper()
	pids, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, path := range pids {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // gone meanwhile
		}
		if bytes.Contains(data, []byte(dir)) {
			found = append(found, filepath.Base(filepath.Dir(path))+": "+string(bytes.ReplaceAll(data, []byte{0}, []byte{' '})))
		}
	}
	return found
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != want {
		t.Errorf("%s has mode %v, want %v", path, st.Mode().Perm(), want)
	}
}

// TestManagerLifecycle runs one cluster through Ensure (twice), Scale,
// Stop and Ensure again (a Paddock restart), and Delete.
func TestManagerLifecycle(t *testing.T) {
	ctx := context.Background()
	m := &Manager{Root: filepath.Join(t.TempDir(), "clusters"), Log: testLogger()}
	defer m.StopAll()
	const id = "c-1"

	began := time.Now()
	c, err := m.Ensure(ctx, id, Params{Nodes: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Ensure (create, 2 nodes): %s", time.Since(began).Round(time.Millisecond))
	if got := c.NodeNames(); len(got) != 2 {
		t.Errorf("nodes = %v, want 2", got)
	}
	checkMode(t, m.Root, 0o700)
	checkMode(t, m.Dir(id), 0o700)
	if !strings.HasPrefix(c.Dir(), m.Dir(id)+string(os.PathSeparator)) {
		t.Errorf("cluster dir %s is not under %s", c.Dir(), m.Dir(id))
	}

	began = time.Now()
	again, err := m.Ensure(ctx, id, Params{Nodes: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Ensure (running, same params): %s", time.Since(began).Round(time.Millisecond))
	if again != c {
		t.Error("a second Ensure returned another cluster")
	}
	if got, ok := m.Get(id); !ok || got != c {
		t.Errorf("Get = %v, %v; want the running cluster", got, ok)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kept"}, Data: map[string]string{"k": "v"}}
	if _, err := c.Client().CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	began = time.Now()
	if err := m.Scale(ctx, id, 4); err != nil {
		t.Fatal(err)
	}
	t.Logf("Scale 2 -> 4: %s", time.Since(began).Round(time.Millisecond))
	if got := c.NodeNames(); len(got) != 4 {
		t.Errorf("nodes after Scale(4) = %v", got)
	}
	// Ensure with other params scales the running cluster.
	if again, err := m.Ensure(ctx, id, Params{Nodes: 3}); err != nil || again != c {
		t.Fatalf("Ensure with 3 nodes: %v (same cluster: %v)", err, again == c)
	}
	if got := c.NodeNames(); len(got) != 3 {
		t.Errorf("nodes after Ensure(3) = %v", got)
	}
	if ids, err := m.OnDisk(); err != nil || !slices.Equal(ids, []string{id}) {
		t.Errorf("OnDisk = %v, %v", ids, err)
	}

	// Paddock's shutdown, then its restart.
	began = time.Now()
	m.StopAll()
	t.Logf("StopAll: %s", time.Since(began).Round(time.Millisecond))
	if _, ok := m.Get(id); ok {
		t.Error("Get finds a stopped cluster")
	}
	if procs := processesUnder(t, m.Dir(id)); len(procs) > 0 {
		t.Errorf("processes left after Stop:\n%s", strings.Join(procs, "\n"))
	}
	if _, err := os.Stat(filepath.Join(m.Dir(id), "cluster", "etcd")); err != nil {
		t.Errorf("Stop removed the cluster's data: %v", err)
	}
	if err := m.Scale(ctx, id, 2); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Scale of a stopped cluster: %v, want ErrNotRunning", err)
	}
	if err := m.Stop(id); err != nil {
		t.Errorf("Stop of a stopped cluster: %v", err)
	}

	m2 := &Manager{Root: m.Root, Log: testLogger()} // a new server process
	defer m2.StopAll()
	ids, err := m2.OnDisk()
	if err != nil || !slices.Equal(ids, []string{id}) {
		t.Fatalf("OnDisk after the restart = %v, %v", ids, err)
	}
	began = time.Now()
	c2, err := m2.Ensure(ctx, id, Params{Nodes: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Ensure (restart of the kept cluster, 3 -> 2 nodes): %s", time.Since(began).Round(time.Millisecond))
	if !c2.Restarted() {
		t.Error("Ensure after Stop started a new cluster instead of the kept one")
	}
	if got, err := c2.Client().CoreV1().ConfigMaps("default").Get(ctx, "kept", metav1.GetOptions{}); err != nil || got.Data["k"] != "v" {
		t.Errorf("the ConfigMap after the restart: %v, %v", got, err)
	}
	if got := c2.NodeNames(); len(got) != 2 {
		t.Errorf("nodes after the restart = %v, want 2", got)
	}
	list, err := c2.Client().CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 2 {
		t.Errorf("the restarted cluster has %d nodes (%v), want 2", len(list.Items), err)
	}

	// A crash: every component SIGKILLed. Ensure notices and restarts the
	// kept cluster.
	for _, pid := range c2.PIDs() {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	time.Sleep(200 * time.Millisecond) // let the supervisor reap them
	if err := c2.Check(); err == nil {
		t.Fatal("Check reports no problem after every component was killed")
	}
	began = time.Now()
	c3, err := m2.Ensure(ctx, id, Params{Nodes: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Ensure (restart after SIGKILL of every component): %s", time.Since(began).Round(time.Millisecond))
	if c3 == c2 || !c3.Restarted() {
		t.Errorf("Ensure after a crash: same cluster %v, restarted %v", c3 == c2, c3.Restarted())
	}
	if _, err := c3.Client().CoreV1().ConfigMaps("default").Get(ctx, "kept", metav1.GetOptions{}); err != nil {
		t.Errorf("the ConfigMap after a crash: %v", err)
	}

	began = time.Now()
	if err := m2.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	t.Logf("Delete: %s", time.Since(began).Round(time.Millisecond))
	if _, err := os.Stat(m2.Dir(id)); !os.IsNotExist(err) {
		t.Errorf("the cluster's directory survived Delete (%v)", err)
	}
	if procs := processesUnder(t, m2.Dir(id)); len(procs) > 0 {
		t.Errorf("processes left after Delete:\n%s", strings.Join(procs, "\n"))
	}
	if _, ok := m2.Get(id); ok {
		t.Error("Get finds a deleted cluster")
	}
	if err := m2.Delete(ctx, id); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	if ids, err := m2.OnDisk(); err != nil || len(ids) != 0 {
		t.Errorf("OnDisk after Delete = %v, %v", ids, err)
	}
}

// TestManagerRefusals covers what needs no running cluster: bad ids and
// params, missing binaries, a half-created cluster.
func TestManagerRefusals(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "clusters")
	m := &Manager{Root: root, Log: testLogger()}

	long := strings.Repeat("a", 65)
	for _, id := range []string{"", "..", "../x", "a/b", "A", "a.b", "a_b", "x\x00", long, "/abs"} {
		if _, err := m.Ensure(ctx, id, Params{Nodes: 1}); err == nil || !strings.Contains(err.Error(), "invalid id") {
			t.Errorf("Ensure(%q): %v", id, err)
		}
		if err := m.Scale(ctx, id, 1); err == nil {
			t.Errorf("Scale(%q) succeeded", id)
		}
		if err := m.Stop(id); err == nil {
			t.Errorf("Stop(%q) succeeded", id)
		}
		if err := m.Delete(ctx, id); err == nil {
			t.Errorf("Delete(%q) succeeded", id)
		}
	}
	if err := ValidateID(strings.Repeat("a", 64)); err != nil {
		t.Errorf("a 64-character id: %v", err)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("refused calls created %s (%v)", root, err)
	}

	for _, n := range []int{0, -1, 51} {
		err := Params{Nodes: n}.Validate()
		if err == nil || !strings.Contains(err.Error(), "between 1 and 50") {
			t.Errorf("Params{Nodes: %d}.Validate() = %v", n, err)
		}
		if _, err := m.Ensure(ctx, "ok", Params{Nodes: n}); err == nil {
			t.Errorf("Ensure with %d nodes succeeded", n)
		}
		if err := m.Scale(ctx, "ok", n); err == nil {
			t.Errorf("Scale to %d nodes succeeded", n)
		}
	}
	for _, n := range []int{1, 50} {
		if err := (Params{Nodes: n}).Validate(); err != nil {
			t.Errorf("Params{Nodes: %d}: %v", n, err)
		}
	}

	noBins := &Manager{Root: root, BinDir: t.TempDir()}
	for name, err := range map[string]error{
		"CheckBinaries": noBins.CheckBinaries(),
		"Ensure":        func() error { _, err := noBins.Ensure(ctx, "x", Params{Nodes: 1}); return err }(),
	} {
		if err == nil || !strings.Contains(err.Error(), "make toolchain") {
			t.Errorf("%s without binaries: %v; want it to mention `make toolchain`", name, err)
		}
	}
	if err := m.CheckBinaries(); err != nil {
		t.Errorf("CheckBinaries with the toolchain: %v", err)
	}

	// A half-created cluster: a directory with junk and half a PKI. Ensure
	// refuses it (it will not guess), Delete removes it.
	half := filepath.Join(root, "half", "cluster")
	if err := os.MkdirAll(half, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(root, "half", "junk"), filepath.Join(half, "serving-ca.key")} {
		if err := os.WriteFile(f, []byte("junk"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(root, "Not_An_Id"), 0o700)
	os.WriteFile(filepath.Join(root, "file"), nil, 0o600)
	if ids, err := m.OnDisk(); err != nil || !slices.Equal(ids, []string{"half"}) {
		t.Errorf("OnDisk = %v, %v; want [half]", ids, err)
	}
	if _, err := m.Ensure(ctx, "half", Params{Nodes: 1}); err == nil || !strings.Contains(err.Error(), "partial") {
		t.Errorf("Ensure on half a PKI: %v", err)
	}
	if _, ok := m.Get("half"); ok {
		t.Error("a failed Ensure left a running cluster")
	}
	if procs := processesUnder(t, filepath.Join(root, "half")); len(procs) > 0 {
		t.Errorf("processes left by a failed Ensure:\n%s", strings.Join(procs, "\n"))
	}
	if err := m.Delete(ctx, "half"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "half")); !os.IsNotExist(err) {
		t.Errorf("Delete left the half-created directory (%v)", err)
	}
	if err := m.Delete(ctx, "never-existed"); err != nil {
		t.Errorf("Delete of an unknown id: %v", err)
	}
	(&Manager{Root: filepath.Join(root, "missing")}).StopAll() // nothing to stop
	if ids, err := (&Manager{Root: filepath.Join(root, "missing")}).OnDisk(); err != nil || ids != nil {
		t.Errorf("OnDisk without a Root = %v, %v", ids, err)
	}
}
