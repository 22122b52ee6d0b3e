package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// KeepEnv names the environment variable that, set to a non-empty value,
// keeps a cluster's directory (logs, certificates, etcd data) after the test.
const KeepEnv = "PADDOCK_TESTENV_KEEP"

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

	// allocatePorts replaces freePorts in tests that inject a collision.
	allocatePorts func(n int) ([]int, error)
}

// Cluster is a running control plane. Its methods are safe for concurrent
// use.
type Cluster struct {
	t     testing.TB
	name  string
	opts  Options
	bins  map[string]string
	dir   string
	keep  bool
	start time.Time

	etcdPort, etcdPeerPort, apiPort, kubeletPort int

	servingCA, clientCA *authority
	adminToken          string
	pfListener          net.Listener
	pfServer            *http.Server
	nodes               []string

	mu    sync.Mutex
	procs []*process

	admin      *rest.Config
	client     kubernetes.Interface
	kubeconfig string
	seq        atomic.Int64 // numbers minted kubeconfig files

	stopOnce, cleanupOnce sync.Once
	started, dumped       atomic.Bool
}

// Start runs a cluster for the duration of the test; t.Cleanup stops it.
// It must be called from the test's goroutine (it fails the test with
// t.Fatal). A component that loses its port to another process is retried on
// fresh ports, twice at most.
//
// Measured on a 2-core machine (kube v1.37.2, etcd v3.6.16, kwok v0.8.0),
// one cluster at a time, binaries in the page cache:
//
//   - apiserver-only: 3.1-4.1 s, median 3.5 s, to an OK /readyz. Nearly all
//     of it is kube-apiserver initializing before it serves (the log shows
//     ~3 s between its version line and "Serving securely").
//   - Full with 2 nodes: 3.9-5.0 s, median 4.6 s: the apiserver, then ~1 s
//     until kwok has made the nodes Ready, the controller-manager has removed
//     their not-ready taints and created the "default" ServiceAccount. A
//     Deployment's 3 pods are Running ~0.25 s after it is created.
//   - Three apiservers started at once ([StartAll]) were all ready in ~5.5 s.
//   - Stop or cleanup: ~1.1 s (kube-apiserver exits ~1.1 s after SIGTERM).
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
	if opts.Nodes < 0 || (opts.Nodes > 0 && !opts.Full) {
		return nil, fmt.Errorf("testenv: Options.Nodes=%d needs Options.Full (kwok fakes nodes only in a full cluster)", opts.Nodes)
	}
	if opts.Full && opts.Nodes == 0 {
		opts.Nodes = 1
	}
	if opts.Name == "" {
		opts.Name = "cluster"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 90 * time.Second
	}
	need := []string{binEtcd, binAPIServer}
	if opts.Full {
		need = append(need, binController, binScheduler, binKwok, kwokStages)
	}
	bins, err := binPaths(need...)
	if err != nil {
		return nil, err
	}

	const attempts = 3
	for attempt := 1; ; attempt++ {
		c := &Cluster{t: t, name: opts.Name, opts: opts, bins: bins, keep: os.Getenv(KeepEnv) != "", start: time.Now()}
		t.Cleanup(c.cleanup) // first, so a panic half-way still tears down
		err := c.run()
		if err == nil {
			c.started.Store(true)
			return c, nil
		}
		if errors.Is(err, errAddrInUse) && attempt < attempts {
			t.Logf("testenv: %s: %v; retrying on other ports", c.name, err)
			c.dumped.Store(true) // not worth printing
			c.cleanup()
			continue
		}
		c.dumpLogs("start failed")
		c.cleanup()
		return nil, fmt.Errorf("testenv: starting cluster %q: %w", c.name, err)
	}
}

// run starts everything and waits until the cluster is usable.
func (c *Cluster) run() error {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	var err error
	sweepStaleDirs()
	c.dir, err = os.MkdirTemp("", dirPrefix+sanitize(c.name)+"-")
	if err != nil {
		return err
	}
	if err := writeOwner(c.dir); err != nil {
		return err
	}
	allocate := freePorts
	if c.opts.allocatePorts != nil {
		allocate = c.opts.allocatePorts
	}
	p, err := allocate(4)
	if err != nil {
		return err
	}
	c.etcdPort, c.etcdPeerPort, c.apiPort, c.kubeletPort = p[0], p[1], p[2], p[3]
	if err := c.writePKI(); err != nil {
		return err
	}
	if err := c.startControlPlane(ctx); err != nil {
		return err
	}
	apiReady := time.Since(c.start)
	if !c.opts.Full {
		c.t.Logf("testenv: %s: apiserver ready at %s in %s (dir %s)", c.name, c.URL(), apiReady.Round(time.Millisecond), c.dir)
		return nil
	}
	if err := c.startNodes(ctx); err != nil {
		return err
	}
	c.t.Logf("testenv: %s: full cluster with %d kwok nodes ready at %s in %s (apiserver after %s; dir %s)",
		c.name, len(c.nodes), c.URL(), time.Since(c.start).Round(time.Millisecond), apiReady.Round(time.Millisecond), c.dir)
	return nil
}

// launch starts one component with its log in the cluster directory.
func (c *Cluster) launch(name string, args []string, env ...string) error {
	p, err := startProcess(name, c.bins[name], args, c.path(name+".log"), c.dir, env)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	return nil
}

// checkProcesses returns an error when a component died on its own.
func (c *Cluster) checkProcesses() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.procs {
		if err := p.unexpectedExit(); err != nil {
			return err
		}
	}
	return nil
}

// poll calls cond every 100 ms until it reports done, a component dies or
// ctx ends; the timeout error names what was awaited and the last error.
func (c *Cluster) poll(ctx context.Context, what string, cond func(context.Context) (bool, error)) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		if err := c.checkProcesses(); err != nil {
			return err
		}
		ok, err := cond(ctx)
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("timed out after %s waiting for %s (last error: %v)", c.opts.Timeout, what, last)
			}
			return fmt.Errorf("timed out after %s waiting for %s", c.opts.Timeout, what)
		case <-tick.C:
		}
	}
}

// Stop stops every component now (SIGTERM, SIGKILL after a short grace),
// e.g. to test what happens when a cluster goes away. Files stay until the
// test's cleanup. Stop is idempotent and also runs at cleanup.
func (c *Cluster) Stop() {
	c.stopOnce.Do(func() {
		c.mu.Lock()
		procs := append([]*process(nil), c.procs...)
		c.mu.Unlock()
		// Deaths after a successful start are worth a line: they explain
		// odd failures. (A failed start has reported its own.)
		for _, p := range procs {
			if err := p.unexpectedExit(); err != nil && c.started.Load() {
				c.t.Logf("testenv: %s: %v", c.name, err)
			}
		}
		// etcd last: the apiserver exits ~1 s after SIGTERM while etcd is
		// up, but hangs past the grace period once etcd is gone.
		var clients, etcd []*process
		for _, p := range procs {
			if p.name == binEtcd {
				etcd = append(etcd, p)
			} else {
				clients = append(clients, p)
			}
		}
		stopAll(clients)
		stopAll(etcd)
		if c.pfServer != nil {
			c.pfServer.Close()
		}
	})
}

func (c *Cluster) cleanup() {
	c.cleanupOnce.Do(func() {
		c.Stop()
		if c.t.Failed() {
			c.dumpLogs("test failed")
		}
		if c.dir == "" {
			return
		}
		if c.keep {
			os.Remove(c.path(ownerFile)) // not stale: kept on purpose
			c.t.Logf("testenv: %s: keeping %s (%s is set)", c.name, c.dir, KeepEnv)
			return
		}
		if err := os.RemoveAll(c.dir); err != nil {
			c.t.Logf("testenv: %s: removing %s: %v", c.name, c.dir, err)
		}
	})
}

// dumpLogs prints the tail of every component's log, once.
func (c *Cluster) dumpLogs(why string) {
	if c.dumped.Swap(true) {
		return
	}
	c.mu.Lock()
	procs := append([]*process(nil), c.procs...)
	c.mu.Unlock()
	for _, p := range procs {
		c.t.Logf("testenv: %s: %s; last lines of %s:\n%s", c.name, why, p.logPath, p.tail(40))
	}
}

// Name returns [Options].Name.
func (c *Cluster) Name() string { return c.name }

// Dir returns the cluster's private directory (logs, certificates, data).
func (c *Cluster) Dir() string { return c.dir }

// URL returns the apiserver's base URL, https://127.0.0.1:PORT.
func (c *Cluster) URL() string {
	return "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(c.apiPort))
}

// CAData returns the PEM certificate of the CA that signed the apiserver's
// serving certificate.
func (c *Cluster) CAData() []byte { return append([]byte(nil), c.servingCA.certPEM...) }

// AdminToken returns the bearer token of the admin user (a member of
// system:masters), the credential [Cluster.AdminConfig] carries.
func (c *Cluster) AdminToken() string { return c.adminToken }

// NodeNames returns the names of the kwok nodes, in creation order.
func (c *Cluster) NodeNames() []string { return append([]string(nil), c.nodes...) }

// LogPath returns the log file of a component: "etcd", "kube-apiserver",
// "kube-controller-manager", "kube-scheduler" or "kwok".
func (c *Cluster) LogPath(component string) string { return c.path(component + ".log") }

func (c *Cluster) path(elem ...string) string {
	return filepath.Join(append([]string{c.dir}, elem...)...)
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// sanitize makes s usable in file names.
func sanitize(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if len(s) > 40 {
		s = s[:40]
	}
	return s
}
