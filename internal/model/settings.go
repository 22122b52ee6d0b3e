package model

import "time"

// Settings are the server settings administrators change at run time.
// Each value is an override: a nil duration or an empty image is not set,
// and the server's flag applies. A set duration of zero is a value (for
// the idle timeout it means "no idle timeout").
type Settings struct {
	TokenDefaultTTL    *time.Duration
	TokenMaxTTL        *time.Duration
	GroupRefresh       *time.Duration
	SessionIdleTimeout *time.Duration
	AgentImage         string
	// Revision grows by one with every update (0: never written).
	Revision  int64
	UpdatedAt time.Time // zero when never written
	UpdatedBy string    // username of the last writer
}
