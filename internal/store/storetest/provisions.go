package storetest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Fixtures of provisioning jobs and cluster events.

// maxClusterEvents is the most events ListClusterEvents returns, and its
// default.
const maxClusterEvents = 500

func newProvision(clusterID string) *model.Provision {
	return &model.Provision{
		ClusterID: clusterID, Provider: "local",
		// Not in any canonical form, with nesting, numbers, null and unicode.
		Params:       json.RawMessage(`{"nodes": 3, "version":"v1.31.2", "labels":{"env":"prod"}, "zones":["a", "b"], "x":null, "ü":1.5e3}`),
		CredentialID: "cred-" + clusterID,
		Phase:        model.PhaseRunning,
		Step:         2,
		State:        json.RawMessage(`{"network":"net-1", "vms":["vm-1","vm-2"], "done":{"0":true,"1":true}}`),
		Error:        "step 2: quota exceeded; 'retry' \"later\"",
		Attempts:     1,
		CreatedBy:    "u1",
		CreatedAt:    at(0),
		UpdatedAt:    at(time.Second),
	}
}

func mustCreateProvision(t *testing.T, s store.Store, p *model.Provision) *model.Provision {
	t.Helper()
	noErr(t, "CreateProvision("+p.ClusterID+")", s.CreateProvision(t.Context(), p))
	return p
}

// sameJSON compares two JSON values semantically (a backend may store them
// in a canonical form).
func sameJSON(t *testing.T, what string, got, want json.RawMessage) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("%s = %q: not JSON: %v", what, got, err)
		return
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: the wanted value %q is not JSON: %v", what, want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func checkProvision(t *testing.T, got, want *model.Provision) {
	t.Helper()
	if got == nil {
		t.Fatalf("provision of %q: got nil", want.ClusterID)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	sameJSON(t, "provision "+want.ClusterID+" Params", got.Params, want.Params)
	sameJSON(t, "provision "+want.ClusterID+" State", got.State, want.State)
	g, w := *got, *want
	g.Params, g.State, w.Params, w.State = nil, nil, nil, nil
	g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("provision mismatch:\n got %+v\nwant %+v", g, w)
	}
}

// provisionClusters returns the cluster IDs of ps, in order.
func provisionClusters(ps []model.Provision) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ClusterID
	}
	return out
}

func mustAppendClusterEvent(t *testing.T, s store.Store, clusterID, kind, message string, tm time.Time) *model.ClusterEvent {
	t.Helper()
	e := &model.ClusterEvent{ClusterID: clusterID, Time: tm, Kind: kind, Message: message}
	noErr(t, "AppendClusterEvent("+clusterID+")", s.AppendClusterEvent(t.Context(), e))
	if e.ID == 0 {
		t.Fatalf("AppendClusterEvent(%s) left the ID zero", clusterID)
	}
	return e
}

func checkClusterEvents(t *testing.T, what string, got []model.ClusterEvent, want ...*model.ClusterEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d: %+v", what, len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		sameTime(t, what+" Time", g.Time, w.Time)
		g.Time = time.Time{}
		wv := *w
		wv.Time = time.Time{}
		if g != wv {
			t.Errorf("%s[%d] = %+v, want %+v", what, i, g, wv)
		}
	}
}

func testProvisionCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps, err := s.ListProvisions(ctx)
	noErr(t, "ListProvisions (empty)", err)
	if len(ps) != 0 {
		t.Fatalf("ListProvisions of an empty store = %+v", ps)
	}

	wantErr(t, "CreateProvision(no cluster)", s.CreateProvision(ctx, newProvision("c-missing")), store.ErrNotFound)
	_, err = s.GetProvision(ctx, "c-missing")
	wantErr(t, "GetProvision(no cluster)", err, store.ErrNotFound)

	c := mustCreateCluster(t, s, "one")
	p := mustCreateProvision(t, s, newProvision(c.ID))
	got, err := s.GetProvision(ctx, c.ID)
	noErr(t, "GetProvision", err)
	checkProvision(t, got, p)

	wantErr(t, "CreateProvision(duplicate)", s.CreateProvision(ctx, newProvision(c.ID)), store.ErrConflict)
	if err := s.CreateProvision(ctx, &model.Provision{Provider: "local"}); err == nil ||
		errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateProvision(no cluster ID) = %v, want a validation error", err)
	}
	c2 := mustCreateCluster(t, s, "two")
	bad := newProvision(c2.ID)
	bad.Params = json.RawMessage(`{"nodes": `)
	if err := s.CreateProvision(ctx, bad); err == nil {
		t.Error("CreateProvision with malformed params succeeded")
	}
	bad = newProvision(c2.ID)
	bad.State = json.RawMessage(`[1, 2`)
	if err := s.CreateProvision(ctx, bad); err == nil {
		t.Error("CreateProvision with a malformed state succeeded")
	}
	_, err = s.GetProvision(ctx, c2.ID)
	wantErr(t, "GetProvision(refused)", err, store.ErrNotFound)

	// No params or state, and JSON null ones, read back as empty objects;
	// the other fields at their zero values round-trip.
	for i, raw := range []json.RawMessage{nil, json.RawMessage("null")} {
		cl := mustCreateCluster(t, s, "bare-"+strconv.Itoa(i))
		bare := &model.Provision{ClusterID: cl.ID, Provider: "local", Params: raw, State: raw}
		noErr(t, "CreateProvision(bare)", s.CreateProvision(ctx, bare))
		got, err := s.GetProvision(ctx, cl.ID)
		noErr(t, "GetProvision(bare)", err)
		want := *bare
		want.Params, want.State = json.RawMessage("{}"), json.RawMessage("{}")
		checkProvision(t, got, &want)
	}

	// Update every field.
	want := *p
	want.Provider, want.CredentialID, want.Phase, want.Step = "other", "", model.PhaseFailed, 7
	want.Params = json.RawMessage(`{"nodes":5}`)
	want.State = json.RawMessage(`{"network":"net-2","vms":[]}`)
	want.Error, want.Attempts, want.CreatedBy = "boom", 4, "u2"
	want.CreatedAt, want.UpdatedAt = at(time.Minute), at(time.Hour)
	updated, err := s.UpdateProvision(ctx, c.ID, func(q *model.Provision) error {
		checkProvision(t, q, p)
		*q = want
		return nil
	})
	noErr(t, "UpdateProvision", err)
	checkProvision(t, updated, &want)
	got, err = s.GetProvision(ctx, c.ID)
	noErr(t, "GetProvision after update", err)
	checkProvision(t, got, &want)

	// Clearing params and state stores (and returns) empty objects.
	updated, err = s.UpdateProvision(ctx, c.ID, func(q *model.Provision) error {
		q.Params, q.State = nil, json.RawMessage("null")
		return nil
	})
	noErr(t, "UpdateProvision(clear JSON)", err)
	want.Params, want.State = json.RawMessage("{}"), json.RawMessage("{}")
	checkProvision(t, updated, &want)
	got, err = s.GetProvision(ctx, c.ID)
	noErr(t, "GetProvision after clearing", err)
	checkProvision(t, got, &want)

	// Refused updates change nothing.
	_, err = s.UpdateProvision(ctx, c.ID, func(q *model.Provision) error { q.ClusterID = c2.ID; return nil })
	if err == nil {
		t.Error("UpdateProvision changed the cluster ID")
	}
	_, err = s.GetProvision(ctx, c2.ID)
	wantErr(t, "GetProvision(moved to)", err, store.ErrNotFound)
	errAbort := errors.New("abort")
	_, err = s.UpdateProvision(ctx, c.ID, func(q *model.Provision) error { q.Attempts = 99; return errAbort })
	wantErr(t, "UpdateProvision(fn fails)", err, errAbort)
	_, err = s.UpdateProvision(ctx, c.ID, func(q *model.Provision) error {
		q.Attempts, q.Params = 99, json.RawMessage(`{"x":`)
		return nil
	})
	if err == nil {
		t.Error("UpdateProvision to malformed params succeeded")
	}
	got, err = s.GetProvision(ctx, c.ID)
	noErr(t, "GetProvision after refused updates", err)
	checkProvision(t, got, &want)
	_, err = s.UpdateProvision(ctx, "c-missing", func(*model.Provision) error { return nil })
	wantErr(t, "UpdateProvision(missing)", err, store.ErrNotFound)
	_, err = s.UpdateProvision(ctx, c2.ID, func(*model.Provision) error { return nil })
	wantErr(t, "UpdateProvision(cluster without provision)", err, store.ErrNotFound)

	// Deleting the provision leaves the cluster, which can be provisioned
	// again.
	noErr(t, "DeleteProvision", s.DeleteProvision(ctx, c.ID))
	wantErr(t, "DeleteProvision again", s.DeleteProvision(ctx, c.ID), store.ErrNotFound)
	wantErr(t, "DeleteProvision(missing)", s.DeleteProvision(ctx, "c-missing"), store.ErrNotFound)
	_, err = s.GetProvision(ctx, c.ID)
	wantErr(t, "GetProvision(deleted)", err, store.ErrNotFound)
	if _, err := s.GetCluster(ctx, c.ID); err != nil {
		t.Errorf("GetCluster after DeleteProvision: %v", err)
	}
	mustCreateProvision(t, s, newProvision(c.ID))
}

func testProvisionLists(t *testing.T, s store.Store) {
	ctx := t.Context()
	// Clusters with chosen IDs, so that the tie on CreatedAt below is
	// ordered by ID whatever the creation order.
	cluster := func(id string) string {
		t.Helper()
		c := newCluster("cluster-" + id)
		c.ID = id
		noErr(t, "CreateCluster("+id+")", s.CreateCluster(ctx, c))
		return id
	}
	prov := func(clusterID string, created time.Duration, phase model.ProvisionPhase, cred string) {
		t.Helper()
		p := newProvision(clusterID)
		p.CreatedAt, p.Phase, p.CredentialID = at(created), phase, cred
		mustCreateProvision(t, s, p)
	}
	var (
		cB = cluster("c-b")
		cA = cluster("c-a")
		cC = cluster("c-c")
		cD = cluster("c-d")
		cE = cluster("c-e")
	)
	cluster("c-none") // a cluster without a provision
	prov(cB, time.Hour, model.PhaseRunning, "cred-1")
	prov(cA, time.Hour, model.PhaseFailed, "cred-2") // same time as c-b: ordered by ID
	prov(cC, -time.Hour, model.PhaseReady, "cred-1")
	prov(cD, 2*time.Hour, model.PhaseDeprovisioning, "")
	prov(cE, 0, model.PhaseRunning, "Cred-1") // credential IDs match exactly

	for _, tc := range []struct {
		phases []model.ProvisionPhase
		want   []string
	}{
		{nil, []string{cC, cE, cA, cB, cD}},
		{[]model.ProvisionPhase{}, []string{cC, cE, cA, cB, cD}},
		{[]model.ProvisionPhase{model.PhaseRunning}, []string{cE, cB}},
		{[]model.ProvisionPhase{model.PhaseRunning, model.PhaseFailed}, []string{cE, cA, cB}},
		{[]model.ProvisionPhase{model.PhaseFailed, model.PhaseRunning, model.PhaseFailed}, []string{cE, cA, cB}},
		{[]model.ProvisionPhase{model.PhaseDeprovisioning, model.PhaseReady}, []string{cC, cD}},
		{[]model.ProvisionPhase{"unknown"}, nil},
		{[]model.ProvisionPhase{""}, nil},
	} {
		ps, err := s.ListProvisions(ctx, tc.phases...)
		noErr(t, fmt.Sprintf("ListProvisions(%q)", tc.phases), err)
		if got := provisionClusters(ps); !slices.Equal(got, tc.want) {
			t.Errorf("ListProvisions(%q) = %q, want %q", tc.phases, got, tc.want)
		}
	}
	all, err := s.ListProvisions(ctx)
	noErr(t, "ListProvisions", err)
	for _, p := range all {
		got, err := s.GetProvision(ctx, p.ClusterID)
		noErr(t, "GetProvision("+p.ClusterID+")", err)
		checkProvision(t, &p, got)
	}

	for _, tc := range []struct {
		cred string
		want []string
	}{
		{"cred-1", []string{cC, cB}},
		{"cred-2", []string{cA}},
		{"Cred-1", []string{cE}},
		{"cred-", nil},
		{"missing", nil},
	} {
		ps, err := s.ListProvisionsByCredential(ctx, tc.cred)
		noErr(t, "ListProvisionsByCredential("+tc.cred+")", err)
		if got := provisionClusters(ps); !slices.Equal(got, tc.want) {
			t.Errorf("ListProvisionsByCredential(%q) = %q, want %q", tc.cred, got, tc.want)
		}
	}

	// Updates move provisions between phases and credentials.
	_, err = s.UpdateProvision(ctx, cB, func(p *model.Provision) error {
		p.Phase, p.CredentialID = model.PhaseReady, "cred-2"
		return nil
	})
	noErr(t, "UpdateProvision", err)
	ps, err := s.ListProvisions(ctx, model.PhaseRunning)
	noErr(t, "ListProvisions(running)", err)
	if got, want := provisionClusters(ps), []string{cE}; !slices.Equal(got, want) {
		t.Errorf("ListProvisions(running) after update = %q, want %q", got, want)
	}
	ps, err = s.ListProvisionsByCredential(ctx, "cred-2")
	noErr(t, "ListProvisionsByCredential(cred-2)", err)
	if got, want := provisionClusters(ps), []string{cA, cB}; !slices.Equal(got, want) {
		t.Errorf("ListProvisionsByCredential(cred-2) after update = %q, want %q", got, want)
	}
	noErr(t, "DeleteProvision", s.DeleteProvision(ctx, cA))
	ps, err = s.ListProvisionsByCredential(ctx, "cred-2")
	noErr(t, "ListProvisionsByCredential(cred-2)", err)
	if got, want := provisionClusters(ps), []string{cB}; !slices.Equal(got, want) {
		t.Errorf("ListProvisionsByCredential(cred-2) after delete = %q, want %q", got, want)
	}
}

func testConcurrentUpdateProvision(t *testing.T, s store.Store) {
	c := mustCreateCluster(t, s, "one")
	p := newProvision(c.ID)
	p.Attempts, p.State = 0, json.RawMessage(`{"done":[]}`)
	mustCreateProvision(t, s, p)
	var g errGroup
	start := make(chan struct{})
	for i := range workers {
		g.Go(func() error {
			<-start
			_, err := s.UpdateProvision(t.Context(), c.ID, func(p *model.Provision) error {
				var st struct {
					Done []int `json:"done"`
				}
				if err := json.Unmarshal(p.State, &st); err != nil {
					return err
				}
				st.Done = append(st.Done, i)
				b, err := json.Marshal(st)
				if err != nil {
					return err
				}
				p.Attempts++
				p.State = b
				return nil
			})
			return err
		})
	}
	close(start)
	noErr(t, "concurrent UpdateProvision", g.Wait())
	got, err := s.GetProvision(t.Context(), c.ID)
	noErr(t, "GetProvision", err)
	if got.Attempts != workers {
		t.Errorf("Attempts = %d after %d concurrent increments (lost updates)", got.Attempts, workers)
	}
	var st struct {
		Done []int `json:"done"`
	}
	noErr(t, "decoding State", json.Unmarshal(got.State, &st))
	slices.Sort(st.Done)
	if len(st.Done) != workers || len(slices.Compact(st.Done)) != workers {
		t.Errorf("State records %v, want each of the %d workers once", st.Done, workers)
	}
}

func testClusterEvents(t *testing.T, s store.Store) {
	ctx := t.Context()
	err := s.AppendClusterEvent(ctx, &model.ClusterEvent{ClusterID: "c-missing", Time: at(0), Kind: "info", Message: "x"})
	wantErr(t, "AppendClusterEvent(no cluster)", err, store.ErrNotFound)
	es, err := s.ListClusterEvents(ctx, "c-missing", 0, 0)
	noErr(t, "ListClusterEvents(no cluster)", err)
	if len(es) != 0 {
		t.Errorf("ListClusterEvents(no cluster) = %+v", es)
	}

	c1, c2 := mustCreateCluster(t, s, "one"), mustCreateCluster(t, s, "two")
	es, err = s.ListClusterEvents(ctx, c1.ID, 0, 0)
	noErr(t, "ListClusterEvents(no events)", err)
	if len(es) != 0 {
		t.Errorf("ListClusterEvents(no events) = %+v", es)
	}

	// Interleaved appends; times need not follow the IDs.
	var (
		a1 = mustAppendClusterEvent(t, s, c1.ID, "step", "creating the network", at(2*time.Second))
		b1 = mustAppendClusterEvent(t, s, c2.ID, "info", "hello", at(0))
		a2 = mustAppendClusterEvent(t, s, c1.ID, "error", "quota: 'exceeded'; \"retry\" -- %_\n\x01ü", at(time.Second))
		a3 = mustAppendClusterEvent(t, s, c1.ID, "step", "", at(3*time.Second))
		b2 = mustAppendClusterEvent(t, s, c2.ID, "done", "ready", at(time.Hour))
		a4 = mustAppendClusterEvent(t, s, c1.ID, "done", "ready", time.Time{})
	)
	ids := []int64{a1.ID, b1.ID, a2.ID, a3.ID, b2.ID, a4.ID}
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Fatalf("event IDs %v: want them increasing", ids)
	}

	list := func(clusterID string, after int64, limit int) []model.ClusterEvent {
		t.Helper()
		es, err := s.ListClusterEvents(ctx, clusterID, after, limit)
		noErr(t, fmt.Sprintf("ListClusterEvents(%s, %d, %d)", clusterID, after, limit), err)
		return es
	}
	checkClusterEvents(t, "c1 events", list(c1.ID, 0, 0), a1, a2, a3, a4)
	checkClusterEvents(t, "c1 events (negative after and limit)", list(c1.ID, -1, -1), a1, a2, a3, a4)
	checkClusterEvents(t, "c2 events", list(c2.ID, 0, 10), b1, b2)
	checkClusterEvents(t, "c1 events after a1", list(c1.ID, a1.ID, 0), a2, a3, a4)
	checkClusterEvents(t, "c1 events after b1 (another cluster's ID)", list(c1.ID, b1.ID, 0), a2, a3, a4)
	checkClusterEvents(t, "c1 events after a4", list(c1.ID, a4.ID, 0))
	checkClusterEvents(t, "c1 events, limit 2", list(c1.ID, 0, 2), a1, a2)
	checkClusterEvents(t, "c1 events after a2, limit 1", list(c1.ID, a2.ID, 1), a3)
	checkClusterEvents(t, "c2 events after b2", list(c2.ID, b2.ID, 0))

	// Deleting a provision leaves the events.
	mustCreateProvision(t, s, newProvision(c1.ID))
	noErr(t, "DeleteProvision", s.DeleteProvision(ctx, c1.ID))
	checkClusterEvents(t, "c1 events after DeleteProvision", list(c1.ID, 0, 0), a1, a2, a3, a4)
}

func testClusterEventLimits(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := mustCreateCluster(t, s, "one")
	other := mustCreateCluster(t, s, "two")
	total := maxClusterEvents + 3
	var g errGroup
	for i := range total {
		g.Go(func() error {
			return s.AppendClusterEvent(ctx, &model.ClusterEvent{ClusterID: c.ID, Time: at(time.Duration(i) * time.Second),
				Kind: "info", Message: strconv.Itoa(i)})
		})
		if i%50 == 49 {
			noErr(t, "AppendClusterEvent", g.Wait())
		}
	}
	noErr(t, "AppendClusterEvent", g.Wait())
	mustAppendClusterEvent(t, s, other.ID, "info", "elsewhere", at(0))

	for _, tc := range []struct{ limit, want int }{
		{0, maxClusterEvents}, {-5, maxClusterEvents}, {3, 3}, {maxClusterEvents, maxClusterEvents},
		{maxClusterEvents + 1, maxClusterEvents}, {1 << 30, maxClusterEvents},
	} {
		es, err := s.ListClusterEvents(ctx, c.ID, 0, tc.limit)
		noErr(t, "ListClusterEvents", err)
		if len(es) != tc.want {
			t.Errorf("ListClusterEvents(limit %d): %d events, want %d", tc.limit, len(es), tc.want)
		}
		if !slices.IsSortedFunc(es, func(a, b model.ClusterEvent) int { return cmp.Compare(a.ID, b.ID) }) {
			t.Errorf("ListClusterEvents(limit %d): not in ID order", tc.limit)
		}
	}

	// Paging by the last ID seen reads every event once.
	var (
		seen  = make(map[string]bool)
		after int64
		pages int
	)
	for {
		es, err := s.ListClusterEvents(ctx, c.ID, after, 0)
		noErr(t, "ListClusterEvents", err)
		if len(es) == 0 {
			break
		}
		pages++
		for _, e := range es {
			if e.ID <= after || e.ClusterID != c.ID || seen[e.Message] {
				t.Fatalf("page %d: unexpected event %+v after %d", pages, e, after)
			}
			seen[e.Message] = true
			after = e.ID
		}
	}
	if len(seen) != total || pages != 2 {
		t.Errorf("paging read %d events in %d pages, want %d in 2", len(seen), pages, total)
	}
}

func testProvisionCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	c1, c2 := mustCreateCluster(t, s, "one"), mustCreateCluster(t, s, "two")
	mustCreateProvision(t, s, newProvision(c1.ID))
	p2 := mustCreateProvision(t, s, newProvision(c2.ID))
	mustAppendClusterEvent(t, s, c1.ID, "step", "one", at(0))
	mustAppendClusterEvent(t, s, c1.ID, "step", "two", at(0))
	e2 := mustAppendClusterEvent(t, s, c2.ID, "step", "other", at(0))

	noErr(t, "DeleteCluster", s.DeleteCluster(ctx, c1.ID))
	_, err := s.GetProvision(ctx, c1.ID)
	wantErr(t, "GetProvision of a deleted cluster", err, store.ErrNotFound)
	es, err := s.ListClusterEvents(ctx, c1.ID, 0, 0)
	noErr(t, "ListClusterEvents of a deleted cluster", err)
	if len(es) != 0 {
		t.Errorf("events of a deleted cluster = %+v", es)
	}
	ps, err := s.ListProvisions(ctx)
	noErr(t, "ListProvisions", err)
	if got, want := provisionClusters(ps), []string{c2.ID}; !slices.Equal(got, want) {
		t.Errorf("ListProvisions after DeleteCluster = %q, want %q", got, want)
	}
	ps, err = s.ListProvisionsByCredential(ctx, "cred-"+c1.ID)
	noErr(t, "ListProvisionsByCredential", err)
	if len(ps) != 0 {
		t.Errorf("ListProvisionsByCredential of a deleted cluster's credential = %+v", ps)
	}

	// The other cluster keeps its provision and events.
	got, err := s.GetProvision(ctx, c2.ID)
	noErr(t, "GetProvision(other cluster)", err)
	checkProvision(t, got, p2)
	es, err = s.ListClusterEvents(ctx, c2.ID, 0, 0)
	noErr(t, "ListClusterEvents(other cluster)", err)
	checkClusterEvents(t, "other cluster's events", es, e2)

	// A new cluster with the deleted one's ID inherits nothing.
	again := newCluster("one")
	again.ID = c1.ID
	noErr(t, "CreateCluster(same ID)", s.CreateCluster(ctx, again))
	_, err = s.GetProvision(ctx, c1.ID)
	wantErr(t, "GetProvision of a recreated cluster", err, store.ErrNotFound)
	es, err = s.ListClusterEvents(ctx, c1.ID, 0, 0)
	noErr(t, "ListClusterEvents of a recreated cluster", err)
	if len(es) != 0 {
		t.Errorf("events of a recreated cluster = %+v", es)
	}
	mustCreateProvision(t, s, newProvision(c1.ID))
	// IDs are not reused after the deletes.
	if e := mustAppendClusterEvent(t, s, c1.ID, "info", "new", at(0)); e.ID <= e2.ID {
		t.Errorf("event ID %d after deletes, want above %d", e.ID, e2.ID)
	}
}

func testProvisionRevision(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := mustCreateCluster(t, s, "one")
	unchanged := func(what string, fn func() error) {
		t.Helper()
		before, err := s.AccessRevision(ctx)
		noErr(t, "AccessRevision", err)
		noErr(t, what, fn())
		after, err := s.AccessRevision(ctx)
		noErr(t, "AccessRevision", err)
		if after != before {
			t.Errorf("%s: access revision %d -> %d, want it unchanged", what, before, after)
		}
	}
	unchanged("CreateProvision", func() error { return s.CreateProvision(ctx, newProvision(c.ID)) })
	unchanged("UpdateProvision", func() error {
		_, err := s.UpdateProvision(ctx, c.ID, func(p *model.Provision) error { p.Attempts++; return nil })
		return err
	})
	unchanged("AppendClusterEvent", func() error {
		return s.AppendClusterEvent(ctx, &model.ClusterEvent{ClusterID: c.ID, Time: at(0), Kind: "info"})
	})
	unchanged("DeleteProvision", func() error { return s.DeleteProvision(ctx, c.ID) })
}
