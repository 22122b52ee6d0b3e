package testenv

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"
)

// recordingTB captures log lines while delegating to the real test.
type recordingTB struct {
	testing.TB
	logs atomic.Pointer[[]string]
}

func (r *recordingTB) Logf(format string, args ...any) {
	r.TB.Helper()
	r.TB.Logf(format, args...)
	for {
		old := r.logs.Load()
		var next []string
		if old != nil {
			next = append(next, *old...)
		}
		next = append(next, format)
		if r.logs.CompareAndSwap(old, &next) {
			return
		}
	}
}

// TestStartRetriesWhenAPortIsTaken occupies the port chosen for the
// apiserver, as another process could between allocation and bind, and
// checks that Start notices and comes up on fresh ports.
func TestStartRetriesWhenAPortIsTaken(t *testing.T) {
	t.Parallel()
	squatter, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer squatter.Close()
	taken := squatter.Addr().(*net.TCPAddr).Port

	var calls atomic.Int32
	allocate := func(n int) ([]int, error) {
		p, err := freePorts(n)
		if err == nil && calls.Add(1) == 1 {
			p[2] = taken // the apiserver's port
		}
		return p, err
	}

	rec := &recordingTB{TB: t}
	c := Start(rec, Options{Name: "retry", allocatePorts: allocate})
	if calls.Load() != 2 {
		t.Errorf("ports allocated %d times, want 2", calls.Load())
	}
	if c.apiPort == taken {
		t.Errorf("the cluster runs on the taken port %d", taken)
	}
	retried := false
	for _, l := range *rec.logs.Load() {
		retried = retried || strings.Contains(l, "retrying on other ports")
	}
	if !retried {
		t.Error("no retry was logged")
	}
	if _, err := c.Client().Discovery().ServerVersion(); err != nil {
		t.Fatal(err)
	}
}
