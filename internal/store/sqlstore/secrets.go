package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/paddockhq/paddock/internal/store"
)

// secretAD binds a sealed value to its row, so a value copied into another
// secret's row fails to open.
func secretAD(name string) []byte { return []byte("paddock.secret\x00" + name) }

// PutSecret seals value and stores it under name, replacing any previous
// value. Only the sealed form reaches the database.
func (s *Store) PutSecret(ctx context.Context, name string, value []byte) error {
	if name == "" {
		return errors.New("sqlstore: secret has no name")
	}
	sealed, err := s.sealer.Seal(value, secretAD(name))
	if err != nil {
		return fmt.Errorf("sqlstore: sealing secret %q: %w", name, err)
	}
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO secrets (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
		name, sealed, toDB(time.Now()))
	if err != nil {
		return fmt.Errorf("sqlstore: storing secret %q: %w", name, err)
	}
	return nil
}

// GetSecret returns the opened value of the secret, store.ErrNotFound when
// absent, or an error wrapping the secrets package's ErrWrongKey,
// ErrTampered or ErrMalformed when it cannot be decrypted.
func (s *Store) GetSecret(ctx context.Context, name string) ([]byte, error) {
	var sealed []byte
	err := s.r.QueryRowContext(ctx, s.q(`SELECT value FROM secrets WHERE name = ?`), name).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("secret %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: reading secret %q: %w", name, err)
	}
	value, err := s.sealer.Open(sealed, secretAD(name))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: secret %q cannot be decrypted (is the master key the one it was stored with?): %w", name, err)
	}
	if value == nil {
		value = []byte{}
	}
	return value, nil
}

// DeleteSecret removes the secret, or returns store.ErrNotFound.
func (s *Store) DeleteSecret(ctx context.Context, name string) error {
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM secrets WHERE name = ?`), name)
	if err != nil {
		return fmt.Errorf("sqlstore: deleting secret %q: %w", name, err)
	}
	return expectOne(res, fmt.Sprintf("secret %q", name))
}
