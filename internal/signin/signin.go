// Package signin owns signing people in through identity providers: it
// builds and caches each configured provider's connector, checks the
// provider's access list, links the provider's identity to exactly one
// Paddock user (by provider and stable subject, never by a name the person
// could choose; created at first sign-in), records their groups, starts
// the session, and refreshes groups in the background — a person removed
// upstream is disabled at the next refresh.
package signin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/paddockhq/paddock/internal/api/apitypes"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/idp"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Service signs people in through providers.
type Service struct {
	Store store.Store
	Auth  *auth.Service
	// Types are the provider types this server knows (explicit registry).
	Types map[string]idp.Type
	Deps  idp.Deps
	Log   *slog.Logger
	// SessionTTL bounds the tokens of people whose provider cannot be
	// asked again (TokenCap).
	SessionTTL time.Duration

	mu    sync.Mutex
	conns map[string]cached
}

type cached struct {
	version time.Time
	conn    idp.Connector
}

// Errors of the sign-in itself (a provider's own errors are wrapped).
var (
	ErrNoProvider   = errors.New("no such identity provider")
	ErrDisabled     = errors.New("identity provider is disabled")
	ErrNotAllowed   = errors.New("not allowed to sign in through this provider")
	ErrUserDisabled = errors.New("this Paddock account is disabled")
	ErrUnsupported  = errors.New("the provider does not support this way of signing in")
)

func (s *Service) now() time.Time {
	if s.Deps.Now != nil {
		return s.Deps.Now()
	}
	return time.Now()
}

// Connector returns the provider and its connector, built from the stored
// configuration and cached until the provider changes.
func (s *Service) Connector(ctx context.Context, name string) (*model.Provider, idp.Connector, error) {
	p, err := s.Store.GetProvider(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, fmt.Errorf("%w: %q", ErrNoProvider, name)
	}
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	c, ok := s.conns[name]
	s.mu.Unlock()
	if ok && c.version.Equal(p.UpdatedAt) {
		return p, c.conn, nil
	}
	conn, err := s.Build(ctx, p, nil)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	if s.conns == nil {
		s.conns = map[string]cached{}
	}
	if old, ok := s.conns[name]; ok {
		_ = old.conn.Close()
	}
	s.conns[name] = cached{version: p.UpdatedAt, conn: conn}
	s.mu.Unlock()
	return p, conn, nil
}

// Build makes a connector for p with its stored secrets, overridden by
// secrets (for testing a configuration before it is saved).
func (s *Service) Build(ctx context.Context, p *model.Provider, secrets map[string]string) (idp.Connector, error) {
	t, ok := s.Types[p.Type]
	if !ok {
		return nil, fmt.Errorf("unknown provider type %q", p.Type)
	}
	all := map[string]string{}
	for _, f := range t.SecretFields {
		if v, ok := secrets[f]; ok {
			all[f] = v
			continue
		}
		v, err := s.Store.GetSecret(ctx, model.ProviderSecret(p.Name, f))
		if err == nil {
			all[f] = string(v)
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return t.New(idp.Config{Name: p.Name, Settings: p.Config, Secrets: all, Deps: s.Deps})
}

// Forget drops a provider's cached connector (after a change or delete).
func (s *Service) Forget(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.conns[name]; ok {
		_ = c.conn.Close()
		delete(s.conns, name)
	}
}

// Close releases every cached connector.
func (s *Service) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, c := range s.conns {
		_ = c.conn.Close()
		delete(s.conns, n)
	}
}

// Password signs in with a username and password at a password provider,
// under the same lockout as local logins.
func (s *Service) Password(ctx context.Context, provider, username, password, source string) (string, *model.User, *model.Token, error) {
	p, conn, err := s.Connector(ctx, provider)
	if err != nil {
		return "", nil, nil, err
	}
	if !p.Enabled {
		return "", nil, nil, ErrDisabled
	}
	pc, ok := conn.(idp.PasswordConnector)
	if !ok {
		return "", nil, nil, ErrUnsupported
	}
	var id *idp.Identity
	err = s.Auth.Throttled(ctx, provider+"/"+username, source, func() error {
		var err error
		id, err = pc.Login(ctx, username, password)
		if errors.Is(err, idp.ErrBadCredentials) {
			return fmt.Errorf("%w", auth.ErrBadCredentials)
		}
		return err
	})
	if err != nil {
		return "", nil, nil, err
	}
	return s.Complete(ctx, p, id)
}

// Complete finishes any sign-in the provider vouched for: the access list,
// the linked user (created at first sign-in), their groups, a session.
func (s *Service) Complete(ctx context.Context, p *model.Provider, id *idp.Identity) (string, *model.User, *model.Token, error) {
	if id == nil || id.Subject == "" {
		return "", nil, nil, fmt.Errorf("%w: the provider returned no stable subject", idp.ErrRefused)
	}
	if !Allowed(p, id) {
		return "", nil, nil, ErrNotAllowed
	}
	u, err := s.link(ctx, p, id)
	if err != nil {
		return "", nil, nil, err
	}
	if u.Disabled {
		return "", nil, nil, ErrUserDisabled
	}
	secret, tok, err := s.Auth.StartSession(ctx, u.ID)
	if err != nil {
		return "", nil, nil, err
	}
	return secret, u, tok, nil
}

// Allowed applies the provider's access list.
func Allowed(p *model.Provider, id *idp.Identity) bool {
	if p.AccessMode != model.AccessRestricted {
		return true
	}
	// allowedUsers may name the provider's stable subject (safest: names
	// like a GitHub login or an OIDC preferred_username can change hands)
	// or its username.
	for _, u := range p.AllowedUsers {
		if u == id.Subject || strings.EqualFold(u, id.Username) {
			return true
		}
	}
	for _, g := range id.Groups {
		if slices.Contains(p.AllowedGroups, g) {
			return true
		}
	}
	return false
}

// link finds the user linked to the identity or creates one, and records
// the identity's groups.
func (s *Service) link(ctx context.Context, p *model.Provider, id *idp.Identity) (*model.User, error) {
	now := s.now().UTC()
	ident := &model.Identity{Provider: p.Name, Subject: id.Subject, Username: id.Username, Groups: id.Groups, RefreshedAt: now, CreatedAt: now}
	existing, err := s.Store.GetIdentity(ctx, p.Name, id.Subject)
	switch {
	case err == nil:
		ident.UserID, ident.CreatedAt = existing.UserID, existing.CreatedAt
	case errors.Is(err, store.ErrNotFound):
		u, err := s.createUser(ctx, p, id, now)
		if err != nil {
			return nil, err
		}
		ident.UserID = u.ID
	default:
		return nil, err
	}
	if err := s.Store.PutIdentity(ctx, ident); err != nil {
		return nil, err
	}
	return s.Store.GetUser(ctx, ident.UserID)
}

// createUser makes the Paddock account of a first sign-in. Its username is
// the provider's when free and valid, else "<name>@<provider>", else a
// name derived from the subject: an existing account is never taken over
// because a provider calls someone by its name.
func (s *Service) createUser(ctx context.Context, p *model.Provider, id *idp.Identity, now time.Time) (*model.User, error) {
	sum := sha256.Sum256([]byte(p.Name + "\x00" + id.Subject))
	candidates := []string{id.Username, id.Username + "@" + p.Name, p.Name + "-" + hex.EncodeToString(sum[:6])}
	if strings.Contains(id.Username, "@") {
		// "x@y" could be another provider's fallback name ("dana@ldap"):
		// such names are qualified with this provider.
		candidates = candidates[1:]
	}
	for _, name := range candidates {
		if name == "" || apitypes.CheckUsername(name) != nil {
			continue
		}
		display := id.DisplayName
		if apitypes.CheckDisplayName(display) != nil {
			display = ""
		}
		u := &model.User{ID: uuid.NewString(), Username: name, DisplayName: display, Provider: p.Name, CreatedAt: now, UpdatedAt: now}
		err := s.Store.CreateUser(ctx, u)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.log().Info("created a user at first sign-in", "provider", p.Name, "username", name)
		return u, nil
	}
	return nil, fmt.Errorf("no free username for %q from provider %s", id.Username, p.Name)
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// TokenCap bounds the tokens of a user whose provider cannot refresh
// their groups (OIDC, SAML, GitHub): someone removed upstream must not keep
// a token minted earlier for longer than a session. 0 means no bound.
func (s *Service) TokenCap(ctx context.Context, u *model.User) time.Duration {
	if u == nil || u.Provider == "" || u.Provider == model.LocalProvider || s.SessionTTL <= 0 {
		return 0
	}
	_, conn, err := s.Connector(ctx, u.Provider)
	if err != nil {
		return s.SessionTTL // provider gone or broken: stay short
	}
	if _, ok := conn.(idp.Refresher); ok {
		return 0
	}
	return s.SessionTTL
}
