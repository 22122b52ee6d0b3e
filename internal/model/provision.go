package model

import (
	"encoding/json"
	"time"
)

// ClusterProvisioning: Paddock is creating the cluster (a provisioner runs
// its steps); ClusterDeprovisioning: it is removing it.
const (
	ClusterProvisioning   ClusterState = "provisioning"
	ClusterDeprovisioning ClusterState = "deprovisioning"
)

// ProvisionPhase is where a provisioning job is.
type ProvisionPhase string

// Provision phases.
const (
	PhaseRunning        ProvisionPhase = "running"        // steps left to run
	PhaseReady          ProvisionPhase = "ready"          // every step done
	PhaseFailed         ProvisionPhase = "failed"         // a step failed; Error says why; retry resumes
	PhaseDeprovisioning ProvisionPhase = "deprovisioning" // removing what was created
)

// Provision is the persisted, resumable job that creates (and later
// scales or removes) a cluster through a provisioner.
type Provision struct {
	ClusterID string
	Provider  string
	// Params are the provider's validated parameters (JSON).
	Params json.RawMessage
	// CredentialID names the cloud credential used ("" for none).
	CredentialID string
	Phase        ProvisionPhase
	// Step is the index of the next step to run.
	Step int
	// State is the provider's own progress (ids of what it created), so a
	// restart resumes and a deprovision finds everything.
	State     json.RawMessage
	Error     string
	Attempts  int
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ClusterEvent is one line of a cluster's provisioning history.
type ClusterEvent struct {
	ID        int64
	ClusterID string
	Time      time.Time
	// Kind is "step", "info", "error" or "done".
	Kind    string
	Message string
}
