package tunnel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/hashicorp/yamux"
)

// Reconnect backoff of RunClient: capped exponential with jitter.
const (
	MinBackoff = 250 * time.Millisecond
	MaxBackoff = 5 * time.Second
)

// ClientOptions configures RunClient (the agent side).
type ClientOptions struct {
	// URL of the server's tunnel endpoint, e.g. wss://paddock.example.com/v1/connect.
	URL string
	// Header is sent with every handshake, e.g. Authorization: Bearer <token>.
	Header http.Header
	// HTTPClient performs the handshake; set its Transport's TLSClientConfig to pin
	// the server's CA. Nil means http.DefaultClient. Its Timeout must be zero.
	HTTPClient *http.Client
	// Handler serves every stream the server opens, as HTTP/1.1 (keep-alive and
	// Hijack work; the agent forwards to its local kube-apiserver). Required.
	Handler http.Handler
	// OnConnect is called each time a session is established.
	OnConnect func()
	// OnError is called for every failed attempt and every lost session, before
	// the backoff. A refused handshake is a *HandshakeError (see IsUnauthorized).
	OnError func(error)
	Mux     MuxOptions
	Logger  *slog.Logger
}

// HandshakeError is a websocket handshake the server answered with a non-101 status.
type HandshakeError struct {
	StatusCode int
	Body       string // first bytes of the response body (JSON error from ServeHTTP)
}

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("tunnel handshake refused: HTTP %d: %s", e.StatusCode, strings.TrimSpace(e.Body))
}

// IsUnauthorized reports whether err is a handshake refused with 401 or 403.
func IsUnauthorized(err error) bool {
	var he *HandshakeError
	return errors.As(err, &he) && (he.StatusCode == http.StatusUnauthorized || he.StatusCode == http.StatusForbidden)
}

// RunClient holds a tunnel to opts.URL until ctx is done, then returns ctx.Err().
// Every failure, including 401/403 (credentials may be rotated server-side), is
// reported to OnError and retried with backoff from MinBackoff to MaxBackoff, so the
// tunnel heals within ~MaxBackoff of the server becoming reachable again. It returns
// early only for invalid options.
func RunClient(ctx context.Context, opts ClientOptions) error {
	if opts.Handler == nil || opts.URL == "" {
		return errors.New("tunnel: ClientOptions.URL and Handler are required")
	}
	log := orLogger(opts.Logger)
	attempt := 0
	for {
		start := time.Now()
		err := runSession(ctx, opts, log)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Since(start) > MaxBackoff {
			attempt = 0 // the session was healthy for a while: retry promptly
		}
		log.Info("tunnel down, reconnecting", "url", opts.URL, "err", err, "attempt", attempt)
		if opts.OnError != nil {
			opts.OnError(err)
		}
		t := time.NewTimer(backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		attempt++
	}
}

// backoff returns MinBackoff·2^attempt capped at MaxBackoff, jittered to 50–100 %.
func backoff(attempt int) time.Duration {
	d := MaxBackoff
	if attempt < 5 {
		d = min(MinBackoff<<attempt, MaxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

// runSession dials once and serves the session until it ends or ctx is done.
func runSession(ctx context.Context, opts ClientOptions, log *slog.Logger) error {
	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	ws, resp, err := websocket.Dial(dialCtx, opts.URL, &websocket.DialOptions{
		HTTPClient:      opts.HTTPClient,
		HTTPHeader:      opts.Header,
		CompressionMode: websocket.CompressionDisabled,
	})
	cancel()
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols && resp.StatusCode != 0 {
			var body []byte
			if resp.Body != nil {
				body, _ = io.ReadAll(io.LimitReader(resp.Body, 1024))
				resp.Body.Close()
			}
			return &HandshakeError{StatusCode: resp.StatusCode, Body: string(body)}
		}
		return fmt.Errorf("tunnel dial %s: %w", opts.URL, err)
	}
	conn := newWSConn(ws)
	mux, err := yamux.Server(conn, opts.Mux.config(log))
	if err != nil {
		conn.Close()
		return err
	}
	defer conn.Close()
	defer mux.Close()

	log.Info("tunnel connected", "url", opts.URL)
	if opts.OnConnect != nil {
		opts.OnConnect()
	}
	// http.Server runs every accepted stream in its own goroutine, so a slow
	// handler never blocks Accept (and so never blocks other streams).
	srv := &http.Server{
		Handler:           opts.Handler,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	stop := context.AfterFunc(ctx, func() { mux.Close() })
	defer stop()
	err = srv.Serve(mux)
	// The session is gone: close the in-flight HTTP connections too (hijacked
	// streams were reset by the session close).
	srv.Close()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, yamux.ErrSessionShutdown) || err == nil {
		return errors.New("tunnel session closed")
	}
	return err
}
