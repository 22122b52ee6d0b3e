package auth_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
	"github.com/paddockhq/paddock/internal/store/sqlstore"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// waitUsed waits for the asynchronous record of a token's use at want.
func waitUsed(t *testing.T, st *sqlstore.Store, id string, want time.Time) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if tok, err := st.GetToken(context.Background(), id); err == nil && !tok.LastUsedAt.Before(want.Truncate(time.Microsecond)) {
			return
		}
	}
	t.Fatalf("the use of token %s at %v was never recorded", id, want)
}

func TestIdleSessionsEnd(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	clk := &testClock{t: time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)}
	var idle atomic.Int64
	svc := auth.NewService(st, auth.Options{Now: clk.Now, CacheTTL: 2 * time.Second,
		IdleTimeout: func() time.Duration { return time.Duration(idle.Load()) }})
	if _, err := auth.Bootstrap(ctx, st, "admin-password-1", clk.Now()); err != nil {
		t.Fatal(err)
	}
	session, _, stok, err := svc.Login(ctx, "admin", "admin-password-1", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := st.GetUserByUsername(ctx, "admin")
	apiTok, _, err := svc.IssueToken(ctx, u.ID, model.TokenAPI, "ci", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	use := func(secret string) error { _, err := svc.Authenticate(ctx, secret); return err }

	// Off (0): eleven unused hours change nothing.
	clk.Advance(11 * time.Hour)
	if err := use(session); err != nil {
		t.Fatalf("no idle timeout: %v", err)
	}
	waitUsed(t, st, stok.ID, clk.Now())

	idle.Store(int64(10 * time.Minute))
	slack := svc.IdleSlack() // a minute of last-use granularity + the 2 s cache
	if slack != time.Minute+2*time.Second {
		t.Fatalf("IdleSlack = %v", slack)
	}
	// Used within the timeout plus its slack: still valid (and recorded).
	clk.Advance(10*time.Minute + slack - time.Second)
	if err := use(session); err != nil {
		t.Fatalf("session used within the idle timeout refused: %v", err)
	}
	waitUsed(t, st, stok.ID, clk.Now())
	// Unused for the timeout plus the slack: refused and deleted; the API
	// token, unused as long, still works.
	clk.Advance(10*time.Minute + slack)
	if err := use(session); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("idle session: %v", err)
	}
	if err := use(apiTok); err != nil {
		t.Fatalf("API token refused by the idle timeout: %v", err)
	}
	if _, err := st.GetToken(ctx, stok.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("idle session not deleted: %v", err)
	}
	idle.Store(0) // turning the timeout off does not revive it
	if err := use(session); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("ended session revived: %v", err)
	}
}

func TestIdleCheckedOnCachedSessions(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	clk := &testClock{t: time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)}
	svc := auth.NewService(st, auth.Options{Now: clk.Now, CacheTTL: time.Hour,
		IdleTimeout: func() time.Duration { return 5 * time.Minute }})
	if _, err := auth.Bootstrap(ctx, st, "admin-password-1", clk.Now()); err != nil {
		t.Fatal(err)
	}
	session, _, _, err := svc.Login(ctx, "admin", "admin-password-1", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, session); err != nil {
		t.Fatal(err)
	}
	// The verification is cached for an hour, yet the idle session ends.
	clk.Advance(5*time.Minute + svc.IdleSlack())
	if _, err := svc.Authenticate(ctx, session); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("cached idle session: %v", err)
	}
}
