package e2e

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 10 * time.Second
)

// options says how to run `paddock server`.
type options struct {
	dataDir   string   // "" means a new temporary folder
	database  string   // --database; "" means SQLite in the data dir
	port      int      // 0 means a free loopback port
	env       []string // extra KEY=VALUE for the process
	args      []string // extra flags
	viaEnv    bool     // pass listen address and data dir as PADDOCK_* variables, not flags
	customTLS bool     // --tls-cert is given: the data dir holds no generated CA
}

// server is one running `paddock server` process.
type server struct {
	t       *testing.T
	opts    options
	URL     string
	CAPEM   []byte // what /cacerts served
	CAFile  string // CAPEM written to a file, for curl
	Client  *http.Client
	Startup time.Duration // process start to the first 200 from /readyz

	cmd            *exec.Cmd
	exited         chan struct{}
	stdout, stderr string
}

// start runs `paddock server` and waits until /readyz answers over TLS
// verified with the CA from /cacerts. The process is killed at cleanup
// if the test has not stopped it.
func start(t *testing.T, opts options) *server {
	t.Helper()
	if opts.dataDir == "" {
		opts.dataDir = filepath.Join(t.TempDir(), "data")
	}
	if opts.port == 0 {
		opts.port = freePort(t)
	}
	logDir := t.TempDir()
	s := &server{t: t, opts: opts, URL: fmt.Sprintf("https://127.0.0.1:%d", opts.port),
		CAFile: filepath.Join(logDir, "ca.pem"), exited: make(chan struct{}),
		stdout: filepath.Join(logDir, "stdout.log"), stderr: filepath.Join(logDir, "stderr.log")}
	listen := "127.0.0.1:" + strconv.Itoa(opts.port)
	args := append([]string{"server"}, opts.args...)
	env := append(cleanEnv(), opts.env...)
	if opts.viaEnv {
		env = append(env, "PADDOCK_LISTEN="+listen, "PADDOCK_DATA_DIR="+opts.dataDir)
	} else {
		args = append(args, "--listen", listen, "--data-dir", opts.dataDir)
	}
	if opts.database != "" {
		args = append(args, "--database", opts.database)
	}
	stdout, stderr := createFile(t, s.stdout), createFile(t, s.stderr)
	s.cmd = exec.Command(binary, args...)
	s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = env, stdout, stderr
	began := time.Now()
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting paddock: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		stdout.Close()
		stderr.Close()
		close(s.exited)
	}()
	t.Cleanup(func() {
		if s.running() {
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			s.dumpLogs()
		}
	})
	s.waitReady(began)
	return s
}

// restart starts a new process on the same data dir, database and port.
func (s *server) restart() *server {
	s.t.Helper()
	if s.running() {
		s.t.Fatal("restart: the previous process is still running")
	}
	return start(s.t, s.opts)
}

func (s *server) waitReady(began time.Time) {
	t := s.t
	t.Helper()
	insecure := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // only to learn the CA
	defer insecure.CloseIdleConnections()
	deadline := time.Now().Add(readyTimeout)
	for s.CAPEM == nil {
		s.checkAlive(deadline)
		if status, body, err := get(insecure, s.URL+"/cacerts"); err == nil && status == http.StatusOK {
			s.CAPEM = body
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CAPEM) {
		t.Fatalf("/cacerts served no PEM certificate: %q", s.CAPEM)
	}
	if !s.opts.customTLS {
		onDisk, err := os.ReadFile(filepath.Join(s.opts.dataDir, "tls", "ca.crt"))
		if err != nil {
			t.Fatalf("reading the generated CA: %v", err)
		}
		if !bytes.Equal(onDisk, s.CAPEM) {
			t.Fatalf("/cacerts differs from <data-dir>/tls/ca.crt:\n%s\nvs\n%s", s.CAPEM, onDisk)
		}
	}
	if err := os.WriteFile(s.CAFile, s.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	s.Client = &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: 16}}
	t.Cleanup(s.Client.CloseIdleConnections)
	for {
		s.checkAlive(deadline)
		status, _, err := get(s.Client, s.URL+"/readyz")
		if err == nil && status == http.StatusOK {
			s.Startup = time.Since(began)
			return
		}
		if err != nil && strings.Contains(err.Error(), "certificate") {
			t.Fatalf("/readyz over TLS verified with the served CA: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *server) checkAlive(deadline time.Time) {
	s.t.Helper()
	if !s.running() {
		s.t.Fatalf("paddock exited before it was ready (%v)", s.cmd.ProcessState)
	}
	if time.Now().After(deadline) {
		s.t.Fatalf("paddock not ready after %s", readyTimeout)
	}
}

func (s *server) running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and requires a graceful exit with code 0.
func (s *server) stop() {
	s.t.Helper()
	began := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		s.t.Fatalf("paddock did not exit within %s of SIGTERM", stopTimeout)
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		s.t.Fatalf("paddock exited with %v after SIGTERM; want exit code 0", s.cmd.ProcessState)
	}
	s.t.Logf("graceful stop took %s", time.Since(began).Round(time.Millisecond))
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		s.t.Fatalf("SIGKILL: %v", err)
	}
	<-s.exited
}

// Stdout is what the process has printed on stdout so far.
func (s *server) Stdout() string {
	b, _ := os.ReadFile(s.stdout)
	return string(b)
}

func (s *server) dumpLogs() {
	for _, f := range []string{s.stdout, s.stderr} {
		b, _ := os.ReadFile(f)
		if len(b) > 8<<10 {
			b = append([]byte("...\n"), b[len(b)-8<<10:]...)
		}
		s.t.Logf("--- %s of paddock on %s (%v) ---\n%s", filepath.Base(f), s.URL, s.cmd.ProcessState, b)
	}
}

// peerCert is the DER of the certificate the server presents.
func (s *server) peerCert() []byte {
	s.t.Helper()
	resp, err := s.Client.Get(s.URL + "/healthz")
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.TLS.PeerCertificates[0].Raw
}

func get(c *http.Client, url string) (int, []byte, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// cleanEnv is this process's environment without PADDOCK_* variables.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PADDOCK_") {
			env = append(env, kv)
		}
	}
	return env
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func createFile(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
