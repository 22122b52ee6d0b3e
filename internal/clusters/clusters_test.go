package clusters_test

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/paddockhq/paddock/internal/clusters"
	"github.com/paddockhq/paddock/internal/testenv"
)

func TestParseKubeconfigRefusesBadInput(t *testing.T) {
	good := `apiVersion: v1
kind: Config
current-context: c
clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: ""}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {token: abc}}]
`
	if _, err := clusters.ParseKubeconfig([]byte(good)); err != nil {
		t.Fatalf("good kubeconfig refused: %v", err)
	}
	cases := map[string]string{
		"":                    "empty",
		"clusters: [unclosed": "not valid YAML",
		strings.Replace(good, "current-context: c", "", 1):                                                                  "no current-context",
		strings.Replace(good, "current-context: c", "current-context: x", 1):                                                "not defined",
		strings.Replace(good, "{cluster: k, user: u}", "{cluster: nope, user: u}", 1):                                       "cluster \"nope\"",
		strings.Replace(good, `certificate-authority-data: ""`, "certificate-authority: /etc/ca.pem", 1):                    "points to a file",
		strings.Replace(good, "{token: abc}", "{tokenFile: /var/run/secrets/token}", 1):                                     "tokenFile",
		strings.Replace(good, "{token: abc}", "{exec: {command: /bin/sh, apiVersion: client.authentication.k8s.io/v1}}", 1): "exec credential plugins",
		strings.Replace(good, "{token: abc}", "{token: abc, as: root}", 1):                                                  "must not impersonate",
		strings.Replace(good, "{token: abc}", "{}", 1):                                                                      "no credential",
		strings.Replace(good, "https://127.0.0.1:6443", "ftp://x", 1):                                                       "invalid server URL",
		strings.Repeat("#", clusters.MaxKubeconfigBytes+1):                                                                  "larger than",
	}
	for input, want := range cases {
		_, err := clusters.ParseKubeconfig([]byte(input))
		var kerr *clusters.KubeconfigError
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want error containing %q, got %v", want, err)
		} else if !asKubeconfigError(err, &kerr) {
			t.Errorf("%q: not a KubeconfigError: %T", want, err)
		}
	}
}

func asKubeconfigError(err error, target **clusters.KubeconfigError) bool {
	e, ok := err.(*clusters.KubeconfigError)
	*target = e
	return ok
}

func TestProbeAndManifestAgainstARealCluster(t *testing.T) {
	c := testenv.Start(t, testenv.Options{Full: true, Nodes: 2})
	ctx := context.Background()
	admin, err := os.ReadFile(c.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clusters.ParseKubeconfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	facts, err := clusters.Probe(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if facts.KubernetesVersion != "v1.37.2" || facts.NodeCount != 2 || facts.Capacity["cpu"] == "" || facts.Capacity["pods"] == "" {
		t.Fatalf("facts %+v", facts)
	}
	// Credentials the cluster rejects.
	raw, _ := clientcmd.Load(admin)
	for _, u := range raw.AuthInfos {
		u.Token, u.ClientCertificateData, u.ClientKeyData = "forged-token", nil, nil
	}
	forged, _ := clientcmd.Write(*raw)
	cfg, err = clusters.ParseKubeconfig(forged)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clusters.Probe(ctx, cfg); err == nil || !strings.Contains(err.Error(), "rejected the kubeconfig's credentials") {
		t.Fatalf("forged token: %v", err)
	}
	// A user without rights.
	weak, _ := os.ReadFile(c.UserKubeconfig("nobody"))
	cfg, _ = clusters.ParseKubeconfig(weak)
	if _, err := clusters.Probe(ctx, cfg); err == nil || !strings.Contains(err.Error(), "may not read namespaces") {
		t.Fatalf("weak user: %v", err)
	}
	// An unreachable server.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	for _, cl := range raw.Clusters {
		cl.Server = "https://" + addr
	}
	gone, _ := clientcmd.Write(*raw)
	cfg, _ = clusters.ParseKubeconfig(gone)
	if _, err := clusters.Probe(ctx, cfg); err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("unreachable: %v", err)
	}

	// The import manifest applies cleanly with the real kubectl, and grants
	// the agent exactly its powers.
	manifest, err := clusters.Manifest(clusters.ManifestOptions{ServerURL: "https://paddock.example:8443",
		CAChecksum: strings.Repeat("a", 64), Token: "pdr_test", Image: "paddock:dev", ClusterID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	file := t.TempDir() + "/import.yaml"
	os.WriteFile(file, manifest, 0o600)
	for _, bin := range testenv.KubectlBinaries(t) {
		if out, err := testenv.Kubectl(t, bin, c.Kubeconfig(), "apply", "-f", file); err != nil {
			t.Fatalf("%s apply: %v\n%s", bin, err, out)
		}
	}
	sa := "system:serviceaccount:" + clusters.AgentNamespace + ":" + clusters.AgentName
	can := func(args ...string) string {
		out, _ := testenv.Kubectl(t, testenv.SystemKubectl, c.Kubeconfig(), append([]string{"auth", "can-i", "--as", sa}, args...)...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		return strings.TrimSpace(lines[len(lines)-1]) // after any "not namespace scoped" warning
	}
	for _, a := range [][]string{{"impersonate", "users"}, {"impersonate", "groups"}, {"create", "clusterrolebindings"},
		{"bind", "clusterroles"}, {"escalate", "clusterroles"}, {"patch", "namespaces"}, {"create", "namespaces"}, {"list", "nodes"},
		{"create", "resourcequotas", "-n", "default"}, {"watch", "resourcequotas", "-A"}, {"delete", "rolebindings", "-n", "default"}} {
		if got := can(a...); got != "yes" {
			t.Errorf("agent cannot %v: %s", a, got)
		}
	}
	for _, a := range [][]string{{"get", "secrets", "-A"}, {"create", "pods", "-n", "default"}, {"delete", "namespaces"}} {
		if got := can(a...); got != "no" {
			t.Errorf("agent can %v: %s", a, got)
		}
	}
	out, err := testenv.Kubectl(t, testenv.SystemKubectl, c.Kubeconfig(), "-n", clusters.AgentNamespace, "get", "deployment,secret,serviceaccount", "-o", "name")
	if err != nil || !strings.Contains(out, "deployment.apps/paddock-agent") || !strings.Contains(out, "secret/paddock-agent") {
		t.Fatalf("objects: %v %s", err, out)
	}
}

func TestParseKubeconfigRefusesOddTargets(t *testing.T) {
	base := `apiVersion: v1
kind: Config
current-context: c
clusters: [{name: k, cluster: {server: "SERVER"}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {token: abc}}]
`
	for server, want := range map[string]string{
		"https://169.254.169.254": "link-local",
		"https://[fe80::1]:6443":  "link-local",
		"https://0.0.0.0:6443":    "unspecified",
		"https://224.0.0.1:6443":  "multicast",
	} {
		_, err := clusters.ParseKubeconfig([]byte(strings.Replace(base, "SERVER", server, 1)))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", server, err)
		}
	}
	withProxy := strings.Replace(strings.Replace(base, "SERVER", "https://10.0.0.1:6443", 1), `server: "https://10.0.0.1:6443"`, `server: "https://10.0.0.1:6443", proxy-url: "http://evil:3128"`, 1)
	if _, err := clusters.ParseKubeconfig([]byte(withProxy)); err == nil || !strings.Contains(err.Error(), "proxy-url") {
		t.Errorf("proxy-url: %v", err)
	}
}
