package auth

import (
	"sync"
	"time"
)

// Limiter slows down and locks out repeated login failures, per account and
// per source address. The first failures are free; after that each failure
// doubles a lockout during which attempts are refused without checking the
// password (so a flood costs no hashing). Success clears the account's
// record. State is in memory, per replica.
type Limiter struct {
	mu      sync.Mutex
	entries map[string]*failures
	// FreeFailures is how many failures pass before lockouts start.
	FreeFailures int
	BaseLockout  time.Duration
	MaxLockout   time.Duration
	// Forget drops a record this long after its last failure.
	Forget time.Duration
	// MaxEntries bounds memory under a flood of distinct keys.
	MaxEntries int
}

type failures struct {
	count       int
	last        time.Time
	lockedUntil time.Time
}

// NewLimiter returns a limiter with the given number of free failures.
func NewLimiter(free int) *Limiter {
	return &Limiter{
		entries:      map[string]*failures{},
		FreeFailures: free,
		BaseLockout:  time.Second,
		MaxLockout:   15 * time.Minute,
		Forget:       30 * time.Minute,
		MaxEntries:   100_000,
	}
}

// Locked returns how long key stays locked at now (0 when it may try).
func (l *Limiter) Locked(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.entries[key]
	if f == nil || !now.Before(f.lockedUntil) {
		return 0
	}
	return f.lockedUntil.Sub(now)
}

// Fail records a failure for key and returns the lockout it now carries.
func (l *Limiter) Fail(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.entries[key]
	if f == nil || now.Sub(f.last) > l.Forget {
		if len(l.entries) >= l.MaxEntries {
			l.pruneLocked(now)
		}
		f = &failures{}
		l.entries[key] = f
	}
	f.count++
	f.last = now
	over := f.count - l.FreeFailures
	if over <= 0 {
		return 0
	}
	lock := l.BaseLockout << min(over-1, 30)
	if lock > l.MaxLockout || lock <= 0 {
		lock = l.MaxLockout
	}
	f.lockedUntil = now.Add(lock)
	return lock
}

// Reset forgets key's failures.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	delete(l.entries, key)
	l.mu.Unlock()
}

// pruneLocked drops forgotten records; if the map is still full it drops
// the oldest half, preferring to forget over growing without bound.
func (l *Limiter) pruneLocked(now time.Time) {
	for k, f := range l.entries {
		if now.Sub(f.last) > l.Forget {
			delete(l.entries, k)
		}
	}
	if len(l.entries) < l.MaxEntries {
		return
	}
	cut := now.Add(-l.Forget / 2)
	for k, f := range l.entries {
		if f.last.Before(cut) || len(l.entries) >= l.MaxEntries {
			delete(l.entries, k)
		}
	}
}
