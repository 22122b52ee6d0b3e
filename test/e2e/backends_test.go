package e2e

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // to check the SQLite file after a crash
)

// postgresEnv holds the DSN of a PostgreSQL role that may CREATE DATABASE.
const postgresEnv = "PADDOCK_TEST_POSTGRES"

// eachBackend runs fn as a "sqlite" subtest and, when PADDOCK_TEST_POSTGRES
// is set, as a "postgres" subtest on a fresh database; database is the
// --database value ("" for SQLite).
func eachBackend(t *testing.T, fn func(t *testing.T, database string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "") })
	t.Run("postgres", func(t *testing.T) { fn(t, freshPostgres(t)) })
}

// freshPostgres creates a database e2e_<random> through the DSN in
// PADDOCK_TEST_POSTGRES, drops it at cleanup and returns its DSN.
func freshPostgres(t *testing.T) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Skipf("%s is not set; set it to a postgres:// DSN of a role that may create databases "+
			"(e.g. postgres://paddock:paddock@127.0.0.1:5432/paddock?sslmode=disable) to run this on PostgreSQL", postgresEnv)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL: %q", postgresEnv, base)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "e2e_" + hex.EncodeToString(b)
	if err := pgExec(base, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("%s: %v", postgresEnv, err)
	}
	t.Cleanup(func() {
		if err := pgExec(base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("%s: %v", postgresEnv, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

func pgExec(dsn, stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// checkSQLiteIntegrity runs PRAGMA integrity_check on the data dir's
// database (with the server stopped).
func checkSQLiteIntegrity(t *testing.T, dataDir string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dataDir, "paddock.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatalf("PRAGMA integrity_check: %v", err)
	}
	if res != "ok" {
		t.Fatalf("PRAGMA integrity_check: %s", res)
	}
}
