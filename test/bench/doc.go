// Package bench holds measurements that need real clusters and a whole
// Paddock server, too slow for `go test ./...`: they run only with
// PADDOCK_BENCH=1 (see `make bench`) and print markdown tables. Nothing in
// here asserts a time; see docs/benchmarks.md for the method and results.
package bench
