package proxy

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/paddockhq/paddock/internal/auth"

	"bufio"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
)

// ExecTarget is the container a pod terminal session (exec or attach)
// enters.
type ExecTarget struct {
	Namespace, Pod, Container string
	// Streamed is false when the session uses a protocol the proxy cannot
	// read (SPDY): only that it happened is recorded.
	Streamed bool
}

// Recorder receives what crosses a pod terminal session (the
// internal/recording recorder satisfies it).
type Recorder interface {
	Input(p []byte)
	Output(p []byte)
	Resize(cols, rows int)
	Marker(label string)
	Close() error
}

// execTarget recognises .../namespaces/{ns}/pods/{pod}/exec|attach in the
// escaped kube path rest.
func execTarget(rest string, q url.Values) (ExecTarget, bool) {
	if !strings.HasSuffix(rest, "/exec") && !strings.HasSuffix(rest, "/attach") {
		return ExecTarget{}, false
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	// api/v1/namespaces/{ns}/pods/{pod}/{exec|attach}
	if len(parts) != 7 || parts[0] != "api" || parts[2] != "namespaces" || parts[4] != "pods" {
		return ExecTarget{}, false
	}
	ns, err1 := url.PathUnescape(parts[3])
	pod, err2 := url.PathUnescape(parts[5])
	if err1 != nil || err2 != nil {
		return ExecTarget{}, false
	}
	return ExecTarget{Namespace: ns, Pod: pod, Container: q.Get("container")}, true
}

// channelProtocol says whether the client asks for a WebSocket channel
// protocol (as kubectl 1.30+ does), which the proxy can read.
func channelProtocol(r *http.Request) bool {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return false
	}
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		if strings.Contains(v, "channel.k8s.io") {
			return true
		}
	}
	return false
}

// recordingWriter hands the upgrade handler a connection that tees both
// directions through frame parsers into rec.
type recordingWriter struct {
	http.ResponseWriter
	rec Recorder
}

func (w *recordingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	rc := &recordingConn{Conn: c}
	b64 := &atomic.Bool{}
	stopped := func(dir string) func(string) {
		return func(reason string) { w.rec.Marker("recording of the " + dir + " stopped: " + reason) }
	}
	// Client to server: masked frames; stdin and resize.
	rc.up = &wsStream{b64: b64, stopped: stopped("input"), emit: func(ch int, data []byte) {
		switch ch {
		case chanStdin:
			w.rec.Input(data)
		case chanResize:
			if cols, rows, ok := resizeSize(data); ok {
				w.rec.Resize(cols, rows)
			}
		}
	}}
	// Server to client: the 101 response, then stdout and stderr.
	rc.down = &wsStream{head: true, b64: b64, stopped: stopped("output"), emit: func(ch int, data []byte) {
		if ch == chanStdout || ch == chanStderr {
			w.rec.Output(data)
		}
	}}
	return rc, rw, nil
}

// recordingConn observes what is read from and written to the client
// (each direction by one goroutine of the upgrade handler).
type recordingConn struct {
	net.Conn
	up, down *wsStream
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.up.feed(p[:n])
	}
	return n, err
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.down.feed(p)
	return c.Conn.Write(p)
}

// record starts the recording of an exec or attach upgrade and returns the
// writer to serve it with and what to call when it ends; a nil writer
// means the request was refused (it could not be recorded).
func (p *Proxy) record(w http.ResponseWriter, r *http.Request, pr *auth.Principal, id, rest string) (http.ResponseWriter, func()) {
	t, ok := execTarget(rest, r.URL.Query())
	if !ok {
		return w, func() {}
	}
	t.Streamed = channelProtocol(r)
	rec, err := p.opts.Record(r.Context(), pr, id, t)
	if err != nil {
		p.opts.Logger.ErrorContext(r.Context(), "proxy: starting a terminal recording", "cluster", id, "err", err)
		writeStatus(w, r, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, id,
			"paddock: this terminal session cannot be recorded now; try again")
		return nil, nil
	}
	done := func() {
		if err := rec.Close(); err != nil {
			p.opts.Logger.ErrorContext(r.Context(), "proxy: closing a terminal recording", "cluster", id, "err", err)
		}
	}
	if !t.Streamed {
		rec.Marker("streams not recorded: the client used SPDY (kubectl before 1.30)")
		return w, done
	}
	return &recordingWriter{ResponseWriter: w, rec: rec}, done
}
