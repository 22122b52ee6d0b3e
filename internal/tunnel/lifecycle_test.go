package tunnel

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hashicorp/yamux"
)

func TestReconnectAfterServerRestartAndCut(t *testing.T) {
	e := newEnv(t)
	var agentConnects, agentErrors atomic.Int32
	opts := e.clientOptions("c1", newAgentHandler("c1"))
	opts.OnConnect = func() { agentConnects.Add(1) }
	opts.OnError = func(error) { agentErrors.Add(1) }
	e.run(opts)
	waitFor(t, "c1 connected", 5*time.Second, func() bool { return e.srv.Connected("c1") })
	get(t, e.client("c1"), "http://c1/hello")

	// Server restart: same address, new Server, after a pause longer than one backoff.
	addr := e.addr
	e.stop()
	waitFor(t, "agent to notice", 5*time.Second, func() bool { return agentErrors.Load() > 0 })
	time.Sleep(time.Second)
	e.start(addr)
	waitFor(t, "reconnect after restart", 5*time.Second, func() bool { return e.srv.Connected("c1") })
	if got := get(t, e.client("c1"), "http://c1/hello"); got != "hello from c1" {
		t.Fatalf("after restart: %q", got)
	}

	// Cut: the server drops the session; the agent heals it.
	before := e.connect.Load()
	e.srv.Disconnect("c1")
	waitFor(t, "reconnect after cut", 5*time.Second, func() bool { return e.connect.Load() > before && e.srv.Connected("c1") })
	if got := get(t, e.client("c1"), "http://c1/hello"); got != "hello from c1" {
		t.Fatalf("after cut: %q", got)
	}
	if n := agentConnects.Load(); n != 3 {
		t.Errorf("agent OnConnect called %d times, want 3", n)
	}
}

func TestAuthRefused(t *testing.T) {
	e := newEnv(t)
	errs := make(chan error, 16)
	opts := e.clientOptions("c1", newAgentHandler("c1"))
	opts.Header.Set("Authorization", "Bearer c1:wrong")
	opts.OnConnect = func() { t.Error("agent connected with a bad token") }
	opts.OnError = func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	e.run(opts)
	for range 2 { // refused, then refused again after the backoff
		select {
		case err := <-errs:
			he, ok := err.(*HandshakeError)
			if !ok || !IsUnauthorized(err) || !strings.Contains(he.Body, `"unauthorized"`) {
				t.Fatalf("OnError got %v, want a 401 HandshakeError", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no error reported")
		}
	}
	if e.connect.Load() != 0 || e.srv.Stats().Sessions != 0 {
		t.Errorf("server created a session: %d connects, %+v", e.connect.Load(), e.srv.Stats())
	}

	// The plain HTTP answer is a JSON 401.
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.pool}}}
	resp, err := c.Get("https://" + e.addr + "/v1/connect")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error, Message string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 401 || body.Error != "unauthorized" || body.Message == "" {
		t.Errorf("got %d %+v %v", resp.StatusCode, body, err)
	}
	c.CloseIdleConnections()
}

func TestDuplicatePeerReplacesOldSession(t *testing.T) {
	e := newEnv(t)
	// The first agent is a bare session that does not reconnect.
	opts := e.clientOptions("c1", newAgentHandler("old"))
	ws, _, err := websocket.Dial(context.Background(), opts.URL, &websocket.DialOptions{HTTPClient: opts.HTTPClient, HTTPHeader: opts.Header})
	if err != nil {
		t.Fatal(err)
	}
	old, err := yamux.Server(newWSConn(ws), MuxOptions{}.config(orLogger(nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	go http.Serve(old, opts.Handler)
	waitFor(t, "old connected", 5*time.Second, func() bool { return e.srv.Connected("c1") })
	if got := get(t, e.client("c1"), "http://c1/hello"); got != "hello from old" {
		t.Fatalf("got %q", got)
	}

	e.run(e.clientOptions("c1", newAgentHandler("new")))
	select {
	case <-old.CloseChan():
	case <-time.After(5 * time.Second):
		t.Fatal("old session not closed by the new one")
	}
	waitFor(t, "new connected", 5*time.Second, func() bool { return e.connect.Load() == 2 && e.srv.Connected("c1") })
	if got := get(t, e.client("c1"), "http://c1/hello"); got != "hello from new" {
		t.Fatalf("got %q", got)
	}
	if n := e.discon.Load(); n != 0 {
		t.Errorf("OnDisconnect called %d times for a replaced session", n)
	}
	if st := e.srv.Stats(); st.Sessions != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	e := &env{}
	e.start("127.0.0.1:0")
	h := newAgentHandler("c1")
	e.run(e.clientOptions("c1", h))
	waitFor(t, "c1 connected", 5*time.Second, func() bool { return e.srv.Connected("c1") })
	c := e.client("c1")
	for range 20 {
		get(t, c, "http://c1/hello")
	}
	// Leave an upgraded stream and a stalled request open across Close.
	conn, err := e.srv.Dial(context.Background(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte("GET /upgrade HTTP/1.1\r\nHost: c1\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"))
	if _, resp, err := readUpgrade(conn); err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade: %v", err)
	}
	go c.Post("http://c1/stall", "text/plain", strings.NewReader("x"))
	<-h.stalled

	e.srv.Close()
	if e.srv.Connected("c1") || len(e.srv.Peers()) != 0 || e.discon.Load() != 1 {
		t.Errorf("after Close: connected %v, peers %v, disconnects %d", e.srv.Connected("c1"), e.srv.Peers(), e.discon.Load())
	}
	if _, err := e.srv.Dial(context.Background(), "c1"); err != ErrServerClosed {
		t.Errorf("Dial after Close: %v", err)
	}
	e.close()
	checkNoLeaks(t, before)
}
