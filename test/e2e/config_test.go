package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConfigFromEnvironment checks the PADDOCK_* variables, that a flag
// wins over its variable, and that bad settings stop the process with a
// clear error and exit code 1 before it starts anything.
func TestConfigFromEnvironment(t *testing.T) {
	t.Run("listen and data dir from env", func(t *testing.T) {
		s := start(t, options{viaEnv: true}) // start checks <data-dir>/tls/ca.crt against /cacerts
		if _, err := os.Stat(filepath.Join(s.opts.dataDir, "paddock.db")); err != nil {
			t.Errorf("PADDOCK_DATA_DIR not used for the database: %v", err)
		}
		s.stop()
	})

	t.Run("flags override env", func(t *testing.T) {
		decoyDir := filepath.Join(t.TempDir(), "decoy")
		decoyPort := freePort(t)
		s := start(t, options{env: []string{fmt.Sprintf("PADDOCK_LISTEN=127.0.0.1:%d", decoyPort), "PADDOCK_DATA_DIR=" + decoyDir}})
		if _, err := os.Stat(decoyDir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("PADDOCK_DATA_DIR %s was used although --data-dir was given (stat: %v)", decoyDir, err)
		}
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", decoyPort), time.Second); err == nil {
			c.Close()
			t.Errorf("something listens on the PADDOCK_LISTEN port %d although --listen was given", decoyPort)
		}
		s.stop()
	})

	closedPort := freePort(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		name    string
		args    []string
		env     []string
		want    []string // in stderr
		secret  string   // must not be in stderr
		dirMade bool     // the failure comes after the data dir is created
	}{
		{name: "external url not https", args: []string{"--external-url", "http://paddock.example.com"},
			want: []string{`--external-url "http://paddock.example.com" must look like https://host[:port]`}},
		{name: "external url with a path", args: []string{"--external-url", "https://paddock.example.com/paddock"},
			want: []string{"--external-url", "must look like https://host[:port]"}},
		{name: "external url from env", env: []string{"PADDOCK_EXTERNAL_URL=paddock.example.com"},
			want: []string{"--external-url", "must look like https://host[:port]"}},
		{name: "database not postgres", secret: "hunter2-secret", args: []string{"--database", "mysql://paddock:hunter2-secret@db/paddock"},
			want: []string{"--database must be a postgres:// or postgresql:// URL"}},
		{name: "database from env", env: []string{"PADDOCK_DATABASE=sqlite:///var/lib/paddock.db"},
			want: []string{"--database must be a postgres:// or postgresql:// URL"}},
		{name: "database unreachable", dirMade: true, secret: "hunter2-secret",
			args: []string{"--database", fmt.Sprintf("postgres://paddock:hunter2-secret@127.0.0.1:%d/paddock?sslmode=disable&connect_timeout=5", closedPort)},
			want: []string{"opening store", "paddock:xxxxx@127.0.0.1"}},
		{name: "port in use", dirMade: true, args: []string{"--listen", busy.Addr().String()},
			want: []string{busy.Addr().String(), "address already in use"}},
		{name: "tls cert without key", args: []string{"--tls-cert", "/nonexistent/cert.pem"},
			want: []string{"--tls-cert and --tls-key go together"}},
		{name: "bad duration in env", env: []string{"PADDOCK_TOKEN_MAX_TTL=a while"},
			want: []string{"PADDOCK_TOKEN_MAX_TTL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dataDir := filepath.Join(t.TempDir(), "data")
			port := freePort(t)
			args := append([]string{"server", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", dataDir}, tc.args...)
			code, stdout, stderr := runPaddock(t, append(cleanEnv(), tc.env...), args...)
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if !strings.HasPrefix(stderr, "paddock: ") {
				t.Errorf("stderr does not start with \"paddock: \": %q", stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q: %q", w, stderr)
				}
			}
			if tc.secret != "" && strings.Contains(stderr+stdout, tc.secret) {
				t.Errorf("the database password is printed: %q", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout of a failed start is not empty (a banner?): %q", stdout)
			}
			if _, err := os.Stat(dataDir); !tc.dirMade && !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the data dir was created although the configuration is invalid (stat: %v)", err)
			}
		})
	}
}

// runPaddock runs the binary to completion (at most 20 s) and returns its
// exit code, stdout and stderr.
func runPaddock(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running paddock: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("paddock %s did not exit within 20s; stderr: %s", strings.Join(args, " "), stderr.String())
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}
