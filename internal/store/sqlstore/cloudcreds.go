package sqlstore

// Cloud credentials. The secret part is JSON sealed exactly like a row of
// the secrets table (secretAD of "cloudcredential/<id>"), kept in the
// credential's own row so both are written and deleted together. They are
// not part of the access model: no write here bumps the access revision.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

const cloudCredColumns = `id, name, provider, owner_id, access_key_id, default_region, created_at, updated_at`

// cloudSecretName is the name the sealed secret is bound to.
func cloudSecretName(id string) string { return "cloudcredential/" + id }

func scanCloudCred(row scanner) (*model.CloudCredential, error) {
	var (
		c                    model.CloudCredential
		createdAt, updatedAt int64
	)
	if err := row.Scan(&c.ID, &c.Name, &c.Provider, &c.OwnerID, &c.AccessKeyID, &c.DefaultRegion,
		&createdAt, &updatedAt); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = fromDB(createdAt), fromDB(updatedAt)
	return &c, nil
}

func (s *Store) sealCloudSecret(id string, secret *model.CloudSecret) ([]byte, error) {
	plain, err := json.Marshal(secret)
	if err != nil {
		return nil, err
	}
	sealed, err := s.sealer.Seal(plain, secretAD(cloudSecretName(id)))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: sealing the secret of cloud credential %q: %w", id, err)
	}
	return sealed, nil
}

func (s *Store) openCloudSecret(id string, sealed []byte) (*model.CloudSecret, error) {
	plain, err := s.sealer.Open(sealed, secretAD(cloudSecretName(id)))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: the secret of cloud credential %q cannot be decrypted (is the master key the one it was stored with?): %w", id, err)
	}
	var out model.CloudSecret
	if err := json.Unmarshal(plain, &out); err != nil {
		return nil, fmt.Errorf("sqlstore: the secret of cloud credential %q: %w", id, err)
	}
	return &out, nil
}

func checkCloudCred(c *model.CloudCredential) error {
	switch {
	case c.ID == "":
		return errors.New("sqlstore: cloud credential has no ID")
	case c.OwnerID == "":
		return fmt.Errorf("sqlstore: cloud credential %q has no owner", c.ID)
	}
	return nil
}

// CreateCloudCredential inserts c with its sealed secret; a duplicate name
// of the owner is store.ErrConflict.
func (s *Store) CreateCloudCredential(ctx context.Context, c *model.CloudCredential, secret model.CloudSecret) error {
	if err := checkCloudCred(c); err != nil {
		return err
	}
	sealed, err := s.sealCloudSecret(c.ID, &secret)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO cloud_credentials (`+cloudCredColumns+`, name_lower, secret)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), c.ID, c.Name, c.Provider, c.OwnerID, c.AccessKeyID, c.DefaultRegion,
		toDB(c.CreatedAt), toDB(c.UpdatedAt), foldCase(c.Name), sealed)
	return accessErr(err, fmt.Sprintf("cloud credential %q", c.Name))
}

// GetCloudCredential returns the credential (without its secret), or
// store.ErrNotFound.
func (s *Store) GetCloudCredential(ctx context.Context, id string) (*model.CloudCredential, error) {
	c, err := scanCloudCred(s.r.QueryRowContext(ctx,
		s.q(`SELECT `+cloudCredColumns+` FROM cloud_credentials WHERE id = ?`), id))
	return c, accessErr(err, fmt.Sprintf("cloud credential %q", id))
}

// GetCloudCredentialSecret opens the credential's secret part.
func (s *Store) GetCloudCredentialSecret(ctx context.Context, id string) (*model.CloudSecret, error) {
	var sealed []byte
	err := s.r.QueryRowContext(ctx, s.q(`SELECT secret FROM cloud_credentials WHERE id = ?`), id).Scan(&sealed)
	if err != nil {
		return nil, accessErr(err, fmt.Sprintf("cloud credential %q", id))
	}
	return s.openCloudSecret(id, sealed)
}

// ListCloudCredentials lists an owner's credentials ("": everyone's) by
// lower-cased name, then ID.
func (s *Store) ListCloudCredentials(ctx context.Context, ownerID string) ([]model.CloudCredential, error) {
	query, args := `SELECT `+cloudCredColumns+` FROM cloud_credentials`, []any(nil)
	if ownerID != "" {
		query, args = query+` WHERE owner_id = ?`, []any{ownerID}
	}
	rows, err := s.r.QueryContext(ctx, s.q(query+` ORDER BY name_lower, id`), args...)
	return collect(rows, err, "listing cloud credentials", scanCloudCred)
}

// UpdateCloudCredential reads the credential and its secret, applies fn
// and writes both back (the secret resealed) in one transaction.
func (s *Store) UpdateCloudCredential(ctx context.Context, id string,
	fn func(*model.CloudCredential, *model.CloudSecret) error) (*model.CloudCredential, error) {
	var out *model.CloudCredential
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		what := fmt.Sprintf("cloud credential %q", id)
		var sealed []byte
		row := tx.QueryRowContext(ctx, s.q(`SELECT `+cloudCredColumns+`, secret FROM cloud_credentials WHERE id = ?`+
			s.forUpdate()), id)
		c, err := scanCloudCred(scanFunc(func(dest ...any) error { return row.Scan(append(dest, &sealed)...) }))
		if err != nil {
			return accessErr(err, what)
		}
		secret, err := s.openCloudSecret(id, sealed)
		if err != nil {
			return err
		}
		owner := c.OwnerID
		if err := fn(c, secret); err != nil {
			return err
		}
		if c.ID != id || c.OwnerID != owner {
			return fmt.Errorf("sqlstore: updating %s: the ID and owner cannot change", what)
		}
		if sealed, err = s.sealCloudSecret(id, secret); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE cloud_credentials SET name = ?, name_lower = ?, provider = ?,
			access_key_id = ?, default_region = ?, created_at = ?, updated_at = ?, secret = ? WHERE id = ?`),
			c.Name, foldCase(c.Name), c.Provider, c.AccessKeyID, c.DefaultRegion, toDB(c.CreatedAt), toDB(c.UpdatedAt),
			sealed, id)
		if err != nil {
			return accessErr(err, what)
		}
		out = c
		return nil
	})
	return out, err
}

// DeleteCloudCredential removes the credential, or returns
// store.ErrNotFound; store.ErrConflict while a provision uses it (checked
// in the same transaction).
func (s *Store) DeleteCloudCredential(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		what := fmt.Sprintf("cloud credential %q", id)
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM provisions WHERE credential_id = ?`), id).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: deleting %s: %w", what, err)
		}
		if n > 0 {
			return fmt.Errorf("%s is used by %d provisioned cluster(s): %w", what, n, store.ErrConflict)
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM cloud_credentials WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("sqlstore: deleting %s: %w", what, err)
		}
		return expectOne(res, what)
	})
}

// scanFunc adapts a function to the scanner interface.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }
