package proxy

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
	"sync/atomic"
	"testing"
)

// frame is an unmasked final binary frame.
func frame(payload []byte) []byte {
	h := []byte{0x82, 127, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint64(h[2:], uint64(len(payload)))
	return append(h, payload...)
}

// A base64 message too large to decode stops the recording of that
// direction with a marker, not silently.
func TestOversizedBase64FrameLeavesAMarker(t *testing.T) {
	var got, stops []string
	s := &wsStream{head: true, b64: &atomic.Bool{},
		emit:    func(ch int, data []byte) { got = append(got, string(data)) },
		stopped: func(reason string) { stops = append(stops, reason) }}
	s.feed([]byte("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Protocol: base64.channel.k8s.io\r\n\r\n"))
	msg := func(text string) []byte {
		return append([]byte{'1'}, base64.StdEncoding.EncodeToString([]byte(text))...)
	}
	s.feed(frame(msg("before")))
	big := frame(msg(strings.Repeat("x", maxB64Message)))
	s.feed(big[:len(big)/2])
	s.feed(big[len(big)/2:])
	s.feed(frame(msg("after")))
	if strings.Join(got, ",") != "before" {
		t.Errorf("emitted %q", got)
	}
	if len(stops) != 1 || !strings.Contains(stops[0], "over 1 MiB") {
		t.Errorf("stopped %q", stops)
	}
}

// An upgrade the cluster refuses leaves its outcome in the recording.
func TestRefusedUpgradeIsNoted(t *testing.T) {
	var got, stops []string
	s := &wsStream{head: true, b64: &atomic.Bool{},
		emit:    func(ch int, data []byte) { got = append(got, string(data)) },
		stopped: func(reason string) { stops = append(stops, reason) }}
	s.feed([]byte("HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n\r\n{\"kind\":\"Status\"}"))
	if len(got) != 0 || len(stops) != 1 || stops[0] != "the session was refused: HTTP/1.1 403 Forbidden" {
		t.Fatalf("emitted %q, stopped %q", got, stops)
	}
}
