package testenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/paddockhq/paddock/internal/localcluster"
)

// KeepEnv names the environment variable that, set to a non-empty value,
// keeps a cluster's directory (logs, certificates, etcd data) after the test.
const KeepEnv = "PADDOCK_TESTENV_KEEP"

// PortForwardBanner starts every response of the default port-forward
// target, which answers any HTTP request with
// "paddock-testenv port-forward: METHOD PATH\n".
const PortForwardBanner = localcluster.PortForwardBanner

// Options says what to run. The zero value is an etcd and a kube-apiserver.
type Options struct {
	// Name identifies the cluster in log lines, file names and kubeconfig
	// contexts; "cluster" when empty.
	Name string
	// Full also runs kube-controller-manager, kube-scheduler and kwok, so
	// Deployments get pods and pods reach Running on fake nodes.
	Full bool
	// Nodes is the number of kwok nodes to create; 1 when zero and Full.
	// Nodes without Full is an error.
	Nodes int
	// APIServerFlags are appended to kube-apiserver's command line (a later
	// flag wins), e.g. "--audit-policy-file=...".
	APIServerFlags []string
	// PortForwardTarget is the host:port every port-forward to a pod is
	// connected to. When empty, the cluster serves a small HTTP responder
	// (see [Cluster.PortForwardTarget]).
	PortForwardTarget string
	// Timeout bounds the whole start; 90 s when zero, which is far above the
	// measured times but leaves room for a loaded machine.
	Timeout time.Duration
}

// Cluster is a running control plane (a [localcluster.Cluster] tied to a
// test). Its methods are safe for concurrent use.
type Cluster struct {
	t    testing.TB
	lc   *localcluster.Cluster
	name string
	dir  string
	keep bool

	cleanupOnce sync.Once
	dumped      atomic.Bool
}

// Start runs a cluster for the duration of the test; t.Cleanup stops it.
// It must be called from the test's goroutine (it fails the test with
// t.Fatal). A component that loses its port to another process is retried on
// fresh ports, twice at most. See [localcluster.Start] for measured start
// times (apiserver-only ~3.5 s, Full ~4.6 s on 2 cores).
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	return StartAll(t, opts)[0]
}

// StartAll starts several clusters concurrently, which is faster than one
// after the other, and returns them in the order of opts. Clusters without a
// Name are called "cluster-1", "cluster-2", ... If any fails to start, all
// are torn down and the test fails. Like [Start], it must be called from the
// test's goroutine.
func StartAll(t testing.TB, opts ...Options) []*Cluster {
	t.Helper()
	for i := range opts {
		if opts[i].Name == "" && len(opts) > 1 {
			opts[i].Name = fmt.Sprintf("cluster-%d", i+1)
		}
	}
	clusters := make([]*Cluster, len(opts))
	errs := make([]error, len(opts))
	var wg sync.WaitGroup
	for i, o := range opts {
		wg.Go(func() { clusters[i], errs[i] = start(t, o) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, c := range clusters {
			if c != nil {
				c.cleanup()
			}
		}
		t.Fatal(err)
	}
	return clusters
}

// start is [Start] without t.Fatal, so it can run on any goroutine.
func start(t testing.TB, opts Options) (*Cluster, error) {
	name := opts.Name
	if name == "" {
		name = "cluster"
	}
	sweepStaleDirs()
	dir, err := os.MkdirTemp("", dirPrefix+sanitize(name)+"-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{t: t, name: name, dir: dir, keep: os.Getenv(KeepEnv) != ""}
	t.Cleanup(c.cleanup) // first, so a panic half-way still removes the directory
	if err := writeOwner(dir); err != nil {
		return nil, err
	}
	c.lc, err = localcluster.Start(context.Background(), localcluster.Options{
		Name: name, Dir: dir, Full: opts.Full, Nodes: opts.Nodes, Logger: slog.New(&tHandler{t: t}),
		APIServerFlags: opts.APIServerFlags, PortForwardTarget: opts.PortForwardTarget, Timeout: opts.Timeout,
	})
	if err != nil {
		c.dumped.Store(true) // localcluster has logged the tails
		c.cleanup()
		if strings.Contains(err.Error(), "make toolchain") {
			err = fmt.Errorf("testenv: %w\n\tTests using real clusters do not skip", err)
		}
		return nil, err
	}
	return c, nil
}

// Stop stops every component now (SIGTERM, SIGKILL after a short grace),
// e.g. to test what happens when a cluster goes away. Files stay until the
// test's cleanup. Stop is idempotent and also runs at cleanup.
func (c *Cluster) Stop() {
	if c.lc != nil {
		_ = c.lc.Stop() // unexpected exits are logged through the test
	}
}

func (c *Cluster) cleanup() {
	c.cleanupOnce.Do(func() {
		c.Stop()
		if c.t.Failed() && c.lc != nil && !c.dumped.Swap(true) {
			c.t.Logf("testenv: %s: test failed; %s", c.name, c.lc.LogTails(40))
		}
		if c.keep {
			os.Remove(filepath.Join(c.dir, ownerFile)) // not stale: kept on purpose
			c.t.Logf("testenv: %s: keeping %s (%s is set)", c.name, c.dir, KeepEnv)
			return
		}
		if err := os.RemoveAll(c.dir); err != nil {
			c.t.Logf("testenv: %s: removing %s: %v", c.name, c.dir, err)
		}
	})
}

// Local returns the underlying [localcluster.Cluster].
func (c *Cluster) Local() *localcluster.Cluster { return c.lc }

// Name returns [Options].Name.
func (c *Cluster) Name() string { return c.name }

// Dir returns the cluster's private directory (logs, certificates, data).
func (c *Cluster) Dir() string { return c.dir }

// URL returns the apiserver's base URL, https://127.0.0.1:PORT.
func (c *Cluster) URL() string { return c.lc.URL() }

// CAData returns the PEM certificate of the CA that signed the apiserver's
// serving certificate.
func (c *Cluster) CAData() []byte { return c.lc.CAData() }

// AdminToken returns the bearer token of the admin user (a member of
// system:masters), the credential [Cluster.AdminConfig] carries.
func (c *Cluster) AdminToken() string { return c.lc.AdminToken() }

// NodeNames returns the names of the kwok nodes, in creation order.
func (c *Cluster) NodeNames() []string { return c.lc.NodeNames() }

// LogPath returns the log file of a component: "etcd", "kube-apiserver",
// "kube-controller-manager", "kube-scheduler" or "kwok".
func (c *Cluster) LogPath(component string) string { return c.lc.LogPath(component) }

// AdminConfig returns a new copy of the admin's client configuration (bearer
// token of a system:masters member, QPS 100 / burst 200); callers may modify
// it.
func (c *Cluster) AdminConfig() *rest.Config { return c.lc.AdminConfig() }

// Client returns a clientset for the admin.
func (c *Cluster) Client() kubernetes.Interface { return c.lc.Client() }

// Kubeconfig returns the path of a kubeconfig file for the admin, with the
// "default" namespace in its current context.
func (c *Cluster) Kubeconfig() string { return c.lc.Kubeconfig() }

// UserConfig mints a client certificate for user in groups, signed by the
// apiserver's client CA, and returns a configuration that authenticates with
// it. The apiserver adds system:authenticated; what the user may do is up to
// RBAC, so with no bindings every request is Forbidden. It fails the test on
// error.
func (c *Cluster) UserConfig(user string, groups ...string) *rest.Config {
	c.t.Helper()
	cfg, err := c.lc.UserConfig(user, groups...)
	if err != nil {
		c.t.Fatal(err)
	}
	return cfg
}

// UserKubeconfig is [Cluster.UserConfig] as a kubeconfig file in the
// cluster's directory; it returns the file's path. Each call writes a new
// file with a new certificate.
func (c *Cluster) UserKubeconfig(user string, groups ...string) string {
	c.t.Helper()
	path, err := c.lc.UserKubeconfig(user, groups...)
	if err != nil {
		c.t.Fatal(err)
	}
	return path
}

// PodLogsFile returns the CRI-format file every kwok container's logs are
// served from (`kubectl logs`). It starts with two lines, "hello from
// testenv" and "second line"; [Cluster.AppendPodLog] adds more, which
// `kubectl logs -f` then streams. Empty unless Full.
func (c *Cluster) PodLogsFile() string { return c.lc.PodLogsFile() }

// PreviousPodLogsFile returns the file served for `kubectl logs --previous`:
// one line, "previous container: hello from testenv". Empty unless Full.
func (c *Cluster) PreviousPodLogsFile() string { return c.lc.PreviousPodLogsFile() }

// ExecDir returns the working directory of commands run by `kubectl exec`
// in kwok pods. Such commands really run on this machine, as the test's
// user, with PADDOCK_TESTENV_POD=true in their environment: keep them
// harmless (echo, cat, ls). Empty unless Full.
func (c *Cluster) ExecDir() string { return c.lc.ExecDir() }

// PortForwardTarget returns the host:port every port-forward to any kwok pod
// port connects to: [Options].PortForwardTarget, or the built-in responder
// (see [PortForwardBanner]). Empty unless Full.
func (c *Cluster) PortForwardTarget() string { return c.lc.PortForwardTarget() }

// AppendPodLog appends lines to [Cluster.PodLogsFile] in CRI format,
// timestamped now.
func (c *Cluster) AppendPodLog(lines ...string) error { return c.lc.AppendPodLog(lines...) }

// tHandler sends localcluster's log records to the test log, multi-line
// messages (log tails) verbatim.
type tHandler struct{ t testing.TB }

func (h *tHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *tHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(strings.Replace(r.Message, "localcluster: ", "testenv: ", 1))
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%s", a.Key, a.Value)
		return true
	})
	h.t.Log(b.String())
	return nil
}

func (h *tHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *tHandler) WithGroup(string) slog.Handler      { return h }

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// sanitize makes s usable in file names.
func sanitize(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if len(s) > 40 {
		s = s[:40]
	}
	return s
}
