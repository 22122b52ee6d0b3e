package tunnel

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/hashicorp/yamux"
)

// CredentialHeader carries the agent's credential on the websocket
// handshake (Authorization is left to user tokens).
const CredentialHeader = "X-Paddock-Agent-Token"

// ErrNotConnected is returned by Dial when no agent holds a tunnel for the peer.
var ErrNotConnected = errors.New("tunnel: peer not connected")

// ErrServerClosed is returned by Dial after Close.
var ErrServerClosed = errors.New("tunnel: server closed")

// ServerOptions configures a Server.
type ServerOptions struct {
	// Authenticate is called before the websocket upgrade and names the connecting
	// peer (for Paddock, the cluster ID). An error or an empty ID refuses the
	// connection with HTTP 401 and a JSON body. Required.
	Authenticate func(r *http.Request) (peerID string, err error)
	// OnConnect is called when a peer's session is up (also when it replaces an
	// older session of the same peer). OnDisconnect is called when the peer's
	// current session ends; not when a session is replaced by a newer one.
	// Both are called synchronously from the connection's goroutine.
	OnConnect    func(peerID string)
	OnDisconnect func(peerID string)
	Mux          MuxOptions
	Logger       *slog.Logger
}

// Server accepts agent tunnels (it is the http.Handler for /v1/connect) and opens
// streams to connected peers. Safe for concurrent use.
type Server struct {
	opts ServerOptions
	log  *slog.Logger

	mu     sync.Mutex
	peers  map[string]*session
	closed bool
	wg     sync.WaitGroup // one per ServeHTTP holding a session
}

type session struct {
	peerID string
	mux    *yamux.Session
	since  time.Time
}

// NewServer returns a Server. It panics if opts.Authenticate is nil.
func NewServer(opts ServerOptions) *Server {
	if opts.Authenticate == nil {
		panic("tunnel: ServerOptions.Authenticate is required")
	}
	return &Server{opts: opts, log: orLogger(opts.Logger), peers: map[string]*session{}}
}

// ServeHTTP authenticates the agent, upgrades to a websocket and holds the yamux
// session until it ends. A new session for a peer replaces (closes) the old one.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	peerID, err := s.opts.Authenticate(r)
	if err == nil && peerID == "" {
		err = errors.New("no peer identity")
	}
	if err != nil {
		s.log.Info("tunnel connection refused", "remote", r.RemoteAddr, "err", err)
		writeError(w, http.StatusUnauthorized, "unauthorized", err.Error())
		return
	}
	if s.isClosed() {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "tunnel server is shutting down")
		return
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil { // Accept has written the HTTP error
		s.log.Info("tunnel websocket upgrade failed", "peer", peerID, "err", err)
		return
	}
	conn := newWSConn(ws)
	cfg := s.opts.Mux.config(s.log)
	cfg.AcceptBacklog = 4 // the agent may not open streams: see refuseStreams
	mux, err := yamux.Client(&pingGuard{Conn: conn}, cfg)
	if err != nil {
		conn.Close()
		s.log.Error("tunnel yamux setup failed", "peer", peerID, "err", err)
		return
	}
	sess := &session{peerID: peerID, mux: mux, since: time.Now()}
	go refuseStreams(mux, s.log, peerID)

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		mux.Close()
		return
	}
	old := s.peers[peerID]
	s.peers[peerID] = sess
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	if old != nil {
		s.log.Info("tunnel replaced by a new connection", "peer", peerID)
		old.mux.Close()
	}
	s.log.Info("tunnel connected", "peer", peerID, "remote", r.RemoteAddr)
	if s.opts.OnConnect != nil {
		s.opts.OnConnect(peerID)
	}

	<-mux.CloseChan()
	conn.Close()

	s.mu.Lock()
	current := s.peers[peerID] == sess
	if current {
		delete(s.peers, peerID)
	}
	s.mu.Unlock()
	if current {
		s.log.Info("tunnel disconnected", "peer", peerID, "duration", time.Since(sess.since).Round(time.Millisecond))
		if s.opts.OnDisconnect != nil {
			s.opts.OnDisconnect(peerID)
		}
	}
}

func writeError(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": reason, "message": msg})
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) lookup(peerID string) (*yamux.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrServerClosed
	}
	sess := s.peers[peerID]
	if sess == nil || sess.mux.IsClosed() {
		return nil, ErrNotConnected
	}
	return sess.mux, nil
}

// Dial opens a new stream to the peer's agent, which serves it as HTTP/1.1 (see
// ClientOptions.Handler). The returned net.Conn supports deadlines.
func (s *Server) Dial(ctx context.Context, peerID string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	mux, err := s.lookup(peerID)
	if err != nil {
		return nil, err
	}
	if ctx.Done() == nil {
		c, err := mux.OpenStream()
		if err != nil {
			return nil, dialErr(err)
		}
		return c, nil
	}
	// OpenStream does not take a context and blocks while 1024 stream opens are
	// unacknowledged; do not let that outlive ctx.
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := mux.OpenStream()
		if err != nil {
			ch <- result{nil, err}
			return
		}
		ch <- result{c, nil}
	}()
	select {
	case r := <-ch:
		return r.c, dialErr(r.err)
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

func dialErr(err error) error {
	if errors.Is(err, yamux.ErrSessionShutdown) || errors.Is(err, yamux.ErrRemoteGoAway) {
		return ErrNotConnected
	}
	return err
}

// Dialer returns a DialContext function for http.Transport that ignores network
// and address and opens a stream to peerID.
func (s *Server) Dialer(peerID string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, _, _ string) (net.Conn, error) { return s.Dial(ctx, peerID) }
}

// Transport returns a new HTTP/1.1 transport whose connections are streams to
// peerID. Use plain http:// URLs (any host); the tunnel itself is already TLS.
// Callers should keep one per peer and reuse it.
func (s *Server) Transport(peerID string) *http.Transport {
	return &http.Transport{
		DialContext:         s.Dialer(peerID),
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: 100,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
		DisableCompression:  true,
	}
}

// Connected reports whether peerID holds a live tunnel.
func (s *Server) Connected(peerID string) bool {
	_, err := s.lookup(peerID)
	return err == nil
}

// Peers lists the connected peer IDs, sorted.
func (s *Server) Peers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.peers))
	for id := range s.peers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Stats is a snapshot for metrics.
type Stats struct {
	Sessions int // connected peers
	Streams  int // open streams over all sessions
}

// Stats returns the current number of sessions and open streams.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Sessions: len(s.peers)}
	for _, sess := range s.peers {
		st.Streams += sess.mux.NumStreams()
	}
	return st
}

// Disconnect closes peerID's current session, if any (the agent will reconnect).
func (s *Server) Disconnect(peerID string) {
	s.mu.Lock()
	sess := s.peers[peerID]
	s.mu.Unlock()
	if sess != nil {
		sess.mux.Close()
	}
}

// Close closes every session, refuses new ones and waits for the connection
// goroutines (and their OnDisconnect callbacks) to finish. It does not close the
// HTTP listener serving ServeHTTP.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	sessions := make([]*session, 0, len(s.peers))
	for _, sess := range s.peers {
		sessions = append(sessions, sess)
	}
	s.mu.Unlock()
	for _, sess := range sessions {
		sess.mux.Close()
	}
	s.wg.Wait()
	return nil
}
