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
	Access
	Providers
	Provisions
	CloudCredentials
	Recordings
	Settings
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
	// DeleteUser removes the user, every token and every binding of theirs
	// (ErrNotFound
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
	// DeleteCluster removes the cluster with its projects and bindings.
	DeleteCluster(ctx context.Context, id string) error
}

// BindingFilter selects bindings; zero fields do not filter.
type BindingFilter struct {
	ClusterID string // bindings in the cluster, of the cluster or of its projects
	ProjectID string
	// ClusterOnly keeps cluster-scoped bindings (no project).
	ClusterOnly  bool
	Subject      model.Subject // Kind and Name must both be set to filter
	RoleTemplate string
}

// Access persists the access model: custom global roles, custom role
// templates, projects and bindings (built-ins live in code). Every change
// through these methods, and every user change, bumps AccessRevision, so
// replicas notice changes made elsewhere.
type Access interface {
	// CreateGlobalRole: a duplicate name is ErrConflict.
	CreateGlobalRole(ctx context.Context, r *model.GlobalRole) error
	GetGlobalRole(ctx context.Context, name string) (*model.GlobalRole, error)
	// ListGlobalRoles orders by name.
	ListGlobalRoles(ctx context.Context) ([]model.GlobalRole, error)
	UpdateGlobalRole(ctx context.Context, name string, fn func(*model.GlobalRole) error) (*model.GlobalRole, error)
	DeleteGlobalRole(ctx context.Context, name string) error

	// CreateRoleTemplate: a duplicate name is ErrConflict.
	CreateRoleTemplate(ctx context.Context, t *model.RoleTemplate) error
	GetRoleTemplate(ctx context.Context, name string) (*model.RoleTemplate, error)
	// ListRoleTemplates orders by name.
	ListRoleTemplates(ctx context.Context) ([]model.RoleTemplate, error)
	UpdateRoleTemplate(ctx context.Context, name string, fn func(*model.RoleTemplate) error) (*model.RoleTemplate, error)
	DeleteRoleTemplate(ctx context.Context, name string) error

	// CreateProject: the cluster must exist (ErrNotFound); a duplicate
	// name in the cluster (case-insensitive) is ErrConflict.
	CreateProject(ctx context.Context, p *model.Project) error
	GetProject(ctx context.Context, id string) (*model.Project, error)
	// ListProjects orders by cluster, then name; clusterID "" lists all.
	ListProjects(ctx context.Context, clusterID string) ([]model.Project, error)
	// UpdateProject may not change ID or ClusterID.
	UpdateProject(ctx context.Context, id string, fn func(*model.Project) error) (*model.Project, error)
	// DeleteProject removes the project and its bindings.
	DeleteProject(ctx context.Context, id string) error

	// CreateBinding: the cluster (and project, when set) must exist and a
	// User subject must be an existing user ID (ErrNotFound otherwise).
	CreateBinding(ctx context.Context, b *model.Binding) error
	GetBinding(ctx context.Context, id string) (*model.Binding, error)
	// ListBindings orders by creation time, then ID; expired bindings are
	// included (callers check Active).
	ListBindings(ctx context.Context, f BindingFilter) ([]model.Binding, error)
	DeleteBinding(ctx context.Context, id string) error
	// DeleteExpiredBindings removes bindings that expired before now.
	DeleteExpiredBindings(ctx context.Context, before time.Time) (int, error)

	// AccessRevision is a counter that grows with every change to the
	// access model or to users.
	AccessRevision(ctx context.Context) (int64, error)
}

// Providers persists identity providers and the identities linked to
// users. Provider and identity writes bump AccessRevision like user writes.
type Providers interface {
	// CreateProvider: a duplicate name is ErrConflict.
	CreateProvider(ctx context.Context, p *model.Provider) error
	GetProvider(ctx context.Context, name string) (*model.Provider, error)
	// ListProviders orders by name.
	ListProviders(ctx context.Context) ([]model.Provider, error)
	UpdateProvider(ctx context.Context, name string, fn func(*model.Provider) error) (*model.Provider, error)
	// DeleteProvider removes the provider and its identities (users stay).
	DeleteProvider(ctx context.Context, name string) error

	// GetIdentity is ErrNotFound when no user is linked to the subject.
	GetIdentity(ctx context.Context, provider, subject string) (*model.Identity, error)
	// PutIdentity inserts or replaces the identity (the provider and user
	// must exist: ErrNotFound otherwise) and, in the same transaction, sets
	// the user's ProviderGroups to the identity's groups prefixed with
	// "<provider>:".
	PutIdentity(ctx context.Context, id *model.Identity) error
	// ListIdentities lists a provider's identities refreshed before
	// (zero: all), oldest refresh first, at most limit (<= 0: all).
	ListIdentities(ctx context.Context, provider string, before time.Time, limit int) ([]model.Identity, error)
	// SearchGroups returns distinct groups of a provider's identities
	// ("" provider: all) containing query (case-insensitive), sorted, at
	// most limit.
	SearchGroups(ctx context.Context, provider, query string, limit int) ([]string, error)
	// DeleteProviderSessions deletes every token of the users linked to the
	// provider and returns how many.
	DeleteProviderSessions(ctx context.Context, provider string) (int, error)
}

// Provisions persists provisioning jobs and cluster events. A cluster's
// provision and events go with the cluster (DeleteCluster).
type Provisions interface {
	// CreateProvision: the cluster must exist (ErrNotFound); one per
	// cluster (ErrConflict).
	CreateProvision(ctx context.Context, p *model.Provision) error
	GetProvision(ctx context.Context, clusterID string) (*model.Provision, error)
	// ListProvisions lists the jobs in any of phases (none: all), oldest
	// first.
	ListProvisions(ctx context.Context, phases ...model.ProvisionPhase) ([]model.Provision, error)
	// UpdateProvision is a transactional read-modify-write (ClusterID may
	// not change).
	UpdateProvision(ctx context.Context, clusterID string, fn func(*model.Provision) error) (*model.Provision, error)
	DeleteProvision(ctx context.Context, clusterID string) error
	// ListProvisionsByCredential lists the jobs using a credential.
	ListProvisionsByCredential(ctx context.Context, credentialID string) ([]model.Provision, error)

	// AppendClusterEvent inserts e and sets e.ID (increasing per store).
	AppendClusterEvent(ctx context.Context, e *model.ClusterEvent) error
	// ListClusterEvents returns a cluster's events with ID > after, oldest
	// first, at most limit (<= 0: 500).
	ListClusterEvents(ctx context.Context, clusterID string, after int64, limit int) ([]model.ClusterEvent, error)
}
