package store

import (
	"context"

	"github.com/paddockhq/paddock/internal/model"
)

// CloudCredentials persists users' cloud credentials. The secret part is
// sealed by the backend (bound to the credential's row) and only ever
// returned by GetCloudCredentialSecret.
type CloudCredentials interface {
	// CreateCloudCredential inserts c with its secret (ID, OwnerID and
	// timestamps set by the caller). A duplicate name of the same owner
	// (case-insensitive) is ErrConflict.
	CreateCloudCredential(ctx context.Context, c *model.CloudCredential, secret model.CloudSecret) error
	GetCloudCredential(ctx context.Context, id string) (*model.CloudCredential, error)
	// GetCloudCredentialSecret opens the secret part (ErrNotFound when
	// there is no such credential; a value that fails to decrypt is an
	// error).
	GetCloudCredentialSecret(ctx context.Context, id string) (*model.CloudSecret, error)
	// ListCloudCredentials orders by name, then ID; ownerID "" lists all.
	ListCloudCredentials(ctx context.Context, ownerID string) ([]model.CloudCredential, error)
	// UpdateCloudCredential reads the credential and its secret, applies fn
	// and writes both back in one transaction. fn must not change ID or
	// OwnerID, nor call the store.
	UpdateCloudCredential(ctx context.Context, id string, fn func(*model.CloudCredential, *model.CloudSecret) error) (*model.CloudCredential, error)
	// DeleteCloudCredential removes the credential; ErrConflict when a
	// provision uses it (see Provisions.ListProvisionsByCredential).
	DeleteCloudCredential(ctx context.Context, id string) error
}
