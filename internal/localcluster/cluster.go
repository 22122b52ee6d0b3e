package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Options says what to run. The zero value is an etcd and a kube-apiserver
// in a new temporary directory.
type Options struct {
	// Name identifies the cluster in log lines, file names and kubeconfig
	// contexts; "cluster" when empty.
	Name string
	// Dir holds every file of the cluster: certificates, kubeconfigs, logs
	// and etcd's data. It is created when missing and left in place by
	// [Cluster.Stop]; etcd's data from an earlier run is discarded, so each
	// start is a fresh cluster. When empty, a new temporary directory is
	// used, which Stop removes.
	Dir string
	// Full also runs kube-controller-manager, kube-scheduler and kwok, so
	// Deployments get pods and pods reach Running on fake nodes.
	Full bool
	// Nodes is the number of kwok nodes to create; 1 when zero and Full.
	// Nodes without Full is an error.
	Nodes int
	// BinDir holds the toolchain's binaries; [BinDir] when empty.
	BinDir string
	// Logger receives progress lines, unexpected component exits and, when
	// a start fails, the tail of every component's log; nil discards them.
	Logger *slog.Logger
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

// Cluster is a running simulated cluster. Its methods are safe for
// concurrent use.
type Cluster struct {
	log     *slog.Logger
	name    string
	opts    Options
	bins    map[string]string
	dir     string
	tempDir bool // dir was created by Start and is removed by Stop
	start   time.Time

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

	stopOnce sync.Once
	stopErr  error
	started  atomic.Bool
}

// Start runs a cluster and returns once it is usable: the apiserver is
// ready and, when Full, every kwok node is Ready and schedulable. The
// components keep running after ctx ends (ctx bounds only the start) until
// [Cluster.Stop]; they also die with this process (a parent-death signal),
// however it ends. A component that loses its port to another process is
// retried on fresh ports, twice at most. When the toolchain's binaries are
// missing the error says to run `make toolchain`.
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
//   - Three apiservers started at once were all ready in ~5.5 s.
//   - Stop: ~1.1 s (kube-apiserver exits ~1.1 s after SIGTERM).
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Nodes < 0 || (opts.Nodes > 0 && !opts.Full) {
		return nil, fmt.Errorf("localcluster: Options.Nodes=%d needs Options.Full (kwok fakes nodes only in a full cluster)", opts.Nodes)
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
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	bins, err := binPaths(opts.BinDir, neededBinaries(opts.Full)...)
	if err != nil {
		return nil, err
	}

	const attempts = 3
	for attempt := 1; ; attempt++ {
		c := &Cluster{log: log, name: opts.Name, opts: opts, bins: bins, start: time.Now()}
		err := c.run(ctx)
		if err == nil {
			c.started.Store(true)
			return c, nil
		}
		if errors.Is(err, errAddrInUse) && attempt < attempts && ctx.Err() == nil {
			log.Info(fmt.Sprintf("localcluster: %s: %v; retrying on other ports", c.name, err))
			c.Stop()
			continue
		}
		for _, p := range c.processes() {
			log.Warn(fmt.Sprintf("localcluster: %s: start failed; last lines of %s:\n%s", c.name, p.logPath, p.tail(40)))
		}
		c.Stop()
		return nil, fmt.Errorf("localcluster: starting cluster %q: %w", c.name, err)
	}
}

// run starts everything and waits until the cluster is usable.
func (c *Cluster) run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	if err := c.prepareDir(); err != nil {
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
		c.log.Info(fmt.Sprintf("localcluster: %s: apiserver ready at %s in %s (dir %s)", c.name, c.URL(), apiReady.Round(time.Millisecond), c.dir))
		return nil
	}
	if err := c.startNodes(ctx); err != nil {
		return err
	}
	c.log.Info(fmt.Sprintf("localcluster: %s: full cluster with %d kwok nodes ready at %s in %s (apiserver after %s; dir %s)",
		c.name, len(c.nodes), c.URL(), time.Since(c.start).Round(time.Millisecond), apiReady.Round(time.Millisecond), c.dir))
	return nil
}

// prepareDir creates the cluster directory, or empties what an earlier run
// left in a given one that a new cluster must not reuse.
func (c *Cluster) prepareDir() error {
	if c.opts.Dir == "" {
		dir, err := os.MkdirTemp("", "localcluster-"+sanitize(c.name)+"-")
		if err != nil {
			return err
		}
		c.dir, c.tempDir = dir, true
		return nil
	}
	dir, err := filepath.Abs(c.opts.Dir)
	if err != nil {
		return err
	}
	c.dir = dir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, stale := range []string{"etcd", "apiserver-certs", "pod.log", "pod-previous.log"} {
		if err := os.RemoveAll(c.path(stale)); err != nil {
			return err
		}
	}
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

func (c *Cluster) processes() []*process {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*process(nil), c.procs...)
}

// checkProcesses returns an error when a component died on its own.
func (c *Cluster) checkProcesses() error {
	for _, p := range c.processes() {
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
			why := fmt.Sprintf("timed out after %s", c.opts.Timeout)
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				why = "cancelled"
			}
			if last != nil {
				return fmt.Errorf("%s waiting for %s (last error: %v)", why, what, last)
			}
			return fmt.Errorf("%s waiting for %s", why, what)
		case <-tick.C:
		}
	}
}

// Stop stops every component (SIGTERM, then SIGKILL to its whole process
// group after a short grace) and waits until they are gone. A temporary
// directory (empty [Options].Dir) is removed; a given one stays. The error
// reports components that had died on their own before Stop, and a failure
// to remove the directory. Stop is idempotent.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		procs := c.processes()
		var errs []error
		// Deaths after a successful start are worth reporting: they explain
		// odd failures. (A failed start has reported its own.)
		for _, p := range procs {
			if err := p.unexpectedExit(); err != nil && c.started.Load() {
				c.log.Warn(fmt.Sprintf("localcluster: %s: %v", c.name, err))
				errs = append(errs, err)
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
		if c.tempDir {
			if err := os.RemoveAll(c.dir); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			c.stopErr = fmt.Errorf("localcluster: %s: %w", c.name, errors.Join(errs...))
		}
	})
	return c.stopErr
}

// PIDs returns the process IDs of the running components (each the leader
// of its own process group).
func (c *Cluster) PIDs() []int {
	var pids []int
	for _, p := range c.processes() {
		if gone, _ := p.exited(); !gone {
			pids = append(pids, p.cmd.Process.Pid)
		}
	}
	return pids
}

// LogTails returns the last n lines of every component's log, each under a
// heading naming the file.
func (c *Cluster) LogTails(n int) string {
	var b strings.Builder
	for _, p := range c.processes() {
		fmt.Fprintf(&b, "last lines of %s:\n%s", p.logPath, p.tail(n))
	}
	return b.String()
}

// Name returns [Options].Name.
func (c *Cluster) Name() string { return c.name }

// Dir returns the cluster's directory (logs, certificates, data).
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
