package sqlstore

import (
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/secrets"
)

func cloudCred(id string) *model.CloudCredential {
	return &model.CloudCredential{ID: id, Name: id, Provider: model.CloudAWS, OwnerID: "u1", AccessKeyID: "AKIAEXAMPLE00000",
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
}

// TestCloudSecretsSealedPerRow swaps the sealed secrets of two credentials
// behind the store's back: neither opens (the row is in the sealing).
func TestCloudSecretsSealedPerRow(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := mustOpen(t, d.dsn(t), newSealer(t))
			ctx := t.Context()
			for _, id := range []string{"a", "b"} {
				if err := s.CreateCloudCredential(ctx, cloudCred(id), model.CloudSecret{SecretAccessKey: "secret of " + id}); err != nil {
					t.Fatal(err)
				}
			}
			var a, b []byte
			if err := s.w.QueryRowContext(ctx, `SELECT
				(SELECT secret FROM cloud_credentials WHERE id = 'a'),
				(SELECT secret FROM cloud_credentials WHERE id = 'b')`).Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			for id, v := range map[string][]byte{"a": b, "b": a} {
				if _, err := s.w.ExecContext(ctx, s.q(`UPDATE cloud_credentials SET secret = ? WHERE id = ?`), v, id); err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range []string{"a", "b"} {
				if v, err := s.GetCloudCredentialSecret(ctx, id); !errors.Is(err, secrets.ErrTampered) {
					t.Errorf("secret of a swapped row %s = %+v, %v; want ErrTampered", id, v, err)
				}
			}
		})
	}
}

// TestCloudSecretsNotOnDisk checks no plaintext secret reaches the SQLite
// files.
func TestCloudSecretsNotOnDisk(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), filepath.Join(dir, "paddock.db"), newSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	canary := "CANARY-plaintext-" + rand.Text()
	if err := s.CreateCloudCredential(t.Context(), cloudCred("c"), model.CloudSecret{SecretAccessKey: canary, SessionToken: canary}); err != nil {
		t.Fatal(err)
	}
	_, err = s.UpdateCloudCredential(t.Context(), "c", func(_ *model.CloudCredential, sec *model.CloudSecret) error {
		sec.SecretAccessKey = canary + "-rotated"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	assertNotOnDisk(t, dir, canary, true)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	assertNotOnDisk(t, dir, canary, false)
}
