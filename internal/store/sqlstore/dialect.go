package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Connection settings.
const (
	// sqliteBusyTimeout bounds how long a statement waits for a lock held
	// by another process sharing the file (within one process the single
	// writer connection already serializes writes).
	sqliteBusyTimeout = 10 * time.Second
	// postgresMaxConns caps the pool so a burst of requests cannot exhaust
	// the server's max_connections across replicas.
	postgresMaxConns = 20
)

func isPostgresDSN(dsn string) bool {
	lower := strings.ToLower(dsn)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}

func openPostgres(dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx redacts the password from its parse errors.
		return nil, fmt.Errorf("sqlstore: postgres dsn: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(postgresMaxConns)
	db.SetMaxIdleConns(postgresMaxConns / 2)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &Store{dialect: DialectPostgres, w: db, r: db}, nil
}

// sqlitePath extracts the database file path from a SQLite dsn.
func sqlitePath(dsn string) (string, error) {
	path, prefixed := dsn, false
	for _, prefix := range []string{"sqlite://", "file://", "file:"} {
		if strings.HasPrefix(dsn, prefix) {
			path, prefixed = strings.TrimPrefix(dsn, prefix), true
			break
		}
	}
	switch {
	case !prefixed && strings.Contains(dsn, "://"):
		scheme, _, _ := strings.Cut(dsn, "://")
		return "", fmt.Errorf("sqlstore: unsupported database URL scheme %q (want postgres://, postgresql://, sqlite:// or a file path)", scheme)
	case path == "":
		return "", fmt.Errorf("sqlstore: sqlite dsn %q names no file", dsn)
	case prefixed && strings.ContainsAny(path, "?#"):
		return "", fmt.Errorf("sqlstore: sqlite dsn %q: URI parameters are not supported (Paddock sets its own pragmas)", dsn)
	case path == ":memory:" || strings.HasPrefix(path, ":memory:"):
		return "", fmt.Errorf("sqlstore: sqlite dsn %q: in-memory databases are not supported; give a file path", dsn)
	case strings.HasPrefix(dsn, "file://") && !strings.HasPrefix(path, "/"):
		return "", fmt.Errorf("sqlstore: sqlite dsn %q: a file:// URL needs an absolute path (file:///...)", dsn)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("sqlstore: sqlite path %q: %w", path, err)
	}
	return abs, nil
}

// sqliteURI builds the driver name for the file at path: a SQLite URI, so
// that any character in the path is escaped rather than read as a
// parameter, followed by the driver parameters.
func sqliteURI(path string, params url.Values) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + params.Encode()
}

func openSQLite(dsn string) (*Store, error) {
	path, err := sqlitePath(dsn)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlstore: creating database directory: %w", err)
	}
	// Create the file ourselves so it is private; SQLite gives the -wal and
	// -shm files the database file's permissions.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: opening database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("sqlstore: opening database file: %w", err)
	}

	busy := fmt.Sprint(sqliteBusyTimeout.Milliseconds())
	writer := url.Values{
		"_busy_timeout": {busy},
		"_journal_mode": {"WAL"},
		"_synchronous":  {"FULL"},
		"_foreign_keys": {"1"},
		"_txlock":       {"immediate"},
	}
	reader := url.Values{
		"_busy_timeout": {busy},
		"_foreign_keys": {"1"},
		"_query_only":   {"1"},
	}
	w, err := sql.Open("sqlite", sqliteURI(path, writer))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: opening sqlite: %w", err)
	}
	// One writer: SQLite allows a single writing transaction at a time, and
	// queueing in the pool (honouring contexts) beats SQLITE_BUSY retries.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", sqliteURI(path, reader))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlstore: opening sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(5 * time.Minute)
	return &Store{dialect: DialectSQLite, w: w, r: r}, nil
}

// errNoSchema explains a PostgreSQL search_path naming no existing schema.
var errNoSchema = errors.New("sqlstore: postgres has no current schema (does the search_path name an existing schema?)")
