package auth

import (
	"context"
	"errors"
	"strings"

	"github.com/paddockhq/paddock/internal/model"
)

// Throttled runs check — a password verified somewhere else (an LDAP bind)
// — under the same lockout as Login: refused before check runs while the
// account or source is locked out, and a failure (check returning an error
// wrapping ErrBadCredentials) counts towards the next lockout.
func (s *Service) Throttled(ctx context.Context, account, source string, check func() error) error {
	now := s.opts.Now()
	// Directories match names loosely (case, insignificant spaces): count
	// "alice", " Alice" and "alice  " as one account.
	userKey := "user:" + strings.Join(strings.Fields(strings.ToLower(account)), " ")
	if d := max(s.users.Locked(userKey, now), s.sources.Locked("src:"+source, now)); d > 0 {
		return &LockedError{RetryAfter: d}
	}
	err := check()
	switch {
	case errors.Is(err, ErrBadCredentials):
		s.users.Fail(userKey, now)
		s.sources.Fail("src:"+source, now)
	case err == nil:
		s.users.Reset(userKey)
	}
	return err
}

// StartSession issues a session token for a user an identity provider
// vouched for.
func (s *Service) StartSession(ctx context.Context, userID string) (string, *model.Token, error) {
	return s.issue(ctx, userID, model.TokenSession, "login session", s.opts.SessionTTL)
}
