package shell

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Paths inside the sandbox.
const (
	sandboxHome       = "/home/paddock"
	sandboxKubeconfig = "/etc/paddock/kubeconfig"
	sandboxCA         = "/etc/ssl/certs/ca-certificates.crt"
	sandboxKuberc     = "/etc/paddock/kuberc"
)

// maxTmp bounds the sandbox's /tmp (a tmpfs: it takes memory).
const maxTmp = 64 << 20

// Size is a terminal size.
type Size struct{ Cols, Rows int }

// proc is one sandboxed command under a pty.
type proc struct {
	cmd  *exec.Cmd
	pty  *os.File // the master side
	pid  int      // the sandbox's first process, as the host sees it
	ln   net.Listener
	done chan struct{} // closed when the command has exited
	err  error         // its exit, once done

	in     chan []byte  // input for the terminal, written by writeInput
	queued atomic.Int64 // bytes in in
}

// inputQueue bounds the input waiting for a command that does not read
// it (chunks; inputBytes in all).
const (
	inputQueue = 256
	inputBytes = 256 << 10
)

// bwrapArgs is the sandbox of one command: a new namespace of every kind
// (user, mount, pid, network, ipc, uts, cgroup), no capabilities, no
// nested user namespaces, a read-only root holding only the binaries, the
// CA, the session's kubeconfig (read-only) and its scratch folder as HOME.
func (s *Session) bwrapArgs(bin string, args []string) []string {
	c := s.cfg
	a := []string{"--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--disable-userns",
		"--cap-drop", "ALL", "--hostname", "paddock-shell",
		"--ro-bind", c.Kubectl, "/usr/bin/kubectl"}
	if c.Helm != "" {
		a = append(a, "--ro-bind", c.Helm, "/usr/bin/helm")
	}
	a = append(a,
		"--ro-bind", filepath.Join(s.dir, "ca.crt"), sandboxCA,
		"--ro-bind", filepath.Join(s.dir, "kubeconfig"), sandboxKubeconfig,
		"--ro-bind", filepath.Join(s.dir, "kuberc"), sandboxKuberc,
		"--bind", s.home, sandboxHome,
		"--proc", "/proc", "--dev", "/dev", "--size", strconv.Itoa(maxTmp), "--tmpfs", "/tmp",
		"--remount-ro", "/",
		"--clearenv", "--setenv", "HOME", sandboxHome, "--setenv", "PATH", "/usr/bin",
		"--setenv", "KUBECONFIG", sandboxKubeconfig, "--setenv", "KUBERC", sandboxKuberc,
		"--setenv", "TERM", "xterm-256color", "--setenv", "LANG", "C.UTF-8",
		"--chdir", sandboxHome,
		"--info-fd", "3", "--block-fd", "4",
		"--", "/usr/bin/"+bin)
	return append(a, args...)
}

// command wraps bwrap in the resource limits (prlimit) and, when the
// server runs as root, the drop to the session's own unprivileged uid
// (setpriv): root running bwrap would still be uid 0 on the host. Without
// a cgroup (Runner.Warning) the process limits are lower and each
// process's address space is bounded too.
func (s *Session) command(bin string, args []string) *exec.Cmd {
	c := s.cfg
	argv := []string{c.Prlimit, "--fsize=" + strconv.FormatInt(c.MaxFileBytes, 10), "--core=0"}
	switch {
	case s.cg != nil:
		argv = append(argv, "--nproc=512")
	case s.uid >= 0: // RLIMIT_NPROC counts the uid's tasks: the session's only
		argv = append(argv, "--nproc=64", "--as="+strconv.FormatInt(2*c.Limits.Memory, 10))
	default:
		argv = append(argv, "--nproc=512", "--as="+strconv.FormatInt(2*c.Limits.Memory, 10))
	}
	argv = append(argv, "--", c.Setpriv)
	if s.uid >= 0 {
		id := strconv.Itoa(s.uid)
		argv = append(argv, "--reuid", id, "--regid", id, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all")
	}
	argv = append(argv, "--no-new-privs", "--", c.Bwrap)
	argv = append(argv, s.bwrapArgs(bin, args)...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	cmd.Dir = "/"
	return cmd
}

// start runs bin with args in a new sandbox under a new pty of size sz.
// bwrap reports the sandbox's pid and waits; the relay listener is opened
// in the sandbox's network namespace; then the command runs.
func (s *Session) start(bin string, args []string, sz Size) (*proc, error) {
	master, tty, err := openPty()
	if err != nil {
		return nil, fmt.Errorf("opening a terminal: %w", err)
	}
	setSize(master, sz)
	infoR, infoW, err := os.Pipe()
	if err != nil {
		master.Close()
		tty.Close()
		return nil, err
	}
	defer infoR.Close()
	blockR, blockW, err := os.Pipe()
	if err != nil {
		master.Close()
		tty.Close()
		infoW.Close()
		return nil, err
	}
	defer blockW.Close()
	cmd := s.command(bin, args)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.ExtraFiles = []*os.File{infoW, blockR}
	// A session of its own without a controlling terminal: the terminal's
	// signal keys are delivered by proc.input to the sandbox's processes.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	tty.Close()
	infoW.Close()
	blockR.Close()
	if err != nil {
		master.Close()
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	p := &proc{cmd: cmd, pty: master, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		if p.ln != nil {
			p.ln.Close()
		}
		close(p.done)
	}()
	if p.pid, err = childPid(infoR); err == nil && s.cg != nil {
		err = s.cg.add(p.pid) // before it runs: all it starts is bounded
	}
	if err == nil {
		p.ln, err = listenIn(p.pid, net.JoinHostPort("127.0.0.1", strconv.Itoa(SandboxPort)))
	}
	if err != nil {
		_ = cmd.Process.Kill()
		<-p.done
		out, _ := io.ReadAll(io.LimitReader(master, 4096))
		master.Close()
		return nil, fmt.Errorf("setting up the sandbox: %w %s", err, strings.TrimSpace(string(out)))
	}
	go relay(p.ln, s.cfg.Relay)
	p.in = make(chan []byte, inputQueue)
	go p.writeInput()
	_, _ = blockW.Write([]byte{1}) // the command may run now
	return p, nil
}

// childPid reads bwrap's --info-fd report.
func childPid(r *os.File) (int, error) {
	_ = r.SetReadDeadline(time.Now().Add(10 * time.Second))
	var info struct {
		Pid int `json:"child-pid"`
	}
	if err := json.NewDecoder(r).Decode(&info); err != nil {
		return 0, fmt.Errorf("reading bwrap's report: %w", err)
	}
	if info.Pid <= 0 {
		return 0, errNoChildPid
	}
	return info.Pid, nil
}

// openPty opens a pty pair whose master is in non-blocking mode, so
// closing it ends a pending Read (pty.Open leaves it blocking).
func openPty() (master, tty *os.File, err error) {
	m, tty, err := pty.Open()
	if err != nil {
		return nil, nil, err
	}
	defer m.Close()
	fd, err := unix.FcntlInt(m.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err == nil {
		err = unix.SetNonblock(fd, true)
	}
	if err != nil {
		tty.Close()
		return nil, nil, err
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), tty, nil
}

// setSize sets the terminal size without putting master back in blocking
// mode (as File.Fd would).
func setSize(master *os.File, sz Size) {
	ws := &unix.Winsize{Col: uint16(clamp(sz.Cols, 1, 1000)), Row: uint16(clamp(sz.Rows, 1, 1000))}
	if rc, err := master.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) { _ = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, ws) })
	}
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

// resize sets the terminal size and tells the sandbox's processes: they
// are in a session of their own (--new-session), so the kernel's SIGWINCH
// for the terminal's session does not reach them.
func (p *proc) resize(sz Size) {
	setSize(p.pty, sz)
	p.signal(syscall.SIGWINCH)
}

// input queues typed bytes for the terminal; false means they were
// dropped, the queue being full (the command does not read its input).
// When the command has not turned signal keys off (raw mode), ^C and ^\
// also send SIGINT and SIGQUIT to the sandbox's processes at once, as the
// kernel would to a terminal's foreground process group.
func (p *proc) input(b []byte) bool {
	queued := false
	if p.queued.Add(int64(len(b))) <= inputBytes {
		select {
		case p.in <- b:
			queued = true
		default:
		}
	}
	if !queued {
		p.queued.Add(-int64(len(b)))
	}
	for _, k := range []struct {
		key byte
		sig syscall.Signal
	}{{0x03, syscall.SIGINT}, {0x1c, syscall.SIGQUIT}} {
		if bytes.IndexByte(b, k.key) >= 0 && p.signalKeys() {
			p.signal(k.sig)
		}
	}
	return queued
}

// writeInput writes the queued input to the terminal, until the command
// has exited or the terminal is closed (which ends a blocked write).
func (p *proc) writeInput() {
	for {
		select {
		case b := <-p.in:
			p.queued.Add(-int64(len(b)))
			if _, err := p.pty.Write(b); err != nil {
				return
			}
		case <-p.done:
			return
		}
	}
}

// signalKeys reports whether the terminal turns ^C into a signal (ISIG).
func (p *proc) signalKeys() bool {
	rc, err := p.pty.SyscallConn()
	if err != nil {
		return false
	}
	on := false
	_ = rc.Control(func(fd uintptr) {
		if t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS); err == nil {
			on = t.Lflag&unix.ISIG != 0
		}
	})
	return on
}

// kill ends the sandbox: its processes first, then bwrap.
func (p *proc) kill() {
	p.signal(syscall.SIGKILL)
	select {
	case <-p.done:
	default:
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
	}
	_ = p.cmd.Process.Kill()
}

// signal sends sig to the sandbox's processes while bwrap runs (its pid,
// and so the sandbox's, cannot have been reused before it is reaped).
func (p *proc) signal(sig syscall.Signal) {
	select {
	case <-p.done:
	default:
		signalTree(p.pid, sig, 0)
	}
}

// signalTree sends sig to the descendants of pid.
func signalTree(pid int, sig syscall.Signal, depth int) {
	if depth > 8 {
		return
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return
	}
	for _, f := range strings.Fields(string(data)) {
		if child, err := strconv.Atoi(f); err == nil {
			_ = syscall.Kill(child, sig)
			signalTree(child, sig, depth+1)
		}
	}
}

// exitText describes how a command ended, "" for success.
func exitText(err error) string {
	var ee *exec.ExitError
	if err == nil {
		return ""
	}
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "terminated by " + ws.Signal().String()
		}
		return fmt.Sprintf("exit status %d", ee.ExitCode())
	}
	return err.Error()
}
