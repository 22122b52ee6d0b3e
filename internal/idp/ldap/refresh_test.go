package ldap

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paddockhq/paddock/internal/idp"
)

func TestRefresh(t *testing.T) {
	dir := directory(t)
	ctx := context.Background()
	member := settings(dir.URL())
	byDN := settings(dir.URL())
	byDN.SubjectAttribute = "employeeNumber" // absent: the subject is the DN
	memberOf := settings(dir.URL())
	memberOf.GroupFilter, memberOf.UserGroupAttribute = "", "memberOf"
	conns := []*connector{newConnector(t, member, svcPW), newConnector(t, byDN, svcPW), newConnector(t, memberOf, svcPW)}
	var ids []*idp.Identity
	for _, c := range conns {
		id, err := c.Login(ctx, "alice", alicePW)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	dir.Modify(t, `dn: cn=ops,ou=groups,dc=example,dc=org
changetype: modify
add: member
member: uid=Bob,ou=people,dc=example,dc=org
-
delete: member
member: uid=alice,ou=people,dc=example,dc=org

dn: uid=alice,ou=people,dc=example,dc=org
changetype: modify
replace: mail
mail: alice@new.example.org
`)
	for i, want := range []string{"devs", "devs", "devs,platform"} {
		id, err := conns[i].Refresh(ctx, ids[i])
		if err != nil {
			t.Fatalf("%d: Refresh: %v", i, err)
		}
		if groupsString(id) != want || id.Subject != ids[i].Subject || id.Email != "alice@new.example.org" || id.Username != "alice" {
			t.Errorf("%d: Refresh = %+v, want groups %s and the same subject %s", i, id, want, ids[i].Subject)
		}
	}
	dir.Modify(t, "dn: "+aliceDN+"\nchangetype: delete\n")
	for i, c := range conns {
		if id, err := c.Refresh(ctx, ids[i]); !errors.Is(err, idp.ErrGone) {
			t.Errorf("%d: Refresh after delete = %+v, %v; want ErrGone", i, id, err)
		}
	}
	outside := &idp.Identity{Subject: "cn=svc,dc=example,dc=org"}
	if _, err := conns[1].Refresh(ctx, outside); !errors.Is(err, idp.ErrGone) {
		t.Errorf("Refresh of a DN outside userSearchBase = %v, want ErrGone", err)
	}
}

func TestSearchGroups(t *testing.T) {
	dir := directory(t)
	c := newConnector(t, settings(dir.URL()), svcPW)
	ctx := context.Background()
	for _, tc := range []struct {
		query string
		limit int
		want  string
	}{
		{"dev", 10, "devs,posix-devs"},
		{"", 0, "devs,ops,platform,posix-devs,uniq"},
		{"OPS", 10, "ops"}, // cn matching ignores case
		{"*", 10, ""},
		{"*)(cn=*", 10, ""},
		{"nothing", 10, ""},
	} {
		got, err := c.SearchGroups(ctx, tc.query, tc.limit)
		if err != nil {
			t.Fatalf("SearchGroups(%q): %v", tc.query, err)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("SearchGroups(%q) = %v, want %s", tc.query, got, tc.want)
		}
	}
	if got, err := c.SearchGroups(ctx, "", 2); err != nil || len(got) != 2 {
		t.Errorf("SearchGroups with limit 2 = %v, %v", got, err)
	}
}

func TestPoolUnderConcurrentLogins(t *testing.T) {
	dir := directory(t)
	var opened atomic.Int64
	log := slog.New(countHandler{&opened})
	raw, _ := json.Marshal(settings(dir.URL()))
	ci, err := New(idp.Config{Settings: raw, Secrets: map[string]string{"bindPassword": svcPW}, Deps: idp.Deps{Log: log}})
	if err != nil {
		t.Fatal(err)
	}
	c := ci.(*connector)
	defer c.Close()
	ctx := context.Background()
	for round := range 3 {
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := range 20 {
			wg.Go(func() {
				user, pw := "alice", alicePW
				if i%2 == 1 {
					user, pw = "Bob", bobPW
				}
				id, err := c.Login(ctx, user, pw)
				if err == nil && id.Username != user {
					err = errors.New("got " + id.Username + " for " + user)
				}
				if err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
	}
	if n := opened.Load(); n > 4 {
		t.Errorf("opened %d service connections for 60 logins, want at most the pool size 4", n)
	}
	t.Logf("60 logins (20 at a time) opened %d service connections", opened.Load())
}

// countHandler counts "opened a service connection" debug records.
type countHandler struct{ n *atomic.Int64 }

func (h countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h countHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "opened a service connection") {
		h.n.Add(1)
	}
	return nil
}
func (h countHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countHandler) WithGroup(string) slog.Handler      { return h }
