package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Errors returned by the service; the API maps them to statuses.
var (
	ErrBadCredentials = errors.New("invalid username or password")
	ErrInvalidToken   = errors.New("invalid, expired or revoked token")
)

// LockedError says a login was refused without checking the password.
type LockedError struct{ RetryAfter time.Duration }

func (e *LockedError) Error() string {
	return fmt.Sprintf("too many failed logins; try again in %s", e.RetryAfter.Round(time.Second))
}

// Options configure the service.
type Options struct {
	SessionTTL time.Duration
	// TouchEvery bounds how often a token's last-used time is written.
	TouchEvery time.Duration
	// CacheTTL is how long a verified token is trusted without asking the
	// store again (0: always ask). Changes made through this server flush
	// the cache at once (Flush); other replicas see them within CacheTTL.
	CacheTTL time.Duration
	// IdleTimeout, when set and positive, ends a login session that goes
	// unused for that long (see IdleSlack); API tokens never idle out.
	IdleTimeout func() time.Duration
	Now         func() time.Time
	Logger      *slog.Logger
}

// Service authenticates people and tokens against the store.
type Service struct {
	store    store.Store
	opts     Options
	users    *Limiter // per username
	sources  *Limiter // per source address
	touchMu  sync.Mutex
	touching map[string]time.Time // token id -> newest use to record; a touch is in flight

	// verified caches recent successful token checks (see CacheTTL).
	mu       sync.Mutex
	verified map[string]cachedPrincipal
	gen      uint64 // bumped by Flush: a lookup that raced a flush is not cached
}

type cachedPrincipal struct {
	token model.Token
	user  model.User
	until time.Time
}

// maxCached bounds the verified-token cache.
const maxCached = 50_000

// NewService returns a service over st.
func NewService(st store.Store, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TouchEvery == 0 {
		opts.TouchEvery = time.Minute
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Service{store: st, opts: opts, users: NewLimiter(5), sources: NewLimiter(20)}
}

// Login checks a local username and password and issues a session token.
// Lockouts are checked first and cost no hashing; an unknown user costs the
// same hashing as a known one.
func (s *Service) Login(ctx context.Context, username, password, source string) (string, *model.User, *model.Token, error) {
	now := s.opts.Now()
	userKey := "user:" + strings.ToLower(username)
	if d := max(s.users.Locked(userKey, now), s.sources.Locked("src:"+source, now)); d > 0 {
		return "", nil, nil, &LockedError{RetryAfter: d}
	}
	u, err := s.store.GetUserByUsername(ctx, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", nil, nil, err
	}
	hash := dummyHash()
	if u != nil && u.PasswordHash != "" && u.Provider == model.LocalProvider {
		hash = u.PasswordHash
	}
	ok, verr := VerifyPassword(password, hash)
	if verr != nil {
		s.opts.Logger.ErrorContext(ctx, "stored password hash is malformed", "user", username)
	}
	if !ok || u == nil || u.PasswordHash == "" || u.Disabled {
		s.users.Fail(userKey, now)
		s.sources.Fail("src:"+source, now)
		return "", u, nil, ErrBadCredentials
	}
	s.users.Reset(userKey)
	secret, tok, err := s.issue(ctx, u.ID, model.TokenSession, "login session", s.opts.SessionTTL)
	if err != nil {
		return "", nil, nil, err
	}
	return secret, u, tok, nil
}

// IssueToken creates a token of kind for the user with the given TTL.
func (s *Service) IssueToken(ctx context.Context, userID string, kind model.TokenKind, description string, ttl time.Duration) (string, *model.Token, error) {
	return s.issue(ctx, userID, kind, description, ttl)
}

func (s *Service) issue(ctx context.Context, userID string, kind model.TokenKind, description string, ttl time.Duration) (string, *model.Token, error) {
	secret, hash := NewTokenSecret()
	now := s.opts.Now().UTC()
	tok := &model.Token{
		ID: uuid.NewString(), UserID: userID, Kind: kind, Description: description,
		Hash: hash, CreatedAt: now, ExpiresAt: now.Add(ttl),
	}
	if err := s.store.CreateToken(ctx, tok); err != nil {
		return "", nil, err
	}
	return secret, tok, nil
}

// Authenticate resolves a bearer token to its principal. Malformed tokens
// are refused before touching the store.
func (s *Service) Authenticate(ctx context.Context, secret string) (*Principal, error) {
	if !wellFormed(secret) {
		return nil, ErrInvalidToken
	}
	now := s.opts.Now()
	hash := HashToken(secret)
	p, gen := s.cached(hash, now)
	if p != nil {
		if s.idle(p.Token, now) {
			return nil, s.endIdle(ctx, hash, p.Token)
		}
		return p, nil
	}
	tok, u, err := s.store.Authenticate(ctx, hash, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, err
	}
	if s.idle(tok, now) { // checked before the touch, which would revive it
		return nil, s.endIdle(ctx, hash, tok)
	}
	if now.Sub(tok.LastUsedAt) >= s.opts.TouchEvery {
		s.touch(tok.ID, now)
		tok.LastUsedAt = now // what the cache keeps: the use just recorded
	}
	s.remember(hash, tok, u, now, gen)
	return &Principal{User: u, Token: tok}, nil
}

// cached returns a copy of a still-valid cached principal, and the cache
// generation to hand to remember after a store lookup.
func (s *Service) cached(hash string, now time.Time) (*Principal, uint64) {
	if s.opts.CacheTTL <= 0 {
		return nil, 0
	}
	s.mu.Lock()
	e, ok := s.verified[hash]
	gen := s.gen
	s.mu.Unlock()
	if !ok || !now.Before(e.until) {
		return nil, gen
	}
	tok, u := e.token, e.user
	return &Principal{User: &u, Token: &tok}, gen
}

// remember caches a lookup unless a Flush happened since it started (the
// lookup may have read a token that is revoked by now).
func (s *Service) remember(hash string, tok *model.Token, u *model.User, now time.Time, gen uint64) {
	if s.opts.CacheTTL <= 0 {
		return
	}
	until := now.Add(s.opts.CacheTTL)
	if tok.ExpiresAt.Before(until) {
		until = tok.ExpiresAt
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen {
		return
	}
	if s.verified == nil || len(s.verified) >= maxCached {
		s.verified = map[string]cachedPrincipal{}
	}
	s.verified[hash] = cachedPrincipal{token: *tok, user: *u, until: until}
}

// Flush forgets every cached verification; call it after any change to
// users or tokens so revocation takes effect at once on this server.
func (s *Service) Flush() {
	s.mu.Lock()
	s.verified = nil
	s.gen++
	s.mu.Unlock()
}

// touch records a token's use off the request path, one write in flight
// per token; a use seen meanwhile is written after it, so none is lost.
func (s *Service) touch(id string, now time.Time) {
	s.touchMu.Lock()
	pending, busy := s.touching[id]
	if s.touching == nil {
		s.touching = map[string]time.Time{}
	}
	if now.After(pending) {
		s.touching[id] = now
	}
	s.touchMu.Unlock()
	if busy {
		return
	}
	go func() {
		for at := now; ; {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := s.store.TouchToken(ctx, id, at); err != nil && !errors.Is(err, store.ErrNotFound) {
				s.opts.Logger.Warn("recording token use failed", "token", id, "err", err)
			}
			cancel()
			s.touchMu.Lock()
			next := s.touching[id]
			if !next.After(at) {
				delete(s.touching, id)
				s.touchMu.Unlock()
				return
			}
			s.touchMu.Unlock()
			at = next
		}
	}()
}

// ChangePassword verifies current and sets a new password, clearing the
// must-change flag.
func (s *Service) ChangePassword(ctx context.Context, userID, current, next string) error {
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	ok, _ := VerifyPassword(current, firstNonEmpty(u.PasswordHash, dummyHash()))
	if !ok || u.PasswordHash == "" {
		return ErrBadCredentials
	}
	if err := CheckPasswordPolicy(u.Username, next); err != nil {
		return &PolicyError{Err: err}
	}
	if current == next {
		return &PolicyError{Err: errors.New("new password must differ from the current one")}
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	_, err = s.store.UpdateUser(ctx, userID, func(u *model.User) error {
		u.PasswordHash = hash
		u.MustChangePassword = false
		u.UpdatedAt = s.opts.Now().UTC()
		return nil
	})
	return err
}

// PolicyError is a password that breaks the password policy.
type PolicyError struct{ Err error }

func (e *PolicyError) Error() string { return e.Err.Error() }

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
