package sqlstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockhq/paddock/internal/secrets"
	"github.com/paddockhq/paddock/internal/store"
	"github.com/paddockhq/paddock/internal/store/storetest"
)

// postgresEnv names the variable holding a PostgreSQL URL for tests, e.g.
// postgres://paddock:paddock@127.0.0.1:5432/paddock?sslmode=disable
const postgresEnv = "PADDOCK_TEST_POSTGRES"

func newSealer(t testing.TB) *secrets.Sealer {
	t.Helper()
	key, err := secrets.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustOpen(t testing.TB, dsn string, sealer *secrets.Sealer) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, sealer)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// sqliteDSN returns the path of a new database file in a test directory.
func sqliteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "paddock.db")
}

// postgresDSN returns a DSN for a fresh schema, dropped at cleanup, or
// skips the test when no PostgreSQL is configured.
func postgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Skipf("%s is not set; skipping PostgreSQL (set it to a postgres:// URL to run)", postgresEnv)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", postgresEnv, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)

	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// dialects lists the backends under test, each as a function returning a
// DSN for a new, empty database.
var dialects = []struct {
	name string
	dsn  func(testing.TB) string
}{
	{DialectSQLite, sqliteDSN},
	{DialectPostgres, postgresDSN},
}

func TestConformance(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			d.dsn(t) // skip early when the backend is not configured
			storetest.Run(t, func(t *testing.T) store.Store {
				s := mustOpen(t, d.dsn(t), newSealer(t))
				if s.Dialect() != d.name {
					t.Fatalf("Dialect() = %q, want %q", s.Dialect(), d.name)
				}
				return s
			})
		})
	}
}

func TestSecretsWrongKeyAndSwappedRows(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			dsn := d.dsn(t)
			ctx := t.Context()
			s, err := Open(ctx, dsn, newSealer(t))
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"a", "b"} {
				if err := s.PutSecret(ctx, name, []byte("value of "+name)); err != nil {
					t.Fatal(err)
				}
			}
			// Swap the sealed values of the two rows behind the store's back.
			var a, b []byte
			if err := s.w.QueryRowContext(ctx, `SELECT
				(SELECT value FROM secrets WHERE name = 'a'),
				(SELECT value FROM secrets WHERE name = 'b')`).Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			for name, v := range map[string][]byte{"a": b, "b": a} {
				if _, err := s.w.ExecContext(ctx, s.q(`UPDATE secrets SET value = ? WHERE name = ?`), v, name); err != nil {
					t.Fatal(err)
				}
			}
			for _, name := range []string{"a", "b"} {
				v, err := s.GetSecret(ctx, name)
				if !errors.Is(err, secrets.ErrTampered) || v != nil {
					t.Errorf("GetSecret(%s) of a swapped row = %q, %v; want ErrTampered", name, v, err)
				}
			}
			if err := s.PutSecret(ctx, "c", []byte("sealed under the first key")); err != nil {
				t.Fatal(err)
			}
			s.Close()

			other := mustOpen(t, dsn, newSealer(t))
			v, err := other.GetSecret(ctx, "c")
			if !errors.Is(err, secrets.ErrWrongKey) || errors.Is(err, store.ErrNotFound) || v != nil {
				t.Fatalf("GetSecret with another key = %q, %v; want an error wrapping secrets.ErrWrongKey", v, err)
			}
			t.Logf("wrong key error: %v", err)
		})
	}
}

// TestEncryptionAtRest checks no plaintext secret reaches the SQLite files,
// neither in the WAL while open nor in the database after Close.
func TestEncryptionAtRest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "paddock.db")
	canary := "CANARY-plaintext-" + rand.Text()
	s, err := Open(t.Context(), path, newSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"short", "long"} {
		value := []byte(canary)
		if i == 1 {
			value = []byte(strings.Repeat(canary+"\n", 2000)) // spans pages
		}
		if err := s.PutSecret(t.Context(), name, value); err != nil {
			t.Fatal(err)
		}
	}
	// The secret name, unlike its value, is not secret.
	assertNotOnDisk(t, dir, canary, true)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	assertNotOnDisk(t, dir, canary, false)
}

func assertNotOnDisk(t *testing.T, dir, canary string, wantWAL bool) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	sawWAL, sawData := false, false
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(e.Name(), "-wal") && len(data) > 0 {
			sawWAL = true
		}
		sawData = sawData || len(data) > 0
		if bytes.Contains(data, []byte(canary)) {
			t.Fatalf("%s holds the plaintext secret", e.Name())
		}
		if bytes.Contains(data, []byte("CANARY-plaintext")) {
			t.Fatalf("%s holds part of the plaintext secret", e.Name())
		}
	}
	if !sawData || (wantWAL && !sawWAL) {
		t.Fatalf("files in %s: %v; the writes went elsewhere?", dir, entries)
	}
}

func TestDialect(t *testing.T) {
	s := mustOpen(t, "sqlite://"+sqliteDSN(t), newSealer(t))
	if s.Dialect() != DialectSQLite {
		t.Errorf("Dialect() = %q", s.Dialect())
	}
}

func TestOpenRequiresSealer(t *testing.T) {
	if s, err := Open(t.Context(), sqliteDSN(t), nil); err == nil {
		s.Close()
		t.Fatal("Open without a sealer succeeded")
	}
}
