// Package access owns Paddock's runtime authorization decisions: what a
// user may do in Paddock itself (global capabilities) and where they may go
// (clusters and projects reachable through their bindings), answered from
// an in-memory snapshot of the access model that is rebuilt whenever the
// model changes (on this replica at once, on others within a second by
// polling the store's access revision). What a user may do inside a
// cluster is Kubernetes' call, through the RBAC that rbacsync renders.
package access
