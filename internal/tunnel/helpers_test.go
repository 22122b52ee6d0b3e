package tunnel

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// env is a real tunnel: an httptest TLS server (wss) on loopback serving a Server,
// and agents running RunClient against it.
type env struct {
	srv     *Server
	hs      *httptest.Server
	addr    string
	pool    *x509.CertPool
	connect atomic.Int32 // OnConnect calls on the server
	discon  atomic.Int32 // OnDisconnect calls on the server
	cancels []func()
	trs     []*http.Transport
}

// testAuth accepts "Bearer <peer>:secret".
func testAuth(r *http.Request) (string, error) {
	peer, ok := strings.CutSuffix(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), ":secret")
	if !ok {
		return "", errors.New("bad token")
	}
	return peer, nil
}

func newEnv(t testing.TB) *env {
	e := &env{}
	e.start("127.0.0.1:0")
	t.Cleanup(e.close)
	return e
}

func (e *env) start(addr string) {
	e.srv = NewServer(ServerOptions{
		Authenticate: testAuth,
		OnConnect:    func(string) { e.connect.Add(1) },
		OnDisconnect: func(string) { e.discon.Add(1) },
	})
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/connect", e.srv)
	e.hs = &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	e.hs.StartTLS()
	e.addr = ln.Addr().String()
	e.pool = x509.NewCertPool()
	e.pool.AddCert(e.hs.Certificate())
}

// stop closes the tunnel server and its listener (a server "restart" is stop+start).
func (e *env) stop() {
	e.srv.Close()
	e.hs.Close()
}

func (e *env) close() {
	for _, c := range e.cancels {
		c()
	}
	for _, tr := range e.trs {
		tr.CloseIdleConnections()
	}
	e.stop()
}

func (e *env) clientOptions(peer string, h http.Handler) ClientOptions {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.pool}}
	e.trs = append(e.trs, tr)
	return ClientOptions{
		URL:        "wss://" + e.addr + "/v1/connect",
		Header:     http.Header{"Authorization": {"Bearer " + peer + ":secret"}},
		HTTPClient: &http.Client{Transport: tr},
		Handler:    h,
	}
}

// run starts RunClient in the background; the returned stop waits for it to return.
func (e *env) run(opts ClientOptions) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- RunClient(ctx, opts) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				panic(fmt.Sprintf("RunClient returned %v", err))
			}
		})
	}
	e.cancels = append(e.cancels, stop)
	return stop
}

func (e *env) client(peer string) *http.Client {
	tr := e.srv.Transport(peer)
	e.trs = append(e.trs, tr)
	return &http.Client{Transport: tr}
}

func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
	}
}

// agentHandler is the handler the tests' agents serve over the tunnel.
type agentHandler struct {
	name    string
	stalled chan struct{} // receives when /stall is entered
	release chan struct{} // closed to let /stall return
}

func newAgentHandler(name string) *agentHandler {
	return &agentHandler{name: name, stalled: make(chan struct{}, 16), release: make(chan struct{})}
}

func (h *agentHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/hello":
		io.WriteString(w, "hello from "+h.name)
	case "/echo": // echoes the request body
		w.Header().Set("Content-Type", "application/octet-stream")
		io.Copy(w, r.Body)
	case "/big": // streams n bytes
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("Content-Length", strconv.Itoa(n))
		io.Copy(w, io.LimitReader(pattern{}, int64(n)))
	case "/stall": // never reads the request body until released
		h.stalled <- struct{}{}
		select {
		case <-h.release:
		case <-r.Context().Done():
		}
	case "/upgrade": // 101, then echo raw bytes
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		brw.Flush()
		io.Copy(conn, brw)
	default:
		http.NotFound(w, r)
	}
}

// pattern is an endless reader of a repeating byte pattern.
type pattern struct{}

func (pattern) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i % 251)
	}
	return len(p), nil
}

func get(t testing.TB, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(b)
}

// checkNoLeaks fails if the goroutine count does not settle back to before.
func checkNoLeaks(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readUpgrade reads the 101 response of a raw upgrade on conn.
func readUpgrade(conn net.Conn) (*bufio.Reader, *http.Response, error) {
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	return br, resp, err
}
