package store

import (
	"context"
	"errors"
	"time"

	"github.com/paddockhq/paddock/internal/model"
)

// Sentinel errors. Backends wrap them, so callers test with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
	// ErrBadCursor is a Page.After that the list did not issue (malformed,
	// or a cursor of another list).
	ErrBadCursor = errors.New("bad page cursor")
)

// Store is Paddock's persistent state. Every method is safe for concurrent
// use, and every write is durable when the method returns nil. Times are
// kept to microsecond precision and returned in UTC.
type Store interface {
	Users
	Tokens
	Clusters
	Audit
	Secrets
	// Ping checks that the backend answers.
	Ping(ctx context.Context) error
	// Close releases the backend.
	Close() error
}

// Page asks for one page of a list. Limit <= 0 means DefaultLimit; limits
// above MaxLimit are clamped. After is the opaque cursor a previous page
// returned in its Next field ("" for the first page).
type Page struct {
	Limit int
	After string
}

// Paging limits shared by every list.
const (
	DefaultLimit = 100
	MaxLimit     = 500
)

// Users persists accounts.
type Users interface {
	// CreateUser inserts u (ID, CreatedAt and UpdatedAt must be set by the
	// caller). A duplicate username (case-insensitive) is ErrConflict.
	CreateUser(ctx context.Context, u *model.User) error
	GetUser(ctx context.Context, id string) (*model.User, error)
	// GetUserByUsername matches case-insensitively.
	GetUserByUsername(ctx context.Context, username string) (*model.User, error)
	// ListUsers orders by username; a non-empty query keeps users whose
	// username or display name contains it (case-insensitive).
	ListUsers(ctx context.Context, query string, p Page) (users []model.User, next string, err error)
	// UpdateUser reads the user, applies fn and writes the result in one
	// transaction; fn's error aborts it. If the result is Disabled, every
	// token of the user is deleted in the same transaction. fn must not
	// change the ID, nor call the store (it runs inside the transaction).
	UpdateUser(ctx context.Context, id string, fn func(*model.User) error) (*model.User, error)
	// DeleteUser removes the user and every token of theirs (ErrNotFound
	// when there is no such user).
	DeleteUser(ctx context.Context, id string) error
	CountUsers(ctx context.Context) (int, error)
}

// Tokens persists bearer credentials by hash.
type Tokens interface {
	// CreateToken inserts t; the user must exist (ErrNotFound otherwise).
	CreateToken(ctx context.Context, t *model.Token) error
	// Authenticate returns the unexpired token with this hash and its user,
	// in one query. A missing or expired token, or one whose user is
	// disabled, is ErrNotFound.
	Authenticate(ctx context.Context, hash string, now time.Time) (*model.Token, *model.User, error)
	GetToken(ctx context.Context, id string) (*model.Token, error)
	// ListTokens lists a user's unexpired tokens of a kind ("" for all
	// kinds), newest first.
	ListTokens(ctx context.Context, userID string, kind model.TokenKind, now time.Time) ([]model.Token, error)
	// TouchToken records a use; it never moves LastUsedAt backwards.
	// ErrNotFound when there is no such token.
	TouchToken(ctx context.Context, id string, at time.Time) error
	// DeleteToken is ErrNotFound when there is no such token.
	DeleteToken(ctx context.Context, id string) error
	DeleteUserTokens(ctx context.Context, userID string) (int, error)
	// DeleteExpiredTokens removes tokens that expired before now.
	DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error)
}

// AuditFilter selects audit events; zero fields do not filter. Since is
// inclusive, Until exclusive.
type AuditFilter struct {
	Actor  string
	Action string // exact, or a prefix when it ends in "*" (e.g. "user.*")
	Since  time.Time
	Until  time.Time
}

// Audit persists the append-only audit log.
type Audit interface {
	// AppendAudit inserts e and sets e.ID.
	AppendAudit(ctx context.Context, e *model.AuditEvent) error
	// ListAudit returns matching events newest first.
	ListAudit(ctx context.Context, f AuditFilter, p Page) (events []model.AuditEvent, next string, err error)
}

// Secrets persists small sensitive values (provider secrets, credentials)
// encrypted at rest; backends never write the plaintext to disk.
type Secrets interface {
	PutSecret(ctx context.Context, name string, value []byte) error
	// GetSecret is ErrNotFound when absent; a value that fails to decrypt
	// (wrong key, tampered row) is an error, never garbage.
	GetSecret(ctx context.Context, name string) ([]byte, error)
	// DeleteSecret is ErrNotFound when absent.
	DeleteSecret(ctx context.Context, name string) error
}

// Clusters persists the cluster registry. Credentials of direct clusters
// are kept with the Secrets methods, never in the cluster row.
type Clusters interface {
	// CreateCluster inserts c; a duplicate name (case-insensitive) is
	// ErrConflict.
	CreateCluster(ctx context.Context, c *model.Cluster) error
	GetCluster(ctx context.Context, id string) (*model.Cluster, error)
	// GetClusterByCredential finds the cluster whose registration hash or
	// agent hash equals hash (ErrNotFound when none).
	GetClusterByCredential(ctx context.Context, hash string) (*model.Cluster, error)
	// ListClusters orders by name; a non-empty query keeps clusters whose
	// name contains it (case-insensitive, literal).
	ListClusters(ctx context.Context, query string, p Page) (clusters []model.Cluster, next string, err error)
	// UpdateCluster is a transactional read-modify-write like UpdateUser.
	UpdateCluster(ctx context.Context, id string, fn func(*model.Cluster) error) (*model.Cluster, error)
	DeleteCluster(ctx context.Context, id string) error
}
