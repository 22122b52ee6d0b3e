package shell

import (
	"bytes"
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/localcluster"
)

// RequireEnv makes tests that need bubblewrap fail instead of skipping.
const RequireEnv = "PADDOCK_REQUIRE_BWRAP"

// needSandbox skips (or, with PADDOCK_REQUIRE_BWRAP=1, fails) when this
// machine cannot run sandboxes.
func needSandbox(t *testing.T, cfg Config) *Runner {
	t.Helper()
	if cfg.Kubectl == "" {
		cfg.Kubectl, _ = localcluster.LookPath("", "kubectl")
	}
	r := New(cfg)
	if err := r.Available(); err != nil {
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("%v (%s is set)", err, RequireEnv)
		}
		t.Skipf("%v; set %s=1 to fail instead", err, RequireEnv)
	}
	return r
}

// fakeServer is an HTTPS server standing in for Paddock: it answers
// /k8s/clusters/c1/version and records what it was asked.
type fakeServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "path auth"
}

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{}
	f.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.seen = append(f.seen, r.URL.Path+" "+r.Header.Get("Authorization"))
		f.mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/slow") {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"major":"1","minor":"99","gitVersion":"v1.99.0-fake"}`))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

// config returns a sandbox configuration relaying to f.
func (f *fakeServer) config(t *testing.T) Config {
	return Config{ScratchRoot: scratchRoot(t), Relay: f.Listener.Addr().String(), ServerName: "example.com",
		CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.Certificate().Raw})}
}

// term is a terminal driving a session.
type term struct {
	t      *testing.T
	in     chan []byte
	resize chan Size
	mu     sync.Mutex
	out    bytes.Buffer
	done   chan error
}

func (tm *term) Write(p []byte) (int, error) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.Write(p)
}

func (tm *term) output() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
}

// serve starts Serve on a new session of r.
func serve(t *testing.T, r *Runner, spec Spec) (*term, *Session) {
	t.Helper()
	s, err := r.Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	tm := &term{t: t, in: make(chan []byte, 16), resize: make(chan Size, 4), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		tm.done <- s.Serve(ctx, IO{Input: tm.in, Resize: tm.resize, Output: tm}, Size{Cols: 100, Rows: 30})
	}()
	t.Cleanup(func() {
		cancel()
		<-tm.done
	})
	tm.wait("$ ", 5*time.Second)
	return tm, s
}

// run types a line and waits for the next prompt; it returns the output
// in between.
func (tm *term) run(line string) string {
	tm.t.Helper()
	start := len(tm.output())
	tm.in <- []byte(line + "\r")
	out := tm.waitFrom(start+len(line), "$ ", 60*time.Second)
	return out
}

func (tm *term) wait(want string, within time.Duration) string {
	tm.t.Helper()
	return tm.waitFrom(0, want, within)
}

// waitFrom waits until the output after offset from contains want.
func (tm *term) waitFrom(from int, want string, within time.Duration) string {
	tm.t.Helper()
	deadline := time.Now().Add(within)
	for {
		out := tm.output()
		if from > len(out) {
			from = len(out)
		}
		if i := strings.Index(out[from:], want); i >= 0 {
			return out[from : from+i]
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("no %q within %s; output:\n%s", want, within, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// scratchRoot is a folder the sandbox uids can traverse to (t.TempDir's
// parent is private).
func scratchRoot(t *testing.T) string {
	dir := t.TempDir()
	if err := os.Chmod(filepath.Dir(dir), 0o711); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "scratch")
}
