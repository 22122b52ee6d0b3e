package sqlstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
)

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	var names [2][]string
	for i, d := range []string{DialectSQLite, DialectPostgres} {
		ms, err := loadMigrations(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 {
			t.Fatalf("%s: no migrations", d)
		}
		for _, m := range ms {
			if len(m.stmts) == 0 {
				t.Errorf("%s: %s has no statements", d, m.name)
			}
			names[i] = append(names[i], m.name)
		}
	}
	if !slices.Equal(names[0], names[1]) {
		t.Errorf("sqlite migrations %v differ from postgres %v", names[0], names[1])
	}
}

func TestSplitStatements(t *testing.T) {
	got := splitStatements("-- header; not a statement\nCREATE TABLE a (\n  x INT -- inline\n);\n\n  -- c\nCREATE INDEX i ON a (x);\nSELECT 1")
	want := []string{"CREATE TABLE a (\n  x INT -- inline\n);", "CREATE INDEX i ON a (x);", "SELECT 1"}
	if !slices.Equal(got, want) {
		t.Errorf("splitStatements = %q, want %q", got, want)
	}
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			ctx := t.Context()
			dsn, sealer := d.dsn(t), newSealer(t)
			s, err := Open(ctx, dsn, sealer)
			if err != nil {
				t.Fatal(err)
			}
			u := &model.User{ID: "u1", Username: "alice", CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			s.Close()

			s = mustOpen(t, dsn, sealer)
			if _, err := s.GetUser(ctx, "u1"); err != nil {
				t.Fatalf("user lost on reopen: %v", err)
			}
			ms, _ := loadMigrations(d.name)
			var n int
			if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != len(ms) {
				t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
			}

			// A database from a newer Paddock is refused, not mangled.
			if _, err := s.w.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
				9999, "9999_future.sql", 0); err != nil {
				t.Fatal(err)
			}
			if s2, err := Open(ctx, dsn, sealer); err == nil {
				s2.Close()
				t.Fatal("Open accepted a database with a newer schema")
			} else if !strings.Contains(err.Error(), "newer") {
				t.Errorf("newer schema error %q does not say so", err)
			}
		})
	}
}

// TestConcurrentOpen starts several stores on one new database at once, as
// replicas (or two processes sharing a SQLite file) would: every Open must
// succeed and the migrations run exactly once.
func TestConcurrentOpen(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			dsn, sealer := d.dsn(t), newSealer(t)
			const n = 4
			stores := make([]*Store, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { stores[i], errs[i] = Open(context.Background(), dsn, sealer) })
			}
			wg.Wait()
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("Open %d: %v", i, errs[i])
				}
				defer stores[i].Close()
			}
			ms, _ := loadMigrations(d.name)
			var rows int
			if err := stores[0].r.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows != len(ms) {
				t.Errorf("schema_migrations has %d rows, want %d", rows, len(ms))
			}

			// The stores write concurrently without "database is locked".
			var g sync.WaitGroup
			werrs := make(chan error, n*10)
			for i := range n {
				for j := range 10 {
					g.Go(func() {
						id := fmt.Sprintf("u%d-%d", i, j)
						werrs <- stores[i].CreateUser(context.Background(), &model.User{ID: id, Username: id})
					})
				}
			}
			g.Wait()
			close(werrs)
			for err := range werrs {
				if err != nil {
					t.Fatalf("concurrent write through separate stores: %v", err)
				}
			}
			if c, err := stores[0].CountUsers(t.Context()); err != nil || c != n*10 {
				t.Errorf("CountUsers = %d, %v; want %d", c, err, n*10)
			}
		})
	}
}

func TestSQLiteDSNForms(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	tests := []struct {
		dsn, want string
	}{
		{filepath.Join(dir, "a.db"), filepath.Join(dir, "a.db")},
		{"sqlite://" + filepath.Join(dir, "b.db"), filepath.Join(dir, "b.db")},
		{"file:" + filepath.Join(dir, "c.db"), filepath.Join(dir, "c.db")},
		{"file://" + filepath.Join(dir, "d.db"), filepath.Join(dir, "d.db")},
		{"rel.db", filepath.Join(wd, "rel.db")},
		{filepath.Join(dir, "we?ird #name %41 'q'.db"), filepath.Join(dir, "we?ird #name %41 'q'.db")},
	}
	for _, tc := range tests {
		got, err := sqlitePath(tc.dsn)
		if err != nil || got != tc.want {
			t.Errorf("sqlitePath(%q) = %q, %v; want %q", tc.dsn, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "sqlite://", "file:", ":memory:", "file::memory:", "file:x.db?mode=ro",
		"sqlite://x.db?_pragma=foo", "file://relative/x.db", "mysql://u:p@h/db", "http://x"} {
		if got, err := sqlitePath(bad); err == nil {
			t.Errorf("sqlitePath(%q) = %q, want an error", bad, got)
		}
	}

	// Opening a file whose name is full of URI syntax creates exactly that
	// file, private, in a new private directory.
	path := filepath.Join(dir, "sub", "we?ird #name %41.db")
	s := mustOpen(t, path, newSealer(t))
	if err := s.PutSecret(t.Context(), "x", []byte("y")); err != nil {
		t.Fatal(err)
	}
	for p, mode := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("expected %s to exist: %v", p, err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s has mode %v, want %v", p, fi.Mode().Perm(), mode)
		}
	}
	var journal, synchronous string
	var fk int
	if err := s.w.QueryRow(`PRAGMA journal_mode`).Scan(&journal); err != nil {
		t.Fatal(err)
	}
	if err := s.w.QueryRow(`PRAGMA synchronous`).Scan(&synchronous); err != nil {
		t.Fatal(err)
	}
	if err := s.r.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if journal != "wal" || synchronous != "2" || fk != 1 {
		t.Errorf("journal_mode=%s synchronous=%s foreign_keys=%d; want wal, 2 (FULL), 1", journal, synchronous, fk)
	}
}

func TestPostgresMissingSchema(t *testing.T) {
	dsn := postgresDSN(t)
	dsn = strings.Replace(dsn, "search_path=t_", "search_path=missing_", 1)
	if s, err := Open(t.Context(), dsn, newSealer(t)); err == nil {
		s.Close()
		t.Fatal("Open succeeded with a search_path naming no schema")
	} else if !strings.Contains(err.Error(), "search_path") {
		t.Errorf("error %q does not point at the search_path", err)
	}
}
