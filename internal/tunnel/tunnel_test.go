package tunnel

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestRoundTripsConcurrentAndLarge(t *testing.T) {
	e := newEnv(t)
	e.run(e.clientOptions("c1", newAgentHandler("c1")))
	waitFor(t, "c1 connected", 5*time.Second, func() bool { return e.srv.Connected("c1") })
	c := e.client("c1")

	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			if got := get(t, c, "http://c1/hello"); got != "hello from c1" {
				t.Errorf("request %d: got %q", i, got)
			}
		})
	}
	// Several MB both ways at the same time: the upload is echoed back.
	for i := range 6 {
		wg.Go(func() {
			body := bytes.Repeat([]byte{byte(i)}, (3+i)<<20)
			resp, err := c.Post("http://c1/echo", "application/octet-stream", bytes.NewReader(body))
			if err != nil {
				t.Errorf("echo %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err != nil || sha256.Sum256(got) != sha256.Sum256(body) {
				t.Errorf("echo %d: %d bytes back of %d, err %v", i, len(got), len(body), err)
			}
		})
	}
	wg.Go(func() {
		if got := get(t, c, fmt.Sprintf("http://c1/big?n=%d", 8<<20)); len(got) != 8<<20 {
			t.Errorf("big: got %d bytes", len(got))
		}
	})
	wg.Wait()

	if st := e.srv.Stats(); st.Sessions != 1 {
		t.Errorf("stats %+v, want 1 session", st)
	}
	if got := e.srv.Peers(); len(got) != 1 || got[0] != "c1" {
		t.Errorf("peers %v", got)
	}
	if _, err := e.srv.Dial(context.Background(), "nobody"); err != ErrNotConnected {
		t.Errorf("dial unknown peer: %v, want ErrNotConnected", err)
	}
}

// others checks that n small requests complete within 5 s while something is stuck.
func others(t *testing.T, c *http.Client, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://c1/hello", nil)
			resp, err := c.Do(req)
			if err != nil {
				t.Errorf("request %d while a stream is stalled: %v", i, err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
}

// A server-side reader that stops reading a 64 MiB response must not stall others.
func TestSlowConsumerServerSide(t *testing.T) {
	e := newEnv(t)
	e.run(e.clientOptions("c1", newAgentHandler("c1")))
	waitFor(t, "c1 connected", 5*time.Second, func() bool { return e.srv.Connected("c1") })
	c := e.client("c1")

	resp, err := c.Get(fmt.Sprintf("http://c1/big?n=%d", 64<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadFull(resp.Body, make([]byte, 1024)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the agent fill the stream's window
	others(t, c, 50)
	// A second stuck download on top of the first.
	resp2, err := c.Get(fmt.Sprintf("http://c1/big?n=%d", 64<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	others(t, c, 50)
}

// An agent-side handler that never reads a 64 MiB upload must not stall others.
func TestSlowConsumerAgentSide(t *testing.T) {
	e := newEnv(t)
	h := newAgentHandler("c1")
	e.run(e.clientOptions("c1", h))
	waitFor(t, "c1 connected", 5*time.Second, func() bool { return e.srv.Connected("c1") })
	c := e.client("c1")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, "POST", "http://c1/stall", io.LimitReader(pattern{}, 64<<20))
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	select {
	case <-h.stalled:
	case <-time.After(5 * time.Second):
		t.Fatal("stall handler not reached")
	}
	time.Sleep(200 * time.Millisecond) // let the upload fill the stream's window
	others(t, c, 50)
	cancel()
	<-done
}

// An HTTP upgrade through a raw stream from Dial: 101, then bytes both ways.
func TestUpgrade(t *testing.T) {
	e := newEnv(t)
	e.run(e.clientOptions("c1", newAgentHandler("c1")))
	waitFor(t, "c1 connected", 5*time.Second, func() bool { return e.srv.Connected("c1") })

	conn, err := e.srv.Dial(context.Background(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, "GET /upgrade HTTP/1.1\r\nHost: c1\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br, resp, err := readUpgrade(conn)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, msg := range []string{"ping", "a longer message over the upgraded stream", string(bytes.Repeat([]byte("x"), 3<<20))} {
		go io.WriteString(conn, msg)
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(br, got); err != nil || string(got) != msg {
			t.Fatalf("echo of %d bytes: err %v, equal %v", len(msg), err, string(got) == msg)
		}
	}
}
