// Package clusters owns how Paddock reaches a downstream cluster and what it
// knows about it: validating a kubeconfig given for direct registration,
// probing a cluster (version, nodes, capacity), and rendering the import
// manifest that installs the agent in a cluster that dials out.
package clusters
