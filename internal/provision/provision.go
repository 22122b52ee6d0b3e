// Package provision owns creating clusters from Paddock: the provisioner
// contract (validate parameters, idempotent steps, deprovision, scale,
// resume after a restart), the explicit registry of providers, and the
// runner that executes a cluster's steps as a resumable state machine —
// progress persisted after every step, events recorded, a failure left as
// phase "failed" with its reason until someone retries. Provider
// implementations live in sub-packages (local, eks).
package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Provisioner creates and removes clusters of one kind.
type Provisioner interface {
	// Name is the registry key ("local", "eks").
	Name() string
	// Validate checks parameters for the caller creating the cluster and
	// returns them normalised (defaults filled). Errors name the field; a
	// credential the caller may not use wraps ErrNoCredential.
	Validate(ctx context.Context, by Caller, params json.RawMessage) (json.RawMessage, error)
	// Steps are run in order; each must be idempotent (a restart may run a
	// step again) and record what it created in the job's state.
	Steps() []Step
	// Deprovision removes everything the steps created, also for a
	// half-created cluster; idempotent.
	Deprovision(ctx context.Context, j *Job) error
	// Scale sets the number of nodes.
	Scale(ctx context.Context, j *Job, nodes int) error
	// Resume brings a finished cluster back after a Paddock restart
	// (local processes); a no-op for clusters that live elsewhere.
	Resume(ctx context.Context, j *Job) error
}

// Step is one idempotent stage of provisioning.
type Step struct {
	Name string
	Run  func(ctx context.Context, j *Job) error
}

// Registry maps provider names to provisioners (built explicitly at the
// wiring point).
type Registry map[string]Provisioner

// Job is a running provision as a provisioner sees it.
type Job struct {
	ClusterID string
	Name      string // the cluster's name
	Params    json.RawMessage
	store     store.Store
	now       func() time.Time
	state     json.RawMessage
}

// State decodes the provider's progress into v (zero value when none).
func (j *Job) State(v any) error {
	if len(j.state) == 0 || string(j.state) == "{}" || string(j.state) == "null" {
		return nil
	}
	return json.Unmarshal(j.state, v)
}

// SaveState persists the provider's progress at once, so a restart after
// this point knows what exists.
func (j *Job) SaveState(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = j.store.UpdateProvision(ctx, j.ClusterID, func(p *model.Provision) error {
		p.State, p.UpdatedAt = b, j.now().UTC()
		return nil
	})
	if err == nil {
		j.state = b
	}
	return err
}

// SaveParams replaces the job's parameters (a scaled cluster restarts at
// its new size).
func (j *Job) SaveParams(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = j.store.UpdateProvision(ctx, j.ClusterID, func(p *model.Provision) error {
		p.Params, p.UpdatedAt = b, j.now().UTC()
		return nil
	})
	if err == nil {
		j.Params = b
	}
	return err
}

// Event records a line of progress.
func (j *Job) Event(ctx context.Context, kind, format string, args ...any) {
	_ = j.store.AppendClusterEvent(ctx, &model.ClusterEvent{ClusterID: j.ClusterID, Time: j.now().UTC(), Kind: kind,
		Message: fmt.Sprintf(format, args...)})
}

// ErrUnknownProvider is a provision naming no registered provider.
var ErrUnknownProvider = errors.New("unknown provider")

// ErrNoCredential is a provision naming a cloud credential that does not
// exist or that the caller may not use (the two are not told apart).
var ErrNoCredential = errors.New("no such cloud credential")

// Caller is who asks for a provision.
type Caller struct {
	UserID string
	Admin  bool
}

// Params are the fields every provision request has besides the
// provider's own. CredentialID, when the provider's normalised parameters
// carry it, is recorded on the provision (a credential in use cannot be
// deleted).
type Params struct {
	Provider     string `json:"provider"`
	CredentialID string `json:"credentialID,omitempty"`
}
