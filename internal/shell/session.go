package shell

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Runner starts shell sessions. It is safe for concurrent use.
type Runner struct {
	cfg   Config
	err   error    // why the shell cannot run here (nil: it can)
	root  *os.Root // the scratch root
	cg    *cgroups // nil: no cgroup could be used
	cgErr error    // why not

	mu     sync.Mutex
	uids   map[int]bool // in use
	next   int
	open   int            // sessions
	byUser map[string]int // sessions per Spec.User
}

// New returns a runner for cfg. A runner whose helpers, binaries or
// scratch root are unusable is still returned: Available says why it
// cannot run.
func New(cfg Config) *Runner {
	cfg.fill()
	r := &Runner{cfg: cfg, uids: map[int]bool{}, byUser: map[string]int{}}
	if r.err = cfg.check(); r.err != nil {
		return r
	}
	var stale []string
	if r.root, stale, r.err = openScratchRoot(cfg.ScratchRoot); r.err != nil {
		r.err = fmt.Errorf("%w: %w", ErrUnavailable, r.err)
		return r
	}
	if os.Geteuid() == 0 {
		if r.err = othersReach(cfg.ScratchRoot, 0o001); r.err != nil {
			r.err = fmt.Errorf("%w: %w", ErrUnavailable, r.err)
			return r
		}
	}
	r.cgErr = errors.New("disabled (CgroupRoot none)")
	if cfg.CgroupRoot != "none" {
		r.cg, r.cgErr = setupCgroups(cfg.CgroupRoot, fmt.Sprintf("paddock-shell-%d", cfg.UIDBase), cfg.Limits, stale)
	}
	return r
}

// Available is nil when sessions can run, otherwise an error wrapping
// ErrUnavailable that says what is missing.
func (r *Runner) Available() error {
	if r == nil {
		return fmt.Errorf("%w: it is not configured", ErrUnavailable)
	}
	return r.err
}

// Warning says what weakens the sandbox here ("" when nothing does): no
// cgroup, so memory and processes are bounded per process only.
func (r *Runner) Warning() string {
	if r == nil || r.err != nil || r.cg != nil {
		return ""
	}
	return fmt.Sprintf("no cgroup for the shell's sandboxes (%v): memory and CPU per session are not bounded, "+
		"only per process (prlimit: 64 processes per session uid when run as root, 1 GiB address space)", r.cgErr)
}

// HasHelm says whether the helm command is offered.
func (r *Runner) HasHelm() bool { return r.cfg.Helm != "" }

// Spec is what a session acts as and on.
type Spec struct {
	ClusterID, ClusterName string
	// Token is the bearer token kubectl presents (minted for the session).
	Token string
	// User is who opens it, for Config.MaxPerUser.
	User string
}

// Session is one user's shell: a private scratch folder (HOME in every
// sandbox of the session, kept between commands), a kubeconfig and a
// cgroup. Close removes them.
type Session struct {
	cfg     Config
	r       *Runner
	spec    Spec
	uid     int // -1: the server is not root and sandboxes run as itself
	name    string
	dir     string
	home    string
	cg      *cgroup // nil: none (Runner.Warning)
	counted bool
	history []string
}

// Open prepares a session: <ScratchRoot>/s-<random>/ holding home/ (0700,
// owned by the session's uid), kubeconfig (0400, same owner), kuberc and
// ca.crt, and its cgroup. It fails with ErrTooMany past the caps.
func (r *Runner) Open(spec Spec) (*Session, error) {
	if err := r.Available(); err != nil {
		return nil, err
	}
	s := &Session{cfg: r.cfg, r: r, spec: spec, uid: -1}
	if err := r.count(spec.User); err != nil {
		return nil, err
	}
	s.counted = true
	if os.Geteuid() == 0 {
		uid, err := r.takeUID()
		if err != nil {
			s.Close()
			return nil, err
		}
		s.uid = uid
	}
	if err := s.prepare(); err != nil {
		s.Close()
		return nil, fmt.Errorf("preparing the session: %w", err)
	}
	return s, nil
}

// count admits one more session of user, or says why not.
func (r *Runner) count(user string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.open >= r.cfg.MaxSessions {
		return fmt.Errorf("%w: this server already runs %d shells; try again later", ErrTooMany, r.open)
	}
	if r.byUser[user] >= r.cfg.MaxPerUser {
		return fmt.Errorf("%w: you already have %d shells open; close one first", ErrTooMany, r.byUser[user])
	}
	r.open++
	r.byUser[user]++
	return nil
}

func (r *Runner) takeUID() (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for range r.cfg.UIDCount {
		uid := r.cfg.UIDBase + r.next
		r.next = (r.next + 1) % r.cfg.UIDCount
		if !r.uids[uid] {
			r.uids[uid] = true
			return uid, nil
		}
	}
	return 0, fmt.Errorf("%w: every sandbox uid is in use", ErrUnavailable)
}

func (s *Session) prepare() error {
	kc, err := clientcmd.Write(*s.kubeconfig())
	if err != nil {
		return err
	}
	s.name, err = newSessionDir(s.r.root, s.uid, s.cfg.CAPEM, kc)
	if s.name != "" {
		s.dir = filepath.Join(s.cfg.ScratchRoot, s.name)
		s.home = filepath.Join(s.dir, "home")
	}
	if err != nil {
		return err
	}
	if s.r.cg != nil {
		s.cg, err = s.r.cg.create(s.name)
	}
	return err
}

// kubeconfig points at the relay inside the sandbox, trusting only the
// server's CA under the name its certificate covers.
func (s *Session) kubeconfig() *clientcmdapi.Config {
	cfg := clientcmdapi.NewConfig()
	name := s.spec.ClusterName
	if name == "" {
		name = s.spec.ClusterID
	}
	cfg.Clusters[name] = &clientcmdapi.Cluster{
		Server:                   fmt.Sprintf("https://127.0.0.1:%d/k8s/clusters/%s", SandboxPort, url.PathEscape(s.spec.ClusterID)),
		CertificateAuthorityData: s.cfg.CAPEM,
		TLSServerName:            s.cfg.ServerName,
	}
	cfg.AuthInfos["paddock"] = &clientcmdapi.AuthInfo{Token: s.spec.Token}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: "paddock", Namespace: "default"}
	cfg.CurrentContext = name
	return cfg
}

// Home is the session's scratch folder on the host.
func (s *Session) Home() string { return s.home }

// scratchUse is the bytes (allocated, so sparse files count as what they
// take) and the entries in the scratch folder.
func (s *Session) scratchUse() (bytes int64, files int) {
	_ = filepath.WalkDir(s.home, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		files++
		if info, err := d.Info(); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				bytes += max(info.Size(), st.Blocks*512)
			}
		}
		return nil
	})
	return bytes, files
}

// scratchFull says whether the scratch folder is over its bounds.
func (s *Session) scratchFull() bool {
	n, files := s.scratchUse()
	return n > s.cfg.MaxScratch || files > s.cfg.MaxFiles
}

// emptyScratch removes everything in the scratch folder.
func (s *Session) emptyScratch() {
	entries, _ := os.ReadDir(s.home)
	for _, e := range entries {
		_ = os.RemoveAll(filepath.Join(s.home, e.Name()))
	}
}

// Close deletes the session's cgroup and folder and frees its uid and its
// place. Idempotent.
func (s *Session) Close() {
	if s.cg != nil {
		s.cg.remove()
		s.cg = nil
	}
	if s.name != "" {
		_ = s.r.root.RemoveAll(s.name)
		s.name = ""
	}
	if s.counted {
		s.r.mu.Lock()
		s.r.open--
		if s.r.byUser[s.spec.User]--; s.r.byUser[s.spec.User] <= 0 {
			delete(s.r.byUser, s.spec.User)
		}
		s.r.mu.Unlock()
		s.counted = false
	}
	if s.uid >= 0 {
		s.r.mu.Lock()
		delete(s.r.uids, s.uid)
		s.r.mu.Unlock()
		s.uid = -1
	}
}
