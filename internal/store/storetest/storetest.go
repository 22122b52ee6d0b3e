// Package storetest is the conformance suite every store.Store backend must
// pass. A backend's tests call Run with a function opening a fresh, empty
// store; the suite exercises every method of the contract, its errors,
// pagination, case-insensitivity, cascades, expiry, concurrency and
// verbatim round trips of hostile-looking input.
package storetest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Run runs the suite. open must return a new, empty store for each call and
// arrange its own cleanup (closing it, removing files) with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Ping", testPing},
		{"Users/CreateGet", testUserCreateGet},
		{"Users/Conflicts", testUserConflicts},
		{"Users/NotFound", testUserNotFound},
		{"Users/Update", testUserUpdate},
		{"Users/UpdateDisableDeletesTokens", testUserDisableDeletesTokens},
		{"Users/DeleteCascades", testUserDeleteCascades},
		{"Users/ListPagination", testUserListPagination},
		{"Users/ListQuery", testUserListQuery},
		{"Users/ListLimits", testUserListLimits},
		{"Tokens/CreateGet", testTokenCreateGet},
		{"Tokens/Authenticate", testTokenAuthenticate},
		{"Tokens/List", testTokenList},
		{"Tokens/Touch", testTokenTouch},
		{"Tokens/Delete", testTokenDelete},
		{"Audit/AppendList", testAuditAppendList},
		{"Audit/Filters", testAuditFilters},
		{"Audit/Pagination", testAuditPagination},
		{"Cursors/Bad", testBadCursors},
		{"Secrets/RoundTrip", testSecrets},
		{"Clusters/CRUD", testClusterCRUD},
		{"Clusters/List", testClusterList},
		{"Injection/Verbatim", testInjection},
		{"Concurrency/CreateUsers", testConcurrentCreateUsers},
		{"Concurrency/DuplicateUsername", testConcurrentDuplicateUsername},
		{"Concurrency/UpdateUser", testConcurrentUpdateUser},
		{"Concurrency/Mixed", testConcurrentMixed},
		{"Concurrency/UpdateProject", testConcurrentUpdateProject},
		{"Users/AccessFields", testUserAccessFields},
		{"Access/GlobalRoles", testGlobalRoles},
		{"Access/RoleTemplates", testRoleTemplates},
		{"Access/Projects", testProjects},
		{"Access/Bindings", testBindings},
		{"Access/BindingFilters", testBindingFilters},
		{"Access/ExpiredBindings", testExpiredBindings},
		{"Access/Cascades", testAccessCascades},
		{"Access/Revision", testAccessRevision},
		{"Providers/CRUD", testProviderCRUD},
		{"Providers/Identities", testIdentities},
		{"Providers/DeleteCascades", testProviderDeleteCascades},
		{"Providers/ListIdentities", testListIdentities},
		{"Providers/SearchGroups", testSearchGroups},
		{"Providers/DeleteSessions", testDeleteProviderSessions},
		{"Providers/Revision", testProviderRevision},
		{"Provisions/CRUD", testProvisionCRUD},
		{"Provisions/Lists", testProvisionLists},
		{"Provisions/Events", testClusterEvents},
		{"Provisions/EventLimits", testClusterEventLimits},
		{"Provisions/Cascades", testProvisionCascades},
		{"Provisions/Revision", testProvisionRevision},
		{"Concurrency/UpdateProvision", testConcurrentUpdateProvision},
		{"Recordings/RoundTrip", testRecordingRoundTrip},
		{"Recordings/List", testRecordingList},
		{"Concurrency/AppendRecording", testRecordingConcurrentAppend},
		{"CloudCredentials/CRUD", testCloudCredCRUD},
		{"CloudCredentials/List", testCloudCredList},
		{"CloudCredentials/InUse", testCloudCredInUse},
		{"Concurrency/UpdateCloudCredential", testConcurrentUpdateCloudCred},
		{"Settings/RoundTrip", testSettingsRoundTrip},
		{"Concurrency/UpdateSettings", testConcurrentUpdateSettings},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			if s == nil {
				t.Fatal("open returned a nil store")
			}
			tc.fn(t, s)
		})
	}
}

// t0 is the suite's fixed clock origin. Every time used is a whole number
// of microseconds, the precision backends must keep.
var t0 = time.Date(2031, 3, 4, 5, 6, 7, 891011000, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func randomID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// newUser returns an unsaved user with every field set.
func newUser(username string) *model.User {
	return &model.User{
		ID:           randomID("user-"),
		Username:     username,
		DisplayName:  "Display " + username,
		Provider:     model.LocalProvider,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$" + username,
		GlobalRoles:  []string{"auditor", "Operator"},
		Groups:       []string{"dev", "oidc:ops"},
		// Normally derived from the user's identities; stored as given.
		ProviderGroups: []string{"ldap:devs", "ldap:ops"},
		CreatedAt:      at(0),
		UpdatedAt:      at(time.Second),
	}
}

func mustCreateUser(t *testing.T, s store.Store, username string) *model.User {
	t.Helper()
	u := newUser(username)
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%q): %v", username, err)
	}
	return u
}

// newToken returns an unsaved token of userID expiring at expires.
func newToken(userID string, kind model.TokenKind, created, expires time.Time) *model.Token {
	return &model.Token{
		ID:          randomID("tok-"),
		UserID:      userID,
		Kind:        kind,
		Description: "token of " + userID,
		Hash:        randomID("hash-"),
		CreatedAt:   created,
		ExpiresAt:   expires,
	}
}

func mustCreateToken(t *testing.T, s store.Store, userID string, kind model.TokenKind, created, expires time.Time) *model.Token {
	t.Helper()
	tok := newToken(userID, kind, created, expires)
	if err := s.CreateToken(t.Context(), tok); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	return tok
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error %v, want %v", what, err, target)
	}
}

func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
	if !got.IsZero() && got.Location() != time.UTC {
		t.Errorf("%s is in %v, want UTC", what, got.Location())
	}
}

func checkUser(t *testing.T, got, want *model.User) {
	t.Helper()
	if got == nil {
		t.Fatalf("user %q: got nil", want.Username)
	}
	g, w := *got, *want
	sameTime(t, "CreatedAt", g.CreatedAt, w.CreatedAt)
	sameTime(t, "UpdatedAt", g.UpdatedAt, w.UpdatedAt)
	sameStrings(t, "user "+w.Username+" GlobalRoles", g.GlobalRoles, w.GlobalRoles)
	sameStrings(t, "user "+w.Username+" Groups", g.Groups, w.Groups)
	sameStrings(t, "user "+w.Username+" ProviderGroups", g.ProviderGroups, w.ProviderGroups)
	g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	g.GlobalRoles, g.Groups, w.GlobalRoles, w.Groups = nil, nil, nil, nil
	g.ProviderGroups, w.ProviderGroups = nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("user mismatch:\n got %+v\nwant %+v", g, w)
	}
}

// sameStrings compares lists, a nil list equal to an empty one (backends
// may return either for an empty list).
func sameStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) { // nil and empty are equal to slices.Equal
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func checkToken(t *testing.T, got, want *model.Token) {
	t.Helper()
	if got == nil {
		t.Fatalf("token %q: got nil", want.ID)
	}
	g, w := *got, *want
	sameTime(t, "CreatedAt", g.CreatedAt, w.CreatedAt)
	sameTime(t, "ExpiresAt", g.ExpiresAt, w.ExpiresAt)
	sameTime(t, "LastUsedAt", g.LastUsedAt, w.LastUsedAt)
	g.CreatedAt, g.ExpiresAt, g.LastUsedAt = time.Time{}, time.Time{}, time.Time{}
	w.CreatedAt, w.ExpiresAt, w.LastUsedAt = time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("token mismatch:\n got %+v\nwant %+v", g, w)
	}
}

func checkEvent(t *testing.T, got, want *model.AuditEvent) {
	t.Helper()
	g, w := *got, *want
	sameTime(t, "Time", g.Time, w.Time)
	g.Time, w.Time = time.Time{}, time.Time{}
	if g != w {
		t.Errorf("audit event mismatch:\n got %+v\nwant %+v", g, w)
	}
}
