// Package store owns the persistence contract of Paddock: the Store interface
// every backend implements, its list/filter options and its sentinel errors.
// Backends live in subpackages (sqlstore); storetest is the conformance suite
// they all must pass.
package store
