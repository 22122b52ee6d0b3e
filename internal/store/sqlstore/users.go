package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

const userColumns = `id, username, display_name, provider, password_hash, admin, global_roles, groups,
	provider_groups, disabled, must_change_password, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

// userFields returns the scan destinations of userColumns; finish decodes
// the JSON lists and converts the times into u after the scan.
func userFields(u *model.User) (dest []any, finish func() error) {
	var (
		globalRoles, groups, providerGroups string
		createdAt, updatedAt                int64
	)
	dest = []any{&u.ID, &u.Username, &u.DisplayName, &u.Provider, &u.PasswordHash, &u.Admin, &globalRoles,
		&groups, &providerGroups, &u.Disabled, &u.MustChangePassword, &createdAt, &updatedAt}
	return dest, func() error {
		if err := decodeList(globalRoles, &u.GlobalRoles); err != nil {
			return fmt.Errorf("sqlstore: user %q global roles: %w", u.ID, err)
		}
		if err := decodeList(groups, &u.Groups); err != nil {
			return fmt.Errorf("sqlstore: user %q groups: %w", u.ID, err)
		}
		if err := decodeList(providerGroups, &u.ProviderGroups); err != nil {
			return fmt.Errorf("sqlstore: user %q provider groups: %w", u.ID, err)
		}
		u.CreatedAt, u.UpdatedAt = fromDB(createdAt), fromDB(updatedAt)
		return nil
	}
}

// scanUser scans a row of userColumns followed by extra destinations.
func scanUser(row scanner, extra ...any) (*model.User, error) {
	var u model.User
	dest, finish := userFields(&u)
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return &u, nil
}

// userLists returns the stored forms of u's global roles, groups and
// provider groups.
func userLists(u *model.User) (globalRoles, groups, providerGroups string, err error) {
	if globalRoles, err = encodeList(u.GlobalRoles); err != nil {
		return "", "", "", err
	}
	if groups, err = encodeList(u.Groups); err != nil {
		return "", "", "", err
	}
	if providerGroups, err = encodeList(u.ProviderGroups); err != nil {
		return "", "", "", err
	}
	return globalRoles, groups, providerGroups, nil
}

// foldCase is the case-insensitive form of usernames and display names,
// computed here (Unicode-aware) rather than by each database's lower().
func foldCase(s string) string { return strings.ToLower(s) }

func validateUser(u *model.User) error {
	if u.ID == "" {
		return errors.New("sqlstore: user has no ID")
	}
	if u.Username == "" {
		return errors.New("sqlstore: user has no username")
	}
	return nil
}

// CreateUser inserts u. A duplicate ID or username (case-insensitive) is
// store.ErrConflict. It bumps the access revision.
func (s *Store) CreateUser(ctx context.Context, u *model.User) error {
	if err := validateUser(u); err != nil {
		return err
	}
	globalRoles, groups, providerGroups, err := userLists(u)
	if err != nil {
		return fmt.Errorf("sqlstore: creating user %q: %w", u.Username, err)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.bumpRevision(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO users (id, username, username_lower, display_name,
			display_name_lower, provider, password_hash, admin, global_roles, groups, provider_groups, disabled,
			must_change_password, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			u.ID, u.Username, foldCase(u.Username), u.DisplayName, foldCase(u.DisplayName), u.Provider,
			u.PasswordHash, u.Admin, globalRoles, groups, providerGroups, u.Disabled, u.MustChangePassword,
			toDB(u.CreatedAt), toDB(u.UpdatedAt))
		if isUniqueViolation(err) {
			return fmt.Errorf("user %q: %w", u.Username, store.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: creating user %q: %w", u.Username, err)
		}
		return nil
	})
}

// GetUser returns the user with this ID, or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (*model.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, s.q(`SELECT `+userColumns+` FROM users WHERE id = ?`), id))
	return u, userErr(err, fmt.Sprintf("user %q", id))
}

// GetUserByUsername returns the user with this username, matched
// case-insensitively, or store.ErrNotFound.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (*model.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx,
		s.q(`SELECT `+userColumns+` FROM users WHERE username_lower = ?`), foldCase(username)))
	return u, userErr(err, fmt.Sprintf("username %q", username))
}

func userErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	default:
		return fmt.Errorf("sqlstore: reading %s: %w", what, err)
	}
}

// ListUsers lists users by lower-cased username. A non-empty query keeps
// users whose username or display name contains it, case-insensitively and
// literally (LIKE wildcards in it match themselves).
func (s *Store) ListUsers(ctx context.Context, query string, p store.Page) ([]model.User, string, error) {
	n := limit(p)
	var (
		where []string
		args  []any
	)
	if query != "" {
		pattern := "%" + likeEscape(foldCase(query)) + "%"
		where = append(where, `(username_lower LIKE ? ESCAPE '!' OR display_name_lower LIKE ? ESCAPE '!')`)
		args = append(args, pattern, pattern)
	}
	if p.After != "" {
		after, err := parseUserCursor(p.After)
		if err != nil {
			return nil, "", err
		}
		where = append(where, `username_lower > ?`)
		args = append(args, after)
	}
	sqlText := `SELECT ` + userColumns + `, username_lower FROM users`
	if len(where) > 0 {
		sqlText += ` WHERE ` + strings.Join(where, ` AND `)
	}
	sqlText += ` ORDER BY username_lower LIMIT ?`
	args = append(args, n+1)

	rows, err := s.r.QueryContext(ctx, s.q(sqlText), args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlstore: listing users: %w", err)
	}
	defer rows.Close()
	users := make([]model.User, 0, min(n, 64))
	var lastKey, next string
	for rows.Next() {
		if len(users) == n {
			next = userCursor(lastKey)
			break
		}
		u, err := scanUser(rows, &lastKey)
		if err != nil {
			return nil, "", fmt.Errorf("sqlstore: listing users: %w", err)
		}
		users = append(users, *u)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlstore: listing users: %w", err)
	}
	return users, next, nil
}

// UpdateUser reads the user, applies fn and writes the result back in one
// transaction that also bumps the access revision; fn's error aborts it and
// is returned as is. fn must not
// change the ID, nor call the store (on SQLite it would wait for the write
// connection fn's own transaction holds). A Disabled result also deletes
// all of the user's tokens in the same transaction.
func (s *Store) UpdateUser(ctx context.Context, id string, fn func(*model.User) error) (*model.User, error) {
	var out *model.User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.bumpRevision(ctx, tx); err != nil {
			return err
		}
		u, err := scanUser(tx.QueryRowContext(ctx, s.q(`SELECT `+userColumns+` FROM users WHERE id = ?`+s.forUpdate()), id))
		if err != nil {
			return userErr(err, fmt.Sprintf("user %q", id))
		}
		if err := fn(u); err != nil {
			return err
		}
		if u.ID != id {
			return fmt.Errorf("sqlstore: updating user %q: the ID cannot change (to %q)", id, u.ID)
		}
		if err := validateUser(u); err != nil {
			return err
		}
		globalRoles, groups, providerGroups, err := userLists(u)
		if err != nil {
			return fmt.Errorf("sqlstore: updating user %q: %w", id, err)
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE users SET username = ?, username_lower = ?, display_name = ?,
			display_name_lower = ?, provider = ?, password_hash = ?, admin = ?, global_roles = ?, groups = ?,
			provider_groups = ?, disabled = ?, must_change_password = ?, created_at = ?, updated_at = ?
			WHERE id = ?`),
			u.Username, foldCase(u.Username), u.DisplayName, foldCase(u.DisplayName), u.Provider, u.PasswordHash,
			u.Admin, globalRoles, groups, providerGroups, u.Disabled, u.MustChangePassword, toDB(u.CreatedAt),
			toDB(u.UpdatedAt), id)
		if isUniqueViolation(err) {
			return fmt.Errorf("user %q: %w", u.Username, store.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: updating user %q: %w", id, err)
		}
		if u.Disabled {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE user_id = ?`), id); err != nil {
				return fmt.Errorf("sqlstore: deleting tokens of disabled user %q: %w", id, err)
			}
		}
		out = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteUser removes the user; the schema cascades to their tokens,
// identities and bindings. A missing user is store.ErrNotFound. It bumps
// the access revision.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.bumpRevision(ctx, tx); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM users WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("sqlstore: deleting user %q: %w", id, err)
		}
		return expectOne(res, fmt.Sprintf("user %q", id))
	})
}

// CountUsers returns the number of users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: counting users: %w", err)
	}
	return n, nil
}

// expectOne turns a statement that touched no row into store.ErrNotFound.
func expectOne(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}
