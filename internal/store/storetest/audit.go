package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

func newEvent(when time.Time, actor, action string) *model.AuditEvent {
	return &model.AuditEvent{
		Time:      when,
		RequestID: randomID("req-"),
		Actor:     actor,
		ActorID:   "id-" + actor,
		SourceIP:  "192.0.2.7",
		Action:    action,
		Target:    "users/" + actor,
		Outcome:   model.OutcomeSuccess,
		Status:    200,
		Detail:    `{"request":{"username":"` + actor + `"}}`,
	}
}

func mustAppend(t *testing.T, s store.Store, e *model.AuditEvent) *model.AuditEvent {
	t.Helper()
	noErr(t, "AppendAudit", s.AppendAudit(t.Context(), e))
	return e
}

// listAllAudit follows Next links and returns the events in order.
func listAllAudit(t *testing.T, s store.Store, f store.AuditFilter, limit int) []model.AuditEvent {
	t.Helper()
	var all []model.AuditEvent
	after := ""
	for page := 0; ; page++ {
		events, next, err := s.ListAudit(t.Context(), f, store.Page{Limit: limit, After: after})
		noErr(t, "ListAudit", err)
		all = append(all, events...)
		if next == "" {
			return all
		}
		if len(events) == 0 || page > 1000 {
			t.Fatal("pagination does not progress")
		}
		after = next
	}
}

func ids(events []model.AuditEvent) []int64 {
	out := make([]int64, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func testAuditAppendList(t *testing.T, s store.Store) {
	e1 := mustAppend(t, s, newEvent(at(2*time.Second), "alice", "user.create"))
	e2 := mustAppend(t, s, newEvent(at(time.Second), "bob", "auth.login")) // older, appended later
	e3 := newEvent(at(2*time.Second), "", "auth.login")                    // same time as e1
	e3.Outcome, e3.Status, e3.Target, e3.Detail, e3.ActorID = model.OutcomeFailure, 401, "carol", `{"error":"bad password"}`, ""
	mustAppend(t, s, e3)
	e4 := mustAppend(t, s, newEvent(at(3*time.Second), "alice", "user.delete"))
	if e1.ID == 0 || !(e1.ID < e2.ID && e2.ID < e3.ID && e3.ID < e4.ID) {
		t.Fatalf("IDs %d %d %d %d: want nonzero and increasing", e1.ID, e2.ID, e3.ID, e4.ID)
	}

	got := listAllAudit(t, s, store.AuditFilter{}, 0)
	want := []*model.AuditEvent{e4, e3, e1, e2} // newest first; a time tie goes to the later ID
	if len(got) != len(want) {
		t.Fatalf("ListAudit: %d events, want %d", len(got), len(want))
	}
	for i := range want {
		checkEvent(t, &got[i], want[i])
	}
}

func testAuditFilters(t *testing.T, s store.Store) {
	var (
		aliceCreate = mustAppend(t, s, newEvent(at(1*time.Second), "alice", "user.create"))
		bobLogin    = mustAppend(t, s, newEvent(at(2*time.Second), "bob", "auth.login"))
		aliceUpdate = mustAppend(t, s, newEvent(at(3*time.Second), "alice", "user.update"))
		upper       = mustAppend(t, s, newEvent(at(4*time.Second), "Alice", "User.delete"))
		underscore  = mustAppend(t, s, newEvent(at(5*time.Second), "a_ice", "user_x.create"))
		lookalike   = mustAppend(t, s, newEvent(at(6*time.Second), "alice%", "userXx.create"))
		percent     = mustAppend(t, s, newEvent(at(7*time.Second), "bob", "50%.off"))
		bang        = mustAppend(t, s, newEvent(at(8*time.Second), "bob", "x!y.z"))
		users       = mustAppend(t, s, newEvent(at(9*time.Second), "carol", "users.list"))
		star        = mustAppend(t, s, newEvent(at(10*time.Second), "carol", "weird*"))
	)
	all := []*model.AuditEvent{aliceCreate, bobLogin, aliceUpdate, upper, underscore, lookalike, percent, bang, users, star}
	newest := func(es ...*model.AuditEvent) []int64 {
		out := make([]int64, len(es))
		for i, e := range es {
			out[len(es)-1-i] = e.ID
		}
		return out
	}
	tests := []struct {
		name string
		f    store.AuditFilter
		want []int64
	}{
		{"none", store.AuditFilter{}, newest(all...)},
		{"actor", store.AuditFilter{Actor: "alice"}, newest(aliceCreate, aliceUpdate)},
		{"actor case-sensitive", store.AuditFilter{Actor: "Alice"}, newest(upper)},
		{"actor literal _", store.AuditFilter{Actor: "a_ice"}, newest(underscore)},
		{"actor literal %", store.AuditFilter{Actor: "alice%"}, newest(lookalike)},
		{"action exact", store.AuditFilter{Action: "user.create"}, newest(aliceCreate)},
		{"action prefix", store.AuditFilter{Action: "user.*"}, newest(aliceCreate, aliceUpdate)},
		{"action prefix no dot", store.AuditFilter{Action: "user*"}, newest(aliceCreate, aliceUpdate, underscore, lookalike, users)},
		{"action prefix literal _", store.AuditFilter{Action: "user_*"}, newest(underscore)},
		{"action prefix literal %", store.AuditFilter{Action: "50%*"}, newest(percent)},
		{"action prefix %", store.AuditFilter{Action: "%*"}, nil},
		{"action prefix escape char", store.AuditFilter{Action: "x!*"}, newest(bang)},
		{"action prefix case-sensitive", store.AuditFilter{Action: "User.*"}, newest(upper)},
		{"action star alone", store.AuditFilter{Action: "*"}, newest(all...)},
		{"action literal star", store.AuditFilter{Action: "weird**"}, newest(star)},
		{"action exact no wildcard", store.AuditFilter{Action: "user.%"}, nil},
		{"since inclusive", store.AuditFilter{Since: at(9 * time.Second)}, newest(users, star)},
		{"until exclusive", store.AuditFilter{Until: at(2 * time.Second)}, newest(aliceCreate)},
		{"window", store.AuditFilter{Since: at(2 * time.Second), Until: at(4 * time.Second)}, newest(bobLogin, aliceUpdate)},
		{"empty window", store.AuditFilter{Since: at(4 * time.Second), Until: at(4 * time.Second)}, nil},
		{"combined", store.AuditFilter{Actor: "bob", Action: "auth.*", Since: at(time.Second), Until: at(time.Hour)}, newest(bobLogin)},
	}
	for _, tc := range tests {
		for _, limit := range []int{0, 2} {
			got := ids(listAllAudit(t, s, tc.f, limit))
			if fmt.Sprint(got) != fmt.Sprint(tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("%s (limit %d): IDs %v, want %v", tc.name, limit, got, tc.want)
			}
		}
	}
}

func testAuditPagination(t *testing.T, s store.Store) {
	// 30 events over 10 distinct times, so pages split ties.
	var want []int64
	for i := range 30 {
		e := mustAppend(t, s, newEvent(at(time.Duration(i/3)*time.Second), fmt.Sprintf("actor%d", i%2), "x.y"))
		want = append([]int64{e.ID}, want...)
	}
	for _, limit := range []int{1, 4, 10, 29, 30, 31} {
		got := ids(listAllAudit(t, s, store.AuditFilter{}, limit))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("limit %d: IDs\n%v\nwant\n%v", limit, got, want)
		}
	}
	events, next, err := s.ListAudit(t.Context(), store.AuditFilter{}, store.Page{Limit: 30})
	noErr(t, "ListAudit", err)
	if len(events) != 30 || next != "" {
		t.Errorf("exact-size page: %d events, next %q; want 30 and no cursor", len(events), next)
	}
	// Cursors keep working when new events arrive meanwhile.
	first, next, err := s.ListAudit(t.Context(), store.AuditFilter{Actor: "actor0"}, store.Page{Limit: 5})
	noErr(t, "ListAudit", err)
	mustAppend(t, s, newEvent(at(time.Hour), "actor0", "x.y"))
	rest := listAllAuditAfter(t, s, store.AuditFilter{Actor: "actor0"}, next)
	if len(first)+len(rest) != 15 {
		t.Errorf("actor0 pages hold %d+%d events, want 15", len(first), len(rest))
	}
}

func listAllAuditAfter(t *testing.T, s store.Store, f store.AuditFilter, after string) []model.AuditEvent {
	var all []model.AuditEvent
	for after != "" {
		events, next, err := s.ListAudit(t.Context(), f, store.Page{Limit: 3, After: after})
		noErr(t, "ListAudit", err)
		all = append(all, events...)
		after = next
	}
	return all
}

func testBadCursors(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i := range 3 {
		mustCreateUser(t, s, fmt.Sprintf("user%d", i))
		mustAppend(t, s, newEvent(at(time.Duration(i)*time.Second), "alice", "x.y"))
	}
	_, userNext, err := s.ListUsers(ctx, "", store.Page{Limit: 1})
	noErr(t, "ListUsers", err)
	_, auditNext, err := s.ListAudit(ctx, store.AuditFilter{}, store.Page{Limit: 1})
	noErr(t, "ListAudit", err)
	if userNext == "" || auditNext == "" {
		t.Fatal("no cursors issued")
	}
	bad := []string{"!", "%%%", "not base64 at all", "AAAA", "=", "' OR 1=1 --", "\x00", "\xff\xfe", userNext[:len(userNext)-1] + "!"}
	for _, c := range append(bad, auditNext, auditNext[:len(auditNext)-2]) {
		_, _, err := s.ListUsers(ctx, "", store.Page{After: c})
		wantErr(t, fmt.Sprintf("ListUsers(After %q)", c), err, store.ErrBadCursor)
	}
	for _, c := range append(bad, userNext, auditNext[:len(auditNext)-2], auditNext+"AA") {
		_, _, err := s.ListAudit(ctx, store.AuditFilter{}, store.Page{After: c})
		wantErr(t, fmt.Sprintf("ListAudit(After %q)", c), err, store.ErrBadCursor)
	}
}
