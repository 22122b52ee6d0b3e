package model

import "time"

// ClusterState is where a cluster is in its life.
type ClusterState string

// Cluster states.
const (
	// ClusterPending: registered, its agent has not connected yet.
	ClusterPending ClusterState = "pending"
	// ClusterActive: reachable.
	ClusterActive ClusterState = "active"
	// ClusterUnavailable: contact lost (agent gone or readiness failing).
	ClusterUnavailable ClusterState = "unavailable"
	// ClusterError: cannot be used until someone acts (StateReason says why).
	ClusterError ClusterState = "error"
)

// How Paddock reaches a cluster.
const (
	ConnectAgent  = "agent"  // the cluster's agent dials out and holds a tunnel
	ConnectDirect = "direct" // Paddock dials the API server with a stored credential
)

// Cluster is a Kubernetes cluster Paddock fronts.
type Cluster struct {
	ID          string
	Name        string
	Description string
	Labels      map[string]string
	State       ClusterState
	StateReason string
	// ConnectedVia is ConnectAgent or ConnectDirect.
	ConnectedVia      string
	KubernetesVersion string
	NodeCount         int
	// Capacity sums node capacity by resource name (cpu, memory, pods).
	Capacity map[string]string
	LastSeen time.Time // zero when never seen
	// RegistrationHash is the hash of the one-time registration token an
	// agent presents first; empty once exchanged (or for direct clusters).
	RegistrationHash string
	// AgentHash is the hash of the per-cluster agent credential.
	AgentHash string
	CreatedBy string // user ID
	CreatedAt time.Time
	UpdatedAt time.Time
}
