package store

import (
	"context"
	"time"

	"github.com/paddockhq/paddock/internal/model"
)

// RecordingFilter selects recordings; zero fields do not filter. Since is
// inclusive (on StartedAt).
type RecordingFilter struct {
	// User matches the user ID or the username (exactly).
	User      string
	ClusterID string
	Kind      string
	Since     time.Time
}

// Recordings persists recorded terminal sessions: a metadata row and the
// asciicast body, appended in chunks while the session runs. Recordings
// outlive their user and cluster (they are audit records).
type Recordings interface {
	// CreateRecording inserts r (ID and StartedAt set by the caller, Size
	// and Truncated zero); a duplicate ID is ErrConflict.
	CreateRecording(ctx context.Context, r *model.Recording) error
	// AppendRecording adds the next chunk of the body (seq 0, 1, 2, ...)
	// and adds its length to Size, in one transaction. A seq already
	// stored is ErrConflict; an unknown recording ErrNotFound.
	AppendRecording(ctx context.Context, id string, seq int, data []byte) error
	// FinishRecording sets EndedAt and Truncated (ErrNotFound when absent).
	FinishRecording(ctx context.Context, id string, ended time.Time, truncated bool) error
	GetRecording(ctx context.Context, id string) (*model.Recording, error)
	// RecordingBody returns the chunks concatenated in seq order
	// (ErrNotFound when there is no such recording).
	RecordingBody(ctx context.Context, id string) ([]byte, error)
	// ListRecordings returns matching recordings newest first (StartedAt,
	// then ID).
	ListRecordings(ctx context.Context, f RecordingFilter, p Page) (recs []model.Recording, next string, err error)
}
