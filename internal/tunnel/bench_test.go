package tunnel

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkTunnelRoundTrip: a small GET from the server through the tunnel to the
// agent's handler. Compare with BenchmarkDirectRoundTrip.
func BenchmarkTunnelRoundTrip(b *testing.B) {
	e := newEnv(b)
	e.run(e.clientOptions("c1", newAgentHandler("c1")))
	waitFor(b, "c1 connected", 5*time.Second, func() bool { return e.srv.Connected("c1") })
	benchGet(b, e.client("c1"), "http://c1/hello")
}

// BenchmarkDirectRoundTrip: the same handler over plain loopback HTTP/1.1.
func BenchmarkDirectRoundTrip(b *testing.B) {
	hs := httptest.NewServer(newAgentHandler("c1"))
	defer hs.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 100, DisableCompression: true}
	defer tr.CloseIdleConnections()
	benchGet(b, &http.Client{Transport: tr}, hs.URL+"/hello")
}

func benchGet(b *testing.B, c *http.Client, url string) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := c.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

// BenchmarkTunnelThroughput: one 8 MiB download per op through the tunnel.
func BenchmarkTunnelThroughput(b *testing.B) {
	e := newEnv(b)
	e.run(e.clientOptions("c1", newAgentHandler("c1")))
	waitFor(b, "c1 connected", 5*time.Second, func() bool { return e.srv.Connected("c1") })
	c := e.client("c1")
	b.SetBytes(8 << 20)
	for b.Loop() {
		resp, err := c.Get("http://c1/big?n=8388608")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
