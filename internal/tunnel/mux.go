package tunnel

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/coder/websocket"
	"github.com/hashicorp/yamux"
)

// Defaults for the yamux sessions on both ends of the tunnel.
const (
	// DefaultStreamWindow is the per-stream receive window. It bounds the memory a
	// stalled stream can pin and, divided by the round-trip time, the throughput of a
	// single stream (1 MiB / 50 ms = 20 MiB/s for a large LIST).
	DefaultStreamWindow = 1 << 20
	// DefaultKeepAlive is the yamux ping interval; a ping unanswered within
	// DefaultWriteTimeout closes the session, so a dead peer is noticed within ~20 s.
	DefaultKeepAlive = 10 * time.Second
	// DefaultWriteTimeout bounds how long a frame may wait to be written to the
	// websocket before the session is considered broken.
	DefaultWriteTimeout = 10 * time.Second
)

// MuxOptions tunes the yamux session. Zero fields take the defaults above.
type MuxOptions struct {
	StreamWindow uint32
	KeepAlive    time.Duration
	WriteTimeout time.Duration
}

func (o MuxOptions) config(log *slog.Logger) *yamux.Config {
	cfg := yamux.DefaultConfig()
	cfg.AcceptBacklog = 1024
	cfg.EnableKeepAlive = true
	cfg.KeepAliveInterval = orDur(o.KeepAlive, DefaultKeepAlive)
	cfg.ConnectionWriteTimeout = orDur(o.WriteTimeout, DefaultWriteTimeout)
	cfg.MaxStreamWindowSize = DefaultStreamWindow
	if o.StreamWindow >= 256<<10 { // yamux minimum is its 256 KiB initial window
		cfg.MaxStreamWindowSize = o.StreamWindow
	}
	// A stream closed locally waits this long for the peer's FIN before it is reset.
	cfg.StreamCloseTimeout = time.Minute
	cfg.StreamOpenTimeout = 30 * time.Second
	cfg.LogOutput = nil
	cfg.Logger = yamuxLogger{log}
	return cfg
}

func orDur(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// yamuxLogger routes yamux's printf logging to slog at debug level: yamux logs
// every ordinary disconnect as an error, which is expected churn for a tunnel.
type yamuxLogger struct{ l *slog.Logger }

func (y yamuxLogger) Print(v ...any) { y.l.Debug(fmt.Sprint(v...), "component", "yamux") }
func (y yamuxLogger) Printf(format string, v ...any) {
	y.l.Debug(fmt.Sprintf(format, v...), "component", "yamux")
}
func (y yamuxLogger) Println(v ...any) { y.l.Debug(fmt.Sprint(v...), "component", "yamux") }

func orLogger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

// wsConn is a websocket as a net.Conn for yamux. Binary messages, no read limit
// (websocket.NetConn disables it). Close skips the websocket close handshake, which
// can wait up to 10 s for a dead peer; yamux already tells the peer it is going away.
type wsConn struct {
	net.Conn
	ws     *websocket.Conn
	cancel context.CancelFunc
}

func newWSConn(ws *websocket.Conn) *wsConn {
	ctx, cancel := context.WithCancel(context.Background())
	return &wsConn{Conn: websocket.NetConn(ctx, ws, websocket.MessageBinary), ws: ws, cancel: cancel}
}

func (c *wsConn) Close() error {
	c.cancel()
	return c.ws.CloseNow()
}
