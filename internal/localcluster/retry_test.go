package localcluster

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
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

	var logs syncBuffer
	c, err := Start(context.Background(), Options{Name: "retry", allocatePorts: allocate,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	dir := c.Dir()
	defer func() {
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("the temporary directory %s survived Stop (%v)", dir, err)
		}
	}()
	if calls.Load() != 2 {
		t.Errorf("ports allocated %d times, want 2", calls.Load())
	}
	if c.apiPort == taken {
		t.Errorf("the cluster runs on the taken port %d", taken)
	}
	if !strings.Contains(logs.String(), "retrying on other ports") {
		t.Errorf("no retry was logged:\n%s", logs.String())
	}
	if _, err := c.Client().Discovery().ServerVersion(); err != nil {
		t.Fatal(err)
	}
}
