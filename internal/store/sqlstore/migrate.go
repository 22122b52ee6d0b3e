package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// migrationFS holds one directory of migrations per dialect. Files are named
// NNNN_description.sql; both directories carry the same versions.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

type migration struct {
	version int64
	name    string
	stmts   []string
}

// loadMigrations returns the dialect's migrations in version order.
func loadMigrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: reading migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries { // ReadDir sorts by name
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: migration %s/%s: name must be NNNN_description.sql", dir, name)
		}
		if len(ms) > 0 && v <= ms[len(ms)-1].version {
			return nil, fmt.Errorf("sqlstore: migration %s/%s: version %d out of order", dir, name, v)
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: reading migration: %w", err)
		}
		ms = append(ms, migration{version: v, name: name, stmts: splitStatements(string(body))})
	}
	return ms, nil
}

// splitStatements splits a migration into statements, each ending with ";"
// at the end of a line. Comment lines ("--") are dropped. Migrations must
// not put a statement-ending ";" inside a string or body.
func splitStatements(body string) []string {
	var stmts []string
	var cur strings.Builder
	for line := range strings.Lines(body) {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(trimmed, ";") {
			stmts = append(stmts, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		stmts = append(stmts, rest)
	}
	return stmts
}

// migrate applies pending migrations, each in its own transaction recorded
// in schema_migrations. It is safe when several processes open the same
// database at once: every migration transaction first takes a lock (on
// PostgreSQL a transaction advisory lock scoped to the current schema, on
// SQLite the write lock of its IMMEDIATE transaction) and then re-checks
// that the migration is still pending. Locks go with the transaction, so a
// failure can never leave one held.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations(s.dialect)
	if err != nil {
		return err
	}
	var lockKey int64
	if s.dialect == DialectPostgres {
		if lockKey, err = s.pgMigrationLockKey(ctx); err != nil {
			return err
		}
	}

	var current int64
	err = s.migrationTx(ctx, lockKey, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    BIGINT NOT NULL PRIMARY KEY,
			name       TEXT   NOT NULL,
			applied_at BIGINT NOT NULL
		)`); err != nil {
			return fmt.Errorf("creating schema_migrations: %w", err)
		}
		return tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current)
	})
	if err != nil {
		return fmt.Errorf("sqlstore: reading schema version: %w", err)
	}
	if latest := ms[len(ms)-1].version; current > latest {
		return fmt.Errorf("sqlstore: database schema version %d is newer than this binary's %d; upgrade Paddock", current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if err := s.migrationTx(ctx, lockKey, func(tx *sql.Tx) error { return s.applyMigration(ctx, tx, m) }); err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// migrationTx runs fn in a write transaction holding the migration lock.
func (s *Store) migrationTx(ctx context.Context, lockKey int64, fn func(*sql.Tx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if s.dialect == DialectPostgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
				return fmt.Errorf("taking advisory lock: %w", err)
			}
		}
		return fn(tx)
	})
}

func (s *Store) applyMigration(ctx context.Context, tx *sql.Tx, m migration) error {
	var n int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil // another process applied it meanwhile
	}
	for i, stmt := range m.stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("statement %d: %w", i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		m.version, m.name, toDB(time.Now())); err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	return nil
}

// pgMigrationLockKey derives the advisory lock key from the current schema,
// so Paddock instances sharing a schema migrate one at a time while
// different schemas (tests, several installations) do not block each other.
func (s *Store) pgMigrationLockKey(ctx context.Context) (int64, error) {
	var schema sql.NullString
	if err := s.w.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return 0, fmt.Errorf("sqlstore: migrate: %w", err)
	}
	if !schema.Valid {
		return 0, errNoSchema
	}
	h := fnv.New64a()
	h.Write([]byte("paddock.migrate\x00" + schema.String))
	return int64(h.Sum64()), nil
}
