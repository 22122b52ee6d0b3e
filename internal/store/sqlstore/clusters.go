package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

const clusterColumns = `id, name, description, labels, state, state_reason, connected_via, kubernetes_version,
	node_count, capacity, last_seen, registration_hash, agent_hash, created_by, created_at, updated_at`

const cursorClusters byte = 'c'

func scanCluster(row scanner, extra ...any) (*model.Cluster, error) {
	var (
		c                    model.Cluster
		labels, capacity     string
		lastSeen             sql.NullInt64
		regHash, agentHash   sql.NullString
		createdAt, updatedAt int64
	)
	dest := []any{&c.ID, &c.Name, &c.Description, &labels, &c.State, &c.StateReason, &c.ConnectedVia,
		&c.KubernetesVersion, &c.NodeCount, &capacity, &lastSeen, &regHash, &agentHash, &c.CreatedBy,
		&createdAt, &updatedAt}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(labels), &c.Labels); err != nil {
		return nil, fmt.Errorf("sqlstore: cluster %q labels: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(capacity), &c.Capacity); err != nil {
		return nil, fmt.Errorf("sqlstore: cluster %q capacity: %w", c.ID, err)
	}
	if lastSeen.Valid {
		c.LastSeen = fromDB(lastSeen.Int64)
	}
	c.RegistrationHash, c.AgentHash = regHash.String, agentHash.String
	c.CreatedAt, c.UpdatedAt = fromDB(createdAt), fromDB(updatedAt)
	return &c, nil
}

// clusterArgs are the column values of c, in clusterColumns order after id.
func clusterArgs(c *model.Cluster) ([]any, error) {
	if c.ID == "" || c.Name == "" {
		return nil, errors.New("sqlstore: cluster needs an ID and a name")
	}
	labels, err := json.Marshal(orEmpty(c.Labels))
	if err != nil {
		return nil, err
	}
	capacity, err := json.Marshal(orEmpty(c.Capacity))
	if err != nil {
		return nil, err
	}
	var lastSeen sql.NullInt64
	if !c.LastSeen.IsZero() {
		lastSeen = sql.NullInt64{Int64: toDB(c.LastSeen), Valid: true}
	}
	return []any{c.Name, foldCase(c.Name), c.Description, string(labels), string(c.State), c.StateReason,
		c.ConnectedVia, c.KubernetesVersion, c.NodeCount, string(capacity), lastSeen,
		nullString(c.RegistrationHash), nullString(c.AgentHash), c.CreatedBy, toDB(c.CreatedAt), toDB(c.UpdatedAt)}, nil
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func clusterErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	case isUniqueViolation(err):
		return fmt.Errorf("%s: %w", what, store.ErrConflict)
	}
	return fmt.Errorf("sqlstore: %s: %w", what, err)
}

// CreateCluster inserts c; a duplicate name (case-insensitive) or credential
// hash is store.ErrConflict.
func (s *Store) CreateCluster(ctx context.Context, c *model.Cluster) error {
	args, err := clusterArgs(c)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO clusters (id, name, name_lower, description, labels, state,
		state_reason, connected_via, kubernetes_version, node_count, capacity, last_seen, registration_hash,
		agent_hash, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		append([]any{c.ID}, args...)...)
	return clusterErr(err, fmt.Sprintf("cluster %q", c.Name))
}

// GetCluster returns the cluster with this ID, or store.ErrNotFound.
func (s *Store) GetCluster(ctx context.Context, id string) (*model.Cluster, error) {
	c, err := scanCluster(s.r.QueryRowContext(ctx, s.q(`SELECT `+clusterColumns+` FROM clusters WHERE id = ?`), id))
	return c, clusterErr(err, fmt.Sprintf("cluster %q", id))
}

// GetClusterByCredential finds a cluster by registration or agent hash.
func (s *Store) GetClusterByCredential(ctx context.Context, hash string) (*model.Cluster, error) {
	if hash == "" {
		return nil, fmt.Errorf("cluster credential: %w", store.ErrNotFound)
	}
	c, err := scanCluster(s.r.QueryRowContext(ctx, s.q(`SELECT `+clusterColumns+` FROM clusters
		WHERE registration_hash = ? OR agent_hash = ?`), hash, hash))
	return c, clusterErr(err, "cluster credential")
}

// ListClusters lists clusters by lower-cased name.
func (s *Store) ListClusters(ctx context.Context, query string, p store.Page) ([]model.Cluster, string, error) {
	n := limit(p)
	var (
		where []string
		args  []any
	)
	if query != "" {
		where = append(where, `name_lower LIKE ? ESCAPE '!'`)
		args = append(args, "%"+likeEscape(foldCase(query))+"%")
	}
	if p.After != "" {
		key, err := decodeCursor(cursorClusters, p.After)
		if err != nil {
			return nil, "", err
		}
		where = append(where, `name_lower > ?`)
		args = append(args, string(key))
	}
	text := `SELECT ` + clusterColumns + `, name_lower FROM clusters`
	if len(where) > 0 {
		text += ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := s.r.QueryContext(ctx, s.q(text+` ORDER BY name_lower LIMIT ?`), append(args, n+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlstore: listing clusters: %w", err)
	}
	defer rows.Close()
	var (
		out           = make([]model.Cluster, 0, min(n, 64))
		lastKey, next string
	)
	for rows.Next() {
		if len(out) == n {
			next = encodeCursor(cursorClusters, []byte(lastKey))
			break
		}
		c, err := scanCluster(rows, &lastKey)
		if err != nil {
			return nil, "", fmt.Errorf("sqlstore: listing clusters: %w", err)
		}
		out = append(out, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlstore: listing clusters: %w", err)
	}
	return out, next, nil
}

// UpdateCluster reads the cluster, applies fn and writes it back in one
// transaction; fn must not change the ID nor call the store.
func (s *Store) UpdateCluster(ctx context.Context, id string, fn func(*model.Cluster) error) (*model.Cluster, error) {
	var out *model.Cluster
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := scanCluster(tx.QueryRowContext(ctx, s.q(`SELECT `+clusterColumns+` FROM clusters WHERE id = ?`+s.forUpdate()), id))
		if err != nil {
			return clusterErr(err, fmt.Sprintf("cluster %q", id))
		}
		if err := fn(c); err != nil {
			return err
		}
		if c.ID != id {
			return fmt.Errorf("sqlstore: updating cluster %q: the ID cannot change", id)
		}
		args, err := clusterArgs(c)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE clusters SET name = ?, name_lower = ?, description = ?, labels = ?,
			state = ?, state_reason = ?, connected_via = ?, kubernetes_version = ?, node_count = ?, capacity = ?,
			last_seen = ?, registration_hash = ?, agent_hash = ?, created_by = ?, created_at = ?, updated_at = ?
			WHERE id = ?`), append(args, id)...)
		if err != nil {
			return clusterErr(err, fmt.Sprintf("cluster %q", c.Name))
		}
		out = c
		return nil
	})
	return out, err
}

// DeleteCluster removes the cluster, or returns store.ErrNotFound. The
// schema cascades to its projects and bindings; it bumps the access
// revision.
func (s *Store) DeleteCluster(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.bumpRevision(ctx, tx); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM clusters WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("sqlstore: deleting cluster %q: %w", id, err)
		}
		return expectOne(res, fmt.Sprintf("cluster %q", id))
	})
}
