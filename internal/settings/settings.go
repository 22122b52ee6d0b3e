// Package settings owns the effective server settings that administrators
// change at run time: the default and maximum API-token lifetimes, the
// group refresh interval, the session idle timeout and the agent image.
// The server flags are the defaults; overrides come from the store. This
// replica reloads at once after its own change, and polls the store's
// revision (Run) so other replicas follow within the poll interval.
// Consumers call the getters at the moment they use a value.
package settings

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Defaults are the server flags' values.
type Defaults struct {
	TokenDefaultTTL    time.Duration
	TokenMaxTTL        time.Duration
	GroupRefresh       time.Duration
	SessionIdleTimeout time.Duration // 0: no idle timeout
	AgentImage         string
	// SessionTTL is not a run-time setting; it bounds the idle timeout.
	SessionTTL time.Duration
}

// Values are the effective settings.
type Values struct {
	TokenDefaultTTL    time.Duration
	TokenMaxTTL        time.Duration
	GroupRefresh       time.Duration
	SessionIdleTimeout time.Duration
	AgentImage         string
}

// Resolve applies the stored overrides o to the defaults. A default TTL
// above the maximum (possible when a flag changed after an override was
// stored) is lowered to the maximum.
func Resolve(d Defaults, o *model.Settings) Values {
	pick := func(set *time.Duration, flag time.Duration) time.Duration {
		if set != nil {
			return *set
		}
		return flag
	}
	v := Values{TokenDefaultTTL: pick(o.TokenDefaultTTL, d.TokenDefaultTTL), TokenMaxTTL: pick(o.TokenMaxTTL, d.TokenMaxTTL),
		GroupRefresh: pick(o.GroupRefresh, d.GroupRefresh), SessionIdleTimeout: pick(o.SessionIdleTimeout, d.SessionIdleTimeout),
		AgentImage: d.AgentImage}
	if o.AgentImage != "" {
		v.AgentImage = o.AgentImage
	}
	v.TokenDefaultTTL = min(v.TokenDefaultTTL, v.TokenMaxTTL)
	return v
}

// ErrStale is an update that named a revision other than the current one
// (someone changed the settings meanwhile).
var ErrStale = errors.New("the settings changed meanwhile")

// Service holds the effective settings of this replica.
type Service struct {
	store    store.Settings
	defaults Defaults
	log      *slog.Logger
	mu       sync.Mutex // orders installs, so an older read never replaces a newer one
	cur      atomic.Pointer[state]
}

type state struct {
	stored model.Settings
	values Values
}

// New returns the service with the defaults alone in effect; call Reload
// to read the stored overrides.
func New(st store.Settings, d Defaults, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{store: st, defaults: d, log: log}
	s.cur.Store(&state{values: Resolve(d, &model.Settings{})})
	return s
}

// Defaults are the server flags' values.
func (s *Service) Defaults() Defaults { return s.defaults }

// Stored returns the overrides in effect (a copy sharing the durations
// it points to: do not change them).
func (s *Service) Stored() model.Settings { return s.cur.Load().stored }

// Values returns the effective settings.
func (s *Service) Values() Values { return s.cur.Load().values }

// TokenDefaultTTL is the lifetime of API tokens created without one.
func (s *Service) TokenDefaultTTL() time.Duration { return s.Values().TokenDefaultTTL }

// TokenMaxTTL is the longest lifetime an API token may have.
func (s *Service) TokenMaxTTL() time.Duration { return s.Values().TokenMaxTTL }

// GroupRefresh is how often identity-provider groups are re-read.
func (s *Service) GroupRefresh() time.Duration { return s.Values().GroupRefresh }

// SessionIdleTimeout is how long a login session may go unused (0: no
// limit).
func (s *Service) SessionIdleTimeout() time.Duration { return s.Values().SessionIdleTimeout }

// AgentImage is the agent's container image in import manifests.
func (s *Service) AgentImage() string { return s.Values().AgentImage }

// install makes st current unless a newer revision already is, and
// reports whether the revision moved.
func (s *Service) install(st *model.Settings) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.cur.Load()
	if st.Revision <= cur.stored.Revision {
		return false // nothing new (revision 0 holds no overrides)
	}
	s.cur.Store(&state{stored: *st, values: Resolve(s.defaults, st)})
	return true
}

// Reload reads the stored overrides; changed reports a new revision.
func (s *Service) Reload(ctx context.Context) (changed bool, err error) {
	st, err := s.store.GetSettings(ctx)
	if err != nil {
		return false, err
	}
	return s.install(st), nil
}

// Run reloads every interval until ctx ends, so changes made through
// other replicas take effect here.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := s.Reload(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Warn("reloading server settings failed", "err", err)
		case changed:
			s.log.Info("server settings changed", "revision", s.Stored().Revision)
		}
	}
}

// Update applies change to the stored overrides in one transaction,
// validates the result against the defaults (a *ValidationError when it
// is invalid) and makes it effective here at once. A non-zero expect must
// be the current revision (ErrStale otherwise).
func (s *Service) Update(ctx context.Context, expect int64, by string, now time.Time, change func(*model.Settings) error) (*model.Settings, error) {
	st, err := s.store.UpdateSettings(ctx, func(o *model.Settings) error {
		if expect != 0 && o.Revision != expect {
			return ErrStale
		}
		if err := change(o); err != nil {
			return err
		}
		if err := Validate(o, s.defaults); err != nil {
			return err
		}
		o.UpdatedAt, o.UpdatedBy = now.UTC(), by
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.install(st)
	return st, nil
}
