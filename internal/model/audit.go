package model

import "time"

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
)

// AuditEvent records one mutating API call or login attempt.
type AuditEvent struct {
	ID        int64
	Time      time.Time
	RequestID string
	// Actor is the username acting ("" when unauthenticated, e.g. a failed
	// login, where Target names the account tried).
	Actor    string
	ActorID  string
	SourceIP string
	// Action is a dotted verb such as "user.create" or "auth.login".
	Action string
	Target string
	// Outcome is one of the Outcome* constants.
	Outcome string
	// Status is the HTTP status code returned.
	Status int
	// Detail is a JSON document with the redacted request and any error.
	Detail string
}
