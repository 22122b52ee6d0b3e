package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// errGroup runs functions concurrently and collects their errors.
type errGroup struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
}

func (g *errGroup) Go(fn func() error) {
	g.wg.Go(func() {
		if err := fn(); err != nil {
			g.mu.Lock()
			g.errs = append(g.errs, err)
			g.mu.Unlock()
		}
	})
}

// Wait waits for every function and returns their errors joined.
func (g *errGroup) Wait() error {
	g.wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	err := errors.Join(g.errs...)
	g.errs = nil
	return err
}

const workers = 20

func testConcurrentCreateUsers(t *testing.T, s store.Store) {
	var g errGroup
	start := make(chan struct{})
	for i := range workers {
		g.Go(func() error {
			<-start
			return s.CreateUser(t.Context(), newUser(fmt.Sprintf("worker%02d", i)))
		})
	}
	close(start)
	noErr(t, "concurrent CreateUser", g.Wait())
	n, err := s.CountUsers(t.Context())
	noErr(t, "CountUsers", err)
	if n != workers {
		t.Errorf("CountUsers = %d, want %d", n, workers)
	}
}

func testConcurrentDuplicateUsername(t *testing.T, s store.Store) {
	var (
		mu        sync.Mutex
		ok, clash int
		g         errGroup
	)
	start := make(chan struct{})
	for i := range workers {
		g.Go(func() error {
			<-start
			name := "Same"
			if i%2 == 0 {
				name = "sAME"
			}
			err := s.CreateUser(t.Context(), newUser(name))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrConflict):
				clash++
			default:
				return err
			}
			return nil
		})
	}
	close(start)
	noErr(t, "concurrent CreateUser", g.Wait())
	if ok != 1 || clash != workers-1 {
		t.Errorf("%d created and %d conflicts, want 1 and %d", ok, clash, workers-1)
	}
}

// testConcurrentUpdateUser checks UpdateUser is an atomic read-modify-write:
// concurrent increments of a counter kept in DisplayName all count.
func testConcurrentUpdateUser(t *testing.T, s store.Store) {
	u := newUser("counter")
	u.DisplayName = "0"
	noErr(t, "CreateUser", s.CreateUser(t.Context(), u))
	var g errGroup
	start := make(chan struct{})
	for range workers {
		g.Go(func() error {
			<-start
			_, err := s.UpdateUser(t.Context(), u.ID, func(u *model.User) error {
				n, err := strconv.Atoi(u.DisplayName)
				if err != nil {
					return err
				}
				u.DisplayName = strconv.Itoa(n + 1)
				return nil
			})
			return err
		})
	}
	close(start)
	noErr(t, "concurrent UpdateUser", g.Wait())
	got, err := s.GetUser(t.Context(), u.ID)
	noErr(t, "GetUser", err)
	if got.DisplayName != strconv.Itoa(workers) {
		t.Errorf("counter = %s after %d concurrent increments (lost updates)", got.DisplayName, workers)
	}
}

// testConcurrentMixed runs readers and writers of every kind together, as
// concurrent API requests would.
func testConcurrentMixed(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := mustCreateUser(t, s, "alice")
	tok := mustCreateToken(t, s, u.ID, model.TokenSession, at(0), at(time.Hour))
	var g errGroup
	start := make(chan struct{})
	for i := range workers {
		g.Go(func() error {
			<-start
			for j := range 5 {
				var err error
				switch (i + j) % 5 {
				case 0:
					_, _, err = s.Authenticate(ctx, tok.Hash, at(time.Minute))
				case 1:
					err = s.TouchToken(ctx, tok.ID, at(time.Duration(i*5+j)*time.Second))
				case 2:
					err = s.AppendAudit(ctx, newEvent(at(time.Duration(j)*time.Second), "alice", "auth.login"))
				case 3:
					_, err = s.UpdateUser(ctx, u.ID, func(u *model.User) error { u.UpdatedAt = at(time.Duration(j) * time.Minute); return nil })
				case 4:
					err = s.CreateToken(ctx, newToken(u.ID, model.TokenAPI, at(0), at(time.Hour)))
					if err == nil {
						_, err = s.ListTokens(ctx, u.ID, "", at(0))
					}
				}
				if err != nil {
					return fmt.Errorf("worker %d op %d: %w", i, (i+j)%5, err)
				}
			}
			return nil
		})
	}
	close(start)
	noErr(t, "concurrent mix", g.Wait())
	events := listAllAudit(t, s, store.AuditFilter{Actor: "alice"}, 0)
	if len(events) != workers {
		t.Errorf("%d audit events, want %d", len(events), workers)
	}
	got, err := s.GetToken(ctx, tok.ID)
	noErr(t, "GetToken", err)
	latest := 0
	for i := range workers {
		for j := range 5 {
			if (i+j)%5 == 1 {
				latest = max(latest, i*5+j)
			}
		}
	}
	sameTime(t, "LastUsedAt", got.LastUsedAt, at(time.Duration(latest)*time.Second))
}
