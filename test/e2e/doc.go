// Package e2e holds Paddock's end-to-end tests: they build the real
// `paddock` binary once, run `paddock server` as a separate process on a
// loopback port with a temporary data dir (SQLite, or a fresh PostgreSQL
// database when PADDOCK_TEST_POSTGRES holds a DSN) and drive it over HTTPS
// the way a user would, with Go's HTTP client and the real curl.
//
//	go test ./test/e2e/ -count=1 -v
//	PADDOCK_TEST_POSTGRES='postgres://paddock:paddock@127.0.0.1:5432/paddock?sslmode=disable' go test ./test/e2e/ -count=1 -v
package e2e
