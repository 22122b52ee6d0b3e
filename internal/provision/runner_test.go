package provision_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/provision"
	"github.com/paddockhq/paddock/internal/secrets"
	"github.com/paddockhq/paddock/internal/store"
	"github.com/paddockhq/paddock/internal/store/sqlstore"
)

// recorder is a provisioner for testing the runner (the runner is what is
// under test; real providers have their own tests): three steps that note
// each run in the job's state, one that can be told to fail or to block.
type recorder struct {
	mu       sync.Mutex
	failStep string
	block    chan struct{} // when set, step "b" waits for it
	entered  chan struct{}
	removed  []string
	scaled   int
}

type recState struct{ Ran []string }

func (r *recorder) Name() string { return "rec" }

func (r *recorder) Validate(_ context.Context, _ provision.Caller, p json.RawMessage) (json.RawMessage, error) {
	var v struct{ Nodes int }
	if err := json.Unmarshal(p, &v); err != nil || v.Nodes < 1 {
		return nil, errors.New("nodes: must be at least 1")
	}
	return json.Marshal(v)
}

func (r *recorder) step(name string) provision.Step {
	return provision.Step{Name: name, Run: func(ctx context.Context, j *provision.Job) error {
		r.mu.Lock()
		fail, block, entered := r.failStep == name, r.block, r.entered
		r.mu.Unlock()
		if name == "b" && block != nil {
			entered <- struct{}{}
			select {
			case <-block:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if fail {
			return fmt.Errorf("%s exploded", name)
		}
		var st recState
		if err := j.State(&st); err != nil {
			return err
		}
		st.Ran = append(st.Ran, name)
		return j.SaveState(ctx, st)
	}}
}

func (r *recorder) Steps() []provision.Step {
	return []provision.Step{r.step("a"), r.step("b"), r.step("c")}
}

func (r *recorder) Deprovision(ctx context.Context, j *provision.Job) error {
	var st recState
	if err := j.State(&st); err != nil {
		return err
	}
	r.mu.Lock()
	r.removed = append(r.removed, st.Ran...)
	r.mu.Unlock()
	return nil
}

func (r *recorder) Scale(ctx context.Context, j *provision.Job, n int) error {
	r.mu.Lock()
	r.scaled = n
	r.mu.Unlock()
	return nil
}

func (r *recorder) Resume(ctx context.Context, j *provision.Job) error { return nil }

func openStore(t *testing.T) store.Store {
	key, _ := secrets.GenerateKey()
	sealer, _ := secrets.New(key)
	st, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func waitPhase(t *testing.T, st store.Store, id string, want model.ProvisionPhase) *model.Provision {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, err := st.GetProvision(context.Background(), id)
		if err == nil && p.Phase == want {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("provision %s: %+v, %v; want phase %s", id, p, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitState waits for the cluster's state (the runner records it just
// after the provision's phase).
func waitState(t *testing.T, st store.Store, id string, want model.ClusterState) *model.Cluster {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := st.GetCluster(context.Background(), id)
		if err == nil && c.State == want {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster %s: %+v, %v; want state %s", id, c, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newCluster(name string) *model.Cluster {
	now := time.Now().UTC()
	return &model.Cluster{ID: "c-" + name, Name: name, CreatedBy: "u1", CreatedAt: now, UpdatedAt: now}
}

func TestRunnerStepsFailRetryScaleDeprovision(t *testing.T) {
	st := openStore(t)
	rec := &recorder{failStep: "b"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &provision.Runner{Store: st, Registry: provision.Registry{"rec": rec}}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Create(ctx, provision.Caller{UserID: "u1"}, newCluster("bad"), "rec", json.RawMessage(`{"nodes":0}`)); err == nil || !strings.Contains(err.Error(), "nodes") {
		t.Fatalf("invalid params: %v", err)
	}
	if _, err := st.GetCluster(ctx, "c-bad"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("a refused provision left a cluster behind")
	}
	if _, err := r.Create(ctx, provision.Caller{UserID: "u1"}, newCluster("x"), "nope", json.RawMessage(`{}`)); !errors.Is(err, provision.ErrUnknownProvider) {
		t.Fatalf("unknown provider: %v", err)
	}
	if _, err := r.Create(ctx, provision.Caller{UserID: "u1"}, newCluster("one"), "rec", json.RawMessage(`{"nodes":3}`)); err != nil {
		t.Fatal(err)
	}
	p := waitPhase(t, st, "c-one", model.PhaseFailed)
	c := waitState(t, st, "c-one", model.ClusterError)
	if p.Step != 1 || !strings.Contains(p.Error, `step "b" failed: b exploded`) || c.State != model.ClusterError || !strings.Contains(c.StateReason, "retry") {
		t.Fatalf("after a failing step: %+v, cluster %s %q", p, c.State, c.StateReason)
	}
	if err := r.Scale(ctx, "c-one", 5); !errors.Is(err, provision.ErrState) {
		t.Fatalf("scaling a failed provision: %v", err)
	}
	// Retry resumes at the failed step: "a" does not run again.
	rec.mu.Lock()
	rec.failStep = ""
	rec.mu.Unlock()
	if err := r.Retry(ctx, "c-one"); err != nil {
		t.Fatal(err)
	}
	p = waitPhase(t, st, "c-one", model.PhaseReady)
	var got struct{ Ran []string }
	json.Unmarshal(p.State, &got)
	if strings.Join(got.Ran, ",") != "a,b,c" {
		t.Fatalf("steps ran: %v", got.Ran)
	}
	waitState(t, st, "c-one", model.ClusterPending) // a provisioned cluster waits for its agent
	if err := r.Retry(ctx, "c-one"); !errors.Is(err, provision.ErrState) {
		t.Fatalf("retry of a ready provision: %v", err)
	}
	if err := r.Scale(ctx, "c-one", 5); err != nil || rec.scaled != 5 {
		t.Fatalf("scale: %v %d", err, rec.scaled)
	}
	evs, _ := st.ListClusterEvents(ctx, "c-one", 0, 0)
	var lines []string
	for _, e := range evs {
		lines = append(lines, e.Kind+": "+e.Message)
	}
	joined := strings.Join(lines, "\n")
	for _, want := range []string{"step: step 1/3: a", "error: step \"b\" failed", "step: step 3/3: c", "done: provisioned", "info: scaled to 5 nodes"} {
		if !strings.Contains(joined, want) {
			t.Errorf("events lack %q:\n%s", want, joined)
		}
	}
	// Deprovisioning removes what the steps recorded, then the cluster.
	if err := r.Deprovision(ctx, "c-one"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := st.GetCluster(ctx, "c-one"); errors.Is(err, store.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the deprovisioned cluster is still there")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Join(rec.removed, ",") != "a,b,c" {
		t.Fatalf("deprovision removed %v", rec.removed)
	}
}

// TestRunnerResumesAfterRestart stops the server in the middle of a step
// and starts a new runner on the same store: it finishes the job, and the
// steps before the interrupted one do not run again.
func TestRunnerResumesAfterRestart(t *testing.T) {
	st := openStore(t)
	rec := &recorder{block: make(chan struct{}), entered: make(chan struct{}, 1)}
	ctx1, stop := context.WithCancel(context.Background())
	r1 := &provision.Runner{Store: st, Registry: provision.Registry{"rec": rec}}
	if err := r1.Start(ctx1); err != nil {
		t.Fatal(err)
	}
	if _, err := r1.Create(ctx1, provision.Caller{UserID: "u1"}, newCluster("two"), "rec", json.RawMessage(`{"nodes":1}`)); err != nil {
		t.Fatal(err)
	}
	<-rec.entered // inside step b
	stop()
	r1.Wait()
	if p, _ := st.GetProvision(context.Background(), "c-two"); p.Phase != model.PhaseRunning || p.Step != 1 {
		t.Fatalf("after the stop: %+v", p)
	}
	rec.mu.Lock()
	rec.block = nil
	rec.mu.Unlock()
	ctx2, cancel := context.WithCancel(context.Background())
	defer cancel()
	r2 := &provision.Runner{Store: st, Registry: provision.Registry{"rec": rec}}
	if err := r2.Start(ctx2); err != nil {
		t.Fatal(err)
	}
	p := waitPhase(t, st, "c-two", model.PhaseReady)
	var got struct{ Ran []string }
	json.Unmarshal(p.State, &got)
	if strings.Join(got.Ran, ",") != "a,b,c" {
		t.Fatalf("steps ran: %v (a step before the interruption ran twice, or one was skipped)", got.Ran)
	}
}
