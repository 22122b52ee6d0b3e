package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

const auditColumns = `id, occurred_at, request_id, actor, actor_id, source_ip, action, target, outcome, status, detail`

// AppendAudit inserts e and sets e.ID. IDs increase with every append and
// are never reused.
func (s *Store) AppendAudit(ctx context.Context, e *model.AuditEvent) error {
	var id int64
	err := s.w.QueryRowContext(ctx, s.q(`INSERT INTO audit_events
		(occurred_at, request_id, actor, actor_id, source_ip, action, target, outcome, status, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		toDB(e.Time), e.RequestID, e.Actor, e.ActorID, e.SourceIP, e.Action, e.Target, e.Outcome, e.Status, e.Detail,
	).Scan(&id)
	if err != nil {
		return fmt.Errorf("sqlstore: appending audit event %q: %w", e.Action, err)
	}
	e.ID = id
	return nil
}

// ListAudit returns the events matching f, newest first (by Time, then ID).
// An Action ending in "*" matches by prefix, case-sensitively; every other
// character, "%" and "_" included, matches literally.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter, p store.Page) ([]model.AuditEvent, string, error) {
	n := limit(p)
	var (
		where []string
		args  []any
	)
	if f.Actor != "" {
		where = append(where, `actor = ?`)
		args = append(args, f.Actor)
	}
	if prefix, ok := strings.CutSuffix(f.Action, "*"); ok {
		if prefix != "" {
			// LIKE lets PostgreSQL use the index (the column has the C
			// collation); substr keeps the match case-sensitive on SQLite,
			// whose LIKE folds ASCII case.
			where = append(where, `action LIKE ? ESCAPE '!' AND substr(action, 1, ?) = ?`)
			args = append(args, likeEscape(prefix)+"%", utf8.RuneCountInString(prefix), prefix)
		}
	} else if f.Action != "" {
		where = append(where, `action = ?`)
		args = append(args, f.Action)
	}
	if !f.Since.IsZero() {
		where = append(where, `occurred_at >= ?`)
		args = append(args, toDB(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, `occurred_at < ?`)
		args = append(args, toDB(f.Until))
	}
	if p.After != "" {
		at, id, err := parseAuditCursor(p.After)
		if err != nil {
			return nil, "", err
		}
		where = append(where, `(occurred_at < ? OR (occurred_at = ? AND id < ?))`)
		args = append(args, at, at, id)
	}
	query := `SELECT ` + auditColumns + ` FROM audit_events`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY occurred_at DESC, id DESC LIMIT ?`
	args = append(args, n+1)

	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlstore: listing audit events: %w", err)
	}
	defer rows.Close()
	events := make([]model.AuditEvent, 0, min(n, 64))
	var lastAt int64
	var next string
	for rows.Next() {
		if len(events) == n {
			next = auditCursor(lastAt, events[n-1].ID)
			break
		}
		var e model.AuditEvent
		if err := rows.Scan(&e.ID, &lastAt, &e.RequestID, &e.Actor, &e.ActorID, &e.SourceIP, &e.Action,
			&e.Target, &e.Outcome, &e.Status, &e.Detail); err != nil {
			return nil, "", fmt.Errorf("sqlstore: listing audit events: %w", err)
		}
		e.Time = fromDB(lastAt)
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlstore: listing audit events: %w", err)
	}
	return events, next, nil
}
