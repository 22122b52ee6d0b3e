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
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Options says what to run. The zero value is an etcd and a kube-apiserver
// in a new temporary directory.
type Options struct {
	// Name identifies the cluster in log lines, file names and kubeconfig
	// contexts; "cluster" when empty.
	Name string
	// Dir holds every file of the cluster: certificates, kubeconfigs, logs
	// and etcd's data. It is created (0700) when missing and left in place
	// by [Cluster.Stop]; unless Persist, etcd's data from an earlier run is
	// discarded, so each start is a fresh cluster. When empty, a new
	// temporary directory is used, which Stop removes.
	Dir string
	// Persist keeps the cluster across starts on the same Dir (which it
	// needs): a later Start finds etcd's data, the CAs, the serving
	// certificate (it covers every loopback name, so new ports do not
	// matter; it is reissued from the same CA a month before it expires),
	// the service-account signing key and the admin token where the earlier
	// one left them. Ports are chosen afresh at every start, and the
	// kubeconfigs in Dir are rewritten with the new URL. The kwok nodes,
	// Node objects in etcd, are reconciled to Nodes: missing ones are
	// created, extra ones deleted with their pods. etcd then syncs its
	// writes to disk, so the data also survives a crash of the machine, and
	// a lock file in Dir refuses a second cluster on the same Dir while this
	// one runs (in any process). CAs are valid for 10 years and other
	// certificates for one (7 days without Persist).
	Persist bool
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
	restarted           bool     // a persistent cluster's state was found in dir
	lock                *os.File // holds the flock on dir's lock file (Persist)

	mu    sync.Mutex
	procs []*process
	nodes []string // kwok nodes, by number

	scaleMu  sync.Mutex // serializes node changes
	stopping atomic.Bool

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
//   - Restart of a Persist cluster (kept etcd data, PKI and nodes): 4.1-6.1
//     s, about a fresh start's time; scaling with [Cluster.SetNodes] by a
//     few nodes either way: 0.2-0.35 s.
//   - Stop: ~1.1 s (kube-apiserver exits ~1.1 s after SIGTERM).
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Nodes < 0 || (opts.Nodes > 0 && !opts.Full) {
		return nil, fmt.Errorf("localcluster: Options.Nodes=%d needs Options.Full (kwok fakes nodes only in a full cluster)", opts.Nodes)
	}
	if opts.Full && opts.Nodes == 0 {
		opts.Nodes = 1
	}
	if opts.Persist && opts.Dir == "" {
		return nil, errors.New("localcluster: Options.Persist needs Options.Dir (a temporary directory cannot be kept)")
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
	if c.restarted {
		if err := c.rewriteUserKubeconfigs(); err != nil {
			return err
		}
	}
	what := "new"
	if c.restarted {
		what = "restarted"
	}
	apiReady := time.Since(c.start)
	if !c.opts.Full {
		c.log.Info(fmt.Sprintf("localcluster: %s: apiserver (%s) ready at %s in %s (dir %s)", c.name, what, c.URL(), apiReady.Round(time.Millisecond), c.dir))
		return nil
	}
	if err := c.startNodes(ctx); err != nil {
		return err
	}
	c.log.Info(fmt.Sprintf("localcluster: %s: full cluster (%s) with %d kwok nodes ready at %s in %s (apiserver after %s; dir %s)",
		c.name, what, len(c.NodeNames()), c.URL(), time.Since(c.start).Round(time.Millisecond), apiReady.Round(time.Millisecond), c.dir))
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
	stale := []string{"etcd", "apiserver-certs", "pod.log", "pod-previous.log"}
	if !c.opts.Persist {
		// What a persistent start kept would not match the new PKI.
		stale = append(stale, fileServingCAKey, fileClientCAKey)
	} else {
		if err := c.lockDir(); err != nil {
			return err
		}
		if c.restarted, err = c.persistedState(); err != nil {
			return err
		}
		if c.restarted {
			stale = stale[1:] // keep etcd's data
		}
	}
	for _, name := range stale {
		if err := os.RemoveAll(c.path(name)); err != nil {
			return err
		}
	}
	return nil
}

// lockDir takes an exclusive flock on the directory's lock file, held until
// [Cluster.Stop] (or this process's end): two clusters on one etcd data
// directory would corrupt it.
func (c *Cluster) lockDir() error {
	f, err := os.OpenFile(c.path("lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("%s is in use by another running cluster (its lock file is held)", c.dir)
		}
		return fmt.Errorf("locking %s: %w", c.path("lock"), err)
	}
	c.lock = f
	return nil
}

// rewriteUserKubeconfigs points the kubeconfigs minted by an earlier start
// ([Cluster.UserKubeconfig]) at this start's URL and numbers new ones after
// them. (The admin's and the components' are written afresh.)
func (c *Cluster) rewriteUserKubeconfigs() error {
	paths, err := filepath.Glob(c.path("user-*.kubeconfig"))
	if err != nil {
		return err
	}
	for _, path := range paths {
		var n int64
		if _, err := fmt.Sscanf(filepath.Base(path), "user-%d-", &n); err == nil && n > c.seq.Load() {
			c.seq.Store(n)
		}
		cfg, err := clientcmd.LoadFromFile(path)
		if err != nil {
			c.log.Warn(fmt.Sprintf("localcluster: %s: not rewriting %s: %v", c.name, path, err))
			continue
		}
		for _, cl := range cfg.Clusters {
			cl.Server = c.URL()
		}
		if err := clientcmd.WriteToFile(*cfg, path); err != nil {
			return err
		}
	}
	return nil
}

// maxKeptLog is the size above which a persistent cluster's component log
// is moved to NAME.log.1 (replacing an older one) at the next start.
const maxKeptLog = 32 << 20

// launch starts one component with its log in the cluster directory.
func (c *Cluster) launch(name string, args []string, env ...string) error {
	logPath := c.path(name + ".log")
	if st, err := os.Stat(logPath); c.opts.Persist && err == nil && st.Size() > maxKeptLog {
		if err := os.Rename(logPath, logPath+".1"); err != nil {
			return err
		}
	}
	p, err := startProcess(name, c.bins[name], args, logPath, c.dir, env)
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
		c.stopping.Store(true)
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
		if c.lock != nil {
			c.lock.Close() // releases the flock
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

// Check returns an error when the cluster is stopped or a component has
// exited on its own since the start (say, killed by the OOM killer): the
// cluster is then unusable and should be stopped and started again.
func (c *Cluster) Check() error {
	if c.stopping.Load() {
		return fmt.Errorf("localcluster: %s: stopped", c.name)
	}
	if err := c.checkProcesses(); err != nil {
		return fmt.Errorf("localcluster: %s: %w", c.name, err)
	}
	return nil
}

// Persistent reports whether the cluster was started with [Options].Persist.
func (c *Cluster) Persistent() bool { return c.opts.Persist }

// Restarted reports whether Start found the cluster of an earlier
// persistent start in [Options].Dir and kept it.
func (c *Cluster) Restarted() bool { return c.restarted }

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

// NodeNames returns the names of the kwok nodes, kwok-node-0 to
// kwok-node-N-1.
func (c *Cluster) NodeNames() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.nodes...)
}

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
