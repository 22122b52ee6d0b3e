package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paddockhq/paddock/internal/model"
)

const identityColumns = `provider, subject, user_id, username, groups, refreshed_at, created_at`

func scanIdentity(row scanner) (*model.Identity, error) {
	var (
		id                     model.Identity
		groups                 string
		refreshedAt, createdAt int64
	)
	if err := row.Scan(&id.Provider, &id.Subject, &id.UserID, &id.Username, &groups, &refreshedAt,
		&createdAt); err != nil {
		return nil, err
	}
	if err := decodeList(groups, &id.Groups); err != nil {
		return nil, fmt.Errorf("sqlstore: identity %q at %q groups: %w", id.Subject, id.Provider, err)
	}
	id.RefreshedAt, id.CreatedAt = fromDB(refreshedAt), fromDB(createdAt)
	return &id, nil
}

func validateIdentity(id *model.Identity) error {
	switch {
	case id.Provider == "":
		return errors.New("sqlstore: identity has no provider")
	case id.Subject == "":
		return fmt.Errorf("sqlstore: identity at %q has no subject", id.Provider)
	case id.UserID == "":
		return fmt.Errorf("sqlstore: identity %q at %q has no user ID", id.Subject, id.Provider)
	}
	return nil
}

// providerGroup is the name bindings use for a provider's group.
func providerGroup(provider, group string) string { return provider + ":" + group }

// GetIdentity returns the identity of subject at provider, or
// store.ErrNotFound.
func (s *Store) GetIdentity(ctx context.Context, provider, subject string) (*model.Identity, error) {
	id, err := scanIdentity(s.r.QueryRowContext(ctx,
		s.q(`SELECT `+identityColumns+` FROM identities WHERE provider = ? AND subject = ?`), provider, subject))
	return id, accessErr(err, fmt.Sprintf("identity %q at provider %q", subject, provider))
}

// PutIdentity inserts the identity or replaces every field of the one with
// its provider and subject (CreatedAt included). The provider and the user
// must exist (store.ErrNotFound otherwise). In the same transaction it
// recomputes the user's ProviderGroups from all of the user's identities
// (the union of their groups, each prefixed "<provider>:", sorted and
// distinct) and, when the identity moves to another user, the previous
// user's too.
func (s *Store) PutIdentity(ctx context.Context, id *model.Identity) error {
	if err := validateIdentity(id); err != nil {
		return err
	}
	groups, err := encodeList(id.Groups)
	if err != nil {
		return fmt.Errorf("sqlstore: identity %q at %q groups: %w", id.Subject, id.Provider, err)
	}
	what := fmt.Sprintf("identity %q at provider %q", id.Subject, id.Provider)
	return s.accessTx(ctx, func(tx *sql.Tx) error {
		if err := s.mustExist(ctx, tx, `SELECT 1 FROM providers WHERE name = ?`, id.Provider,
			fmt.Sprintf("provider %q", id.Provider)); err != nil {
			return err
		}
		if err := s.mustExist(ctx, tx, `SELECT 1 FROM users WHERE id = ?`, id.UserID,
			fmt.Sprintf("user %q", id.UserID)); err != nil {
			return err
		}
		var previous string
		err := tx.QueryRowContext(ctx, s.q(`SELECT user_id FROM identities WHERE provider = ? AND subject = ?`),
			id.Provider, id.Subject).Scan(&previous)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return accessErr(err, what)
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO identities (`+identityColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (provider, subject) DO UPDATE SET user_id = excluded.user_id,
				username = excluded.username, groups = excluded.groups, refreshed_at = excluded.refreshed_at,
				created_at = excluded.created_at`),
			id.Provider, id.Subject, id.UserID, id.Username, groups, toDB(id.RefreshedAt), toDB(id.CreatedAt))
		if err != nil {
			return accessErr(err, what)
		}
		if err := s.setProviderGroups(ctx, tx, id.UserID); err != nil {
			return err
		}
		if previous != "" && previous != id.UserID {
			return s.setProviderGroups(ctx, tx, previous)
		}
		return nil
	})
}

// setProviderGroups rewrites users.provider_groups of userID from all of
// the user's identities, within tx.
func (s *Store) setProviderGroups(ctx context.Context, tx *sql.Tx, userID string) error {
	what := fmt.Sprintf("provider groups of user %q", userID)
	rows, err := tx.QueryContext(ctx, s.q(`SELECT provider, groups FROM identities WHERE user_id = ?`), userID)
	if err != nil {
		return fmt.Errorf("sqlstore: reading %s: %w", what, err)
	}
	var all []string
	for rows.Next() {
		var provider, groupsJSON string
		if err := rows.Scan(&provider, &groupsJSON); err != nil {
			rows.Close()
			return fmt.Errorf("sqlstore: reading %s: %w", what, err)
		}
		var groups []string
		if err := decodeList(groupsJSON, &groups); err != nil {
			rows.Close()
			return fmt.Errorf("sqlstore: reading %s: %w", what, err)
		}
		for _, g := range groups {
			if g != "" {
				all = append(all, providerGroup(provider, g))
			}
		}
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("sqlstore: reading %s: %w", what, err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: reading %s: %w", what, err)
	}
	slices.Sort(all)
	encoded, err := encodeList(slices.Compact(all))
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE users SET provider_groups = ? WHERE id = ?`), encoded, userID); err != nil {
		return fmt.Errorf("sqlstore: writing %s: %w", what, err)
	}
	return nil
}

// identityUsers returns the IDs of the users with an identity at provider,
// within tx.
func (s *Store) identityUsers(ctx context.Context, tx *sql.Tx, provider string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT DISTINCT user_id FROM identities WHERE provider = ?
		ORDER BY user_id`), provider)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: reading users of provider %q: %w", provider, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlstore: reading users of provider %q: %w", provider, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: reading users of provider %q: %w", provider, err)
	}
	return ids, nil
}

// ListIdentities lists the provider's identities refreshed before before
// (the zero time: all), oldest refresh first (then by subject), at most
// limit of them (<= 0: all).
func (s *Store) ListIdentities(ctx context.Context, provider string, before time.Time, limit int) ([]model.Identity, error) {
	query := `SELECT ` + identityColumns + ` FROM identities WHERE provider = ?`
	args := []any{provider}
	if !before.IsZero() {
		query += ` AND refreshed_at < ?`
		args = append(args, toDB(before))
	}
	query += ` ORDER BY refreshed_at, subject`
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	return collect(rows, err, "listing identities", scanIdentity)
}

// SearchGroups returns the distinct groups of the provider's identities
// ("" provider: of every provider), always named as bindings name them,
// "<provider>:<group>", sorted, at most limit of them (<= 0: all). A group
// matches when its name (or, for a query holding ":", its prefixed name)
// contains query, case-insensitively; an empty query matches every group.
// The matching runs here rather than in SQL, the same for both dialects.
func (s *Store) SearchGroups(ctx context.Context, provider, query string, limit int) ([]string, error) {
	sqlText, args := `SELECT provider, groups FROM identities`, []any(nil)
	if provider != "" {
		sqlText, args = sqlText+` WHERE provider = ?`, append(args, provider)
	}
	rows, err := s.r.QueryContext(ctx, s.q(sqlText), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: searching groups: %w", err)
	}
	defer rows.Close()
	q := foldCase(query)
	prefixed := strings.Contains(q, ":")
	found := make(map[string]struct{})
	for rows.Next() {
		var p, groupsJSON string
		if err := rows.Scan(&p, &groupsJSON); err != nil {
			return nil, fmt.Errorf("sqlstore: searching groups: %w", err)
		}
		var groups []string
		if err := decodeList(groupsJSON, &groups); err != nil {
			return nil, fmt.Errorf("sqlstore: searching groups: identity groups at %q: %w", p, err)
		}
		for _, g := range groups {
			if g == "" {
				continue
			}
			name := providerGroup(p, g)
			if strings.Contains(foldCase(g), q) || (prefixed && strings.Contains(foldCase(name), q)) {
				found[name] = struct{}{}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: searching groups: %w", err)
	}
	out := make([]string, 0, len(found))
	for name := range found {
		out = append(out, name)
	}
	slices.Sort(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// DeleteProviderSessions deletes every token of the users with an identity
// at provider and returns how many. It bumps the access revision.
func (s *Store) DeleteProviderSessions(ctx context.Context, provider string) (int, error) {
	var n int64
	err := s.accessTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE user_id IN
			(SELECT user_id FROM identities WHERE provider = ?)`), provider)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: deleting sessions of provider %q: %w", provider, err)
	}
	return int(n), nil
}
