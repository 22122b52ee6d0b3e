package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

const tokenColumns = `id, user_id, kind, description, hash, created_at, expires_at, last_used_at`

// authenticateQuery is the hot path of every request: one indexed lookup by
// hash joined to the user by primary key. It is prepared once by Open.
const authenticateQuery = `SELECT
	t.id, t.user_id, t.kind, t.description, t.hash, t.created_at, t.expires_at, t.last_used_at,
	u.id, u.username, u.display_name, u.provider, u.password_hash, u.admin, u.global_roles, u.groups,
	u.provider_groups, u.disabled, u.must_change_password, u.created_at, u.updated_at
FROM tokens t JOIN users u ON u.id = t.user_id
WHERE t.hash = ? AND t.expires_at > ? AND NOT u.disabled`

// tokenFields returns the scan destinations of tokenColumns; finish copies
// the converted times into t after the scan.
func tokenFields(t *model.Token) (dest []any, finish func()) {
	var createdAt, expiresAt int64
	var lastUsed sql.NullInt64
	dest = []any{&t.ID, &t.UserID, &t.Kind, &t.Description, &t.Hash, &createdAt, &expiresAt, &lastUsed}
	return dest, func() {
		t.CreatedAt, t.ExpiresAt, t.LastUsedAt = fromDB(createdAt), fromDB(expiresAt), fromNullTime(lastUsed)
	}
}

func scanToken(row scanner) (*model.Token, error) {
	var t model.Token
	dest, finish := tokenFields(&t)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	finish()
	return &t, nil
}

// CreateToken inserts t. The user must exist (store.ErrNotFound otherwise);
// a duplicate ID or hash is store.ErrConflict.
func (s *Store) CreateToken(ctx context.Context, t *model.Token) error {
	switch {
	case t.ID == "":
		return errors.New("sqlstore: token has no ID")
	case t.Hash == "":
		return errors.New("sqlstore: token has no hash")
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO tokens (`+tokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		t.ID, t.UserID, string(t.Kind), t.Description, t.Hash, toDB(t.CreatedAt), toDB(t.ExpiresAt), nullTime(t.LastUsedAt))
	switch {
	case err == nil:
		return nil
	case isForeignKeyViolation(err):
		return fmt.Errorf("user %q: %w", t.UserID, store.ErrNotFound)
	case isUniqueViolation(err):
		return fmt.Errorf("token %q: %w", t.ID, store.ErrConflict)
	default:
		return fmt.Errorf("sqlstore: creating token %q: %w", t.ID, err)
	}
}

// Authenticate returns the token with this hash and its user, provided the
// token is unexpired at now and the user is enabled; otherwise
// store.ErrNotFound. It runs one prepared query.
func (s *Store) Authenticate(ctx context.Context, hash string, now time.Time) (*model.Token, *model.User, error) {
	var (
		t model.Token
		u model.User
	)
	dest, finish := tokenFields(&t)
	userDest, finishUser := userFields(&u)
	dest = append(dest, userDest...)
	err := s.auth.QueryRowContext(ctx, hash, toDB(now)).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		// The hash is a credential: keep it out of error messages.
		return nil, nil, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: authenticating: %w", err)
	}
	finish()
	if err := finishUser(); err != nil {
		return nil, nil, err
	}
	return &t, &u, nil
}

// GetToken returns the token with this ID, expired or not, or
// store.ErrNotFound.
func (s *Store) GetToken(ctx context.Context, id string) (*model.Token, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, s.q(`SELECT `+tokenColumns+` FROM tokens WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("token %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: reading token %q: %w", id, err)
	}
	return t, nil
}

// ListTokens lists the user's tokens unexpired at now, of kind ("" for
// all), newest first.
func (s *Store) ListTokens(ctx context.Context, userID string, kind model.TokenKind, now time.Time) ([]model.Token, error) {
	query := `SELECT ` + tokenColumns + ` FROM tokens WHERE user_id = ? AND expires_at > ?`
	args := []any{userID, toDB(now)}
	if kind != "" {
		query += ` AND kind = ?`
		args = append(args, string(kind))
	}
	query += ` ORDER BY created_at DESC, id DESC`
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: listing tokens: %w", err)
	}
	defer rows.Close()
	var tokens []model.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: listing tokens: %w", err)
		}
		tokens = append(tokens, *t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: listing tokens: %w", err)
	}
	return tokens, nil
}

// TouchToken sets LastUsedAt to at unless it is already later. A missing
// token is store.ErrNotFound. Nothing is written when the time would not
// advance.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	us := toDB(at)
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE tokens SET last_used_at = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`), us, id, us)
	if err != nil {
		return fmt.Errorf("sqlstore: touching token %q: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	var one int
	err = s.r.QueryRowContext(ctx, s.q(`SELECT 1 FROM tokens WHERE id = ?`), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("token %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: touching token %q: %w", id, err)
	}
	return nil
}

// DeleteToken removes the token, or returns store.ErrNotFound.
func (s *Store) DeleteToken(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE id = ?`), id)
	if err != nil {
		return fmt.Errorf("sqlstore: deleting token %q: %w", id, err)
	}
	return expectOne(res, fmt.Sprintf("token %q", id))
}

// DeleteUserTokens removes every token of the user and returns how many.
func (s *Store) DeleteUserTokens(ctx context.Context, userID string) (int, error) {
	return s.deleteTokens(ctx, `user_id = ?`, userID)
}

// DeleteExpiredTokens removes the tokens expired at now (as
// model.Token.Expired reports) and returns how many.
func (s *Store) DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error) {
	return s.deleteTokens(ctx, `expires_at <= ?`, toDB(now))
}

func (s *Store) deleteTokens(ctx context.Context, where string, arg any) (int, error) {
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM tokens WHERE `+where), arg)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: deleting tokens: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlstore: deleting tokens: %w", err)
	}
	return int(n), nil
}
