package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/paddockhq/paddock/internal/model"
)

const projectColumns = `id, cluster_id, name, description, quota, namespace_quota, created_by, created_at, updated_at`

func scanProject(row scanner) (*model.Project, error) {
	var (
		p                    model.Project
		quota, nsQuota       string
		createdAt, updatedAt int64
	)
	if err := row.Scan(&p.ID, &p.ClusterID, &p.Name, &p.Description, &quota, &nsQuota, &p.CreatedBy,
		&createdAt, &updatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(quota), &p.Quota); err != nil {
		return nil, fmt.Errorf("sqlstore: project %q quota: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(nsQuota), &p.NamespaceQuota); err != nil {
		return nil, fmt.Errorf("sqlstore: project %q namespace quota: %w", p.ID, err)
	}
	p.CreatedAt, p.UpdatedAt = fromDB(createdAt), fromDB(updatedAt)
	return &p, nil
}

// projectArgs are the column values of p after id and cluster_id: name,
// name_lower, description, quota, namespace_quota, created_by, created_at,
// updated_at.
func projectArgs(p *model.Project) ([]any, error) {
	if p.ID == "" || p.ClusterID == "" || p.Name == "" {
		return nil, errors.New("sqlstore: project needs an ID, a cluster ID and a name")
	}
	quota, err := encodeJSON(orEmpty(p.Quota))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: project %q quota: %w", p.Name, err)
	}
	nsQuota, err := encodeJSON(orEmpty(p.NamespaceQuota))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: project %q namespace quota: %w", p.Name, err)
	}
	return []any{p.Name, foldCase(p.Name), p.Description, quota, nsQuota, p.CreatedBy, toDB(p.CreatedAt),
		toDB(p.UpdatedAt)}, nil
}

// mustExist returns store.ErrNotFound, about what, unless query (selecting
// by one key) finds a row in tx.
func (s *Store) mustExist(ctx context.Context, tx *sql.Tx, query, key, what string) error {
	var one int
	err := tx.QueryRowContext(ctx, s.q(query), key).Scan(&one)
	return accessErr(err, what)
}

// CreateProject inserts p. The cluster must exist (store.ErrNotFound); a
// duplicate ID, or name in the cluster (case-insensitive), is
// store.ErrConflict.
func (s *Store) CreateProject(ctx context.Context, p *model.Project) error {
	args, err := projectArgs(p)
	if err != nil {
		return err
	}
	return s.accessTx(ctx, func(tx *sql.Tx) error {
		if err := s.mustExist(ctx, tx, `SELECT 1 FROM clusters WHERE id = ?`, p.ClusterID,
			fmt.Sprintf("cluster %q", p.ClusterID)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO projects (id, cluster_id, name, name_lower, description,
			quota, namespace_quota, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			append([]any{p.ID, p.ClusterID}, args...)...)
		return accessErr(err, fmt.Sprintf("project %q", p.Name))
	})
}

// GetProject returns the project with this ID, or store.ErrNotFound.
func (s *Store) GetProject(ctx context.Context, id string) (*model.Project, error) {
	p, err := scanProject(s.r.QueryRowContext(ctx, s.q(`SELECT `+projectColumns+` FROM projects WHERE id = ?`), id))
	return p, accessErr(err, fmt.Sprintf("project %q", id))
}

// ListProjects lists the projects of a cluster ("" for every cluster) by
// cluster ID, then lower-cased name.
func (s *Store) ListProjects(ctx context.Context, clusterID string) ([]model.Project, error) {
	query, args := `SELECT `+projectColumns+` FROM projects`, []any(nil)
	if clusterID != "" {
		query, args = query+` WHERE cluster_id = ?`, append(args, clusterID)
	}
	rows, err := s.r.QueryContext(ctx, s.q(query+` ORDER BY cluster_id, name_lower`), args...)
	return collect(rows, err, "listing projects", scanProject)
}

// UpdateProject reads the project, applies fn and writes it back in one
// transaction; fn must not change the ID or the cluster, nor call the
// store. A rename onto another project of the cluster is store.ErrConflict.
func (s *Store) UpdateProject(ctx context.Context, id string, fn func(*model.Project) error) (*model.Project, error) {
	var out *model.Project
	err := s.accessTx(ctx, func(tx *sql.Tx) error {
		what := fmt.Sprintf("project %q", id)
		p, err := scanProject(tx.QueryRowContext(ctx,
			s.q(`SELECT `+projectColumns+` FROM projects WHERE id = ?`+s.forUpdate()), id))
		if err != nil {
			return accessErr(err, what)
		}
		clusterID := p.ClusterID
		if err := fn(p); err != nil {
			return err
		}
		if p.ID != id {
			return fmt.Errorf("sqlstore: updating %s: the ID cannot change (to %q)", what, p.ID)
		}
		if p.ClusterID != clusterID {
			return fmt.Errorf("sqlstore: updating %s: the cluster cannot change (from %q to %q)", what, clusterID, p.ClusterID)
		}
		args, err := projectArgs(p)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE projects SET name = ?, name_lower = ?, description = ?, quota = ?,
			namespace_quota = ?, created_by = ?, created_at = ?, updated_at = ? WHERE id = ?`), append(args, id)...)
		if err != nil {
			return accessErr(err, fmt.Sprintf("project %q", p.Name))
		}
		out = p
		return nil
	})
	return out, err
}

// DeleteProject removes the project, or returns store.ErrNotFound; the
// schema cascades to its bindings.
func (s *Store) DeleteProject(ctx context.Context, id string) error {
	return s.deleteOne(ctx, `DELETE FROM projects WHERE id = ?`, id, fmt.Sprintf("project %q", id))
}

// projectCluster returns the cluster of project id within tx.
func (s *Store) projectCluster(ctx context.Context, tx *sql.Tx, id string) (string, error) {
	var clusterID string
	err := tx.QueryRowContext(ctx, s.q(`SELECT cluster_id FROM projects WHERE id = ?`), id).Scan(&clusterID)
	if err != nil {
		return "", accessErr(err, fmt.Sprintf("project %q", id))
	}
	return clusterID, nil
}
