package sqlstore

// The access model: custom global roles and role templates (this file),
// projects (access_projects.go) and bindings (access_bindings.go). Every
// write runs in a transaction that first bumps the access revision; taking
// the revision row first also orders concurrent access writers on
// PostgreSQL, so they cannot deadlock on the rows they touch next.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// bumpRevision increments the access revision inside tx. Call it first in
// every transaction that changes users or the access model.
func (s *Store) bumpRevision(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `UPDATE access_revision SET n = n + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("sqlstore: bumping access revision: %w", err)
	}
	return nil
}

// AccessRevision returns the access revision counter.
func (s *Store) AccessRevision(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT n FROM access_revision WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: reading access revision: %w", err)
	}
	return n, nil
}

// accessTx runs fn in a write transaction that bumps the access revision.
func (s *Store) accessTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.bumpRevision(ctx, tx); err != nil {
			return err
		}
		return fn(tx)
	})
}

// encodeList stores a list of strings as a JSON array; nil is "[]".
func encodeList(l []string) (string, error) {
	if l == nil {
		l = []string{}
	}
	b, err := json.Marshal(l)
	return string(b), err
}

// decodeList reads a JSON array of strings; an empty array reads as nil.
func decodeList(s string, dst *[]string) error {
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return err
	}
	if len(l) == 0 {
		l = nil
	}
	*dst = l
	return nil
}

// encodeJSON marshals v for a JSON TEXT column.
func encodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// accessErr maps a database error about what to the store's errors.
func accessErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	case isUniqueViolation(err):
		return fmt.Errorf("%s: %w", what, store.ErrConflict)
	case isForeignKeyViolation(err):
		return fmt.Errorf("%s: a referenced row is missing: %w", what, store.ErrNotFound)
	}
	return fmt.Errorf("sqlstore: %s: %w", what, err)
}

// deleteOne runs a DELETE of one row in an access transaction;
// store.ErrNotFound when it deletes nothing.
func (s *Store) deleteOne(ctx context.Context, query, key, what string) error {
	return s.accessTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(query), key)
		if err != nil {
			return fmt.Errorf("sqlstore: deleting %s: %w", what, err)
		}
		return expectOne(res, what)
	})
}

// Global roles.

const globalRoleColumns = `name, description, capabilities, created_by, created_at, updated_at`

func scanGlobalRole(row scanner) (*model.GlobalRole, error) {
	var (
		r                    model.GlobalRole
		caps                 string
		createdAt, updatedAt int64
	)
	if err := row.Scan(&r.Name, &r.Description, &caps, &r.CreatedBy, &createdAt, &updatedAt); err != nil {
		return nil, err
	}
	if err := decodeList(caps, &r.Capabilities); err != nil {
		return nil, fmt.Errorf("sqlstore: global role %q capabilities: %w", r.Name, err)
	}
	r.CreatedAt, r.UpdatedAt = fromDB(createdAt), fromDB(updatedAt)
	return &r, nil
}

// globalRoleArgs are the column values of r after name: name_lower,
// description, capabilities, created_by, created_at, updated_at.
func globalRoleArgs(r *model.GlobalRole) ([]any, error) {
	switch {
	case r.Name == "":
		return nil, errors.New("sqlstore: global role has no name")
	case r.Builtin:
		return nil, fmt.Errorf("sqlstore: global role %q is built in; built-ins are not stored", r.Name)
	}
	caps, err := encodeList(r.Capabilities)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: global role %q: %w", r.Name, err)
	}
	return []any{foldCase(r.Name), r.Description, caps, r.CreatedBy, toDB(r.CreatedAt), toDB(r.UpdatedAt)}, nil
}

// CreateGlobalRole inserts r; a duplicate name (case-insensitive) is
// store.ErrConflict.
func (s *Store) CreateGlobalRole(ctx context.Context, r *model.GlobalRole) error {
	args, err := globalRoleArgs(r)
	if err != nil {
		return err
	}
	return s.accessTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO global_roles (name, name_lower, description, capabilities,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`), append([]any{r.Name}, args...)...)
		return accessErr(err, fmt.Sprintf("global role %q", r.Name))
	})
}

// GetGlobalRole returns the global role with exactly this name, or
// store.ErrNotFound.
func (s *Store) GetGlobalRole(ctx context.Context, name string) (*model.GlobalRole, error) {
	r, err := scanGlobalRole(s.r.QueryRowContext(ctx,
		s.q(`SELECT `+globalRoleColumns+` FROM global_roles WHERE name = ?`), name))
	return r, accessErr(err, fmt.Sprintf("global role %q", name))
}

// ListGlobalRoles lists the custom global roles by lower-cased name.
func (s *Store) ListGlobalRoles(ctx context.Context) ([]model.GlobalRole, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+globalRoleColumns+` FROM global_roles ORDER BY name_lower`)
	return collect(rows, err, "listing global roles", scanGlobalRole)
}

// UpdateGlobalRole reads the role, applies fn and writes it back in one
// transaction; fn must not change the name nor call the store.
func (s *Store) UpdateGlobalRole(ctx context.Context, name string, fn func(*model.GlobalRole) error) (*model.GlobalRole, error) {
	var out *model.GlobalRole
	err := s.accessTx(ctx, func(tx *sql.Tx) error {
		what := fmt.Sprintf("global role %q", name)
		r, err := scanGlobalRole(tx.QueryRowContext(ctx,
			s.q(`SELECT `+globalRoleColumns+` FROM global_roles WHERE name = ?`+s.forUpdate()), name))
		if err != nil {
			return accessErr(err, what)
		}
		if err := fn(r); err != nil {
			return err
		}
		if r.Name != name {
			return fmt.Errorf("sqlstore: updating %s: the name cannot change (to %q)", what, r.Name)
		}
		args, err := globalRoleArgs(r)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE global_roles SET name_lower = ?, description = ?, capabilities = ?,
			created_by = ?, created_at = ?, updated_at = ? WHERE name = ?`), append(args, name)...)
		if err != nil {
			return accessErr(err, what)
		}
		out = r
		return nil
	})
	return out, err
}

// DeleteGlobalRole removes the role, or returns store.ErrNotFound. Users
// holding it keep its name in GlobalRoles.
func (s *Store) DeleteGlobalRole(ctx context.Context, name string) error {
	return s.deleteOne(ctx, `DELETE FROM global_roles WHERE name = ?`, name, fmt.Sprintf("global role %q", name))
}
