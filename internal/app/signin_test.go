package app

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/secrets"
	"github.com/paddockhq/paddock/internal/store/sqlstore"
)

// The group refresh loop reads the interval (a run-time setting) every
// round, so a change applies without a restart.
func TestRefreshGroupsReadsTheIntervalEachRound(t *testing.T) {
	key, _ := secrets.GenerateKey()
	sealer, _ := secrets.New(key)
	st, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "p.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	si := newSignIn(st, auth.NewService(st, auth.Options{}), log, time.Hour)

	var reads atomic.Int32
	interval := func() time.Duration { reads.Add(1); return 2 * time.Millisecond } // rounds every second
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { refreshGroups(ctx, si, interval, log); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for reads.Load() < 4 { // two rounds: each reads it for the wait and for the refresh
		if time.Now().After(deadline) {
			t.Fatalf("the interval was read %d times", reads.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done

	for in, want := range map[time.Duration]time.Duration{time.Minute: 30 * time.Second, time.Hour: time.Minute, time.Millisecond: time.Second} {
		if got := refreshPeriod(in); got != want {
			t.Errorf("refreshPeriod(%v) = %v, want %v", in, got, want)
		}
	}
}
