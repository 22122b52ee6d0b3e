package store

import (
	"context"

	"github.com/paddockhq/paddock/internal/model"
)

// Settings persists the run-time overrides of server settings: one
// document for the whole installation, shared by every replica.
type Settings interface {
	// GetSettings returns the stored overrides (all unset, Revision 0,
	// before the first update).
	GetSettings(ctx context.Context) (*model.Settings, error)
	// UpdateSettings reads the settings, applies fn and writes the result
	// in one transaction, incrementing Revision (fn cannot set it); fn's
	// error aborts it. fn must not call the store.
	UpdateSettings(ctx context.Context, fn func(*model.Settings) error) (*model.Settings, error)
}
