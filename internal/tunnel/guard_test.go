package tunnel

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hashicorp/yamux"
)

// dialRaw connects to the tunnel endpoint as an authenticated agent without
// the client's own yamux session, to misbehave at the frame level.
func dialRaw(t *testing.T, e *env) *websocket.Conn {
	t.Helper()
	cl := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.pool}}}
	ws, _, err := websocket.Dial(context.Background(), "wss://"+e.addr+"/v1/connect", &websocket.DialOptions{
		HTTPClient: cl, HTTPHeader: http.Header{"Authorization": {"Bearer evil:secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

func waitDisconnected(t *testing.T, e *env, peer string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.Connected(peer) {
		if time.Now().After(deadline) {
			t.Fatal("the misbehaving agent kept its session")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPingFloodClosesTheSession(t *testing.T) {
	e := newEnv(t)
	ws := dialRaw(t, e)
	nc := websocket.NetConn(context.Background(), ws, websocket.MessageBinary)
	go func() { _, _ = io.Copy(io.Discard, nc) }() // take the pongs, so only the guard can end it
	g0 := runtime.NumGoroutine()
	frames := make([]byte, 0, headerLen*1000)
	for i := 0; i < 1000; i++ {
		h := make([]byte, headerLen)
		h[1], h[3] = typePing, flagSYN
		binary.BigEndian.PutUint32(h[lengthOffset:], uint32(i))
		frames = append(frames, h...)
	}
	for i := 0; i < 20; i++ {
		if _, err := nc.Write(frames); err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitDisconnected(t, e, "evil")
	if g := runtime.NumGoroutine(); g > g0+200 {
		t.Fatalf("goroutines %d -> %d: pings are still answered", g0, g)
	}
}

func TestAgentOpenedStreamClosesTheSession(t *testing.T) {
	e := newEnv(t)
	ws := dialRaw(t, e)
	mux, err := yamux.Server(newWSConn(ws), MuxOptions{}.config(orLogger(nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer mux.Close()
	for i := 0; i < 16; i++ {
		st, err := mux.OpenStream()
		if err != nil {
			break
		}
		go st.Write(make([]byte, 256<<10))
	}
	waitDisconnected(t, e, "evil")
}

func TestPingGuardFollowsFrames(t *testing.T) {
	g := &pingGuard{}
	data := make([]byte, headerLen+5)
	binary.BigEndian.PutUint32(data[lengthOffset:], 5)         // a data frame with 5 bytes...
	copy(data[headerLen:], []byte{0, typePing, 0, flagSYN, 0}) // ...that look like a ping
	var ping [headerLen]byte
	ping[1], ping[3] = typePing, flagSYN
	for i := 0; i < maxPingsPerSecond; i++ {
		// Split across reads at every offset: the parser must keep state.
		if err := g.follow(data[:7]); err != nil {
			t.Fatal(err)
		}
		if err := g.follow(data[7:]); err != nil {
			t.Fatal(err)
		}
		if err := g.follow(ping[:3]); err != nil {
			t.Fatal(err)
		}
		if err := g.follow(ping[3:]); err != nil {
			t.Fatal(err)
		}
	}
	if g.pings != maxPingsPerSecond {
		t.Fatalf("counted %d pings, want %d (payload bytes must not count)", g.pings, maxPingsPerSecond)
	}
	if err := g.follow(ping[:]); err != errPingFlood {
		t.Fatalf("one more ping: %v", err)
	}
}
