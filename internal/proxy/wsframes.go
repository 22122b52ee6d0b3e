package proxy

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strings"
	"sync/atomic"
)

// Channels of the Kubernetes WebSocket stream protocols (v4, v5 and their
// base64 variants): the first byte of every message names its stream.
const (
	chanStdin  = 0
	chanStdout = 1
	chanStderr = 2
	chanResize = 4
)

// maxB64Message bounds a base64 message held to be decoded.
const maxB64Message = 1 << 20

// wsStream parses one direction of a WebSocket connection carrying a
// Kubernetes channel protocol and hands each message's payload, with its
// channel, to emit. Chunks may split frames anywhere. It only observes:
// the bytes themselves pass through unchanged.
type wsStream struct {
	// head is true while reading the HTTP 101 response (server to client).
	head    bool
	headBuf []byte
	b64     *atomic.Bool // the negotiated protocol is a base64 one
	hdr     []byte       // frame header being collected
	left    uint64       // payload bytes left in the frame
	mask    [4]byte
	masked  bool
	maskPos int
	control bool // a ping, pong or close frame: payload skipped
	fin     bool
	newMsg  bool // the frame starts a message: its first byte is the channel
	channel int
	payload []byte // base64 frames are decoded whole
	emit    func(channel int, data []byte)
	// stopped, when set, hears once why observing stopped.
	stopped  func(reason string)
	disabled bool // something did not parse: stop observing
}

// stop ends observing and says why.
func (s *wsStream) stop(reason string) {
	if s.disabled {
		return
	}
	s.disabled = true
	if s.stopped != nil {
		s.stopped(reason)
	}
}

func (s *wsStream) feed(p []byte) {
	for len(p) > 0 && !s.disabled {
		if s.head {
			p = s.readHead(p)
			continue
		}
		if s.left == 0 && !s.frameReady() {
			s.hdr = append(s.hdr, p[0])
			p = p[1:]
			if s.frameReady() {
				s.startFrame()
			}
			continue
		}
		n := int(min(uint64(len(p)), s.left))
		s.payloadBytes(p[:n])
		p = p[n:]
		s.left -= uint64(n)
		if s.left == 0 {
			s.endFrame()
		}
	}
}

// readHead consumes the HTTP response head and notes the protocol.
func (s *wsStream) readHead(p []byte) []byte {
	s.headBuf = append(s.headBuf, p...)
	i := bytes.Index(s.headBuf, []byte("\r\n\r\n"))
	if i < 0 {
		if len(s.headBuf) > 64<<10 {
			s.stop("the HTTP response head is over 64 KiB")
		}
		return nil
	}
	lines := strings.Split(string(s.headBuf[:i]), "\r\n")
	if f := strings.Fields(lines[0]); len(f) < 2 || f[1] != "101" {
		// The cluster (or Paddock's proxy) refused the upgrade: say so in
		// the recording, which then holds only the outcome.
		s.stop("the session was refused: " + strings.TrimSpace(lines[0]))
		return nil
	}
	for _, line := range lines[1:] {
		name, value, _ := strings.Cut(line, ":")
		if strings.EqualFold(strings.TrimSpace(name), "Sec-WebSocket-Protocol") && strings.Contains(value, "base64") {
			s.b64.Store(true)
		}
	}
	rest := s.headBuf[i+4:]
	s.head, s.headBuf = false, nil
	return rest
}

// frameReady says whether the collected header is complete.
func (s *wsStream) frameReady() bool {
	if len(s.hdr) < 2 {
		return false
	}
	need := 2
	switch s.hdr[1] & 0x7f {
	case 126:
		need += 2
	case 127:
		need += 8
	}
	if s.hdr[1]&0x80 != 0 {
		need += 4
	}
	return len(s.hdr) >= need
}

func (s *wsStream) startFrame() {
	h := s.hdr
	s.hdr = s.hdr[:0]
	opcode := h[0] & 0x0f
	s.fin, s.masked, s.control = h[0]&0x80 != 0, h[1]&0x80 != 0, opcode >= 8
	n, off := uint64(h[1]&0x7f), 2
	switch n {
	case 126:
		n, off = uint64(binary.BigEndian.Uint16(h[2:])), 4
	case 127:
		n, off = binary.BigEndian.Uint64(h[2:]), 10
	}
	if s.masked {
		copy(s.mask[:], h[off:off+4])
	}
	s.left, s.maskPos = n, 0
	if !s.control {
		s.newMsg = opcode != 0 // 0 continues the message
	}
	if n == 0 {
		s.endFrame()
	}
}

func (s *wsStream) payloadBytes(p []byte) {
	if s.control {
		return
	}
	data := p
	if s.masked {
		data = make([]byte, len(p))
		for i, b := range p {
			data[i] = b ^ s.mask[(s.maskPos+i)%4]
		}
		s.maskPos = (s.maskPos + len(p)) % 4
	}
	if s.newMsg && len(data) > 0 {
		s.channel, s.newMsg = int(data[0]), false
		if s.b64.Load() {
			s.channel -= '0'
		}
		data = data[1:]
	}
	if s.b64.Load() {
		if len(s.payload)+len(data) > maxB64Message {
			s.stop("a base64 message is over 1 MiB")
			return
		}
		s.payload = append(s.payload, data...)
		return
	}
	if len(data) > 0 {
		s.emit(s.channel, data)
	}
}

func (s *wsStream) endFrame() {
	if s.control || !s.b64.Load() || !s.fin {
		return
	}
	if data, err := base64.StdEncoding.DecodeString(string(s.payload)); err == nil && len(data) > 0 {
		s.emit(s.channel, data)
	}
	s.payload = s.payload[:0]
}

// resizeSize reads the resize channel's {"Width":W,"Height":H}.
func resizeSize(data []byte) (cols, rows int, ok bool) {
	var sz struct{ Width, Height int }
	if json.Unmarshal(data, &sz) != nil || sz.Width <= 0 || sz.Height <= 0 {
		return 0, 0, false
	}
	return sz.Width, sz.Height, true
}
