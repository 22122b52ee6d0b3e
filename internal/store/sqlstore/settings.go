package sqlstore

// Run-time server settings: the single row of the settings table (created
// by its migration). Durations are stored as nanoseconds, NULL when not
// set. Settings are not part of the access model: no write here bumps the
// access revision; the row has its own revision.

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/paddockhq/paddock/internal/model"
)

const settingsColumns = `revision, updated_at, updated_by, token_default_ttl_ns, token_max_ttl_ns,
	group_refresh_ns, session_idle_timeout_ns, agent_image`

func scanSettings(row scanner) (*model.Settings, error) {
	var (
		s                             model.Settings
		updatedAt                     sql.NullInt64
		defTTL, maxTTL, refresh, idle sql.NullInt64
	)
	if err := row.Scan(&s.Revision, &updatedAt, &s.UpdatedBy, &defTTL, &maxTTL, &refresh, &idle, &s.AgentImage); err != nil {
		return nil, fmt.Errorf("sqlstore: reading settings: %w", err)
	}
	s.UpdatedAt = fromNullTime(updatedAt)
	s.TokenDefaultTTL, s.TokenMaxTTL = fromNullDuration(defTTL), fromNullDuration(maxTTL)
	s.GroupRefresh, s.SessionIdleTimeout = fromNullDuration(refresh), fromNullDuration(idle)
	return &s, nil
}

func nullDuration(d *time.Duration) sql.NullInt64 {
	if d == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*d), Valid: true}
}

func fromNullDuration(v sql.NullInt64) *time.Duration {
	if !v.Valid {
		return nil
	}
	d := time.Duration(v.Int64)
	return &d
}

// GetSettings returns the stored overrides.
func (s *Store) GetSettings(ctx context.Context) (*model.Settings, error) {
	return scanSettings(s.r.QueryRowContext(ctx, `SELECT `+settingsColumns+` FROM settings WHERE id = 1`))
}

// UpdateSettings is a read-modify-write of the settings row that bumps
// its revision.
func (s *Store) UpdateSettings(ctx context.Context, fn func(*model.Settings) error) (*model.Settings, error) {
	var out *model.Settings
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		next, err := scanSettings(tx.QueryRowContext(ctx, `SELECT `+settingsColumns+` FROM settings WHERE id = 1`+s.forUpdate()))
		if err != nil {
			return err
		}
		rev := next.Revision
		if err := fn(next); err != nil {
			return err
		}
		next.Revision = rev + 1
		_, err = tx.ExecContext(ctx, s.q(`UPDATE settings SET revision = ?, updated_at = ?, updated_by = ?,
			token_default_ttl_ns = ?, token_max_ttl_ns = ?, group_refresh_ns = ?, session_idle_timeout_ns = ?,
			agent_image = ? WHERE id = 1`),
			next.Revision, nullTime(next.UpdatedAt), next.UpdatedBy, nullDuration(next.TokenDefaultTTL),
			nullDuration(next.TokenMaxTTL), nullDuration(next.GroupRefresh), nullDuration(next.SessionIdleTimeout),
			next.AgentImage)
		if err != nil {
			return fmt.Errorf("sqlstore: writing settings: %w", err)
		}
		out = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.UpdatedAt = fromNullTime(nullTime(out.UpdatedAt)) // as stored: microseconds, UTC
	return out, nil
}
