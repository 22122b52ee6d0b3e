package shell

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Config says what the sandbox is made of. The zero value of every
// optional field takes the default named beside it.
type Config struct {
	// Kubectl is the kubectl binary bound into the sandbox (required; a
	// static binary: the sandbox holds no libraries).
	Kubectl string
	// Helm is a helm binary offered as the helm command ("": none).
	Helm string
	// Bwrap, Setpriv and Prlimit are the helpers (looked up on PATH when
	// empty).
	Bwrap, Setpriv, Prlimit string
	// ScratchRoot holds one private folder per session (default
	// /run/paddock-shell as root, else $TMPDIR/paddock-shell-<uid>). It is
	// created 0711; an existing one must be a real folder owned by the
	// server's user and writable by no one else. Stale session folders in
	// it are deleted at start: two servers on one host need their own. It
	// must not be inside a folder the sandbox user cannot traverse.
	ScratchRoot string
	// UIDBase and UIDCount are the host uids sandboxes run as, one per
	// running session (default 1,000,000,000 and 65,536) when the server
	// runs as root. Nothing else on the host may use them.
	UIDBase, UIDCount int
	// Relay is the host:port of the server's own HTTPS listener that the
	// sandbox's one network port leads to (required).
	Relay string
	// ServerName is the TLS name kubectl checks, one the serving
	// certificate covers (required); CAPEM the CA kubectl trusts.
	ServerName string
	CAPEM      []byte
	// MaxScratch bounds the scratch folder (512 MiB): a command is killed
	// when it grows past it (checked twice a second), and it is emptied
	// after. MaxFileBytes bounds each file a command writes (MaxScratch);
	// MaxFiles the files in the folder (10,000).
	MaxFileBytes, MaxScratch int64
	MaxFiles                 int
	// Limits bound the processes of each session (memory 512 MiB, 128
	// processes and threads, 1 core) in a cgroup under CgroupRoot
	// (default /sys/fs/cgroup, v2 or v1; "none": do not use cgroups).
	Limits     Limits
	CgroupRoot string
	// MaxSessions and MaxPerUser cap the open sessions, in all and per
	// Spec.User (32 and 3).
	MaxSessions, MaxPerUser int
	// Idle ends a session without input or output for this long (15 min).
	Idle time.Duration
}

// Defaults.
const (
	DefaultUIDBase  = 1_000_000_000
	DefaultUIDCount = 65536
	DefaultIdle     = 15 * time.Minute
	// DefaultRootScratch is the scratch root of a server running as root.
	DefaultRootScratch = "/run/paddock-shell"
	// SandboxPort is where kubectl finds the relay inside the sandbox.
	SandboxPort = 6443
)

// ErrUnavailable wraps every reason the shell cannot run here.
var ErrUnavailable = errors.New("the browser shell is not available on this server")

// ErrTooMany refuses a session past Config.MaxSessions or MaxPerUser.
var ErrTooMany = errors.New("too many shells open")

func (c *Config) fill() {
	look := func(p *string, name string) {
		if *p == "" {
			*p, _ = exec.LookPath(name)
		}
	}
	look(&c.Bwrap, "bwrap")
	look(&c.Setpriv, "setpriv")
	look(&c.Prlimit, "prlimit")
	if c.ScratchRoot == "" {
		c.ScratchRoot = DefaultRootScratch
		if os.Geteuid() != 0 {
			c.ScratchRoot = filepath.Join(os.TempDir(), fmt.Sprintf("paddock-shell-%d", os.Geteuid()))
		}
	}
	if c.CgroupRoot == "" {
		c.CgroupRoot = "/sys/fs/cgroup"
	}
	if c.UIDBase <= 0 {
		c.UIDBase = DefaultUIDBase
	}
	if c.UIDCount <= 0 {
		c.UIDCount = DefaultUIDCount
	}
	if c.MaxScratch <= 0 {
		c.MaxScratch = 512 << 20
	}
	if c.MaxFileBytes <= 0 {
		c.MaxFileBytes = c.MaxScratch
	}
	if c.MaxFiles <= 0 {
		c.MaxFiles = 10000
	}
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&c.MaxSessions, 32)
	def(&c.MaxPerUser, 3)
	def(&c.Limits.Pids, 128)
	if c.Limits.Memory <= 0 {
		c.Limits.Memory = 512 << 20
	}
	if c.Limits.CPU <= 0 {
		c.Limits.CPU = 1
	}
	if c.Idle <= 0 {
		c.Idle = DefaultIdle
	}
}

// check says what is missing, wrapping ErrUnavailable.
func (c *Config) check() error {
	var missing []string
	for _, b := range []struct{ what, path, hint string }{
		{"bwrap", c.Bwrap, "install bubblewrap"},
		{"setpriv", c.Setpriv, "install util-linux"},
		{"prlimit", c.Prlimit, "install util-linux"},
		{"kubectl", c.Kubectl, "set --shell-kubectl"},
	} {
		if b.path == "" {
			missing = append(missing, fmt.Sprintf("%s not found (%s)", b.what, b.hint))
			continue
		}
		if st, err := os.Stat(b.path); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			missing = append(missing, fmt.Sprintf("%s %s is not an executable file", b.what, b.path))
		}
	}
	if c.Helm != "" {
		if st, err := os.Stat(c.Helm); err != nil || st.IsDir() {
			missing = append(missing, fmt.Sprintf("helm %s is not an executable file", c.Helm))
		}
	}
	if os.Geteuid() == 0 { // the sandbox runs as another uid: it must reach these
		for _, p := range []string{c.Kubectl, c.Helm} {
			if p != "" {
				if err := othersReach(p, 0o005); err != nil {
					missing = append(missing, err.Error())
				}
			}
		}
	}
	if c.Relay == "" || c.ServerName == "" || len(c.CAPEM) == 0 {
		missing = append(missing, "the server's address, TLS name and CA are not configured")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s", ErrUnavailable, strings.Join(missing, "; "))
	}
	return nil
}

// othersReach checks that a user with no relation to path's owners can
// reach it: every folder above it searchable, and path itself with perm.
func othersReach(path string, perm os.FileMode) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if st, err := os.Stat(abs); err != nil || st.Mode().Perm()&perm != perm {
		return fmt.Errorf("%s must be accessible to other users (mode o+%s)", abs, permText(perm))
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if st, err := os.Stat(dir); err != nil || st.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("%s is inside %s, which other users cannot traverse (mode o+x needed)", abs, dir)
		}
		if dir == "/" {
			return nil
		}
	}
}

func permText(perm os.FileMode) string {
	s := ""
	for i, c := range "rwx" {
		if perm&(0o004>>i) != 0 {
			s += string(c)
		}
	}
	return s
}
