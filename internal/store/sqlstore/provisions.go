package sqlstore

// Provisioning jobs (one per cluster) and cluster events (each cluster's
// provisioning history, append-only). Both belong to their cluster: the
// schema cascades DeleteCluster to them. They are not part of the access
// model, so no write here bumps the access revision.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/paddockhq/paddock/internal/model"
)

// Cluster event page sizes: ListClusterEvents returns at most
// maxClusterEvents, and that many when asked for none (limit <= 0).
const maxClusterEvents = 500

const provisionColumns = `cluster_id, provider, params, credential_id, phase, step, state, error, attempts,
	created_by, created_at, updated_at`

func scanProvision(row scanner) (*model.Provision, error) {
	var (
		p                    model.Provision
		params, state        string
		createdAt, updatedAt int64
	)
	if err := row.Scan(&p.ClusterID, &p.Provider, &params, &p.CredentialID, &p.Phase, &p.Step, &state, &p.Error,
		&p.Attempts, &p.CreatedBy, &createdAt, &updatedAt); err != nil {
		return nil, err
	}
	p.Params, p.State = json.RawMessage(params), json.RawMessage(state)
	p.CreatedAt, p.UpdatedAt = fromDB(createdAt), fromDB(updatedAt)
	return &p, nil
}

// provisionJSON is the stored form of a provision's raw JSON field: the
// JSON as given, "{}" for none (empty or null).
func provisionJSON(clusterID, field string, v json.RawMessage) (string, error) {
	switch string(v) {
	case "", "null":
		return "{}", nil
	}
	if !json.Valid(v) {
		return "", fmt.Errorf("sqlstore: provision of cluster %q: %s is not valid JSON", clusterID, field)
	}
	return string(v), nil
}

// provisionArgs are the column values of p after cluster_id: provider,
// params, credential_id, phase, step, state, error, attempts, created_by,
// created_at, updated_at.
func provisionArgs(p *model.Provision) ([]any, error) {
	switch {
	case p.ClusterID == "":
		return nil, errors.New("sqlstore: provision has no cluster ID")
	case p.Provider == "":
		return nil, fmt.Errorf("sqlstore: provision of cluster %q has no provider", p.ClusterID)
	}
	params, err := provisionJSON(p.ClusterID, "params", p.Params)
	if err != nil {
		return nil, err
	}
	state, err := provisionJSON(p.ClusterID, "state", p.State)
	if err != nil {
		return nil, err
	}
	return []any{p.Provider, params, p.CredentialID, string(p.Phase), p.Step, state, p.Error, p.Attempts,
		p.CreatedBy, toDB(p.CreatedAt), toDB(p.UpdatedAt)}, nil
}

// CreateProvision inserts p. The cluster must exist (store.ErrNotFound); a
// second provision of the cluster is store.ErrConflict. Empty or JSON null
// Params and State are stored as "{}"; other values must be valid JSON and
// are stored byte for byte.
func (s *Store) CreateProvision(ctx context.Context, p *model.Provision) error {
	args, err := provisionArgs(p)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.mustExist(ctx, tx, `SELECT 1 FROM clusters WHERE id = ?`, p.ClusterID,
			fmt.Sprintf("cluster %q", p.ClusterID)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO provisions (`+provisionColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), append([]any{p.ClusterID}, args...)...)
		return accessErr(err, fmt.Sprintf("provision of cluster %q", p.ClusterID))
	})
}

// GetProvision returns the provision of the cluster, or store.ErrNotFound.
func (s *Store) GetProvision(ctx context.Context, clusterID string) (*model.Provision, error) {
	p, err := scanProvision(s.r.QueryRowContext(ctx,
		s.q(`SELECT `+provisionColumns+` FROM provisions WHERE cluster_id = ?`), clusterID))
	return p, accessErr(err, fmt.Sprintf("provision of cluster %q", clusterID))
}

// ListProvisions lists the provisions in any of phases (none: all), by
// CreatedAt, then cluster ID.
func (s *Store) ListProvisions(ctx context.Context, phases ...model.ProvisionPhase) ([]model.Provision, error) {
	query, args := `SELECT `+provisionColumns+` FROM provisions`, []any(nil)
	if len(phases) > 0 {
		query += ` WHERE phase IN (?` + strings.Repeat(`, ?`, len(phases)-1) + `)`
		for _, ph := range phases {
			args = append(args, string(ph))
		}
	}
	return s.listProvisions(ctx, query, args)
}

// ListProvisionsByCredential lists the provisions using the credential, by
// CreatedAt, then cluster ID. No provision uses the empty credential ID
// (it means none), so it lists nothing.
func (s *Store) ListProvisionsByCredential(ctx context.Context, credentialID string) ([]model.Provision, error) {
	if credentialID == "" {
		return nil, nil
	}
	return s.listProvisions(ctx, `SELECT `+provisionColumns+` FROM provisions WHERE credential_id = ?`,
		[]any{credentialID})
}

// listProvisions runs query (a SELECT of provisionColumns without ORDER
// BY) and returns the provisions by CreatedAt, then cluster ID.
func (s *Store) listProvisions(ctx context.Context, query string, args []any) ([]model.Provision, error) {
	rows, err := s.r.QueryContext(ctx, s.q(query+` ORDER BY created_at, cluster_id`), args...)
	return collect(rows, err, "listing provisions", scanProvision)
}

// UpdateProvision reads the cluster's provision, applies fn and writes it
// back in one transaction (concurrent updates serialize: none is lost); fn
// must not change the cluster ID nor call the store. Params and State are
// stored, and returned, as CreateProvision stores them.
func (s *Store) UpdateProvision(ctx context.Context, clusterID string, fn func(*model.Provision) error) (*model.Provision, error) {
	var out *model.Provision
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		what := fmt.Sprintf("provision of cluster %q", clusterID)
		p, err := scanProvision(tx.QueryRowContext(ctx,
			s.q(`SELECT `+provisionColumns+` FROM provisions WHERE cluster_id = ?`+s.forUpdate()), clusterID))
		if err != nil {
			return accessErr(err, what)
		}
		if err := fn(p); err != nil {
			return err
		}
		if p.ClusterID != clusterID {
			return fmt.Errorf("sqlstore: updating %s: the cluster ID cannot change (to %q)", what, p.ClusterID)
		}
		args, err := provisionArgs(p)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE provisions SET provider = ?, params = ?, credential_id = ?,
			phase = ?, step = ?, state = ?, error = ?, attempts = ?, created_by = ?, created_at = ?, updated_at = ?
			WHERE cluster_id = ?`), append(args, clusterID)...)
		if err != nil {
			return accessErr(err, what)
		}
		for _, v := range []*json.RawMessage{&p.Params, &p.State} {
			if string(*v) == "" || string(*v) == "null" {
				*v = json.RawMessage("{}") // as stored
			}
		}
		out = p
		return nil
	})
	return out, err
}

// DeleteProvision removes the cluster's provision, or returns
// store.ErrNotFound. The cluster's events stay.
func (s *Store) DeleteProvision(ctx context.Context, clusterID string) error {
	what := fmt.Sprintf("provision of cluster %q", clusterID)
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM provisions WHERE cluster_id = ?`), clusterID)
	if err != nil {
		return fmt.Errorf("sqlstore: deleting %s: %w", what, err)
	}
	return expectOne(res, what)
}

// AppendClusterEvent inserts e and sets e.ID. The cluster must exist
// (store.ErrNotFound). IDs increase with every append, across clusters, and
// are never reused.
func (s *Store) AppendClusterEvent(ctx context.Context, e *model.ClusterEvent) error {
	if e.ClusterID == "" {
		return errors.New("sqlstore: cluster event has no cluster ID")
	}
	var id int64
	err := s.w.QueryRowContext(ctx, s.q(`INSERT INTO cluster_events (cluster_id, occurred_at, kind, message)
		VALUES (?, ?, ?, ?) RETURNING id`), e.ClusterID, toDB(e.Time), e.Kind, e.Message).Scan(&id)
	if err != nil {
		return accessErr(err, fmt.Sprintf("event %q of cluster %q", e.Kind, e.ClusterID))
	}
	e.ID = id
	return nil
}

// ListClusterEvents returns the cluster's events with an ID above after,
// oldest (lowest ID) first, at most limit of them (<= 0 or above 500: 500).
// A cluster without events, or no cluster, has none.
func (s *Store) ListClusterEvents(ctx context.Context, clusterID string, after int64, limit int) ([]model.ClusterEvent, error) {
	if limit <= 0 || limit > maxClusterEvents {
		limit = maxClusterEvents
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, cluster_id, occurred_at, kind, message FROM cluster_events
		WHERE cluster_id = ? AND id > ? ORDER BY id LIMIT ?`), clusterID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: listing events of cluster %q: %w", clusterID, err)
	}
	defer rows.Close()
	var out []model.ClusterEvent
	for rows.Next() {
		var (
			e  model.ClusterEvent
			at int64
		)
		if err := rows.Scan(&e.ID, &e.ClusterID, &at, &e.Kind, &e.Message); err != nil {
			return nil, fmt.Errorf("sqlstore: listing events of cluster %q: %w", clusterID, err)
		}
		e.Time = fromDB(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: listing events of cluster %q: %w", clusterID, err)
	}
	return out, nil
}
