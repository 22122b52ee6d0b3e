package proxy_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/paddockhq/paddock/internal/proxy"
	"github.com/paddockhq/paddock/internal/testenv"
)

// TestProxy runs every scenario against one shared cluster.
func TestProxy(t *testing.T) {
	h := newHarness(t, proxy.Options{})
	h.runningPod(t, podName)
	for i, bin := range testenv.KubectlBinaries(t) {
		name := "kubectl-toolchain"
		if bin == testenv.SystemKubectl {
			name = "kubectl-system"
		}
		t.Run(name, func(t *testing.T) {
			testKubectl(t, h, bin, i)
		})
	}
	t.Run("identity", func(t *testing.T) { testIdentity(t, h) })
	t.Run("smuggling", func(t *testing.T) { testSmuggling(t, h) })
	t.Run("upgrade-identity", func(t *testing.T) { testUpgradeIdentity(t, h) })
	t.Run("errors", func(t *testing.T) { testErrors(t, h) })
	t.Run("inert", func(t *testing.T) { testInert(t, h) })
	t.Run("large-list", func(t *testing.T) { testLargeList(t, h) })
}

// testKubectl drives one kubectl binary through the proxy. Binary i uses
// its own object names, and the second one speaks SPDY for exec and
// port-forward (the first the default, WebSocket).
func testKubectl(t *testing.T, h *harness, bin string, i int) {
	admin := h.kubeconfig(t, clusterID, "admin-token")
	alice := h.kubeconfig(t, clusterID, "alice-token")
	bob := h.kubeconfig(t, clusterID, "bob-token")
	suffix := string(rune('a' + i))
	var env []string
	if i == 1 {
		env = []string{"KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false", "KUBECTL_PORT_FORWARD_WEBSOCKETS=false"}
	}
	run := func(t *testing.T, kubeconfig string, args ...string) string {
		t.Helper()
		out, err := testenv.Kubectl(t, bin, kubeconfig, args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := func(t *testing.T, out string, subs ...string) {
		t.Helper()
		for _, s := range subs {
			if !strings.Contains(out, s) {
				t.Fatalf("output lacks %q:\n%s", s, out)
			}
		}
	}

	t.Run("get-ns", func(t *testing.T) { want(t, run(t, admin, "get", "ns"), "default", "kube-system") })
	t.Run("discovery", func(t *testing.T) {
		want(t, run(t, admin, "api-resources"), "configmaps", "rolebindings", "selfsubjectreviews")
	})
	t.Run("explain", func(t *testing.T) { want(t, run(t, admin, "explain", "configmap.data"), "FIELD: data") })
	t.Run("apply", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "cm.yaml")
		manifest := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: NAME\ndata:\n  k: v\n"
		if err := os.WriteFile(file, []byte(strings.ReplaceAll(manifest, "NAME", "applied-"+suffix)), 0o644); err != nil {
			t.Fatal(err)
		}
		want(t, run(t, admin, "apply", "-f", file), "configmap/applied-"+suffix+" created")
		ssa := filepath.Join(t.TempDir(), "ssa.yaml")
		if err := os.WriteFile(ssa, []byte(strings.ReplaceAll(manifest, "NAME", "ssa-"+suffix)), 0o644); err != nil {
			t.Fatal(err)
		}
		want(t, run(t, admin, "apply", "--server-side", "-f", ssa), "configmap/ssa-"+suffix+" serverside-applied")
	})
	t.Run("watch", func(t *testing.T) {
		lines := testenv.StartKubectl(t, bin, admin, nil, "get", "configmaps", "--watch", "-o", "name")
		testenv.WaitLine(t, lines, "configmap/kube-root-ca.crt")
		name := "watched-" + suffix
		_, err := h.cluster.Client().CoreV1().ConfigMaps("default").Create(context.Background(),
			&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		testenv.WaitLine(t, lines, "configmap/"+name)
	})
	t.Run("logs", func(t *testing.T) {
		want(t, run(t, admin, "logs", podName), "hello from testenv", "second line")
		lines := testenv.StartKubectl(t, bin, admin, nil, "logs", "-f", podName)
		testenv.WaitLine(t, lines, "second line")
		line := "followed line " + suffix
		if err := h.cluster.AppendPodLog(line); err != nil {
			t.Fatal(err)
		}
		testenv.WaitLine(t, lines, line)
	})
	t.Run("exec", func(t *testing.T) {
		out := runEnv(t, bin, admin, env, "exec", podName, "--", "echo", "hi")
		if strings.TrimSpace(out) != "hi" {
			t.Fatalf("exec printed %q", out)
		}
	})
	t.Run("port-forward", func(t *testing.T) {
		lines := testenv.StartKubectl(t, bin, admin, env, "port-forward", "pod/"+podName, ":80")
		line := testenv.WaitLine(t, lines, "Forwarding from 127.0.0.1:")
		addr := regexp.MustCompile(`127\.0\.0\.1:\d+`).FindString(line)
		resp, err := http.Get("http://" + addr + "/through-paddock")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want(t, string(body), testenv.PortForwardBanner, "/through-paddock")
	})
	t.Run("alice-view", func(t *testing.T) {
		want(t, run(t, alice, "get", "configmaps"), "kube-root-ca.crt")
		out, err := testenv.Kubectl(t, bin, alice, "create", "configmap", "alice-"+suffix)
		if err == nil {
			t.Fatalf("alice created a configmap:\n%s", out)
		}
		// The real apiserver decides, for the impersonated user.
		want(t, out, `User "paddock:user:u-alice" cannot create resource "configmaps"`)
		out, err = testenv.Kubectl(t, bin, alice, "exec", podName, "--", "echo", "hi")
		if err == nil {
			t.Fatalf("alice could exec:\n%s", out)
		}
		want(t, out, "forbidden")
	})
	t.Run("bob-denied", func(t *testing.T) {
		// Discovery errors print as "unknown" in kubectl whoever writes
		// them (its discovery decoder negotiates no media type), so ask
		// for a path without discovery to see Paddock's message.
		out, err := testenv.Kubectl(t, bin, bob, "get", "configmaps")
		if err == nil {
			t.Fatalf("bob got through:\n%s", out)
		}
		want(t, out, "Forbidden")
		if i != 0 {
			return // kubectl v1.32 get --raw drops the server URL's path
		}
		out, _ = testenv.Kubectl(t, bin, bob, "get", "--raw", "/api/v1/namespaces/default/configmaps")
		want(t, out, `Error from server (Forbidden): paddock: user "bob" may not access cluster "c1"`)
	})
	t.Run("no-token", func(t *testing.T) {
		out, err := testenv.Kubectl(t, bin, h.kubeconfig(t, clusterID, "mallory"), "get", "configmaps")
		if err == nil {
			t.Fatalf("anonymous got through:\n%s", out)
		}
		want(t, out, "You must be logged in to the server")
	})
	t.Run("unknown-cluster", func(t *testing.T) {
		out, err := testenv.Kubectl(t, bin, h.kubeconfig(t, "nope", "admin-token"), "get", "configmaps")
		if err == nil {
			t.Fatalf("unknown cluster answered:\n%s", out)
		}
		want(t, out, "NotFound")
		if i != 0 {
			return // kubectl v1.32 get --raw drops the server URL's path
		}
		out, _ = testenv.Kubectl(t, bin, h.kubeconfig(t, "nope", "admin-token"), "get", "--raw", "/api")
		want(t, out, `Error from server (NotFound): paddock: cluster "nope" not found`)
	})
}

// runEnv is testenv.Kubectl with extra environment variables.
func runEnv(t *testing.T, bin, kubeconfig string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testenv.KubectlTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig=" + kubeconfig, "--cache-dir=" + t.TempDir()}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
