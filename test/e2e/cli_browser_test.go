package e2e

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/testenv"
)

// TestCLIBrowserLogin signs in from the terminal through an OpenID
// Provider (zitadel's OP, in-process): `paddock login --provider corp
// --no-browser` prints a URL; the test plays the browser (Paddock → OP →
// Paddock → the CLI's loopback listener); the CLI trades the code with its
// verifier for a session and writes exec-plugin contexts. A stolen code is
// useless without the verifier.
func TestCLIBrowserLogin(t *testing.T) {
	op := testenv.StartOIDCProvider(t, testenv.OIDCOptions{Users: []testenv.OIDCUser{
		{Username: "dale", Subject: "sub-dale-1", FirstName: "Dale", LastName: "Cooper", Email: "dale@fbi.example", Groups: []string{"twinpeaks"}},
	}})
	cluster := testenv.Start(t, testenv.Options{Name: "tp"})
	s := start(t, options{env: bootstrapEnv})
	admin := s.login("admin", bootstrapPassword)
	kube, _ := os.ReadFile(cluster.Kubeconfig())
	var C clusterView
	s.must("POST", "/v1/clusters", admin, map[string]any{"name": "lodge", "kubeconfig": string(kube)}, 201, &C)
	var view struct{ CallbackURL string }
	s.must("PUT", "/v1/auth/providers/corp", admin, map[string]any{"type": "oidc", "issuer": op.Issuer(), "clientID": "cli-client",
		"clientSecret": "cli-secret", "caPEM": op.CAPEM(), "scopes": []string{"openid", "profile", "email", "groups"}}, 200, &view)
	op.SetClient(testenv.OIDCClient{ID: "cli-client", Secret: "cli-secret", RedirectURIs: []string{view.CallbackURL}, ClaimsInIDToken: true})
	s.must("POST", "/v1/bindings", admin, map[string]any{"subject": map[string]any{"kind": "Group", "name": "corp:twinpeaks"},
		"roleTemplate": "cluster-viewer", "cluster": C.ID}, 201, nil)

	dir, kubeconfig := t.TempDir(), filepath.Join(t.TempDir(), "config")
	sum := sha256.Sum256(s.CAPEM)
	cmd := exec.Command(binary, "login", "--server", s.URL, "--provider", "corp", "--no-browser",
		"--ca-checksum", hex.EncodeToString(sum[:]), "--kubeconfig", kubeconfig, "--config-dir", dir)
	cmd.Env = cleanEnv()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := bufio.NewScanner(stdout)
	var signInURL string
	for lines.Scan() {
		if u := regexp.MustCompile(`https://\S+/login\?cli_port=\d+&cli_challenge=\S+`).FindString(lines.Text()); u != "" {
			signInURL = u
			break
		}
	}
	if signInURL == "" {
		t.Fatalf("paddock login printed no sign-in URL: %s", stderr.String())
	}
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(stdout); rest <- string(b) }()

	// The browser: Paddock → OP → Paddock's callback → the CLI's loopback.
	b := s.newBrowser(true)
	authURL := b.visit("GET", signInURL, nil).redirect(t, op.Issuer()+"/authorize?")
	cb := op.Login(t, authURL, "dale").String()
	// Paddock asks the person to confirm it is their own paddock login
	// (someone else on this machine could be the one listening); no code
	// reaches the port before that.
	page := b.visit("GET", cb, nil).want(t, 200).body
	if !strings.Contains(page, "dale") || !strings.Contains(page, "port "+regexp.MustCompile(`cli_port=(\d+)`).FindStringSubmatch(signInURL)[1]) {
		t.Fatalf("confirmation page:\n%s", page)
	}
	grant := regexp.MustCompile(`name="grant" value="([^"]+)"`).FindStringSubmatch(page)[1]
	b.origin = s.URL
	if h := b.visit("POST", "/v1/auth/providers/corp/cli-confirm", url.Values{"grant": {grant + "x"}}); h.status != 401 {
		t.Fatalf("a tampered grant: HTTP %d", h.status)
	}
	loopback := b.visit("POST", "/v1/auth/providers/corp/cli-confirm", url.Values{"grant": {grant}}).redirect(t, "http://127.0.0.1:")
	// An attacker holding the code but not the verifier gets nothing.
	code := regexp.MustCompile(`code=([^&]+)`).FindStringSubmatch(loopback)[1]
	status, _, _ := s.call(t.Context(), "POST", "/v1/auth/cli/exchange", "", map[string]any{"code": mustUnescape(t, code),
		"verifier": strings.Repeat("A", 43)})
	if status != http.StatusUnauthorized {
		t.Fatalf("code exchanged without the verifier: HTTP %d", status)
	}
	resp, err := http.Get(loopback)
	if err != nil {
		t.Fatalf("the CLI's listener: %v", err)
	}
	resp.Body.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("paddock login: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("paddock login did not finish after the browser came back")
	}
	t.Logf("paddock login:\n%s", <-rest)
	data, _ := os.ReadFile(kubeconfig)
	if strings.Contains(string(data), "pdk_") || !strings.Contains(string(data), "paddock-lodge") {
		t.Fatalf("kubeconfig:\n%s", data)
	}
	eventually(t, 15*time.Second, "dale reads the cluster", func() error {
		out, err := testenv.Kubectl(t, testenv.SystemKubectl, kubeconfig, "--context", "paddock-lodge", "get", "pods", "-A")
		if err != nil {
			return &kubectlError{out: out, err: err}
		}
		return nil
	})
	if out, err := testenv.Kubectl(t, testenv.SystemKubectl, kubeconfig, "--context", "paddock-lodge", "create", "configmap", "x"); err == nil {
		t.Fatalf("a viewer wrote: %s", out)
	}
}

type kubectlError struct {
	out string
	err error
}

func (e *kubectlError) Error() string { return e.err.Error() + ": " + e.out }

func mustUnescape(t *testing.T, s string) string {
	t.Helper()
	u, err := url.QueryUnescape(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
