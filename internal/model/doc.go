// Package model owns Paddock's domain types: users, tokens, audit events and
// stored secrets. It imports nothing of the project and holds no behaviour
// beyond small invariants of the types themselves.
package model
