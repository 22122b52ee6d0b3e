package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/paddockhq/paddock/internal/config"
	"github.com/paddockhq/paddock/internal/settings"
	"github.com/paddockhq/paddock/internal/store"
)

// settingsPoll is how often the run-time settings are re-read, so changes
// made through another replica take effect here.
const settingsPoll = 5 * time.Second

// serverSettings are the run-time settings: the flags as defaults, the
// stored overrides loaded.
func serverSettings(ctx context.Context, st store.Settings, cfg config.Server, log *slog.Logger) (*settings.Service, error) {
	set := settings.New(st, settings.Defaults{TokenDefaultTTL: cfg.TokenDefaultTTL, TokenMaxTTL: cfg.TokenMaxTTL,
		GroupRefresh: cfg.GroupRefresh, SessionIdleTimeout: cfg.SessionIdleTimeout, AgentImage: cfg.AgentImage,
		SessionTTL: cfg.SessionTTL}, log)
	if _, err := set.Reload(ctx); err != nil {
		return nil, fmt.Errorf("loading the server settings: %w", err)
	}
	return set, nil
}
