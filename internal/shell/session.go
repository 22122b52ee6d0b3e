package shell

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Runner starts shell sessions. It is safe for concurrent use.
type Runner struct {
	cfg Config
	err error // why the shell cannot run here (nil: it can)

	mu   sync.Mutex
	uids map[int]bool // in use
	next int
}

// New returns a runner for cfg. A runner whose helpers or binaries are
// missing is still returned: Available says why it cannot run.
func New(cfg Config) *Runner {
	cfg.fill()
	r := &Runner{cfg: cfg, uids: map[int]bool{}}
	r.err = cfg.check()
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

// HasHelm says whether the helm command is offered.
func (r *Runner) HasHelm() bool { return r.cfg.Helm != "" }

// Spec is what a session acts as and on.
type Spec struct {
	ClusterID, ClusterName string
	// Token is the bearer token kubectl presents (minted for the session).
	Token string
}

// Session is one user's shell: a private scratch folder (HOME in every
// sandbox of the session, kept between commands) and a kubeconfig. Close
// removes both.
type Session struct {
	cfg     Config
	r       *Runner
	spec    Spec
	uid     int // -1: the server is not root and sandboxes run as itself
	dir     string
	home    string
	history []string
}

// Open prepares a session: <ScratchRoot>/<random>/ (0700, owned by the
// session's uid) holding home/, kubeconfig (0400) and ca.crt.
func (r *Runner) Open(spec Spec) (*Session, error) {
	if err := r.Available(); err != nil {
		return nil, err
	}
	s := &Session{cfg: r.cfg, r: r, spec: spec, uid: -1}
	if os.Geteuid() == 0 {
		uid, err := r.takeUID()
		if err != nil {
			return nil, err
		}
		s.uid = uid
	}
	if err := s.prepare(); err != nil {
		s.Close()
		return nil, fmt.Errorf("preparing the session's folder: %w", err)
	}
	return s, nil
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
	// The root is traversable (not listable) by the sandbox uids, so each
	// can reach its own folder and nothing else.
	if err := os.MkdirAll(s.cfg.ScratchRoot, 0o711); err != nil {
		return err
	}
	if err := os.Chmod(s.cfg.ScratchRoot, 0o711); err != nil {
		return err
	}
	if s.uid >= 0 {
		if err := othersReach(s.cfg.ScratchRoot, 0o001); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp(s.cfg.ScratchRoot, "s-")
	if err != nil {
		return err
	}
	s.dir, s.home = dir, filepath.Join(dir, "home")
	if err := os.Mkdir(s.home, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), s.cfg.CAPEM, 0o444); err != nil {
		return err
	}
	kc, err := clientcmd.Write(*s.kubeconfig())
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "kubeconfig"), kc, 0o400); err != nil {
		return err
	}
	if s.uid < 0 {
		return nil
	}
	for _, p := range []string{dir, s.home, filepath.Join(dir, "kubeconfig")} {
		if err := os.Lchown(p, s.uid, s.uid); err != nil {
			return err
		}
	}
	return nil
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

// scratchSize is the bytes in the scratch folder.
func (s *Session) scratchSize() int64 {
	var n int64
	_ = filepath.WalkDir(s.home, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// emptyScratch removes everything in the scratch folder.
func (s *Session) emptyScratch() {
	entries, _ := os.ReadDir(s.home)
	for _, e := range entries {
		_ = os.RemoveAll(filepath.Join(s.home, e.Name()))
	}
}

// Close deletes the session's folder and frees its uid. Idempotent.
func (s *Session) Close() {
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
		s.dir = ""
	}
	if s.uid >= 0 {
		s.r.mu.Lock()
		delete(s.r.uids, s.uid)
		s.r.mu.Unlock()
		s.uid = -1
	}
}
