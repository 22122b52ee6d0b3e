package storetest

import (
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// hostile are strings that break a store which builds SQL by concatenation
// or mishandles quoting, placeholders, wildcards or encodings.
var hostile = []string{
	`Robert'); DROP TABLE users;--`,
	`' OR '1'='1`,
	`" OR ""="`,
	`\'; DELETE FROM tokens; --`,
	`$1 ? ?? $2 :name @p1`,
	`%_!\[]*^$`,
	`/* comment */ -- trailing`,
	"line\nbreak\ttab\rcr",
	"ünïcødé ✓ 日本語 🔑",
	`x' UNION SELECT password_hash FROM users --`,
	`;`,
}

func testInjection(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i, str := range hostile {
		u := newUser(str)
		u.DisplayName, u.Provider, u.PasswordHash = str, str, str
		noErr(t, "CreateUser", s.CreateUser(ctx, u))
		got, err := s.GetUserByUsername(ctx, str)
		noErr(t, "GetUserByUsername", err)
		checkUser(t, got, u)
		got, err = s.GetUser(ctx, u.ID)
		noErr(t, "GetUser", err)
		checkUser(t, got, u)
		listed, _, err := s.ListUsers(ctx, str, store.Page{})
		noErr(t, "ListUsers", err)
		found := false
		for _, l := range listed {
			found = found || l.ID == u.ID
		}
		if !found {
			t.Errorf("ListUsers(%q) does not find the user named so", str)
		}

		tok := newToken(u.ID, model.TokenKind("api"), at(0), at(time.Hour))
		tok.Description, tok.Hash = str, str
		noErr(t, "CreateToken", s.CreateToken(ctx, tok))
		gotTok, gotUser, err := s.Authenticate(ctx, str, at(time.Minute))
		noErr(t, "Authenticate", err)
		checkToken(t, gotTok, tok)
		checkUser(t, gotUser, u)

		e := newEvent(at(time.Duration(i)*time.Second), str, str)
		e.RequestID, e.ActorID, e.SourceIP, e.Target, e.Outcome, e.Detail = str, str, str, str, str, str
		mustAppend(t, s, e)
		events, _, err := s.ListAudit(ctx, store.AuditFilter{Actor: str, Action: str}, store.Page{})
		noErr(t, "ListAudit", err)
		if len(events) != 1 {
			t.Fatalf("ListAudit(actor=action=%q) = %d events, want 1", str, len(events))
		}
		checkEvent(t, &events[0], e)

		noErr(t, "PutSecret", s.PutSecret(ctx, str, []byte(str)))
		v, err := s.GetSecret(ctx, str)
		noErr(t, "GetSecret", err)
		if string(v) != str {
			t.Errorf("GetSecret(%q) = %q", str, v)
		}
	}
	n, err := s.CountUsers(ctx)
	noErr(t, "CountUsers", err)
	if n != len(hostile) {
		t.Errorf("CountUsers = %d, want %d", n, len(hostile))
	}
	all := listAllAudit(t, s, store.AuditFilter{}, 0)
	if len(all) != len(hostile) {
		t.Errorf("ListAudit = %d events, want %d", len(all), len(hostile))
	}
}
