package localcluster

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a component gets to exit after SIGTERM before the
// whole process group is killed. kube-apiserver can take over 30 s to shut
// down gracefully; nothing in a test needs that, so the grace is short.
const stopGrace = 2 * time.Second

// process is one running component. Its stdout and stderr go to logPath.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string

	done    chan struct{} // closed once the process has exited and been reaped
	waitErr error         // valid after done

	mu       sync.Mutex
	stopping bool // set when the harness asked it to exit
}

// startProcess starts bin with args as a new process group leader, output
// appended to logPath, with extra environment entries env.
func startProcess(name, bin string, args []string, logPath, dir string, env []string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child holds its own copy once started
	fmt.Fprintf(logFile, "### localcluster: %s %s\n", bin, strings.Join(args, " "))

	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = nil
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Own process group: stopping kills the component and anything it
		// spawned (kwok runs exec'd commands as its children), and a Ctrl-C
		// on the terminal reaches only the test binary...
		Setpgid: true,
		// ...whose death, however it dies (a `go test -timeout` panic, a
		// SIGKILL), takes the component with it: no cleanup runs then.
		Pdeathsig: syscall.SIGKILL,
	}
	if err := spawn(cmd); err != nil {
		return nil, fmt.Errorf("localcluster: starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// spawner forks every child from one goroutine locked to its OS thread for
// the life of the test binary. Pdeathsig fires when the *thread* that forked
// the child exits, and the Go runtime may retire threads, which would kill
// children in the middle of a test (golang.org/issue/27505).
var spawner struct {
	once sync.Once
	reqs chan spawnRequest
}

type spawnRequest struct {
	cmd  *exec.Cmd
	errc chan error
}

func spawn(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.reqs = make(chan spawnRequest)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives on
			for r := range spawner.reqs {
				r.errc <- r.cmd.Start()
			}
		}()
	})
	errc := make(chan error, 1)
	spawner.reqs <- spawnRequest{cmd, errc}
	return <-errc
}

// exited reports whether the process is gone, and how it ended.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// unexpectedExit returns an error when the process died without being asked
// to, mentioning errAddrInUse when its log says it lost its port.
func (p *process) unexpectedExit() error {
	gone, err := p.exited()
	p.mu.Lock()
	stopping := p.stopping
	p.mu.Unlock()
	if !gone || stopping {
		return nil
	}
	if err == nil {
		err = errors.New("exit status 0")
	}
	if mentionsAddrInUse(p.tail(50)) {
		return fmt.Errorf("%s exited (%v): %w", p.name, err, errAddrInUse)
	}
	return fmt.Errorf("%s exited unexpectedly (%v); see its log below", p.name, err)
}

// signal sends sig to the process's whole group.
func (p *process) signal(sig syscall.Signal) {
	p.mu.Lock()
	p.stopping = true
	p.mu.Unlock()
	// Errors mean the group is already gone.
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
}

// stopAll sends SIGTERM to every process, waits up to stopGrace for all of
// them together, then SIGKILLs the process groups of those still running and
// reaps them. Leftover children of exited leaders are killed too.
func stopAll(procs []*process) {
	for _, p := range procs {
		if gone, _ := p.exited(); !gone {
			p.signal(syscall.SIGTERM)
		}
	}
	grace := time.After(stopGrace)
wait:
	for _, p := range procs {
		select {
		case <-p.done:
		case <-grace:
			break wait
		}
	}
	for _, p := range procs {
		p.signal(syscall.SIGKILL)
		<-p.done
	}
}

// tail returns up to the last n lines of the process's log.
func (p *process) tail(n int) string {
	return tailFile(p.logPath, n)
}

// tailFile returns up to the last n lines of a file, reading at most its
// last 64 KiB, each line cut to 500 bytes.
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	defer f.Close()
	const window = 64 << 10
	if st, err := f.Stat(); err == nil && st.Size() > window {
		f.Seek(st.Size()-window, io.SeekStart)
	}
	data, _ := io.ReadAll(f)
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	var b strings.Builder
	for _, l := range lines {
		if len(l) > 500 {
			l = append(l[:500:500], " …"...)
		}
		b.Write(l)
		b.WriteByte('\n')
	}
	return b.String()
}
