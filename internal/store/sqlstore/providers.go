package sqlstore

// Identity providers (this file) and the identities linking their subjects
// to users (providers_identities.go). Every write runs in an access
// transaction (see access.go): providers and identities decide users'
// groups, so a change bumps the access revision.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/paddockhq/paddock/internal/model"
)

const providerColumns = `name, type, display_name, enabled, access_mode, allowed_users, allowed_groups, config,
	created_at, updated_at`

func scanProvider(row scanner) (*model.Provider, error) {
	var (
		p                           model.Provider
		allowedUsers, allowedGroups string
		config                      string
		createdAt, updatedAt        int64
	)
	if err := row.Scan(&p.Name, &p.Type, &p.DisplayName, &p.Enabled, &p.AccessMode, &allowedUsers,
		&allowedGroups, &config, &createdAt, &updatedAt); err != nil {
		return nil, err
	}
	if err := decodeList(allowedUsers, &p.AllowedUsers); err != nil {
		return nil, fmt.Errorf("sqlstore: provider %q allowed users: %w", p.Name, err)
	}
	if err := decodeList(allowedGroups, &p.AllowedGroups); err != nil {
		return nil, fmt.Errorf("sqlstore: provider %q allowed groups: %w", p.Name, err)
	}
	p.Config = json.RawMessage(config)
	p.CreatedAt, p.UpdatedAt = fromDB(createdAt), fromDB(updatedAt)
	return &p, nil
}

// providerConfig is the stored form of a provider's config: the JSON as
// given, "{}" for none (empty or null).
func providerConfig(p *model.Provider) (string, error) {
	switch string(p.Config) {
	case "", "null":
		return "{}", nil
	}
	if !json.Valid(p.Config) {
		return "", fmt.Errorf("sqlstore: provider %q: config is not valid JSON", p.Name)
	}
	return string(p.Config), nil
}

// providerArgs are the column values of p after name: name_lower, type,
// display_name, enabled, access_mode, allowed_users, allowed_groups,
// config, created_at, updated_at.
func providerArgs(p *model.Provider) ([]any, error) {
	if p.Name == "" {
		return nil, errors.New("sqlstore: provider has no name")
	}
	allowedUsers, err := encodeList(p.AllowedUsers)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: provider %q allowed users: %w", p.Name, err)
	}
	allowedGroups, err := encodeList(p.AllowedGroups)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: provider %q allowed groups: %w", p.Name, err)
	}
	config, err := providerConfig(p)
	if err != nil {
		return nil, err
	}
	return []any{foldCase(p.Name), p.Type, p.DisplayName, p.Enabled, p.AccessMode, allowedUsers, allowedGroups,
		config, toDB(p.CreatedAt), toDB(p.UpdatedAt)}, nil
}

// CreateProvider inserts p; a duplicate name (case-insensitive) is
// store.ErrConflict. A nil or JSON null Config is stored as "{}".
func (s *Store) CreateProvider(ctx context.Context, p *model.Provider) error {
	args, err := providerArgs(p)
	if err != nil {
		return err
	}
	return s.accessTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO providers (name, name_lower, type, display_name, enabled,
			access_mode, allowed_users, allowed_groups, config, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), append([]any{p.Name}, args...)...)
		return accessErr(err, fmt.Sprintf("provider %q", p.Name))
	})
}

// GetProvider returns the provider with exactly this name, or
// store.ErrNotFound.
func (s *Store) GetProvider(ctx context.Context, name string) (*model.Provider, error) {
	p, err := scanProvider(s.r.QueryRowContext(ctx,
		s.q(`SELECT `+providerColumns+` FROM providers WHERE name = ?`), name))
	return p, accessErr(err, fmt.Sprintf("provider %q", name))
}

// ListProviders lists the providers by lower-cased name.
func (s *Store) ListProviders(ctx context.Context) ([]model.Provider, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+providerColumns+` FROM providers ORDER BY name_lower`)
	return collect(rows, err, "listing providers", scanProvider)
}

// UpdateProvider reads the provider, applies fn and writes it back in one
// transaction; fn must not change the name nor call the store.
func (s *Store) UpdateProvider(ctx context.Context, name string, fn func(*model.Provider) error) (*model.Provider, error) {
	var out *model.Provider
	err := s.accessTx(ctx, func(tx *sql.Tx) error {
		what := fmt.Sprintf("provider %q", name)
		p, err := scanProvider(tx.QueryRowContext(ctx,
			s.q(`SELECT `+providerColumns+` FROM providers WHERE name = ?`+s.forUpdate()), name))
		if err != nil {
			return accessErr(err, what)
		}
		if err := fn(p); err != nil {
			return err
		}
		if p.Name != name {
			return fmt.Errorf("sqlstore: updating %s: the name cannot change (to %q)", what, p.Name)
		}
		args, err := providerArgs(p)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE providers SET name_lower = ?, type = ?, display_name = ?,
			enabled = ?, access_mode = ?, allowed_users = ?, allowed_groups = ?, config = ?, created_at = ?,
			updated_at = ? WHERE name = ?`), append(args, name)...)
		if err != nil {
			return accessErr(err, what)
		}
		if string(p.Config) == "" || string(p.Config) == "null" {
			p.Config = json.RawMessage("{}") // as stored
		}
		out = p
		return nil
	})
	return out, err
}

// DeleteProvider removes the provider with its identities, or returns
// store.ErrNotFound. The users stay, without that provider's groups.
func (s *Store) DeleteProvider(ctx context.Context, name string) error {
	return s.accessTx(ctx, func(tx *sql.Tx) error {
		what := fmt.Sprintf("provider %q", name)
		users, err := s.identityUsers(ctx, tx, name)
		if err != nil {
			return err
		}
		// The schema would cascade; deleting the identities first keeps the
		// recomputation below independent of foreign-key enforcement.
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM identities WHERE provider = ?`), name); err != nil {
			return fmt.Errorf("sqlstore: deleting identities of %s: %w", what, err)
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM providers WHERE name = ?`), name)
		if err != nil {
			return fmt.Errorf("sqlstore: deleting %s: %w", what, err)
		}
		if err := expectOne(res, what); err != nil {
			return err
		}
		for _, id := range users {
			if err := s.setProviderGroups(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
}
