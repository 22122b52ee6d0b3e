package shell_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/paddockhq/paddock/internal/apitest"
	"github.com/paddockhq/paddock/internal/app"
	"github.com/paddockhq/paddock/internal/config"
	"github.com/paddockhq/paddock/internal/localcluster"
)

// requireEnv makes tests that need bubblewrap fail instead of skipping.
const requireEnv = "PADDOCK_REQUIRE_BWRAP"

func needSandbox(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"bwrap", "setpriv", "prlimit"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv(requireEnv) != "" {
				t.Fatalf("%s not found (%s is set): install bubblewrap and util-linux", bin, requireEnv)
			}
			t.Skipf("%s not found: the browser shell cannot run here; set %s=1 to fail instead", bin, requireEnv)
		}
	}
}

// server is an in-process Paddock server.
type server struct {
	t     *testing.T
	app   *app.App
	api   *apitest.Client
	tls   *tls.Config
	admin string
	once  sync.Once
}

// stop shuts the server down (once; cleanup does it otherwise).
func (s *server) stop() {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.app.Shutdown(ctx)
	})
}

const adminPassword = "shell-test-password-1"

func startServer(t *testing.T) *server {
	t.Helper()
	cfg := config.Defaults()
	cfg.Listen, cfg.DataDir, cfg.BootstrapPassword = "127.0.0.1:0", t.TempDir(), adminPassword
	// A scratch root of its own (the default, /run/paddock-shell, would be
	// swept by, and sweep, other servers on this host).
	cfg.ShellScratchRoot = filepath.Join(t.TempDir(), "scratch")
	if err := os.Chmod(filepath.Dir(cfg.ShellScratchRoot), 0o711); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(filepath.Dir(cfg.ShellScratchRoot)), 0o711); err != nil {
		t.Fatal(err)
	}
	cfg.ShellUIDBase = 1_200_000_000
	var err error
	if cfg.ShellKubectl, err = localcluster.LookPath("", "kubectl"); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("PADDOCK_TEST_LOG") != "" {
		log = slog.Default()
	}
	a, err := app.Start(t.Context(), cfg, log, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(a.CAPEM())
	tc := &tls.Config{RootCAs: pool}
	s := &server{t: t, app: a, tls: tc,
		api: &apitest.Client{URL: a.URL(), HTTP: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}}}
	t.Cleanup(s.stop)
	s.admin = s.login("admin", adminPassword)
	return s
}

func (s *server) login(user, password string) string {
	s.t.Helper()
	var out struct{ Token string }
	s.api.Must(s.t, "POST", "/v1/auth/login", "", map[string]string{"username": user, "password": password}, 200, &out)
	return out.Token
}

func (s *server) must(method, path, token string, body any, want int, out any) {
	s.t.Helper()
	s.api.Must(s.t, method, path, token, body, want, out)
}

func (s *server) status(method, path, token string) int {
	s.t.Helper()
	code, _, err := s.api.Call(context.Background(), method, path, token, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return code
}

// dial opens a shell; hdr carries the credential and Origin.
func (s *server) dial(clusterID string, hdr http.Header) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url := strings.Replace(s.app.URL(), "https://", "wss://", 1) + "/v1/clusters/" + clusterID + "/shell?cols=120&rows=40"
	return websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: hdr,
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: s.tls}}})
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// terminal is the browser's side of a shell.
type terminal struct {
	t    *testing.T
	c    *websocket.Conn
	mu   sync.Mutex
	out  bytes.Buffer
	ctrl []map[string]any
	done chan struct{}
}

func (s *server) open(t *testing.T, clusterID string, hdr http.Header) *terminal {
	t.Helper()
	c, resp, err := s.dial(clusterID, hdr)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("opening a shell: %v (status %d)", err, status)
	}
	c.SetReadLimit(16 << 20)
	tm := &terminal{t: t, c: c, done: make(chan struct{})}
	go tm.read()
	t.Cleanup(func() { c.CloseNow() })
	tm.wait("$ ", 20*time.Second)
	return tm
}

func (tm *terminal) read() {
	defer close(tm.done)
	for {
		typ, data, err := tm.c.Read(context.Background())
		if err != nil {
			return
		}
		tm.mu.Lock()
		if typ == websocket.MessageBinary {
			tm.out.Write(data)
		} else {
			var m map[string]any
			_ = json.Unmarshal(data, &m)
			tm.ctrl = append(tm.ctrl, m)
		}
		tm.mu.Unlock()
	}
}

func (tm *terminal) output() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
}

func (tm *terminal) control() []map[string]any {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return append([]map[string]any(nil), tm.ctrl...)
}

func (tm *terminal) send(s string) {
	tm.t.Helper()
	if err := tm.c.Write(context.Background(), websocket.MessageBinary, []byte(s)); err != nil {
		tm.t.Fatal(err)
	}
}

// run types a line and returns the output up to the next prompt.
func (tm *terminal) run(line string) string {
	tm.t.Helper()
	from := len(tm.output())
	tm.send(line + "\r")
	from += len(line)
	out := tm.waitFrom(from, "$ ", 90*time.Second)
	if i := strings.LastIndex(out, "\r\n"); i >= 0 {
		out = out[:i] // the prompt's start
	}
	return out
}

func (tm *terminal) wait(want string, within time.Duration) string {
	tm.t.Helper()
	return tm.waitFrom(0, want, within)
}

func (tm *terminal) waitFrom(from int, want string, within time.Duration) string {
	tm.t.Helper()
	deadline := time.Now().Add(within)
	for {
		out := tm.output()
		if i := strings.Index(out[min(from, len(out)):], want); i >= 0 {
			return out[min(from, len(out)):][:i]
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("no %q within %s; output:\n%s", want, within, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// closed waits for the server to close the connection.
func (tm *terminal) closed(within time.Duration) {
	tm.t.Helper()
	select {
	case <-tm.done:
	case <-time.After(within):
		tm.t.Fatalf("the server did not close the shell; output:\n%s", tm.output())
	}
}
