package tunnel

import (
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/hashicorp/yamux"
)

// The server never trusts the agent's side of the protocol: a compromised
// cluster holds an agent credential. Two yamux behaviours would let such an
// agent exhaust the server: every ping it sends makes yamux start a
// goroutine to answer, and streams it opens are queued and buffered even
// though the server never accepts them. The guards below close the session
// instead.

// maxPingsPerSecond is far above the 1 ping per 10 s keepalive of an
// honest agent.
const maxPingsPerSecond = 20

// errPingFlood ends a session whose peer floods it with pings.
var errPingFlood = errors.New("tunnel: peer sent too many pings")

// yamux frame header: version, type, flags, stream id, length.
const (
	headerLen    = 12
	typeData     = 0
	typePing     = 2
	flagSYN      = 1
	flagsOffset  = 2
	lengthOffset = 8
)

// pingGuard is a net.Conn that follows the yamux frames the peer sends and
// fails the read once the peer sends more than maxPingsPerSecond pings.
type pingGuard struct {
	net.Conn
	hdr         [headerLen]byte
	hdrN        int
	payloadLeft uint32
	window      time.Time
	pings       int
}

func (g *pingGuard) Read(p []byte) (int, error) {
	n, err := g.Conn.Read(p)
	if ferr := g.follow(p[:n]); ferr != nil {
		return 0, ferr
	}
	return n, err
}

// follow walks the frames in b, counting ping requests.
func (g *pingGuard) follow(b []byte) error {
	for len(b) > 0 {
		if g.payloadLeft > 0 {
			skip := min(uint32(len(b)), g.payloadLeft)
			g.payloadLeft -= skip
			b = b[skip:]
			continue
		}
		c := copy(g.hdr[g.hdrN:], b)
		g.hdrN += c
		b = b[c:]
		if g.hdrN < headerLen {
			return nil
		}
		g.hdrN = 0
		switch g.hdr[1] {
		case typeData:
			g.payloadLeft = binary.BigEndian.Uint32(g.hdr[lengthOffset:])
		case typePing:
			if binary.BigEndian.Uint16(g.hdr[flagsOffset:])&flagSYN != 0 && g.countPing(time.Now()) {
				return errPingFlood
			}
		}
	}
	return nil
}

// countPing records a ping and reports whether the budget is exceeded.
func (g *pingGuard) countPing(now time.Time) bool {
	if now.Sub(g.window) >= time.Second {
		g.window, g.pings = now, 0
	}
	g.pings++
	return g.pings > maxPingsPerSecond
}

// refuseStreams closes the session if the agent opens a stream: only the
// server opens streams, so one from the agent is a protocol violation.
func refuseStreams(mux *yamux.Session, log *slog.Logger, peerID string) {
	st, err := mux.AcceptStream()
	if err != nil {
		return // session over
	}
	st.Close()
	log.Warn("tunnel: the agent opened a stream; closing its session", "peer", peerID)
	mux.Close()
}
