package bench

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"github.com/paddockhq/paddock/internal/apitest"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/paddockhq/paddock/internal/app"
	"github.com/paddockhq/paddock/internal/config"
)

// EnvVar gates every measurement in this package.
const EnvVar = "PADDOCK_BENCH"

func gate(t *testing.T) {
	if os.Getenv(EnvVar) == "" {
		t.Skipf("benchmark: set %s=1 to run it (make bench does)", EnvVar)
	}
}

// server is an in-process Paddock server and an admin session on it.
type server struct {
	t        *testing.T
	app      *app.App
	http     *http.Client
	admin    string
	checksum string
	logPath  string
}

func startServer(t *testing.T) *server {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Defaults()
	cfg.Listen, cfg.DataDir, cfg.BootstrapPassword = "127.0.0.1:0", dir, "bench-password-1234"
	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// The access log stays on (at info, to a file) as in production.
	log := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// The access log goes to slog's default logger (internal/httpx), not to
	// the one given to app.Start; keep it out of the table's output.
	prev := slog.Default()
	slog.SetDefault(log)
	t.Cleanup(func() { slog.SetDefault(prev) })
	a, err := app.Start(t.Context(), cfg, log, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Shutdown(ctx)
		logFile.Close()
	})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(a.CAPEM())
	sum := sha256.Sum256(a.CAPEM())
	s := &server{t: t, app: a, checksum: hex.EncodeToString(sum[:]), logPath: logPath,
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}}
	var login struct{ Token string }
	s.must("POST", "/v1/auth/login", map[string]string{"username": "admin", "password": cfg.BootstrapPassword}, 200, &login)
	s.admin = login.Token
	return s
}

// call sends one JSON request as the admin.
func (s *server) call(method, path string, body any) (int, []byte, error) {
	return s.api().Call(s.t.Context(), method, path, s.admin, body)
}

func (s *server) must(method, path string, body any, want int, out any) {
	s.t.Helper()
	s.api().Must(s.t, method, path, s.admin, body, want, out)
}

func (s *server) api() *apitest.Client { return &apitest.Client{URL: s.app.URL(), HTTP: s.http} }

type cluster struct {
	ID, Name, State, StateReason string
	Registration                 *struct{ Token string }
}

// register creates a cluster: direct when kubeconfig is set, else for an
// agent (the answer carries the registration token).
func (s *server) register(name string, kubeconfig []byte) cluster {
	s.t.Helper()
	body := map[string]any{"name": name}
	if kubeconfig != nil {
		body["kubeconfig"] = string(kubeconfig)
	}
	var c cluster
	s.must("POST", "/v1/clusters", body, 201, &c)
	return c
}

// waitActive polls until every cluster is active.
func (s *server) waitActive(within time.Duration, ids ...string) {
	s.t.Helper()
	deadline := time.Now().Add(within)
	pending := append([]string(nil), ids...)
	for len(pending) > 0 {
		var c cluster
		s.must("GET", "/v1/clusters/"+pending[0], nil, 200, &c)
		if c.State == "active" {
			pending = pending[1:]
			continue
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("cluster %s stayed %q (%s); %d not active", c.Name, c.State, c.StateReason, len(pending))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// restConfig returns the client configuration of one context of the
// kubeconfig the server generates for the admin.
func (s *server) restConfig(context string) *rest.Config {
	s.t.Helper()
	code, data, err := s.call("GET", "/v1/kubeconfig", nil)
	if err != nil || code != 200 {
		s.t.Fatalf("GET /v1/kubeconfig: %d %v %s", code, err, data)
	}
	raw, err := clientcmd.Load(data)
	if err != nil {
		s.t.Fatal(err)
	}
	cfg, err := clientcmd.NewNonInteractiveClientConfig(*raw, context, &clientcmd.ConfigOverrides{}, nil).ClientConfig()
	if err != nil {
		s.t.Fatalf("context %s: %v", context, err)
	}
	return cfg
}

func (s *server) String() string { return fmt.Sprintf("paddock at %s", s.app.URL()) }
