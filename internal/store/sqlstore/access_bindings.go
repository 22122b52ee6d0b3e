package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

const bindingColumns = `id, subject_kind, subject_name, role_template, cluster_id, project_id, expires_at,
	created_by, created_at`

func scanBinding(row scanner) (*model.Binding, error) {
	var (
		b         model.Binding
		projectID sql.NullString
		expiresAt sql.NullInt64
		createdAt int64
	)
	if err := row.Scan(&b.ID, &b.Subject.Kind, &b.Subject.Name, &b.RoleTemplate, &b.ClusterID, &projectID,
		&expiresAt, &b.CreatedBy, &createdAt); err != nil {
		return nil, err
	}
	b.ProjectID, b.ExpiresAt, b.CreatedAt = projectID.String, fromNullTime(expiresAt), fromDB(createdAt)
	return &b, nil
}

func validateBinding(b *model.Binding) error {
	switch {
	case b.ID == "":
		return errors.New("sqlstore: binding has no ID")
	case b.Subject.Kind != model.SubjectUser && b.Subject.Kind != model.SubjectGroup:
		return fmt.Errorf("sqlstore: binding %q: unknown subject kind %q", b.ID, b.Subject.Kind)
	case b.Subject.Name == "":
		return fmt.Errorf("sqlstore: binding %q has no subject name", b.ID)
	case b.RoleTemplate == "":
		return fmt.Errorf("sqlstore: binding %q has no role template", b.ID)
	case b.ClusterID == "":
		return fmt.Errorf("sqlstore: binding %q has no cluster ID", b.ID)
	}
	return nil
}

// CreateBinding inserts b. Its cluster, its project (when set) and a User
// subject must exist (store.ErrNotFound otherwise); a project binding must
// name the project's cluster. A duplicate ID is store.ErrConflict.
func (s *Store) CreateBinding(ctx context.Context, b *model.Binding) error {
	if err := validateBinding(b); err != nil {
		return err
	}
	var userID sql.NullString
	if b.Subject.Kind == model.SubjectUser {
		userID = sql.NullString{String: b.Subject.Name, Valid: true}
	}
	return s.accessTx(ctx, func(tx *sql.Tx) error {
		if err := s.mustExist(ctx, tx, `SELECT 1 FROM clusters WHERE id = ?`, b.ClusterID,
			fmt.Sprintf("cluster %q", b.ClusterID)); err != nil {
			return err
		}
		if b.ProjectID != "" {
			clusterID, err := s.projectCluster(ctx, tx, b.ProjectID)
			if err != nil {
				return err
			}
			if clusterID != b.ClusterID {
				return fmt.Errorf("sqlstore: binding %q: project %q is in cluster %q, not %q",
					b.ID, b.ProjectID, clusterID, b.ClusterID)
			}
		}
		if userID.Valid {
			if err := s.mustExist(ctx, tx, `SELECT 1 FROM users WHERE id = ?`, userID.String,
				fmt.Sprintf("user %q", userID.String)); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO bindings (id, subject_kind, subject_name, subject_user_id,
			role_template, cluster_id, project_id, expires_at, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			b.ID, b.Subject.Kind, b.Subject.Name, userID, b.RoleTemplate, b.ClusterID, nullString(b.ProjectID),
			nullTime(b.ExpiresAt), b.CreatedBy, toDB(b.CreatedAt))
		return accessErr(err, fmt.Sprintf("binding %q", b.ID))
	})
}

// GetBinding returns the binding with this ID, or store.ErrNotFound.
func (s *Store) GetBinding(ctx context.Context, id string) (*model.Binding, error) {
	b, err := scanBinding(s.r.QueryRowContext(ctx, s.q(`SELECT `+bindingColumns+` FROM bindings WHERE id = ?`), id))
	return b, accessErr(err, fmt.Sprintf("binding %q", id))
}

// ListBindings lists the bindings f selects, expired ones included, by
// creation time, then ID.
func (s *Store) ListBindings(ctx context.Context, f store.BindingFilter) ([]model.Binding, error) {
	var (
		where []string
		args  []any
	)
	if f.ClusterID != "" {
		// A project binding carries its project's cluster.
		where, args = append(where, `cluster_id = ?`), append(args, f.ClusterID)
	}
	if f.ProjectID != "" {
		where, args = append(where, `project_id = ?`), append(args, f.ProjectID)
	}
	if f.ClusterOnly {
		where = append(where, `project_id IS NULL`)
	}
	if f.Subject.Kind != "" && f.Subject.Name != "" {
		where = append(where, `subject_kind = ?`, `subject_name = ?`)
		args = append(args, f.Subject.Kind, f.Subject.Name)
	}
	if f.RoleTemplate != "" {
		where, args = append(where, `role_template = ?`), append(args, f.RoleTemplate)
	}
	query := `SELECT ` + bindingColumns + ` FROM bindings`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := s.r.QueryContext(ctx, s.q(query+` ORDER BY created_at, id`), args...)
	return collect(rows, err, "listing bindings", scanBinding)
}

// DeleteBinding removes the binding, or returns store.ErrNotFound.
func (s *Store) DeleteBinding(ctx context.Context, id string) error {
	return s.deleteOne(ctx, `DELETE FROM bindings WHERE id = ?`, id, fmt.Sprintf("binding %q", id))
}

// DeleteExpiredBindings removes the bindings that expired before before and
// returns how many. When none has, it writes nothing and leaves the access
// revision alone, so a periodic sweep does not invalidate every replica's
// view.
func (s *Store) DeleteExpiredBindings(ctx context.Context, before time.Time) (int, error) {
	var expired int
	err := s.r.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM bindings WHERE expires_at < ?`), toDB(before)).Scan(&expired)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: counting expired bindings: %w", err)
	}
	if expired == 0 {
		return 0, nil
	}
	var n int64
	err = s.accessTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM bindings WHERE expires_at < ?`), toDB(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: deleting expired bindings: %w", err)
	}
	return int(n), nil
}
