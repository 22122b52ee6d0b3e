// Package recording owns how terminal sessions are recorded for auditors:
// browser kubectl shells (kind "shell") and terminals into pods (kind
// "exec") alike. A [Recorder] turns what crosses a terminal into an
// asciicast v2 body — a JSON header line (version, width, height,
// timestamp, title) followed by one JSON line per event, [seconds since the
// start, code, data], code "o" for output, "i" for input, "r" for a resize
// ("COLSxROWS") and "m" for a marker — and stores it through
// store.Recordings.
//
// Writing: incrementally, in chunks. Events are buffered in memory and
// appended as the next chunk when the buffer passes [ChunkBytes] or every
// [FlushEvery], and once more at Close. So a session's memory is bounded
// by one chunk whatever its length, a crash or kill -9 of the server loses
// at most the last few seconds (the metadata row exists from the first
// byte, with no end time), and an auditor can read a session while it
// runs. Chunks are written by one goroutine per recording, never on the
// terminal's path: a slow database delays the recording, not the user.
//
// Bounding: a recording keeps at most [Limits].MaxBytes (default
// [DefaultMaxBytes]) of body. The event that would cross the cap is
// replaced by a marker event ("m", "recording truncated: size limit
// reached") and the recording is flagged Truncated; later events are
// dropped. Input is recorded verbatim, secrets typed included, except
// Paddock tokens (pdk_...) and the strings given to [Recorder.Redact], in
// input and output alike, which become [Redacted] (a token split across
// writes is held back until it ends): a recording is as sensitive as the
// audit log and is readable only with audit-read.
package recording

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Defaults of [Limits].
const (
	DefaultMaxBytes = 16 << 20
	ChunkBytes      = 64 << 10
	FlushEvery      = 2 * time.Second
)

// markerRoom is kept free below the cap for the truncation marker.
const markerRoom = 128

// TruncatedMarker is the data of the marker event ending a truncated body.
const TruncatedMarker = "recording truncated: size limit reached"

// Limits bound a recording; zero fields take the defaults.
type Limits struct {
	MaxBytes   int64
	ChunkBytes int
	FlushEvery time.Duration
}

// Recorder records one session. Its methods are safe for concurrent use
// and never block on the store.
type Recorder struct {
	st     store.Recordings
	log    *slog.Logger
	rec    model.Recording
	start  time.Time
	lim    Limits
	now    func() time.Time
	wake   chan struct{}
	closed chan struct{}
	done   chan struct{}

	mu        sync.Mutex
	buf       []byte
	size      int64 // body bytes accepted so far (written or buffered)
	truncated bool
	partial   map[string][]byte // an incomplete UTF-8 sequence or token per stream
	secrets   []string
	ended     bool
}

// Redacted replaces a Paddock token in a recording.
const Redacted = "pdk_[REDACTED]"

// tokenPattern is a Paddock token (auth.TokenPrefix).
var tokenPattern = regexp.MustCompile(`pdk_[A-Za-z0-9_-]+`)

// tailToken is a token, or its start, ending the text.
var tailToken = regexp.MustCompile(`pdk_[A-Za-z0-9_-]*$`)

// tokenTail is the length of what may be a token not yet complete at the
// end of p (0 when none, or when it is too long to be one).
func tokenTail(p []byte) int {
	if m := tailToken.FindIndex(p); m != nil && len(p)-m[0] <= 256 {
		return len(p) - m[0]
	}
	for _, pre := range []string{"pdk", "pd", "p"} {
		if bytes.HasSuffix(p, []byte(pre)) {
			return len(pre)
		}
	}
	return 0
}

// Redact replaces secret (the session's own token, say) wherever it is
// recorded from now on.
func (r *Recorder) Redact(secret string) {
	if secret == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, secret)
}

func (r *Recorder) redact(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, Redacted)
	}
	return tokenPattern.ReplaceAllLiteralString(s, Redacted)
}

// Start creates the recording's row (meta's ID, StartedAt and Kind are
// filled when empty) with the asciicast header as its first bytes, and
// returns a recorder writing into it. now may be nil (time.Now).
func Start(ctx context.Context, st store.Recordings, meta model.Recording, lim Limits, now func() time.Time, log *slog.Logger) (*Recorder, error) {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = DefaultMaxBytes
	}
	if lim.ChunkBytes <= 0 {
		lim.ChunkBytes = ChunkBytes
	}
	if lim.FlushEvery <= 0 {
		lim.FlushEvery = FlushEvery
	}
	if meta.ID == "" {
		meta.ID = uuid.NewString()
	}
	if meta.Kind == "" {
		meta.Kind = model.RecordingShell
	}
	start := now()
	if meta.StartedAt.IsZero() {
		meta.StartedAt = start.UTC()
	}
	meta.EndedAt, meta.Size, meta.Truncated = time.Time{}, 0, false
	if err := st.CreateRecording(ctx, &meta); err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	r := &Recorder{st: st, log: log, rec: meta, start: start, lim: lim, now: now,
		wake: make(chan struct{}, 1), closed: make(chan struct{}), done: make(chan struct{}), partial: map[string][]byte{}}
	r.buf = append(r.buf, header(meta)...)
	r.size = int64(len(r.buf))
	go r.writer()
	return r, nil
}

func header(m model.Recording) []byte {
	title := fmt.Sprintf("%s@%s", m.Username, m.ClusterName)
	if m.Kind == model.RecordingExec {
		title = fmt.Sprintf("%s@%s: %s/%s", m.Username, m.ClusterName, m.Namespace, m.Pod)
		if m.Container != "" {
			title += " (" + m.Container + ")"
		}
	}
	h, _ := json.Marshal(map[string]any{
		"version": 2, "width": max(m.Width, 1), "height": max(m.Height, 1), "timestamp": m.StartedAt.Unix(),
		"title": title, "env": map[string]string{"TERM": "xterm-256color"},
	})
	return append(h, '\n')
}

// ID is the recording's ID.
func (r *Recorder) ID() string { return r.rec.ID }

// Output records bytes written to the terminal.
func (r *Recorder) Output(p []byte) { r.event("o", p) }

// Input records bytes typed by the user.
func (r *Recorder) Input(p []byte) { r.event("i", p) }

// Resize records a new terminal size.
func (r *Recorder) Resize(cols, rows int) { r.add("r", fmt.Sprintf("%dx%d", cols, rows)) }

// Marker records a named point in the session (e.g. a command started).
func (r *Recorder) Marker(label string) { r.add("m", label) }

// event records terminal bytes as text: a UTF-8 sequence split across two
// writes is held back until it is complete; invalid bytes become U+FFFD.
func (r *Recorder) event(code string, p []byte) {
	if len(p) == 0 {
		return
	}
	r.mu.Lock()
	data := append(r.partial[code], p...)
	cut := incompleteTail(data)
	if cut == 0 {
		cut = tokenTail(data)
	}
	r.partial[code] = append([]byte(nil), data[len(data)-cut:]...)
	text := r.redact(string(data[:len(data)-cut]))
	r.mu.Unlock()
	if len(text) > 0 {
		r.add(code, text)
	}
}

// flushHeld records what event held back, at the end.
func (r *Recorder) flushHeld() {
	for _, code := range []string{"i", "o"} {
		r.mu.Lock()
		text := r.redact(string(r.partial[code]))
		delete(r.partial, code)
		r.mu.Unlock()
		if text != "" {
			r.add(code, text)
		}
	}
}

// incompleteTail is the length of a UTF-8 sequence begun at the end of p
// but not finished (0 when p ends on a boundary).
func incompleteTail(p []byte) int {
	for i := 1; i <= 3 && i <= len(p); i++ {
		b := p[len(p)-i]
		if b < 0x80 {
			return 0
		}
		if b >= 0xC0 { // a leading byte: complete if enough follow
			if utf8.FullRune(p[len(p)-i:]) {
				return 0
			}
			return i
		}
	}
	return 0
}

func (r *Recorder) add(code, data string) {
	line, _ := json.Marshal([]any{json.Number(fmt.Sprintf("%.6f", r.now().Sub(r.start).Seconds())), code, data})
	line = append(line, '\n')
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.truncated || r.ended {
		return
	}
	if r.size+int64(len(line)) > r.lim.MaxBytes-markerRoom {
		r.truncated = true
		line, _ = json.Marshal([]any{json.Number(fmt.Sprintf("%.6f", r.now().Sub(r.start).Seconds())), "m", TruncatedMarker})
		line = append(line, '\n')
	}
	r.buf = append(r.buf, line...)
	r.size += int64(len(line))
	if len(r.buf) >= r.lim.ChunkBytes {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

// writer appends chunks until Close.
func (r *Recorder) writer() {
	defer close(r.done)
	t := time.NewTicker(r.lim.FlushEvery)
	defer t.Stop()
	seq := 0
	for {
		var last bool
		select {
		case <-r.wake:
		case <-t.C:
		case <-r.closed:
			last = true
		}
		r.mu.Lock()
		chunk := r.buf
		r.buf = nil
		r.mu.Unlock()
		if len(chunk) > 0 {
			if err := r.append(seq, chunk); err != nil {
				r.log.Error("recording: writing a chunk failed; the recording misses it", "recording", r.rec.ID, "err", err)
			}
			seq++
		}
		if last {
			return
		}
	}
}

func (r *Recorder) append(seq int, chunk []byte) error {
	var err error
	for attempt := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = r.st.AppendRecording(ctx, r.rec.ID, seq, chunk)
		cancel()
		if err == nil || errors.Is(err, store.ErrConflict) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
	}
	return err
}

// Close writes what is buffered and the end time. It is idempotent.
func (r *Recorder) Close() error {
	r.flushHeld()
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		<-r.done
		return nil
	}
	r.ended = true
	truncated := r.truncated
	r.mu.Unlock()
	close(r.closed)
	<-r.done
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return r.st.FinishRecording(ctx, r.rec.ID, r.now().UTC(), truncated)
}
