package recording_test

import (
	"bufio"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/recording"
	"github.com/paddockhq/paddock/internal/secrets"
	"github.com/paddockhq/paddock/internal/store/sqlstore"
)

func openStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	key, _ := secrets.GenerateKey()
	sealer, _ := secrets.New(key)
	st, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// events parses an asciicast body into its header and events.
func events(t *testing.T, body []byte) (map[string]any, [][]any) {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	sc.Buffer(nil, 1<<20)
	var header map[string]any
	var evs [][]any
	for sc.Scan() {
		if header == nil {
			if err := json.Unmarshal(sc.Bytes(), &header); err != nil {
				t.Fatalf("header %q: %v", sc.Text(), err)
			}
			continue
		}
		var ev []any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || len(ev) != 3 {
			t.Fatalf("event %q: %v", sc.Text(), err)
		}
		evs = append(evs, ev)
	}
	return header, evs
}

func TestRecorderWritesAsciicast(t *testing.T) {
	st := openStore(t)
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	r, err := recording.Start(t.Context(), st, model.Recording{UserID: "u1", Username: "alice", ClusterID: "c1", ClusterName: "lab",
		Width: 100, Height: 30}, recording.Limits{ChunkBytes: 64, FlushEvery: 20 * time.Millisecond}, clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Input([]byte("kubectl get pods\r"))
	now = now.Add(1500 * time.Millisecond)
	r.Output([]byte("caf\xc3")) // "é" split across two writes
	r.Output([]byte("\xa9 \x1b[1mbold\x1b[0m\r\n"))
	r.Resize(120, 40)
	// While the session runs, what was written is readable.
	time.Sleep(100 * time.Millisecond)
	if rec, err := st.GetRecording(t.Context(), r.ID()); err != nil || rec.Size == 0 || !rec.EndedAt.IsZero() {
		t.Fatalf("running: %+v %v", rec, err)
	}
	now = now.Add(time.Second)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err := st.GetRecording(t.Context(), r.ID())
	if err != nil || rec.Kind != model.RecordingShell || !rec.EndedAt.Equal(now) || rec.Truncated {
		t.Fatalf("%+v %v", rec, err)
	}
	body, _ := st.RecordingBody(t.Context(), r.ID())
	if int64(len(body)) != rec.Size {
		t.Errorf("size %d, body %d bytes", rec.Size, len(body))
	}
	h, evs := events(t, body)
	if h["version"] != 2.0 || h["width"] != 100.0 || h["height"] != 30.0 || h["timestamp"] != float64(now.Add(-2500*time.Millisecond).Unix()) {
		t.Errorf("header %v", h)
	}
	want := [][]any{{0.0, "i", "kubectl get pods\r"}, {1.5, "o", "caf"}, {1.5, "o", "é \x1b[1mbold\x1b[0m\r\n"}, {1.5, "r", "120x40"}}
	if len(evs) != len(want) {
		t.Fatalf("events %v", evs)
	}
	for i := range want {
		for j := range want[i] {
			if evs[i][j] != want[i][j] {
				t.Errorf("event %d = %v, want %v", i, evs[i], want[i])
			}
		}
	}
}

func TestRecorderTruncates(t *testing.T) {
	st := openStore(t)
	r, err := recording.Start(t.Context(), st, model.Recording{Kind: model.RecordingExec, Username: "bob", ClusterName: "lab",
		Namespace: "ns", Pod: "web"}, recording.Limits{MaxBytes: 4096}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		r.Output([]byte(strings.Repeat("x", 100)))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	rec, _ := st.GetRecording(t.Context(), r.ID())
	body, _ := st.RecordingBody(t.Context(), r.ID())
	if !rec.Truncated || rec.Size > 4096 || int64(len(body)) != rec.Size {
		t.Fatalf("%+v (%d bytes)", rec, len(body))
	}
	h, evs := events(t, body)
	last := evs[len(evs)-1]
	if last[1] != "m" || last[2] != recording.TruncatedMarker || h["title"] != "bob@lab: ns/web" {
		t.Errorf("header %v, last event %v", h, last)
	}
}

// A Paddock token printed or typed (kubectl config view --raw) is not
// stored, even split across writes or typed a key at a time.
func TestRecorderRedactsTokens(t *testing.T) {
	st := openStore(t)
	r, err := recording.Start(t.Context(), st, model.Recording{Username: "alice", ClusterName: "lab"}, recording.Limits{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	own, other := "pdk_Own-Session_token0123456789", "pdk_another_token-XYZ"
	r.Redact(own)
	r.Output([]byte("token: " + own[:9]))
	r.Output([]byte(own[9:] + "\r\nuser: x\r\npd"))
	r.Output([]byte("k_" + other[4:] + " and pdk_[x] and pad\r\n"))
	for _, c := range other {
		r.Input([]byte(string(c)))
	}
	r.Input([]byte("\r"))
	r.Output([]byte("last " + own[:6])) // the session ends within a token
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	body, _ := st.RecordingBody(t.Context(), r.ID())
	_, evs := events(t, body)
	var out, in string
	for _, ev := range evs {
		if ev[1] == "o" {
			out += ev[2].(string)
		} else if ev[1] == "i" {
			in += ev[2].(string)
		}
	}
	for _, secret := range []string{own, other, own[4:12], other[4:12]} {
		if strings.Contains(string(body), secret) {
			t.Errorf("the recording holds %q:\n%s", secret, body)
		}
	}
	wantOut := "token: " + recording.Redacted + "\r\nuser: x\r\n" + recording.Redacted + " and pdk_[x] and pad\r\nlast " + recording.Redacted
	if out != wantOut || in != recording.Redacted+"\r" {
		t.Errorf("output %q\ninput %q", out, in)
	}
}
