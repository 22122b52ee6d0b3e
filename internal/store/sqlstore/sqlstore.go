// Package sqlstore is Paddock's SQL implementation of store.Store, with two
// dialects sharing one set of queries:
//
//   - SQLite (the embedded default), through the pure-Go modernc.org/sqlite
//     driver, in WAL mode with synchronous=FULL so a write that returned
//     survives a crash of the process or the machine. All writes go through
//     a single connection (transactions begin IMMEDIATE), so concurrent
//     requests queue in the pool instead of failing with "database is
//     locked"; reads use a separate pool of read-only connections that WAL
//     lets run alongside the writer.
//   - PostgreSQL (for several replicas), through pgx's database/sql driver.
//
// Queries are written once with "?" placeholders and rebound to "$n" for
// PostgreSQL. Times are stored as UTC unix microseconds in 64-bit integers,
// so both dialects sort and compare them identically; values read back are
// in UTC with microsecond precision. The schema comes from embedded,
// versioned migrations applied by Open. Secret values are sealed with a
// secrets.Sealer before they reach the database.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paddockhq/paddock/internal/secrets"
	"github.com/paddockhq/paddock/internal/store"
)

// Dialect names returned by Store.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Store is a store.Store backed by SQLite or PostgreSQL. It is safe for
// concurrent use.
type Store struct {
	dialect string
	// w runs every write and transaction; on SQLite it holds exactly one
	// connection. r runs plain reads; on PostgreSQL it is w.
	w, r   *sql.DB
	sealer *secrets.Sealer
	// auth is the prepared Authenticate query, on r.
	auth *sql.Stmt

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open connects to the database named by dsn and brings its schema up to
// date. A dsn beginning "postgres://" or "postgresql://" is a PostgreSQL
// connection URL (pgx syntax: any extra query parameter, such as
// search_path, is sent as a run-time parameter). Anything else is the path
// of a SQLite database file, optionally prefixed "sqlite://", "file:" or
// "file://" (URI parameters are refused: Paddock sets its own pragmas),
// which is created (mode 0600) with its directory (0700) when missing.
//
// sealer encrypts secret values; it is required.
func Open(ctx context.Context, dsn string, sealer *secrets.Sealer) (*Store, error) {
	if sealer == nil {
		return nil, errors.New("sqlstore: a secrets sealer is required")
	}
	var (
		s   *Store
		err error
	)
	if isPostgresDSN(dsn) {
		s, err = openPostgres(dsn)
	} else {
		s, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, err
	}
	s.sealer = sealer
	if err := s.init(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	// Two processes creating the same SQLite file at once can both try to
	// switch it to WAL; SQLite then fails one with SQLITE_BUSY at once (the
	// busy handler cannot resolve it). Retrying after a pause succeeds.
	start := time.Now()
	for attempt := 1; ; attempt++ {
		err := s.Ping(ctx)
		if err == nil {
			err = s.migrate(ctx)
		}
		if err == nil {
			break
		}
		if s.dialect != DialectSQLite || !isBusy(err) || time.Since(start) > sqliteBusyTimeout {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(min(attempt, 20)) * 10 * time.Millisecond):
		}
	}
	stmt, err := s.r.PrepareContext(ctx, s.q(authenticateQuery))
	if err != nil {
		return fmt.Errorf("sqlstore: preparing authenticate: %w", err)
	}
	s.auth = stmt
	return nil
}

// Dialect reports the backend: DialectSQLite or DialectPostgres.
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: ping: %w", err)
	}
	if s.r != s.w {
		if err := s.r.PingContext(ctx); err != nil {
			return fmt.Errorf("sqlstore: ping (read pool): %w", err)
		}
	}
	return nil
}

// Close releases the connections. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.auth != nil {
			errs = append(errs, s.auth.Close())
		}
		if s.r != s.w {
			errs = append(errs, s.r.Close())
		}
		errs = append(errs, s.w.Close())
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// q rebinds a query written with "?" placeholders for the dialect. Queries
// never hold a literal "?", so a plain scan is enough.
func (s *Store) q(query string) string {
	if s.dialect != DialectPostgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// inTx runs fn in a write transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", err)
	}
	return nil
}

// forUpdate is the row-locking suffix for a transactional read that is
// about to be written back. SQLite needs none: its transactions begin
// IMMEDIATE on the single writer connection.
func (s *Store) forUpdate() string {
	if s.dialect == DialectPostgres {
		return " FOR UPDATE"
	}
	return ""
}

// toDB converts a time to its stored form, UTC unix microseconds. The zero
// time has a representation and reads back as the zero time.
func toDB(t time.Time) int64 { return t.UnixMicro() }

func fromDB(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullTime stores the zero time as NULL, for optional timestamps.
func nullTime(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: toDB(t), Valid: true}
}

func fromNullTime(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromDB(v.Int64)
}

// limit clamps a requested page size as store.Page documents.
func limit(p store.Page) int {
	switch {
	case p.Limit <= 0:
		return store.DefaultLimit
	case p.Limit > store.MaxLimit:
		return store.MaxLimit
	}
	return p.Limit
}

// likeEscape makes s match itself literally inside a LIKE pattern written
// with ESCAPE '!'. "!" rather than a backslash keeps the pattern meaning the
// same whatever PostgreSQL's standard_conforming_strings says.
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

func likeEscape(s string) string { return likeEscaper.Replace(s) }
