package shell

import (
	"unicode/utf8"
)

// maxLine bounds a command line (bytes).
const maxLine = 16 << 10

// editor is the minimal line editor of the prompt: printable characters,
// backspace, ^C (drop the line), ^D (exit on an empty line), ^U (erase
// the line), ^L (clear the screen), up and down for history, Enter. Other
// control characters and escape sequences are ignored.
type editor struct {
	prompt  string
	line    []rune
	partial []byte // an incomplete UTF-8 sequence
	esc     []byte // an escape sequence being read
	lastCR  bool
	history *[]string
	hpos    int // index into history while browsing; len(history) when not
}

// key results.
const (
	keyNone = iota
	keySubmit
	keyEOF
)

// feed processes input up to the end of a line; it returns the number of
// bytes consumed, what happened, and the echo to write.
func (e *editor) feed(b []byte) (n int, what int, echo []byte) {
	for n < len(b) {
		c := b[n]
		n++
		if e.esc != nil {
			echo = append(echo, e.escape(c)...)
			continue
		}
		if e.lastCR && c == '\n' { // CR LF is one Enter
			e.lastCR = false
			continue
		}
		e.lastCR = false
		switch {
		case len(e.partial) > 0 || c >= 0x80:
			e.partial = append(e.partial, c)
			if utf8.FullRune(e.partial) {
				r, _ := utf8.DecodeRune(e.partial)
				e.partial = nil
				echo = append(echo, e.insert(r)...)
			}
		case c == '\r' || c == '\n':
			e.lastCR = c == '\r'
			return n, keySubmit, append(echo, "\r\n"...)
		case c == 0x03: // ^C
			e.line, e.hpos = nil, len(*e.history)
			echo = append(echo, "^C\r\n"+e.prompt...)
		case c == 0x04: // ^D
			if len(e.line) == 0 {
				return n, keyEOF, append(echo, "exit\r\n"...)
			}
		case c == 0x15: // ^U
			e.line = nil
			echo = append(echo, e.redraw()...)
		case c == 0x0c: // ^L
			echo = append(echo, "\x1b[H\x1b[2J"...)
			echo = append(echo, e.prompt+string(e.line)...)
		case c == 0x7f || c == 0x08:
			if len(e.line) > 0 {
				e.line = e.line[:len(e.line)-1]
				echo = append(echo, "\b \b"...)
			}
		case c == 0x1b:
			e.esc = []byte{c}
		case c >= 0x20:
			echo = append(echo, e.insert(rune(c))...)
		}
	}
	return n, keyNone, echo
}

func (e *editor) insert(r rune) []byte {
	if r == utf8.RuneError || len(string(e.line))+utf8.RuneLen(r) > maxLine {
		return []byte{0x07} // bell
	}
	e.line = append(e.line, r)
	return []byte(string(r))
}

// escape reads one byte of an escape sequence (ESC [ ... final, or ESC O x).
func (e *editor) escape(c byte) []byte {
	e.esc = append(e.esc, c)
	if len(e.esc) == 2 {
		if c == '[' || c == 'O' {
			return nil
		}
		e.esc = nil // ESC + one character: ignored
		return nil
	}
	if c < 0x40 || c > 0x7e {
		if len(e.esc) > 32 {
			e.esc = nil
		}
		return nil // parameters of a CSI sequence
	}
	seq := string(e.esc[1:])
	e.esc = nil
	switch seq {
	case "[A", "OA":
		return e.browse(-1)
	case "[B", "OB":
		return e.browse(1)
	}
	return nil
}

// browse moves through the history.
func (e *editor) browse(d int) []byte {
	h := *e.history
	p := e.hpos + d
	if p < 0 || p > len(h) {
		return []byte{0x07}
	}
	e.hpos = p
	e.line = nil
	if p < len(h) {
		e.line = []rune(h[p])
	}
	return e.redraw()
}

func (e *editor) redraw() []byte {
	return []byte("\r\x1b[K" + e.prompt + string(e.line))
}

// take returns the submitted line and starts a new one.
func (e *editor) take() string {
	s := string(e.line)
	e.line, e.partial, e.hpos = nil, nil, len(*e.history)
	return s
}
