package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// IO connects a session to the user's terminal.
type IO struct {
	// Input carries what the user types; closing it ends the session.
	Input <-chan []byte
	// Resize carries new terminal sizes.
	Resize <-chan Size
	// Output receives everything shown on the terminal.
	Output io.Writer
}

// ErrIdle ends a session left without input or output for Config.Idle.
var ErrIdle = errors.New("the session was idle too long")

// serveState is the front end of one session while Serve runs.
type serveState struct {
	s       *Session
	out     *lineWriter
	ed      editor
	size    Size
	run     *running
	pending []byte // input typed ahead while a command ran
}

// running is a command and the copy of its output.
type running struct {
	p       *proc
	copied  chan struct{}
	dropped bool        // input was dropped (said once)
	full    atomic.Bool // killed for filling the scratch folder
}

// scratchCheck is how often a running command's scratch folder is sized.
var scratchCheck = 500 * time.Millisecond

// Serve runs the session's front end: a prompt, a line editor, and each
// accepted line run as one sandboxed command whose terminal is the user's
// until it exits. It returns nil when the user exits or the input closes,
// ErrIdle after Config.Idle without activity, and ctx's error when ctx ends
// (a running command is killed in every case).
func (s *Session) Serve(ctx context.Context, t IO, size Size) error {
	st := &serveState{s: s, out: &lineWriter{w: t.Output}, size: size}
	st.ed = editor{prompt: fmt.Sprintf("kubectl@%s$ ", s.spec.ClusterName), history: &s.history}
	defer st.kill()
	st.out.WriteString(s.banner() + st.ed.prompt)
	idle := time.NewTimer(s.cfg.Idle)
	defer idle.Stop()
	for {
		var copied chan struct{}
		if st.run != nil {
			copied = st.run.copied
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case b, ok := <-t.Input:
			if !ok {
				return nil
			}
			st.out.touch()
			if st.run != nil {
				if !st.run.p.input(b) && !st.run.dropped {
					st.run.dropped = true
					st.out.WriteString("\r\npaddock: input dropped: the command is not reading it\r\n")
				}
				continue
			}
			if st.input(b) {
				return nil
			}
		case sz := <-t.Resize:
			st.size = sz
			if st.run != nil {
				st.run.p.resize(sz)
			}
		case <-copied:
			st.finish()
			if st.input(nil) {
				return nil
			}
		case <-idle.C:
			if left := s.cfg.Idle - time.Since(st.out.lastActive()); left > 0 {
				idle.Reset(left)
				continue
			}
			st.out.WriteString(fmt.Sprintf("\r\npaddock: closing the session after %s without activity\r\n", s.cfg.Idle))
			return ErrIdle
		}
	}
}

// input feeds typed bytes (and any typed ahead) to the line editor and
// runs the lines it completes; true means exit.
func (st *serveState) input(b []byte) bool {
	b = append(st.pending, b...)
	st.pending = nil
	for len(b) > 0 {
		if st.run != nil {
			st.pending = b
			return false
		}
		n, what, echo := st.ed.feed(b)
		b = b[n:]
		st.out.Write(echo)
		switch what {
		case keyEOF:
			return true
		case keySubmit:
			if st.execute(st.ed.take()) {
				return true
			}
			if st.run == nil {
				st.out.WriteString(st.ed.prompt)
			}
		}
	}
	return false
}

// execute runs one line; true means exit.
func (st *serveState) execute(line string) bool {
	words, err := splitWords(line)
	if err != nil {
		st.out.WriteString("paddock: " + err.Error() + "\r\n")
		return false
	}
	if len(words) == 0 {
		return false
	}
	h := st.s.history
	if len(h) == 0 || h[len(h)-1] != line {
		st.s.history = append(h, line)
		if len(st.s.history) > 500 {
			st.s.history = st.s.history[1:]
		}
	}
	st.ed.hpos = len(st.s.history)
	switch words[0] {
	case "kubectl", "k":
		for _, w := range words[1:] {
			if w == "--" {
				break
			}
			if w == "--kuberc" || strings.HasPrefix(w, "--kuberc=") {
				st.out.WriteString("paddock: --kuberc is not allowed here\r\n")
				return false
			}
		}
		st.start("kubectl", words[1:])
	case "helm":
		if !st.s.r.HasHelm() {
			st.out.WriteString("paddock: helm is not installed on this server\r\n")
			return false
		}
		st.start("helm", words[1:])
	case "help", "?":
		st.out.WriteString(strings.ReplaceAll(st.s.help(), "\n", "\r\n"))
	case "clear", "cls":
		st.out.WriteString("\x1b[H\x1b[2J\x1b[3J")
	case "exit", "logout", "quit":
		return true
	default:
		st.out.WriteString(fmt.Sprintf("paddock: %s: command not found. Only %s run here; type help.\r\n",
			words[0], st.s.commands()))
	}
	return false
}

func (st *serveState) start(bin string, args []string) {
	p, err := st.s.start(bin, args, st.size)
	if err != nil {
		st.out.WriteString("paddock: " + strings.ReplaceAll(err.Error(), "\n", "\r\n") + "\r\n")
		return
	}
	r := &running{p: p, copied: make(chan struct{})}
	st.run = r
	go func() {
		defer close(r.copied)
		_, _ = io.Copy(st.out, p.pty) // ends with EIO once the sandbox is gone
		<-p.done
	}()
	go st.s.watchScratch(r)
}

// watchScratch kills the command when the scratch folder grows past its
// bounds (Config.MaxScratch, MaxFiles).
func (s *Session) watchScratch(r *running) {
	t := time.NewTicker(scratchCheck)
	defer t.Stop()
	for {
		select {
		case <-r.p.done:
			return
		case <-t.C:
			if s.scratchFull() {
				r.full.Store(true)
				r.p.kill()
				return
			}
		}
	}
}

// finish reports how the command ended and checks the scratch folder.
func (st *serveState) finish() {
	r := st.run
	st.run = nil
	r.p.pty.Close()
	if !st.out.atLineStart() {
		st.out.WriteString("\r\n")
	}
	if text := exitText(r.p.err); strings.HasPrefix(text, "terminated") {
		st.out.WriteString("[" + text + "]\r\n")
	}
	if r.full.Load() || st.s.scratchFull() {
		st.s.emptyScratch()
		st.out.WriteString(fmt.Sprintf("paddock: your files took more than %d MiB or %d entries; the command was stopped and the home folder emptied\r\n",
			st.s.cfg.MaxScratch>>20, st.s.cfg.MaxFiles))
	}
	st.out.WriteString(st.ed.prompt)
}

// kill ends a running command.
func (st *serveState) kill() {
	if st.run == nil {
		return
	}
	st.run.p.kill()
	<-st.run.p.done
	st.run.p.pty.Close()
	<-st.run.copied
	st.run = nil
}

func (s *Session) commands() string {
	if s.r.HasHelm() {
		return "kubectl (or k), helm, clear, help and exit"
	}
	return "kubectl (or k), clear, help and exit"
}

func (s *Session) banner() string {
	return fmt.Sprintf("\x1b[1mPaddock shell\x1b[0m for cluster %s. Type help for what works here.\r\n", s.spec.ClusterName)
}

func (s *Session) help() string {
	return fmt.Sprintf(`This is a kubectl prompt, not a shell. Commands: %s.
Each line runs one command in a sandbox, as you: the cluster sees your own
identity and permissions, and the only network is the way to this cluster.
  kubectl get pods -A          k is kubectl
  kubectl exec -it POD -- sh   interactive terminals, y/n prompts and ^C work
  kubectl cp POD:/f ./f        your home folder keeps files for this session
                               (then kubectl apply -f ./f); it is deleted at exit
Quoting works like a shell's ('...', "...", \x); there is no expansion, no
pipes (|), redirects (< >), ; && & or $( ). Editing: backspace, ^U erases the
line, ^C drops it, up/down recall history, ^D or exit ends the session.
The session is recorded (what you type and see) for auditors.
`, s.commands())
}

// lineWriter serialises writes to the terminal, notes the last activity
// and whether the cursor is at the start of a line.
type lineWriter struct {
	mu     sync.Mutex
	w      io.Writer
	last   atomic.Int64
	lastNL bool
	wrote  bool
}

func (l *lineWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	l.touch()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.wrote, l.lastNL = true, p[len(p)-1] == '\n'
	return l.w.Write(p)
}

func (l *lineWriter) WriteString(s string) { _, _ = l.Write([]byte(s)) }

func (l *lineWriter) touch() { l.last.Store(time.Now().UnixNano()) }

func (l *lineWriter) lastActive() time.Time { return time.Unix(0, l.last.Load()) }

func (l *lineWriter) atLineStart() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.wrote || l.lastNL
}
