package auth

import (
	"context"
	"errors"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// The idle timeout of login sessions. A token's use is recorded at most
// once per TouchEvery (and a cached verification records none for
// CacheTTL), so the recorded last use may be up to IdleSlack older than
// the real one. A session is therefore refused once its recorded last use
// (or its creation) is IdleTimeout + IdleSlack old: a session used within
// the idle timeout is never refused, and one left unused ends between
// IdleTimeout and IdleTimeout + IdleSlack after its last use (with the
// server's defaults, at most a minute and two seconds late). The refused
// session is deleted: raising the timeout later does not revive it.

// IdleSlack is how late an idle session may end (see above).
func (s *Service) IdleSlack() time.Duration { return s.opts.TouchEvery + s.opts.CacheTTL }

// idle reports a login session unused for longer than the idle timeout.
func (s *Service) idle(tok *model.Token, now time.Time) bool {
	if tok.Kind != model.TokenSession || s.opts.IdleTimeout == nil {
		return false
	}
	limit := s.opts.IdleTimeout()
	if limit <= 0 {
		return false
	}
	last := tok.CreatedAt
	if tok.LastUsedAt.After(last) {
		last = tok.LastUsedAt
	}
	return now.Sub(last) >= limit+s.IdleSlack()
}

// endIdle forgets and deletes an idle session; the caller sees
// ErrInvalidToken.
func (s *Service) endIdle(ctx context.Context, hash string, tok *model.Token) error {
	s.mu.Lock()
	delete(s.verified, hash)
	s.mu.Unlock()
	if err := s.store.DeleteToken(ctx, tok.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.opts.Logger.Warn("deleting an idle session failed", "token", tok.ID, "err", err)
	}
	s.opts.Logger.Info("login session ended after being idle", "token", tok.ID, "user", tok.UserID)
	return ErrInvalidToken
}
