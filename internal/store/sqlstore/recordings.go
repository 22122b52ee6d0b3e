package sqlstore

// Recorded terminal sessions: one row of metadata per recording and its
// asciicast body as numbered chunks, appended while the session runs.
// Recordings are audit records: nothing cascades to them from users or
// clusters, and no write here bumps the access revision.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

const recordingColumns = `id, kind, user_id, username, cluster_id, cluster_name, namespace, pod, container,
	width, height, started_at, ended_at, size, truncated`

// cursorRecordings marks cursors of ListRecordings (see cursor.go).
const cursorRecordings byte = 'r'

func scanRecording(row scanner) (*model.Recording, error) {
	var (
		r       model.Recording
		started int64
		ended   sql.NullInt64
	)
	if err := row.Scan(&r.ID, &r.Kind, &r.UserID, &r.Username, &r.ClusterID, &r.ClusterName, &r.Namespace, &r.Pod,
		&r.Container, &r.Width, &r.Height, &started, &ended, &r.Size, &r.Truncated); err != nil {
		return nil, err
	}
	r.StartedAt, r.EndedAt = fromDB(started), fromNullTime(ended)
	return &r, nil
}

// CreateRecording inserts r with Size 0 (store.ErrConflict for a
// duplicate ID).
func (s *Store) CreateRecording(ctx context.Context, r *model.Recording) error {
	if r.ID == "" || r.Kind == "" {
		return errors.New("sqlstore: a recording needs an ID and a kind")
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO recordings (`+recordingColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`),
		r.ID, r.Kind, r.UserID, r.Username, r.ClusterID, r.ClusterName, r.Namespace, r.Pod, r.Container,
		r.Width, r.Height, toDB(r.StartedAt), nullTime(r.EndedAt), r.Truncated)
	return accessErr(err, fmt.Sprintf("recording %q", r.ID))
}

// AppendRecording stores chunk seq of the body and grows Size by its
// length, in one transaction.
func (s *Store) AppendRecording(ctx context.Context, id string, seq int, data []byte) error {
	what := fmt.Sprintf("recording %q", id)
	if data == nil {
		data = []byte{} // NOT NULL
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.mustExist(ctx, tx, `SELECT 1 FROM recordings WHERE id = ?`, id, what); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO recording_chunks (recording_id, seq, data) VALUES (?, ?, ?)`),
			id, seq, data); err != nil {
			return accessErr(err, fmt.Sprintf("%s chunk %d", what, seq))
		}
		_, err := tx.ExecContext(ctx, s.q(`UPDATE recordings SET size = size + ? WHERE id = ?`), len(data), id)
		return accessErr(err, what)
	})
}

// FinishRecording sets EndedAt and Truncated.
func (s *Store) FinishRecording(ctx context.Context, id string, ended time.Time, truncated bool) error {
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE recordings SET ended_at = ?, truncated = ? WHERE id = ?`),
		toDB(ended), truncated, id)
	if err != nil {
		return accessErr(err, fmt.Sprintf("recording %q", id))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("recording %q: %w", id, store.ErrNotFound)
	}
	return nil
}

// GetRecording returns the metadata of a recording.
func (s *Store) GetRecording(ctx context.Context, id string) (*model.Recording, error) {
	r, err := scanRecording(s.r.QueryRowContext(ctx, s.q(`SELECT `+recordingColumns+` FROM recordings WHERE id = ?`), id))
	return r, accessErr(err, fmt.Sprintf("recording %q", id))
}

// RecordingBody concatenates the chunks of a recording in order.
func (s *Store) RecordingBody(ctx context.Context, id string) ([]byte, error) {
	if _, err := s.GetRecording(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT data FROM recording_chunks WHERE recording_id = ? ORDER BY seq`), id)
	chunks, err := collect(rows, err, "reading recording "+id, func(row scanner) (*[]byte, error) {
		var b []byte
		return &b, row.Scan(&b)
	})
	if err != nil {
		return nil, err
	}
	return bytes.Join(chunks, nil), nil
}

// ListRecordings returns the recordings matching f, newest first (by
// StartedAt, then ID).
func (s *Store) ListRecordings(ctx context.Context, f store.RecordingFilter, p store.Page) ([]model.Recording, string, error) {
	n := limit(p)
	var (
		where []string
		args  []any
	)
	if f.User != "" {
		where = append(where, `(user_id = ? OR username = ?)`)
		args = append(args, f.User, f.User)
	}
	if f.ClusterID != "" {
		where = append(where, `cluster_id = ?`)
		args = append(args, f.ClusterID)
	}
	if f.Kind != "" {
		where = append(where, `kind = ?`)
		args = append(args, f.Kind)
	}
	if !f.Since.IsZero() {
		where = append(where, `started_at >= ?`)
		args = append(args, toDB(f.Since))
	}
	if p.After != "" {
		at, id, err := parseRecordingCursor(p.After)
		if err != nil {
			return nil, "", err
		}
		where = append(where, `(started_at < ? OR (started_at = ? AND id < ?))`)
		args = append(args, at, at, id)
	}
	query := `SELECT ` + recordingColumns + ` FROM recordings`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY started_at DESC, id DESC LIMIT ?`
	args = append(args, n+1)
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	recs, err := collect(rows, err, "listing recordings", scanRecording)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(recs) > n {
		recs = recs[:n]
		last := recs[n-1]
		next = recordingCursor(toDB(last.StartedAt), last.ID)
	}
	return recs, next, nil
}

// Recordings are listed by (started_at, id), newest first.
func recordingCursor(at int64, id string) string {
	return encodeCursor(cursorRecordings, append(binary.BigEndian.AppendUint64(nil, uint64(at)), id...))
}

func parseRecordingCursor(cursor string) (at int64, id string, err error) {
	key, err := decodeCursor(cursorRecordings, cursor)
	if err != nil {
		return 0, "", err
	}
	if len(key) < 9 {
		return 0, "", fmt.Errorf("cursor %q: %w", truncate(cursor, 64), store.ErrBadCursor)
	}
	return int64(binary.BigEndian.Uint64(key)), string(key[8:]), nil
}
