package eks

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/provision"
	"github.com/paddockhq/paddock/internal/store"
	"github.com/paddockhq/paddock/internal/testenv/awsemu"
)

// awsOnly is the provisioner without its connect step: the emulator runs
// here without Kubernetes (test/e2e covers the agent).
type awsOnly struct{ *Provisioner }

func (a awsOnly) Steps() []provision.Step {
	steps := a.Provisioner.Steps()
	return steps[:len(steps)-1]
}

// TestAWSSideAgainstEmulator runs the steps, faults, retries, scale and
// deprovision against the AWS emulator (no control plane).
func TestAWSSideAgainstEmulator(t *testing.T) {
	emu := awsemu.Start(t, awsemu.Options{Region: "eu-west-1", NoKubernetes: true,
		ClusterDelay: 300 * time.Millisecond, NodegroupDelay: 300 * time.Millisecond})
	key, err := emu.NewCredential("123456789012", "alice")
	if err != nil {
		t.Fatal(err)
	}
	st := testStore(t)
	cred := &model.CloudCredential{ID: "cred-1", Name: "alice", Provider: model.CloudAWS, OwnerID: "alice",
		AccessKeyID: key.AccessKeyID, DefaultRegion: "eu-west-1", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.CreateCloudCredential(t.Context(), cred, model.CloudSecret{SecretAccessKey: key.SecretAccessKey}); err != nil {
		t.Fatal(err)
	}
	aws := AWS{Endpoint: emu.URL()}
	id, err := aws.CallerIdentity(t.Context(), cred, &model.CloudSecret{SecretAccessKey: key.SecretAccessKey})
	if err != nil || id.Account != "123456789012" || id.ARN != key.ARN {
		t.Fatalf("identity %+v, %v", id, err)
	}
	_, err = aws.CallerIdentity(t.Context(), cred, &model.CloudSecret{SecretAccessKey: "wrong-" + key.SecretAccessKey})
	if err == nil || !strings.Contains(err.Error(), "secret access key does not match") {
		t.Fatalf("wrong secret: %v", err)
	}

	p := &Provisioner{Store: st, AWS: aws, Poll: 50 * time.Millisecond, MaxPoll: 200 * time.Millisecond}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	r := &provision.Runner{Store: st, Registry: provision.Registry{Name: awsOnly{p}}}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// Throttling is carried through; a refused action stops the step.
	emu.Fault("ec2:CreateVpc", awsemu.Fault{Code: "RequestLimitExceeded", Times: 2})
	emu.Fault("eks:CreateCluster", awsemu.Fault{Code: "AccessDenied"})
	now := time.Now().UTC()
	c := &model.Cluster{ID: "0123456789abcdef", Name: "prod", CreatedBy: "alice", CreatedAt: now, UpdatedAt: now}
	params := json.RawMessage(`{"provider":"eks","credentialID":"cred-1","tags":{"team":"infra"},
		"nodeGroups":[{"name":"ng","minSize":1,"maxSize":2,"desiredSize":1}]}`)
	prov, err := r.Create(ctx, provision.Caller{UserID: "alice"}, c, Name, params)
	if err != nil || prov.CredentialID != "cred-1" {
		t.Fatalf("create: %+v, %v", prov, err)
	}
	failed := waitPhase(t, st, c.ID, model.PhaseFailed)
	if !strings.Contains(failed.Error, `step "create the EKS cluster" failed: AWS refused eks:CreateCluster: User: `+key.ARN) {
		t.Fatalf("refused: %q", failed.Error)
	}
	if hits := emu.FaultHits("ec2:CreateVpc"); hits != 2 {
		t.Errorf("throttled CreateVpc %d times", hits)
	}
	// A cluster or node group that fails reports why; the retry makes it
	// again.
	emu.ClearFaults()
	emu.FailCluster("prod-01234567")
	if err := r.Retry(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	failed = waitPhase(t, st, c.ID, model.PhaseFailed)
	if !strings.Contains(failed.Error, `step "wait for the EKS cluster" failed: the EKS cluster is FAILED: `) {
		t.Fatalf("cluster failure: %q", failed.Error)
	}
	emu.ClearFaults()
	emu.FailNodegroup("ng")
	if err := r.Retry(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	failed = waitPhase(t, st, c.ID, model.PhaseFailed)
	if !strings.Contains(failed.Error, "node group ng is CREATE_FAILED") || !strings.Contains(failed.Error, "NodeCreationFailure") {
		t.Fatalf("node group failure: %q", failed.Error)
	}
	emu.ClearFaults()
	if err := r.Retry(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	ready := waitPhase(t, st, c.ID, model.PhaseReady)
	var state State
	_ = json.Unmarshal(ready.State, &state)
	if state.ClusterName != "prod-01234567" || state.VPCID == "" || len(state.PublicSubnets) != 2 || len(state.PrivateSubnets) != 2 ||
		state.CreatedClusterRole != "paddock-01234567-cluster" || state.InternetGateway == "" || len(state.RouteTables) != 2 {
		t.Fatalf("state %+v", state)
	}
	res := emu.Resources()
	if len(res.VPCs) != 1 || len(res.Subnets) != 4 || len(res.Roles) != 2 || len(res.Clusters) != 1 || len(res.Nodegroups) != 1 {
		t.Fatalf("created: %s", res)
	}

	// Scale: the first node group's desired size, max widened.
	if err := r.Scale(ctx, c.ID, 4); err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetProvision(ctx, c.ID)
	var after Params
	_ = json.Unmarshal(got.Params, &after)
	if g := after.NodeGroups[0]; g.DesiredSize != 4 || g.MaxSize != 4 || g.MinSize != 1 {
		t.Fatalf("scaled params %+v", g)
	}

	// Deprovision leaves nothing (throttling on the way is carried through).
	emu.Fault("ec2:DeleteSubnet", awsemu.Fault{Code: "RequestLimitExceeded", Times: 1})
	if err := r.Deprovision(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := st.GetCluster(ctx, c.ID); err != nil {
			break
		}
		if time.Now().After(deadline) {
			p, _ := st.GetProvision(ctx, c.ID)
			t.Fatalf("not deprovisioned: %s %s\n%s", p.Phase, p.Error, events(st, c.ID))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if res := emu.Resources(); !res.Empty() {
		t.Fatalf("left behind: %s", res)
	}
}

// TestDeprovisionHalfCreated removes what the first steps made when the
// cluster never came.
func TestDeprovisionHalfCreated(t *testing.T) {
	emu := awsemu.Start(t, awsemu.Options{Region: "eu-west-1", NoKubernetes: true})
	key, _ := emu.NewCredential("123456789012", "alice")
	st := testStore(t)
	cred := &model.CloudCredential{ID: "cred-1", Name: "alice", Provider: model.CloudAWS, OwnerID: "alice",
		AccessKeyID: key.AccessKeyID, DefaultRegion: "eu-west-1", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.CreateCloudCredential(t.Context(), cred, model.CloudSecret{SecretAccessKey: key.SecretAccessKey}); err != nil {
		t.Fatal(err)
	}
	p := &Provisioner{Store: st, AWS: AWS{Endpoint: emu.URL()}, Poll: 50 * time.Millisecond, MaxPoll: 200 * time.Millisecond}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	r := &provision.Runner{Store: st, Registry: provision.Registry{Name: awsOnly{p}}}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	emu.Fault("ec2:CreateRouteTable", awsemu.Fault{Code: "AccessDenied"})
	now := time.Now().UTC()
	c := &model.Cluster{ID: "fedcba9876543210", Name: "half", CreatedBy: "alice", CreatedAt: now, UpdatedAt: now}
	if _, err := r.Create(ctx, provision.Caller{UserID: "alice"}, c, Name, json.RawMessage(`{"credentialID":"cred-1"}`)); err != nil {
		t.Fatal(err)
	}
	failed := waitPhase(t, st, c.ID, model.PhaseFailed)
	if !strings.Contains(failed.Error, "AWS refused ec2:CreateRouteTable") {
		t.Fatalf("failure: %q", failed.Error)
	}
	if res := emu.Resources(); len(res.VPCs) != 1 || len(res.Roles) != 2 {
		t.Fatalf("before deprovisioning: %s", res)
	}
	emu.ClearFaults()
	if err := r.Deprovision(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := st.GetCluster(ctx, c.ID); err != nil {
			break
		}
		if time.Now().After(deadline) {
			p, _ := st.GetProvision(ctx, c.ID)
			t.Fatalf("not deprovisioned: %s %s\n%s", p.Phase, p.Error, events(st, c.ID))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if res := emu.Resources(); !res.Empty() {
		t.Fatalf("left behind: %s", res)
	}
}

func events(st store.Store, id string) string {
	evs, _ := st.ListClusterEvents(context.Background(), id, 0, 0)
	var lines []string
	for _, e := range evs {
		lines = append(lines, e.Kind+": "+e.Message)
	}
	return strings.Join(lines, "\n")
}

func waitPhase(t *testing.T, st store.Store, id string, want model.ProvisionPhase) *model.Provision {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
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
