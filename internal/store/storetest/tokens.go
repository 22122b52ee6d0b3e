package storetest

import (
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

func testTokenCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := mustCreateUser(t, s, "alice")
	tok := newToken(u.ID, model.TokenAPI, at(0), at(24*time.Hour))
	noErr(t, "CreateToken", s.CreateToken(ctx, tok))
	got, err := s.GetToken(ctx, tok.ID)
	noErr(t, "GetToken", err)
	checkToken(t, got, tok)

	used := newToken(u.ID, model.TokenSession, at(0), at(time.Hour))
	used.LastUsedAt = at(time.Minute)
	noErr(t, "CreateToken", s.CreateToken(ctx, used))
	got, err = s.GetToken(ctx, used.ID)
	noErr(t, "GetToken", err)
	checkToken(t, got, used)

	// GetToken returns expired tokens too.
	old := mustCreateToken(t, s, u.ID, model.TokenSession, at(-2*time.Hour), at(-time.Hour))
	_, err = s.GetToken(ctx, old.ID)
	noErr(t, "GetToken(expired)", err)

	_, err = s.GetToken(ctx, "missing")
	wantErr(t, "GetToken(missing)", err, store.ErrNotFound)
	wantErr(t, "CreateToken(no such user)",
		s.CreateToken(ctx, newToken("no-such-user", model.TokenAPI, at(0), at(time.Hour))), store.ErrNotFound)
	dupID := newToken(u.ID, model.TokenAPI, at(0), at(time.Hour))
	dupID.ID = tok.ID
	wantErr(t, "CreateToken(duplicate ID)", s.CreateToken(ctx, dupID), store.ErrConflict)
	dupHash := newToken(u.ID, model.TokenAPI, at(0), at(time.Hour))
	dupHash.Hash = tok.Hash
	wantErr(t, "CreateToken(duplicate hash)", s.CreateToken(ctx, dupHash), store.ErrConflict)
}

func testTokenAuthenticate(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := mustCreateUser(t, s, "alice")
	u.Admin = true
	_, err := s.UpdateUser(ctx, u.ID, func(x *model.User) error { x.Admin = true; return nil })
	noErr(t, "UpdateUser", err)
	tok := mustCreateToken(t, s, u.ID, model.TokenSession, at(0), at(time.Hour))

	gotTok, gotUser, err := s.Authenticate(ctx, tok.Hash, at(time.Minute))
	noErr(t, "Authenticate", err)
	checkToken(t, gotTok, tok)
	checkUser(t, gotUser, u)

	for _, tc := range []struct {
		name string
		hash string
		now  time.Time
	}{
		{"unknown hash", "nope", at(time.Minute)},
		{"empty hash", "", at(time.Minute)},
		{"hash prefix", tok.Hash[:len(tok.Hash)-1], at(time.Minute)},
		{"hash pattern", tok.Hash[:5] + "%", at(time.Minute)},
		{"at expiry", tok.Hash, at(time.Hour)},
		{"after expiry", tok.Hash, at(2 * time.Hour)},
	} {
		_, _, err := s.Authenticate(ctx, tc.hash, tc.now)
		wantErr(t, "Authenticate("+tc.name+")", err, store.ErrNotFound)
	}
	_, _, err = s.Authenticate(ctx, tok.Hash, at(time.Hour-time.Microsecond))
	noErr(t, "Authenticate just before expiry", err)

	disabled := newUser("mallory")
	disabled.Disabled = true
	noErr(t, "CreateUser(disabled)", s.CreateUser(ctx, disabled))
	dt := mustCreateToken(t, s, disabled.ID, model.TokenAPI, at(0), at(time.Hour))
	_, _, err = s.Authenticate(ctx, dt.Hash, at(time.Minute))
	wantErr(t, "Authenticate(disabled user)", err, store.ErrNotFound)

	noErr(t, "DeleteToken", s.DeleteToken(ctx, tok.ID))
	_, _, err = s.Authenticate(ctx, tok.Hash, at(time.Minute))
	wantErr(t, "Authenticate(deleted)", err, store.ErrNotFound)
}

func testTokenList(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := mustCreateUser(t, s, "alice")
	bob := mustCreateUser(t, s, "bob")
	now := at(10 * time.Hour)
	var sessions, apis []*model.Token
	for i := range 3 {
		sessions = append(sessions, mustCreateToken(t, s, alice.ID, model.TokenSession,
			at(time.Duration(i)*time.Hour), now.Add(time.Hour)))
	}
	for i := range 2 {
		apis = append(apis, mustCreateToken(t, s, alice.ID, model.TokenAPI,
			at(time.Duration(i)*time.Hour+30*time.Minute), now.Add(time.Duration(i+1)*time.Minute)))
	}
	mustCreateToken(t, s, alice.ID, model.TokenAPI, at(5*time.Hour), now)                 // expires now
	mustCreateToken(t, s, alice.ID, model.TokenSession, at(6*time.Hour), at(7*time.Hour)) // long expired
	mustCreateToken(t, s, bob.ID, model.TokenSession, at(9*time.Hour), now.Add(time.Hour))

	// Newest first: s2 (2h), api1 (1h30), s1 (1h), api0 (0h30), s0 (0h).
	check := func(kind model.TokenKind, want ...*model.Token) {
		t.Helper()
		got, err := s.ListTokens(ctx, alice.ID, kind, now)
		noErr(t, "ListTokens", err)
		if len(got) != len(want) {
			t.Fatalf("ListTokens(%q): %d tokens, want %d", kind, len(got), len(want))
		}
		for i := range want {
			checkToken(t, &got[i], want[i])
		}
	}
	check("", sessions[2], apis[1], sessions[1], apis[0], sessions[0])
	check(model.TokenSession, sessions[2], sessions[1], sessions[0])
	check(model.TokenAPI, apis[1], apis[0])

	got, err := s.ListTokens(ctx, "nobody", "", now)
	noErr(t, "ListTokens(nobody)", err)
	if len(got) != 0 {
		t.Errorf("ListTokens(nobody) = %d tokens", len(got))
	}
}

func testTokenTouch(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := mustCreateUser(t, s, "alice")
	tok := mustCreateToken(t, s, u.ID, model.TokenSession, at(0), at(time.Hour))
	lastUsed := func() time.Time {
		t.Helper()
		got, err := s.GetToken(ctx, tok.ID)
		noErr(t, "GetToken", err)
		return got.LastUsedAt
	}
	if !lastUsed().IsZero() {
		t.Fatal("a new token has a LastUsedAt")
	}
	for _, tc := range []struct{ touch, want time.Time }{
		{at(time.Minute), at(time.Minute)},
		{at(2 * time.Minute), at(2 * time.Minute)},
		{at(time.Second), at(2 * time.Minute)}, // never backwards
		{at(2 * time.Minute), at(2 * time.Minute)},
		{at(2*time.Minute + time.Microsecond), at(2*time.Minute + time.Microsecond)},
	} {
		noErr(t, "TouchToken", s.TouchToken(ctx, tok.ID, tc.touch))
		sameTime(t, "LastUsedAt after touching at "+tc.touch.String(), lastUsed(), tc.want)
	}
	wantErr(t, "TouchToken(missing)", s.TouchToken(ctx, "missing", at(0)), store.ErrNotFound)
	// Touching leaves the rest of the token alone.
	got, err := s.GetToken(ctx, tok.ID)
	noErr(t, "GetToken", err)
	want := *tok
	want.LastUsedAt = at(2*time.Minute + time.Microsecond)
	checkToken(t, got, &want)
}

func testTokenDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := mustCreateUser(t, s, "alice")
	bob := mustCreateUser(t, s, "bob")
	now := at(time.Hour)
	a1 := mustCreateToken(t, s, alice.ID, model.TokenSession, at(0), now.Add(time.Hour))
	mustCreateToken(t, s, alice.ID, model.TokenAPI, at(0), now.Add(time.Hour))
	mustCreateToken(t, s, alice.ID, model.TokenAPI, at(0), now.Add(-time.Minute)) // expired
	b1 := mustCreateToken(t, s, bob.ID, model.TokenSession, at(0), now)           // expires exactly now
	b2 := mustCreateToken(t, s, bob.ID, model.TokenSession, at(0), now.Add(time.Microsecond))

	noErr(t, "DeleteToken", s.DeleteToken(ctx, a1.ID))
	wantErr(t, "DeleteToken again", s.DeleteToken(ctx, a1.ID), store.ErrNotFound)

	n, err := s.DeleteExpiredTokens(ctx, now)
	noErr(t, "DeleteExpiredTokens", err)
	if n != 2 {
		t.Errorf("DeleteExpiredTokens = %d, want 2", n)
	}
	_, err = s.GetToken(ctx, b1.ID)
	wantErr(t, "GetToken(expired at now)", err, store.ErrNotFound)
	_, err = s.GetToken(ctx, b2.ID)
	noErr(t, "GetToken(unexpired)", err)

	n, err = s.DeleteUserTokens(ctx, alice.ID)
	noErr(t, "DeleteUserTokens", err)
	if n != 1 {
		t.Errorf("DeleteUserTokens(alice) = %d, want 1", n)
	}
	n, err = s.DeleteUserTokens(ctx, alice.ID)
	noErr(t, "DeleteUserTokens again", err)
	if n != 0 {
		t.Errorf("DeleteUserTokens(alice) again = %d, want 0", n)
	}
	toks, err := s.ListTokens(ctx, bob.ID, "", at(0))
	noErr(t, "ListTokens(bob)", err)
	if len(toks) != 1 || toks[0].ID != b2.ID {
		t.Errorf("bob's tokens = %+v, want only %s", toks, b2.ID)
	}
	// Users are untouched by token deletion.
	if _, err := s.GetUser(ctx, alice.ID); err != nil {
		t.Errorf("GetUser after deleting tokens: %v", err)
	}
}
