package model

import "time"

// Recording kinds.
const (
	// RecordingShell is a browser kubectl shell session.
	RecordingShell = "shell"
	// RecordingExec is a terminal into a pod (kubectl exec/attach).
	RecordingExec = "exec"
)

// Recording is a recorded terminal session: who, where, when, and the
// size of its asciicast v2 body (kept in chunks beside it).
type Recording struct {
	ID   string
	Kind string // RecordingShell or RecordingExec
	// UserID and Username say who; the username is kept as it was then.
	UserID      string
	Username    string
	ClusterID   string
	ClusterName string
	// Namespace, Pod and Container are set for RecordingExec.
	Namespace string
	Pod       string
	Container string
	// Width and Height are the terminal size at the start.
	Width     int
	Height    int
	StartedAt time.Time
	// EndedAt is zero while the session runs (or when the server stopped
	// before it could close the recording).
	EndedAt time.Time
	// Size is the number of body bytes stored.
	Size int64
	// Truncated says the body reached the size cap and later events were
	// dropped (the body ends with a marker event saying so).
	Truncated bool
}
