package app

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/idp"
	"github.com/paddockhq/paddock/internal/signin"
	"github.com/paddockhq/paddock/internal/store"
)

// providerTypes is the explicit registry of identity provider types.
func providerTypes() map[string]idp.Type {
	types := map[string]idp.Type{}
	for _, t := range connectorTypes {
		types[t.Name] = t
	}
	return types
}

func newSignIn(st store.Store, svc *auth.Service, log *slog.Logger, sessionTTL time.Duration) *signin.Service {
	return &signin.Service{Store: st, Auth: svc, Types: providerTypes(), Log: log, SessionTTL: sessionTTL,
		Deps: idp.Deps{Now: time.Now, Log: log, HTTPClient: &http.Client{Timeout: 15 * time.Second},
			Replay: &idp.MemoryReplay{}}}
}

// refreshGroups re-reads groups from identity providers for the
// identities due (not refreshed for the interval, a run-time setting read
// each round), looking every half interval (at most every minute, at
// least every second), so a changed interval applies within a minute.
func refreshGroups(ctx context.Context, s *signin.Service, interval func() time.Duration, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(refreshPeriod(interval())):
		}
		n, gone, err := s.RefreshDue(ctx, interval(), 200)
		if err != nil && ctx.Err() == nil {
			log.Warn("refreshing groups from identity providers", "err", err)
		}
		if n+gone > 0 {
			log.Info("refreshed groups from identity providers", "refreshed", n, "disabled", gone)
		}
	}
}

// refreshPeriod is how often refreshGroups looks for identities due.
func refreshPeriod(interval time.Duration) time.Duration {
	return min(max(interval/2, time.Second), time.Minute)
}
