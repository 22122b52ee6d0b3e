package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

func newRecording(kind, user, cluster string, started time.Time) *model.Recording {
	return &model.Recording{
		ID: randomID("rec-"), Kind: kind, UserID: "id-" + user, Username: user,
		ClusterID: cluster, ClusterName: "name of " + cluster, Width: 120, Height: 40, StartedAt: started,
	}
}

func mustCreateRecording(t *testing.T, s store.Store, r *model.Recording) *model.Recording {
	t.Helper()
	noErr(t, "CreateRecording", s.CreateRecording(t.Context(), r))
	return r
}

func testRecordingRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	r := newRecording(model.RecordingExec, "alice", "c1", at(0))
	r.Namespace, r.Pod, r.Container = "team-a", "web-0", "nginx"
	mustCreateRecording(t, s, r)
	wantErr(t, "duplicate CreateRecording", s.CreateRecording(ctx, r), store.ErrConflict)

	// Bytes that are not UTF-8, NULs and SQL survive verbatim.
	chunks := [][]byte{[]byte(`{"version":2,"width":120}` + "\n"), {0, 0xff, 0xfe, '\n'}, []byte("'; DROP TABLE recordings; --"), {}}
	for i, c := range chunks {
		noErr(t, "AppendRecording", s.AppendRecording(ctx, r.ID, i, c))
	}
	wantErr(t, "AppendRecording of a stored seq", s.AppendRecording(ctx, r.ID, 1, []byte("again")), store.ErrConflict)
	wantErr(t, "AppendRecording of an unknown recording", s.AppendRecording(ctx, "nope", 0, []byte("x")), store.ErrNotFound)

	got, err := s.GetRecording(ctx, r.ID)
	noErr(t, "GetRecording", err)
	want := bytes.Join(chunks, nil)
	if got.Size != int64(len(want)) || !got.EndedAt.IsZero() || got.Truncated {
		t.Errorf("running recording: %+v, want size %d, no end, not truncated", got, len(want))
	}
	body, err := s.RecordingBody(ctx, r.ID)
	noErr(t, "RecordingBody", err)
	if !bytes.Equal(body, want) {
		t.Errorf("body = %q, want %q", body, want)
	}

	noErr(t, "FinishRecording", s.FinishRecording(ctx, r.ID, at(time.Minute), true))
	got, err = s.GetRecording(ctx, r.ID)
	noErr(t, "GetRecording", err)
	sameTime(t, "StartedAt", got.StartedAt, r.StartedAt)
	sameTime(t, "EndedAt", got.EndedAt, at(time.Minute))
	w := *r
	w.Size, w.Truncated, w.StartedAt, w.EndedAt = int64(len(want)), true, got.StartedAt, got.EndedAt
	if *got != w {
		t.Errorf("recording mismatch:\n got %+v\nwant %+v", *got, w)
	}

	_, err = s.GetRecording(ctx, "nope")
	wantErr(t, "GetRecording(nope)", err, store.ErrNotFound)
	_, err = s.RecordingBody(ctx, "nope")
	wantErr(t, "RecordingBody(nope)", err, store.ErrNotFound)
	wantErr(t, "FinishRecording(nope)", s.FinishRecording(ctx, "nope", at(0), false), store.ErrNotFound)

	// An empty recording has an empty body.
	e := mustCreateRecording(t, s, newRecording(model.RecordingShell, "bob", "c1", at(time.Second)))
	if body, err := s.RecordingBody(ctx, e.ID); err != nil || len(body) != 0 {
		t.Errorf("empty body: %q %v", body, err)
	}
}

// listAllRecordings follows Next links and returns the IDs in order.
func listAllRecordings(t *testing.T, s store.Store, f store.RecordingFilter, limit int) []string {
	t.Helper()
	var out []string
	after := ""
	for page := 0; ; page++ {
		recs, next, err := s.ListRecordings(t.Context(), f, store.Page{Limit: limit, After: after})
		noErr(t, "ListRecordings", err)
		for _, r := range recs {
			out = append(out, r.ID)
		}
		if next == "" {
			return out
		}
		if len(recs) == 0 || page > 1000 {
			t.Fatal("pagination does not progress")
		}
		after = next
	}
}

func testRecordingList(t *testing.T, s store.Store) {
	ctx := t.Context()
	var all []*model.Recording
	for i := range 7 {
		user, cluster, kind := "alice", "c1", model.RecordingShell
		if i%2 == 1 {
			user = "bob"
		}
		if i%3 == 2 {
			cluster, kind = "c2", model.RecordingExec
		}
		// Pairs share a start time, so ties are ordered by ID.
		all = append(all, mustCreateRecording(t, s, newRecording(kind, user, cluster, at(time.Duration(i/2)*time.Second))))
	}
	newestFirst := func(keep func(*model.Recording) bool) []string {
		var out []string
		for i := len(all) - 1; i >= 0; i-- {
			if keep(all[i]) {
				out = append(out, all[i].ID)
			}
		}
		// Within a start time, the greater ID first.
		for i := 1; i < len(out); i++ {
			for j := i; j > 0; j-- {
				a, b := byID(all, out[j-1]), byID(all, out[j])
				if a.StartedAt.Equal(b.StartedAt) && a.ID < b.ID {
					out[j-1], out[j] = out[j], out[j-1]
				}
			}
		}
		return out
	}
	cases := []struct {
		f    store.RecordingFilter
		keep func(*model.Recording) bool
	}{
		{store.RecordingFilter{}, func(*model.Recording) bool { return true }},
		{store.RecordingFilter{User: "bob"}, func(r *model.Recording) bool { return r.Username == "bob" }},
		{store.RecordingFilter{User: "id-alice"}, func(r *model.Recording) bool { return r.Username == "alice" }},
		{store.RecordingFilter{ClusterID: "c2"}, func(r *model.Recording) bool { return r.ClusterID == "c2" }},
		{store.RecordingFilter{Kind: model.RecordingExec}, func(r *model.Recording) bool { return r.Kind == model.RecordingExec }},
		{store.RecordingFilter{Since: at(2 * time.Second)}, func(r *model.Recording) bool { return !r.StartedAt.Before(at(2 * time.Second)) }},
		{store.RecordingFilter{User: "alice", ClusterID: "c1", Kind: model.RecordingShell},
			func(r *model.Recording) bool { return r.Username == "alice" && r.ClusterID == "c1" }},
		{store.RecordingFilter{User: "%"}, func(*model.Recording) bool { return false }},
	}
	for _, tc := range cases {
		want := newestFirst(tc.keep)
		for _, limit := range []int{0, 1, 2, 3} {
			got := listAllRecordings(t, s, tc.f, limit)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("ListRecordings(%+v, limit %d) = %v, want %v", tc.f, limit, got, want)
			}
		}
	}
	_, next, err := s.ListRecordings(ctx, store.RecordingFilter{}, store.Page{Limit: 1})
	noErr(t, "ListRecordings", err)
	_, auditNext, err := s.ListAudit(ctx, store.AuditFilter{}, store.Page{Limit: 1})
	noErr(t, "ListAudit", err)
	for _, c := range []string{"!", "AAAA", "' OR 1=1 --", next[:3], auditNext} {
		if c == "" {
			continue
		}
		_, _, err := s.ListRecordings(ctx, store.RecordingFilter{}, store.Page{After: c})
		wantErr(t, fmt.Sprintf("ListRecordings(After %q)", c), err, store.ErrBadCursor)
	}
}

func byID(rs []*model.Recording, id string) *model.Recording {
	for _, r := range rs {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// testRecordingConcurrentAppend has several recordings written at once,
// as concurrent sessions do; every chunk lands in its own recording.
func testRecordingConcurrentAppend(t *testing.T, s store.Store) {
	ctx := t.Context()
	const recs, chunks = 4, 20
	var wg sync.WaitGroup
	ids := make([]string, recs)
	for i := range recs {
		ids[i] = mustCreateRecording(t, s, newRecording(model.RecordingShell, "alice", "c1", at(0))).ID
		wg.Go(func() {
			for seq := range chunks {
				if err := s.AppendRecording(ctx, ids[i], seq, []byte(fmt.Sprintf("%d.%d;", i, seq))); err != nil {
					t.Errorf("AppendRecording: %v", err)
				}
			}
		})
	}
	wg.Wait()
	for i, id := range ids {
		var want bytes.Buffer
		for seq := range chunks {
			fmt.Fprintf(&want, "%d.%d;", i, seq)
		}
		body, err := s.RecordingBody(ctx, id)
		noErr(t, "RecordingBody", err)
		r, err := s.GetRecording(ctx, id)
		noErr(t, "GetRecording", err)
		if !bytes.Equal(body, want.Bytes()) || r.Size != int64(want.Len()) {
			t.Errorf("recording %d: %q (size %d), want %q", i, body, r.Size, want.String())
		}
	}
}
