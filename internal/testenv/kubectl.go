package testenv

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// KubectlTimeout bounds one [Kubectl] run.
const KubectlTimeout = 60 * time.Second

// Kubectl runs the kubectl binary bin with the given kubeconfig and
// arguments and returns its combined stdout and stderr. Each test gets its
// own discovery cache (kubectl's default, ~/.kube/cache, would be shared by
// every test and every cluster on the machine). A non-zero exit is returned
// as an error that includes the output; the test is not failed, so tests can
// assert on expected denials.
func Kubectl(t testing.TB, bin, kubeconfig string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), KubectlTimeout)
	defer cancel()
	full := append([]string{"--kubeconfig=" + kubeconfig, "--cache-dir=" + kubectlCache(t)}, args...)
	cmd := exec.CommandContext(ctx, bin, full...)
	cmd.Env = append(cmd.Environ(), "KUBECONFIG="+kubeconfig)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %w\n%s", bin, strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

var kubectlCaches = struct {
	sync.Mutex
	dirs map[testing.TB]string
}{dirs: map[testing.TB]string{}}

// kubectlCache returns a discovery cache folder for this test.
func kubectlCache(t testing.TB) string {
	kubectlCaches.Lock()
	defer kubectlCaches.Unlock()
	if dir, ok := kubectlCaches.dirs[t]; ok {
		return dir
	}
	dir := t.TempDir()
	kubectlCaches.dirs[t] = dir
	t.Cleanup(func() {
		kubectlCaches.Lock()
		delete(kubectlCaches.dirs, t)
		kubectlCaches.Unlock()
	})
	return dir
}

// StartKubectl starts a long-running kubectl (watch, logs -f,
// port-forward) and returns its output lines; the test's cleanup kills it.
func StartKubectl(t testing.TB, bin, kubeconfig string, env []string, args ...string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig=" + kubeconfig, "--cache-dir=" + t.TempDir()}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); pw.Close(); close(done) }()
	t.Cleanup(func() { cancel(); pr.Close(); <-done })
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}

// WaitLine returns the first line containing sub, failing after 20 s.
func WaitLine(t testing.TB, lines <-chan string, sub string) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	var seen []string
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("kubectl exited before printing %q:\n%s", sub, strings.Join(seen, "\n"))
			}
			if strings.Contains(l, sub) {
				return l
			}
			seen = append(seen, l)
		case <-timeout:
			t.Fatalf("no line with %q in 20 s:\n%s", sub, strings.Join(seen, "\n"))
		}
	}
}
