package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Fixtures of identity providers.

func newProvider(name string) *model.Provider {
	return &model.Provider{
		Name: name, Type: model.ProviderTypeLDAP, DisplayName: "Provider " + name, Enabled: true,
		AccessMode: model.AccessRestricted, AllowedUsers: []string{"alice", "Bob"},
		AllowedGroups: []string{"devs", "Ops team"},
		// Not in any canonical form: the store keeps it byte for byte.
		Config:    json.RawMessage(`{"url": "ldaps://ldap.example.com:636", "port":636, "nested":{"a":[1, 2.5, null, "ü"]}}`),
		CreatedAt: at(0), UpdatedAt: at(time.Second),
	}
}

func mustCreateProvider(t *testing.T, s store.Store, name string) *model.Provider {
	t.Helper()
	p := newProvider(name)
	noErr(t, "CreateProvider("+name+")", s.CreateProvider(t.Context(), p))
	return p
}

// mustCreateLinkedUser creates a user with no provider groups of its own.
func mustCreateLinkedUser(t *testing.T, s store.Store, username string) *model.User {
	t.Helper()
	u := newUser(username)
	u.ProviderGroups = nil
	noErr(t, "CreateUser("+username+")", s.CreateUser(t.Context(), u))
	return u
}

func newIdentity(provider, subject, userID string, refreshed time.Time, groups ...string) *model.Identity {
	return &model.Identity{
		Provider: provider, Subject: subject, UserID: userID, Username: "name-of-" + subject,
		Groups: groups, RefreshedAt: refreshed, CreatedAt: at(-time.Hour),
	}
}

func mustPutIdentity(t *testing.T, s store.Store, id *model.Identity) *model.Identity {
	t.Helper()
	noErr(t, "PutIdentity("+id.Provider+", "+id.Subject+")", s.PutIdentity(t.Context(), id))
	return id
}

func checkProvider(t *testing.T, got, want *model.Provider) {
	t.Helper()
	if got == nil {
		t.Fatalf("provider %q: got nil", want.Name)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	sameStrings(t, "AllowedUsers", got.AllowedUsers, want.AllowedUsers)
	sameStrings(t, "AllowedGroups", got.AllowedGroups, want.AllowedGroups)
	if string(got.Config) != string(want.Config) {
		t.Errorf("provider %q Config = %s, want %s", want.Name, got.Config, want.Config)
	}
	if got.Name != want.Name || got.Type != want.Type || got.DisplayName != want.DisplayName ||
		got.Enabled != want.Enabled || got.AccessMode != want.AccessMode {
		t.Errorf("provider mismatch:\n got %+v\nwant %+v", got, want)
	}
}

func checkIdentity(t *testing.T, got, want *model.Identity) {
	t.Helper()
	if got == nil {
		t.Fatalf("identity %q: got nil", want.Subject)
	}
	sameTime(t, "RefreshedAt", got.RefreshedAt, want.RefreshedAt)
	sameTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	sameStrings(t, "identity "+want.Subject+" Groups", got.Groups, want.Groups)
	if got.Provider != want.Provider || got.Subject != want.Subject || got.UserID != want.UserID ||
		got.Username != want.Username {
		t.Errorf("identity mismatch:\n got %+v\nwant %+v", got, want)
	}
}

// providerGroupsOf checks the provider groups every user read returns.
func providerGroupsOf(t *testing.T, s store.Store, u *model.User, want ...string) {
	t.Helper()
	ctx := t.Context()
	got, err := s.GetUser(ctx, u.ID)
	noErr(t, "GetUser("+u.Username+")", err)
	sameStrings(t, "GetUser("+u.Username+").ProviderGroups", got.ProviderGroups, want)
	got, err = s.GetUserByUsername(ctx, u.Username)
	noErr(t, "GetUserByUsername("+u.Username+")", err)
	sameStrings(t, "GetUserByUsername("+u.Username+").ProviderGroups", got.ProviderGroups, want)
	listed, _, err := s.ListUsers(ctx, u.Username, store.Page{})
	noErr(t, "ListUsers("+u.Username+")", err)
	i := slices.IndexFunc(listed, func(l model.User) bool { return l.ID == u.ID })
	if i < 0 {
		t.Fatalf("ListUsers(%q) misses the user", u.Username)
	}
	sameStrings(t, "ListUsers("+u.Username+").ProviderGroups", listed[i].ProviderGroups, want)
}

func testProviderCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps, err := s.ListProviders(ctx)
	noErr(t, "ListProviders (empty)", err)
	if len(ps) != 0 {
		t.Fatalf("ListProviders of an empty store = %+v", ps)
	}

	ldap := mustCreateProvider(t, s, "Corp-LDAP")
	got, err := s.GetProvider(ctx, "Corp-LDAP")
	noErr(t, "GetProvider", err)
	checkProvider(t, got, ldap)

	wantErr(t, "CreateProvider(duplicate)", s.CreateProvider(ctx, newProvider("Corp-LDAP")), store.ErrConflict)
	wantErr(t, "CreateProvider(duplicate, other case)", s.CreateProvider(ctx, newProvider("corp-ldap")),
		store.ErrConflict)
	_, err = s.GetProvider(ctx, "missing")
	wantErr(t, "GetProvider(missing)", err, store.ErrNotFound)
	if err := s.CreateProvider(ctx, &model.Provider{}); err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateProvider(no name) = %v, want a validation error", err)
	}
	bad := newProvider("bad")
	bad.Config = json.RawMessage(`{"url": `)
	if err := s.CreateProvider(ctx, bad); err == nil {
		t.Error("CreateProvider with a malformed config succeeded")
	}
	_, err = s.GetProvider(ctx, "bad")
	wantErr(t, "GetProvider(bad)", err, store.ErrNotFound)

	// No config, and a JSON null one, read back as an empty object; empty
	// lists as empty.
	for _, cfg := range []json.RawMessage{nil, json.RawMessage("null")} {
		p := &model.Provider{Name: "bare-" + strconv.Itoa(len(cfg)), Type: model.ProviderTypeOIDC,
			AccessMode: model.AccessAll, Config: cfg, CreatedAt: at(0), UpdatedAt: at(0)}
		noErr(t, "CreateProvider("+p.Name+")", s.CreateProvider(ctx, p))
		got, err := s.GetProvider(ctx, p.Name)
		noErr(t, "GetProvider("+p.Name+")", err)
		want := *p
		want.Config = json.RawMessage("{}")
		checkProvider(t, got, &want)
		noErr(t, "DeleteProvider("+p.Name+")", s.DeleteProvider(ctx, p.Name))
	}

	gh := mustCreateProvider(t, s, "a-github")
	oidc := mustCreateProvider(t, s, "B-oidc")
	ps, err = s.ListProviders(ctx)
	noErr(t, "ListProviders", err)
	if len(ps) != 3 {
		t.Fatalf("ListProviders = %d providers, want 3", len(ps))
	}
	for i, want := range []*model.Provider{gh, oidc, ldap} {
		checkProvider(t, &ps[i], want)
	}

	want := *ldap
	want.DisplayName, want.Enabled, want.AccessMode = "Corporate", false, model.AccessAll
	want.AllowedUsers, want.AllowedGroups = nil, []string{"admins"}
	want.Config = json.RawMessage(`{"url":"ldaps://other"}`)
	want.UpdatedAt = at(time.Hour)
	updated, err := s.UpdateProvider(ctx, ldap.Name, func(p *model.Provider) error {
		checkProvider(t, p, ldap)
		p.DisplayName, p.Enabled, p.AccessMode = want.DisplayName, want.Enabled, want.AccessMode
		p.AllowedUsers, p.AllowedGroups, p.Config, p.UpdatedAt = nil, []string{"admins"}, want.Config, want.UpdatedAt
		return nil
	})
	noErr(t, "UpdateProvider", err)
	checkProvider(t, updated, &want)
	got, err = s.GetProvider(ctx, ldap.Name)
	noErr(t, "GetProvider after update", err)
	checkProvider(t, got, &want)

	_, err = s.UpdateProvider(ctx, ldap.Name, func(p *model.Provider) error { p.Name = "renamed"; return nil })
	if err == nil {
		t.Error("UpdateProvider changed the name")
	}
	errAbort := errors.New("abort")
	_, err = s.UpdateProvider(ctx, ldap.Name, func(p *model.Provider) error { p.DisplayName = "x"; return errAbort })
	wantErr(t, "UpdateProvider(fn fails)", err, errAbort)
	got, err = s.GetProvider(ctx, ldap.Name)
	noErr(t, "GetProvider after failed updates", err)
	checkProvider(t, got, &want)
	_, err = s.UpdateProvider(ctx, "missing", func(*model.Provider) error { return nil })
	wantErr(t, "UpdateProvider(missing)", err, store.ErrNotFound)

	noErr(t, "DeleteProvider", s.DeleteProvider(ctx, gh.Name))
	wantErr(t, "DeleteProvider again", s.DeleteProvider(ctx, gh.Name), store.ErrNotFound)
	_, err = s.GetProvider(ctx, gh.Name)
	wantErr(t, "GetProvider(deleted)", err, store.ErrNotFound)
	mustCreateProvider(t, s, gh.Name) // the name is free again
}

func testIdentities(t *testing.T, s store.Store) {
	ctx := t.Context()
	ldap, oidc := mustCreateProvider(t, s, "ldap"), mustCreateProvider(t, s, "oidc")
	alice, bob := mustCreateLinkedUser(t, s, "alice"), mustCreateLinkedUser(t, s, "bob")
	tok := mustCreateToken(t, s, alice.ID, model.TokenSession, at(0), at(time.Hour))

	_, err := s.GetIdentity(ctx, ldap.Name, "uid-1")
	wantErr(t, "GetIdentity(missing)", err, store.ErrNotFound)
	wantErr(t, "PutIdentity(missing provider)",
		s.PutIdentity(ctx, newIdentity("nope", "uid-1", alice.ID, at(0), "devs")), store.ErrNotFound)
	wantErr(t, "PutIdentity(missing user)",
		s.PutIdentity(ctx, newIdentity(ldap.Name, "uid-1", "no-such-user", at(0), "devs")), store.ErrNotFound)
	if err := s.PutIdentity(ctx, newIdentity(ldap.Name, "", alice.ID, at(0))); err == nil {
		t.Error("PutIdentity with no subject succeeded")
	}
	_, err = s.GetIdentity(ctx, ldap.Name, "uid-1")
	wantErr(t, "GetIdentity after failed puts", err, store.ErrNotFound)
	providerGroupsOf(t, s, alice)

	// Groups come back prefixed, sorted (bytewise) and distinct; the
	// identity keeps them as given.
	id1 := mustPutIdentity(t, s, newIdentity(ldap.Name, "uid-1", alice.ID, at(time.Minute), "devs", "Ops", "devs"))
	got, err := s.GetIdentity(ctx, ldap.Name, "uid-1")
	noErr(t, "GetIdentity", err)
	checkIdentity(t, got, id1)
	providerGroupsOf(t, s, alice, "ldap:Ops", "ldap:devs")
	_, authUser, err := s.Authenticate(ctx, tok.Hash, at(time.Minute))
	noErr(t, "Authenticate", err)
	sameStrings(t, "Authenticate's user ProviderGroups", authUser.ProviderGroups, []string{"ldap:Ops", "ldap:devs"})

	// A second provider's groups join the first's.
	mustPutIdentity(t, s, newIdentity(oidc.Name, "sub-a", alice.ID, at(time.Minute), "admins", "devs"))
	providerGroupsOf(t, s, alice, "ldap:Ops", "ldap:devs", "oidc:admins", "oidc:devs")
	providerGroupsOf(t, s, bob)

	// Putting again replaces the identity; fewer groups shrink the user's.
	id1b := newIdentity(ldap.Name, "uid-1", alice.ID, at(time.Hour), "devs")
	id1b.Username, id1b.CreatedAt = "alice.renamed", at(-2*time.Hour)
	mustPutIdentity(t, s, id1b)
	got, err = s.GetIdentity(ctx, ldap.Name, "uid-1")
	noErr(t, "GetIdentity after replace", err)
	checkIdentity(t, got, id1b)
	providerGroupsOf(t, s, alice, "ldap:devs", "oidc:admins", "oidc:devs")
	mustPutIdentity(t, s, newIdentity(ldap.Name, "uid-1", alice.ID, at(2*time.Hour)))
	providerGroupsOf(t, s, alice, "oidc:admins", "oidc:devs")

	// A user change keeps the provider groups (UpdateUser is a
	// read-modify-write).
	_, err = s.UpdateUser(ctx, alice.ID, func(u *model.User) error { u.DisplayName = "Alice"; return nil })
	noErr(t, "UpdateUser", err)
	providerGroupsOf(t, s, alice, "oidc:admins", "oidc:devs")

	// Relinking a subject to another user moves its groups.
	id2b := newIdentity(oidc.Name, "sub-a", bob.ID, at(3*time.Hour), "admins")
	mustPutIdentity(t, s, id2b)
	got, err = s.GetIdentity(ctx, oidc.Name, "sub-a")
	noErr(t, "GetIdentity after relink", err)
	checkIdentity(t, got, id2b)
	providerGroupsOf(t, s, alice)
	providerGroupsOf(t, s, bob, "oidc:admins")

	// Identities are per provider: the same subject elsewhere is another.
	_, err = s.GetIdentity(ctx, oidc.Name, "uid-1")
	wantErr(t, "GetIdentity(other provider)", err, store.ErrNotFound)
}

func testProviderDeleteCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	ldap, oidc := mustCreateProvider(t, s, "ldap"), mustCreateProvider(t, s, "oidc")
	alice, bob := mustCreateLinkedUser(t, s, "alice"), mustCreateLinkedUser(t, s, "bob")
	mustPutIdentity(t, s, newIdentity(ldap.Name, "a", alice.ID, at(0), "devs"))
	aliceOIDC := mustPutIdentity(t, s, newIdentity(oidc.Name, "a", alice.ID, at(0), "admins"))
	mustPutIdentity(t, s, newIdentity(ldap.Name, "b", bob.ID, at(0), "ops"))
	providerGroupsOf(t, s, alice, "ldap:devs", "oidc:admins")
	providerGroupsOf(t, s, bob, "ldap:ops")

	noErr(t, "DeleteProvider(ldap)", s.DeleteProvider(ctx, ldap.Name))
	for _, sub := range []string{"a", "b"} {
		_, err := s.GetIdentity(ctx, ldap.Name, sub)
		wantErr(t, "GetIdentity of a deleted provider", err, store.ErrNotFound)
	}
	providerGroupsOf(t, s, alice, "oidc:admins")
	providerGroupsOf(t, s, bob)
	got, err := s.GetIdentity(ctx, oidc.Name, "a")
	noErr(t, "GetIdentity(oidc) after deleting ldap", err)
	checkIdentity(t, got, aliceOIDC)
	n, err := s.CountUsers(ctx)
	noErr(t, "CountUsers", err)
	if n != 2 {
		t.Errorf("CountUsers after DeleteProvider = %d, want 2 (users stay)", n)
	}

	// A provider recreated under the name starts with no identities.
	mustCreateProvider(t, s, ldap.Name)
	ids, err := s.ListIdentities(ctx, ldap.Name, time.Time{}, 0)
	noErr(t, "ListIdentities(recreated)", err)
	if len(ids) != 0 {
		t.Errorf("recreated provider has identities %+v", ids)
	}

	// Deleting a user removes their identities.
	noErr(t, "DeleteUser(alice)", s.DeleteUser(ctx, alice.ID))
	_, err = s.GetIdentity(ctx, oidc.Name, "a")
	wantErr(t, "GetIdentity of a deleted user", err, store.ErrNotFound)
	ids, err = s.ListIdentities(ctx, oidc.Name, time.Time{}, 0)
	noErr(t, "ListIdentities(oidc)", err)
	if len(ids) != 0 {
		t.Errorf("identities of a deleted user: %+v", ids)
	}
	noErr(t, "DeleteProvider(oidc)", s.DeleteProvider(ctx, oidc.Name))
}

func identitySubjects(ids []model.Identity) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.Subject
	}
	return out
}

func testListIdentities(t *testing.T, s store.Store) {
	ctx := t.Context()
	p, other := mustCreateProvider(t, s, "ldap"), mustCreateProvider(t, s, "other")
	alice, bob := mustCreateLinkedUser(t, s, "alice"), mustCreateLinkedUser(t, s, "bob")
	// Inserted out of order; s-b and s-a share a refresh time.
	byRefresh := map[string]time.Duration{"s-d": 3, "s-b": 1, "s-e": 4, "s-a": 1, "s-c": 2, "s-0": 0}
	for _, sub := range []string{"s-d", "s-b", "s-e", "s-a", "s-c", "s-0"} {
		owner := alice.ID
		if sub > "s-b" {
			owner = bob.ID
		}
		mustPutIdentity(t, s, newIdentity(p.Name, sub, owner, at(byRefresh[sub]*time.Minute), "g-"+sub))
	}
	mustPutIdentity(t, s, newIdentity(other.Name, "s-x", alice.ID, at(0), "x"))

	list := func(before time.Time, limit int, want ...string) {
		t.Helper()
		ids, err := s.ListIdentities(ctx, p.Name, before, limit)
		noErr(t, "ListIdentities", err)
		if got := identitySubjects(ids); !slices.Equal(got, want) {
			t.Errorf("ListIdentities(before %v, limit %d) = %q, want %q", before, limit, got, want)
		}
	}
	all := []string{"s-0", "s-a", "s-b", "s-c", "s-d", "s-e"}
	list(time.Time{}, 0, all...)
	list(time.Time{}, -1, all...)
	list(time.Time{}, 100, all...)
	list(time.Time{}, 2, "s-0", "s-a")
	list(at(2*time.Minute), 0, "s-0", "s-a", "s-b") // before is exclusive
	list(at(2*time.Minute), 1, "s-0")
	list(at(-time.Minute), 0)

	ids, err := s.ListIdentities(ctx, p.Name, time.Time{}, 1)
	noErr(t, "ListIdentities(limit 1)", err)
	if len(ids) == 1 {
		checkIdentity(t, &ids[0], newIdentity(p.Name, "s-0", alice.ID, at(0), "g-s-0"))
	}
	ids, err = s.ListIdentities(ctx, "missing", time.Time{}, 0)
	noErr(t, "ListIdentities(missing provider)", err)
	if len(ids) != 0 {
		t.Errorf("ListIdentities(missing provider) = %+v", ids)
	}
}

func testSearchGroups(t *testing.T, s store.Store) {
	ctx := t.Context()
	ldap, oidc := mustCreateProvider(t, s, "ldap"), mustCreateProvider(t, s, "oidc")
	u1, u2, u3 := mustCreateLinkedUser(t, s, "u1"), mustCreateLinkedUser(t, s, "u2"), mustCreateLinkedUser(t, s, "u3")
	mustPutIdentity(t, s, newIdentity(ldap.Name, "1", u1.ID, at(0), "Devs", "ops"))
	mustPutIdentity(t, s, newIdentity(ldap.Name, "2", u2.ID, at(0), "devs-west", "ops", "100%_lit"))
	mustPutIdentity(t, s, newIdentity(oidc.Name, "3", u3.ID, at(0), "DevOps", "admins"))
	mustPutIdentity(t, s, newIdentity(oidc.Name, "4", u1.ID, at(0)))

	search := func(provider, query string, limit int, want ...string) {
		t.Helper()
		got, err := s.SearchGroups(ctx, provider, query, limit)
		noErr(t, "SearchGroups", err)
		if !slices.Equal(got, want) {
			t.Errorf("SearchGroups(%q, %q, %d) = %q, want %q", provider, query, limit, got, want)
		}
	}
	search("", "", 0, "ldap:100%_lit", "ldap:Devs", "ldap:devs-west", "ldap:ops", "oidc:DevOps", "oidc:admins")
	search("", "dev", 0, "ldap:Devs", "ldap:devs-west", "oidc:DevOps")
	search("", "DEV", 2, "ldap:Devs", "ldap:devs-west")
	search("ldap", "dev", 0, "ldap:Devs", "ldap:devs-west")
	search("ldap", "", 0, "ldap:100%_lit", "ldap:Devs", "ldap:devs-west", "ldap:ops")
	search("", "OPS", 0, "ldap:ops", "oidc:DevOps")
	search("", "%_", 0, "ldap:100%_lit") // literal, not a pattern
	search("", "_", 0, "ldap:100%_lit")
	search("oidc", "ldap", 0) // the prefix is not part of the group's name...
	search("", "ldap:o", 0, "ldap:ops")
	search("oidc", "ldap:o", 0) // ...but a query naming it matches whole names
	search("missing", "", 0)
	search("", "nothing", 0)
}

func testDeleteProviderSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	ldap, oidc := mustCreateProvider(t, s, "ldap"), mustCreateProvider(t, s, "oidc")
	alice, bob, carol := mustCreateLinkedUser(t, s, "alice"), mustCreateLinkedUser(t, s, "bob"),
		mustCreateLinkedUser(t, s, "carol")
	mustPutIdentity(t, s, newIdentity(ldap.Name, "a", alice.ID, at(0), "devs"))
	mustPutIdentity(t, s, newIdentity(ldap.Name, "a2", alice.ID, at(0)))
	mustPutIdentity(t, s, newIdentity(oidc.Name, "b", bob.ID, at(0), "devs"))
	for _, u := range []*model.User{alice, alice, bob, carol} {
		mustCreateToken(t, s, u.ID, model.TokenSession, at(0), at(time.Hour))
	}
	mustCreateToken(t, s, alice.ID, model.TokenAPI, at(0), at(time.Hour))

	tokens := func(u *model.User) int {
		t.Helper()
		l, err := s.ListTokens(ctx, u.ID, "", at(time.Minute))
		noErr(t, "ListTokens", err)
		return len(l)
	}
	n, err := s.DeleteProviderSessions(ctx, ldap.Name)
	noErr(t, "DeleteProviderSessions(ldap)", err)
	if n != 3 {
		t.Errorf("DeleteProviderSessions(ldap) = %d, want 3", n)
	}
	if a, b, c := tokens(alice), tokens(bob), tokens(carol); a != 0 || b != 1 || c != 1 {
		t.Errorf("tokens left: alice %d, bob %d, carol %d; want 0, 1, 1", a, b, c)
	}
	n, err = s.DeleteProviderSessions(ctx, ldap.Name)
	noErr(t, "DeleteProviderSessions(ldap) again", err)
	if n != 0 {
		t.Errorf("DeleteProviderSessions(ldap) again = %d, want 0", n)
	}
	n, err = s.DeleteProviderSessions(ctx, "missing")
	noErr(t, "DeleteProviderSessions(missing)", err)
	if n != 0 {
		t.Errorf("DeleteProviderSessions(missing) = %d, want 0", n)
	}
	if b, c := tokens(bob), tokens(carol); b != 1 || c != 1 {
		t.Errorf("tokens left: bob %d, carol %d; want 1, 1", b, c)
	}
	// The users stay, linked.
	_, err = s.GetIdentity(ctx, ldap.Name, "a")
	noErr(t, "GetIdentity after DeleteProviderSessions", err)
}

func testProviderRevision(t *testing.T, s store.Store) {
	ctx := t.Context()
	rev := func() int64 {
		t.Helper()
		n, err := s.AccessRevision(ctx)
		noErr(t, "AccessRevision", err)
		return n
	}
	step := func(what string, bumps bool, fn func() error) {
		t.Helper()
		before := rev()
		noErr(t, what, fn())
		after := rev()
		switch {
		case bumps && after <= before:
			t.Errorf("%s: revision %d -> %d, want it to grow", what, before, after)
		case !bumps && after != before:
			t.Errorf("%s (a read): revision %d -> %d, want it unchanged", what, before, after)
		}
	}
	write := func(what string, fn func() error) { step(what, true, fn) }
	read := func(what string, fn func() error) { step(what, false, fn) }
	ignore := func(_ any, err error) error { return err }

	u := mustCreateLinkedUser(t, s, "alice")
	p := newProvider("ldap")
	id := newIdentity(p.Name, "a", u.ID, at(0), "devs")
	write("CreateProvider", func() error { return s.CreateProvider(ctx, p) })
	write("UpdateProvider", func() error {
		return ignore(s.UpdateProvider(ctx, p.Name, func(p *model.Provider) error { p.DisplayName = "x"; return nil }))
	})
	write("PutIdentity", func() error { return s.PutIdentity(ctx, id) })
	write("PutIdentity(again)", func() error { return s.PutIdentity(ctx, id) })
	read("reads", func() error {
		return errors.Join(
			ignore(s.GetProvider(ctx, p.Name)), ignore(s.ListProviders(ctx)),
			ignore(s.GetIdentity(ctx, p.Name, id.Subject)), ignore(s.ListIdentities(ctx, p.Name, time.Time{}, 0)),
			ignore(s.SearchGroups(ctx, "", "", 0)))
	})
	before := rev()
	if err := s.PutIdentity(ctx, newIdentity("missing", "a", u.ID, at(0))); err == nil {
		t.Error("PutIdentity(missing provider) succeeded")
	}
	if after := rev(); after != before {
		t.Errorf("a failed PutIdentity moved the revision %d -> %d", before, after)
	}
	mustCreateToken(t, s, u.ID, model.TokenSession, at(0), at(time.Hour))
	write("DeleteProviderSessions", func() error { return ignore(s.DeleteProviderSessions(ctx, p.Name)) })
	write("DeleteProvider", func() error { return s.DeleteProvider(ctx, p.Name) })
}
