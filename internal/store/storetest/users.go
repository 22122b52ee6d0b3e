package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

func testUserCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("Alice")
	u.Admin, u.MustChangePassword = true, true
	noErr(t, "CreateUser", s.CreateUser(ctx, u))

	got, err := s.GetUser(ctx, u.ID)
	noErr(t, "GetUser", err)
	checkUser(t, got, u)
	for _, name := range []string{"Alice", "alice", "ALICE", "aLiCe"} {
		got, err := s.GetUserByUsername(ctx, name)
		noErr(t, "GetUserByUsername("+name+")", err)
		checkUser(t, got, u)
	}

	d := newUser("dora")
	d.DisplayName, d.Provider, d.PasswordHash, d.Disabled = "", "oidc", "", true
	noErr(t, "CreateUser", s.CreateUser(ctx, d))
	got, err = s.GetUser(ctx, d.ID)
	noErr(t, "GetUser", err)
	checkUser(t, got, d)

	n, err := s.CountUsers(ctx)
	noErr(t, "CountUsers", err)
	if n != 2 {
		t.Errorf("CountUsers = %d, want 2", n)
	}
}

func testUserConflicts(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := mustCreateUser(t, s, "alice")
	for _, name := range []string{"alice", "Alice", "ALICE"} {
		wantErr(t, "CreateUser("+name+")", s.CreateUser(ctx, newUser(name)), store.ErrConflict)
	}
	dup := newUser("someone-else")
	dup.ID = a.ID
	wantErr(t, "CreateUser(same ID)", s.CreateUser(ctx, dup), store.ErrConflict)

	mustCreateUser(t, s, "Ölaf")
	wantErr(t, "CreateUser(ölaf)", s.CreateUser(ctx, newUser("ölaf")), store.ErrConflict)
	got, err := s.GetUserByUsername(ctx, "ÖLAF")
	noErr(t, "GetUserByUsername(ÖLAF)", err)
	if got.Username != "Ölaf" {
		t.Errorf("username %q, want the original spelling Ölaf", got.Username)
	}

	n, err := s.CountUsers(ctx)
	noErr(t, "CountUsers", err)
	if n != 2 {
		t.Errorf("CountUsers = %d after conflicts, want 2", n)
	}
}

func testUserNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreateUser(t, s, "alice")
	_, err := s.GetUser(ctx, "missing")
	wantErr(t, "GetUser", err, store.ErrNotFound)
	_, err = s.GetUserByUsername(ctx, "bob")
	wantErr(t, "GetUserByUsername", err, store.ErrNotFound)
	_, err = s.GetUserByUsername(ctx, "alic%")
	wantErr(t, "GetUserByUsername(alic%)", err, store.ErrNotFound)
	called := false
	_, err = s.UpdateUser(ctx, "missing", func(*model.User) error { called = true; return nil })
	wantErr(t, "UpdateUser", err, store.ErrNotFound)
	if called {
		t.Error("UpdateUser called fn for a missing user")
	}
	wantErr(t, "DeleteUser", s.DeleteUser(ctx, "missing"), store.ErrNotFound)
}

func testUserUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := mustCreateUser(t, s, "alice")
	mustCreateUser(t, s, "bob")

	want := *u
	want.Username, want.DisplayName, want.Admin = "ALICE", "Alice Liddell", true
	want.PasswordHash, want.MustChangePassword, want.UpdatedAt = "new-hash", true, at(time.Hour)
	got, err := s.UpdateUser(ctx, u.ID, func(u *model.User) error {
		u.Username, u.DisplayName, u.Admin = "ALICE", "Alice Liddell", true
		u.PasswordHash, u.MustChangePassword, u.UpdatedAt = "new-hash", true, at(time.Hour)
		return nil
	})
	noErr(t, "UpdateUser", err)
	checkUser(t, got, &want)
	stored, err := s.GetUserByUsername(ctx, "alice")
	noErr(t, "GetUserByUsername", err)
	checkUser(t, stored, &want)

	// A failing fn, a rename onto another user and an ID change all leave
	// the user as it was.
	boom := errors.New("boom")
	_, err = s.UpdateUser(ctx, u.ID, func(u *model.User) error { u.DisplayName = "lost"; return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateUser with failing fn: error %v, want %v", err, boom)
	}
	_, err = s.UpdateUser(ctx, u.ID, func(u *model.User) error { u.Username, u.DisplayName = "Bob", "lost"; return nil })
	wantErr(t, "UpdateUser(rename onto bob)", err, store.ErrConflict)
	_, err = s.UpdateUser(ctx, u.ID, func(u *model.User) error { u.ID, u.DisplayName = "other-id", "lost"; return nil })
	if err == nil {
		t.Fatal("UpdateUser accepted a changed ID")
	}
	stored, err = s.GetUser(ctx, u.ID)
	noErr(t, "GetUser", err)
	checkUser(t, stored, &want)
	_, err = s.GetUser(ctx, "other-id")
	wantErr(t, "GetUser(other-id)", err, store.ErrNotFound)
}

func testUserDisableDeletesTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := mustCreateUser(t, s, "alice")
	bob := mustCreateUser(t, s, "bob")
	var aliceTokens []*model.Token
	for range 3 {
		aliceTokens = append(aliceTokens, mustCreateToken(t, s, alice.ID, model.TokenSession, at(0), at(time.Hour)))
	}
	bobToken := mustCreateToken(t, s, bob.ID, model.TokenAPI, at(0), at(time.Hour))

	// An update that keeps the user enabled keeps the tokens.
	_, err := s.UpdateUser(ctx, alice.ID, func(u *model.User) error { u.DisplayName = "A"; return nil })
	noErr(t, "UpdateUser", err)
	if _, _, err := s.Authenticate(ctx, aliceTokens[0].Hash, at(time.Minute)); err != nil {
		t.Fatalf("Authenticate after a harmless update: %v", err)
	}

	got, err := s.UpdateUser(ctx, alice.ID, func(u *model.User) error { u.Disabled = true; return nil })
	noErr(t, "UpdateUser(disable)", err)
	if !got.Disabled {
		t.Fatal("UpdateUser returned an enabled user")
	}
	for _, tok := range aliceTokens {
		_, err := s.GetToken(ctx, tok.ID)
		wantErr(t, "GetToken of disabled user", err, store.ErrNotFound)
		_, _, err = s.Authenticate(ctx, tok.Hash, at(time.Minute))
		wantErr(t, "Authenticate of disabled user", err, store.ErrNotFound)
	}
	if _, _, err := s.Authenticate(ctx, bobToken.Hash, at(time.Minute)); err != nil {
		t.Fatalf("another user's token stopped working: %v", err)
	}

	// Re-enabling does not bring tokens back.
	_, err = s.UpdateUser(ctx, alice.ID, func(u *model.User) error { u.Disabled = false; return nil })
	noErr(t, "UpdateUser(enable)", err)
	toks, err := s.ListTokens(ctx, alice.ID, "", at(0))
	noErr(t, "ListTokens", err)
	if len(toks) != 0 {
		t.Fatalf("re-enabled user has %d tokens, want 0", len(toks))
	}
}

func testUserDeleteCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := mustCreateUser(t, s, "alice")
	bob := mustCreateUser(t, s, "bob")
	a1 := mustCreateToken(t, s, alice.ID, model.TokenSession, at(0), at(time.Hour))
	a2 := mustCreateToken(t, s, alice.ID, model.TokenAPI, at(0), at(time.Hour))
	b1 := mustCreateToken(t, s, bob.ID, model.TokenAPI, at(0), at(time.Hour))

	noErr(t, "DeleteUser", s.DeleteUser(ctx, alice.ID))
	_, err := s.GetUser(ctx, alice.ID)
	wantErr(t, "GetUser after delete", err, store.ErrNotFound)
	for _, tok := range []*model.Token{a1, a2} {
		_, err := s.GetToken(ctx, tok.ID)
		wantErr(t, "GetToken after user delete", err, store.ErrNotFound)
	}
	_, err = s.GetToken(ctx, b1.ID)
	noErr(t, "GetToken of another user", err)
	wantErr(t, "DeleteUser again", s.DeleteUser(ctx, alice.ID), store.ErrNotFound)

	// The username is free again.
	mustCreateUser(t, s, "Alice")
	n, err := s.CountUsers(ctx)
	noErr(t, "CountUsers", err)
	if n != 2 {
		t.Errorf("CountUsers = %d, want 2", n)
	}
}

// listAllUsers follows Next links with page size limit.
func listAllUsers(t *testing.T, s store.Store, query string, limit int) (names []string, pages int) {
	t.Helper()
	after := ""
	for {
		users, next, err := s.ListUsers(t.Context(), query, store.Page{Limit: limit, After: after})
		noErr(t, "ListUsers", err)
		pages++
		if limit > 0 && len(users) > limit {
			t.Fatalf("page of %d users, limit %d", len(users), limit)
		}
		for _, u := range users {
			names = append(names, u.Username)
		}
		if next == "" {
			return names, pages
		}
		if len(users) == 0 {
			t.Fatal("empty page with a Next cursor")
		}
		if pages > 1000 {
			t.Fatal("pagination does not terminate")
		}
		after = next
	}
}

func testUserListPagination(t *testing.T, s store.Store) {
	var want []string
	for i := range 25 {
		name := fmt.Sprintf("user%02d", (i*7)%25) // created out of order
		if i%3 == 0 {
			name = strings.ToUpper(name)
		}
		mustCreateUser(t, s, name)
		want = append(want, name)
	}
	slices.SortFunc(want, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })

	for _, limit := range []int{1, 7, 10, 25, 26, 0} {
		got, pages := listAllUsers(t, s, "", limit)
		if !slices.Equal(got, want) {
			t.Fatalf("limit %d: listed\n%v\nwant\n%v", limit, got, want)
		}
		wantPages := 1
		if limit > 0 {
			wantPages = (25 + limit - 1) / limit
		}
		if pages != wantPages {
			t.Errorf("limit %d: %d pages, want %d (a full last page must not be followed by an empty one)", limit, pages, wantPages)
		}
	}
}

func testUserListQuery(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, u := range []struct{ name, display string }{
		{"alice", "Alice Liddell"},
		{"bob", "Robert Paulson"},
		{"carol_x", "Carol 100%"},
		{"carolyx", "Carol Ann"},
		{"ärger", "ÜBER Ärger"},
		{"bang!", "Exclaim"},
		{"dave", "D'Artagnan"},
	} {
		usr := newUser(u.name)
		usr.DisplayName = u.display
		noErr(t, "CreateUser", s.CreateUser(ctx, usr))
	}
	tests := map[string][]string{
		"":        {"alice", "ärger", "bang!", "bob", "carol_x", "carolyx", "dave"},
		"LIDDELL": {"alice"},
		"ob":      {"bob"},
		"carol":   {"carol_x", "carolyx"},
		"_":       {"carol_x"},
		"l_x":     {"carol_x"},
		"%":       {"carol_x"},
		"100%":    {"carol_x"},
		"!":       {"bang!"},
		"!!":      nil,
		"ÄRG":     {"ärger"},
		"über":    {"ärger"},
		"d'art":   {"dave"},
		"zzz":     nil,
		"*":       nil,
		"a%e":     nil,
	}
	for query, want := range tests {
		for _, limit := range []int{0, 1} {
			got, _ := listAllUsers(t, s, query, limit)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("ListUsers(%q, limit %d) = %q, want %q", query, limit, got, want)
			}
		}
	}
}

func testUserListLimits(t *testing.T, s store.Store) {
	ctx := t.Context()
	total := store.MaxLimit + 1
	var wg errGroup
	for i := range total {
		wg.Go(func() error { return s.CreateUser(ctx, newUser(fmt.Sprintf("u%04d", i))) })
		if i%50 == 49 {
			noErr(t, "CreateUser", wg.Wait())
		}
	}
	noErr(t, "CreateUser", wg.Wait())

	for _, tc := range []struct{ limit, want int }{
		{0, store.DefaultLimit}, {-5, store.DefaultLimit}, {3, 3}, {store.MaxLimit, store.MaxLimit},
		{store.MaxLimit + 1, store.MaxLimit}, {1 << 30, store.MaxLimit},
	} {
		users, next, err := s.ListUsers(ctx, "", store.Page{Limit: tc.limit})
		noErr(t, "ListUsers", err)
		if len(users) != tc.want || next == "" {
			t.Errorf("ListUsers(limit %d): %d users, next %q; want %d and a cursor", tc.limit, len(users), next, tc.want)
		}
	}
	users, next, err := s.ListUsers(ctx, "", store.Page{Limit: store.MaxLimit, After: mustNext(t, s)})
	noErr(t, "ListUsers", err)
	if len(users) != 1 || next != "" || users[0].Username != fmt.Sprintf("u%04d", total-1) {
		t.Errorf("last page: %d users, next %q", len(users), next)
	}
}

func mustNext(t *testing.T, s store.Store) string {
	_, next, err := s.ListUsers(t.Context(), "", store.Page{Limit: store.MaxLimit})
	noErr(t, "ListUsers", err)
	return next
}
