// Package app is the one place that wires Paddock together: it opens the
// data dir, encryption key, store and TLS identity, creates the bootstrap
// admin, assembles the API, and starts and stops everything in order.
package app
