package e2e

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/testenv"
	"github.com/paddockhq/paddock/internal/testenv/awsemu"
)

type cloudCredView struct {
	ID, Name, AccessKeyID, Owner string
}

// TestEKS drives the eks provider against the AWS emulator (STS, IAM, EC2,
// EKS with SigV4; clusters backed by a real kube-apiserver whose kwok
// "kubelet" runs the agent): a user's credential, tested; a cluster with a
// new VPC and a node group through throttling, a refused action and a
// failing node group, each reported and retried; active through its agent
// with kubectl working through Paddock; scaled; a credential in use or of
// someone else refused; deleting leaves nothing in AWS.
func TestEKS(t *testing.T) {
	emu := awsemu.Start(t, awsemu.Options{Region: "eu-west-1", AgentBinary: binary,
		ClusterDelay: time.Second, NodegroupDelay: time.Second})
	s := start(t, options{env: append(slices.Clone(bootstrapEnv), "PADDOCK_AWS_ENDPOINT_URL="+emu.URL())})
	admin := s.login("admin", bootstrapPassword)
	s.must("POST", "/v1/globalroles", admin, map[string]any{"name": "creator", "capabilities": []string{"clusters-create"}}, 201, nil)
	for _, name := range []string{"alice", "bob"} {
		u := s.createUser(admin, name, name+"-password-1", false)
		s.must("PATCH", "/v1/users/"+u.ID, admin, map[string]any{"globalRoles": []string{"creator"}}, 200, nil)
	}
	alice, bob := s.login("alice", "alice-password-1"), s.login("bob", "bob-password-1")

	// Alice's AWS key, stored and tested.
	key, err := emu.NewCredential("123456789012", "alice")
	if err != nil {
		t.Fatal(err)
	}
	var cred cloudCredView
	s.must("POST", "/v1/cloudcredentials", alice, map[string]any{"name": "prod", "provider": "aws", "accessKeyID": key.AccessKeyID,
		"secretAccessKey": key.SecretAccessKey, "defaultRegion": "eu-west-1"}, 201, &cred)
	if cred.AccessKeyID != key.AccessKeyID[:4]+"…"+key.AccessKeyID[len(key.AccessKeyID)-4:] {
		t.Fatalf("key shown as %q", cred.AccessKeyID)
	}
	var tested struct {
		OK                  bool
		Account, ARN, Error string
	}
	s.must("POST", "/v1/cloudcredentials/"+cred.ID+"/test", alice, nil, 200, &tested)
	if !tested.OK || tested.Account != "123456789012" || tested.ARN != key.ARN {
		t.Fatalf("test: %+v", tested)
	}
	var wrong cloudCredView
	s.must("POST", "/v1/cloudcredentials", alice, map[string]any{"name": "typo", "accessKeyID": key.AccessKeyID,
		"secretAccessKey": "x" + key.SecretAccessKey[1:]}, 201, &wrong)
	s.must("POST", "/v1/cloudcredentials/"+wrong.ID+"/test", alice, nil, 200, &tested)
	if tested.OK || !strings.Contains(tested.Error, "secret access key does not match") {
		t.Fatalf("test of a wrong secret: %+v", tested)
	}
	s.must("DELETE", "/v1/cloudcredentials/"+wrong.ID, alice, nil, 204, nil)

	// Bob neither sees nor uses it, knowing its id.
	var list struct{ Items []cloudCredView }
	s.must("GET", "/v1/cloudcredentials", bob, nil, 200, &list)
	if len(list.Items) != 0 {
		t.Fatalf("bob lists %+v", list.Items)
	}
	s.must("GET", "/v1/cloudcredentials/"+cred.ID, bob, nil, 404, nil)
	s.must("POST", "/v1/clusters", bob, map[string]any{"name": "stolen", "provision": map[string]any{"provider": "eks",
		"credentialID": cred.ID}}, 404, nil)
	var clusters struct{ Items []clusterView }
	s.must("GET", "/v1/clusters", admin, nil, 200, &clusters)
	if len(clusters.Items) != 0 {
		t.Fatalf("a refused provision left %+v", clusters.Items)
	}
	s.must("POST", "/v1/clusters", alice, map[string]any{"name": "bad", "provision": map[string]any{"provider": "eks",
		"credentialID": cred.ID, "nodeGroups": []map[string]any{{"instanceType": "z9.huge"}}}}, 422, nil)

	// Throttling is carried through; a refused action names itself.
	emu.Fault("ec2:CreateVpc", awsemu.Fault{Code: "RequestLimitExceeded", Times: 2})
	emu.Fault("eks:CreateCluster", awsemu.Fault{Code: "AccessDenied"})
	var c clusterView
	s.must("POST", "/v1/clusters", alice, map[string]any{"name": "prod", "provision": map[string]any{"provider": "eks",
		"credentialID": cred.ID, "networking": map[string]any{"createVPC": true, "cidr": "10.1.0.0/16"},
		"nodeGroups": []map[string]any{{"name": "workers", "minSize": 1, "maxSize": 3, "desiredSize": 2}}}}, 201, &c)
	got := s.waitState(alice, c.ID, "error", 2*time.Minute)
	if !strings.Contains(got.StateReason, "AWS refused eks:CreateCluster: User: "+key.ARN+" is not authorized to perform: eks:CreateCluster") {
		t.Fatalf("refused action reported as %q", got.StateReason)
	}
	if hits := emu.FaultHits("ec2:CreateVpc"); hits != 2 {
		t.Fatalf("CreateVpc throttled %d times", hits)
	}

	// A node group that fails to come up: its reason; the retry recreates it.
	emu.ClearFaults()
	emu.FailNodegroup("workers")
	s.must("POST", "/v1/clusters/"+c.ID+"/retry", alice, nil, 202, nil)
	s.waitState(alice, c.ID, "provisioning", 10*time.Second)
	got = s.waitState(alice, c.ID, "error", 3*time.Minute)
	if !strings.Contains(got.StateReason, "node group workers is CREATE_FAILED: NodeCreationFailure") {
		t.Fatalf("node group failure reported as %q", got.StateReason)
	}
	emu.ClearFaults()
	s.must("POST", "/v1/clusters/"+c.ID+"/retry", alice, nil, 202, nil)
	s.waitState(alice, c.ID, "provisioning", 10*time.Second)
	got = s.waitState(alice, c.ID, "active", 4*time.Minute)
	var events struct {
		Items []struct{ Kind, Message string }
	}
	s.must("GET", "/v1/clusters/"+c.ID+"/events", alice, nil, 200, &events)
	var lines []string
	for _, e := range events.Items {
		lines = append(lines, e.Kind+": "+e.Message)
	}
	t.Logf("active (Kubernetes %s, %d nodes); events:\n%s", got.KubernetesVersion, got.NodeCount, strings.Join(lines, "\n"))

	// kubectl through Paddock reaches the EKS cluster's nodes.
	p := &person{name: "alice", token: alice, kubeconfig: filepath.Join(t.TempDir(), "kc")}
	s.refreshKubeconfig(p)
	kubectl := func(args ...string) (string, error) {
		return testenv.Kubectl(t, testenv.SystemKubectl, p.kubeconfig, append([]string{"--context", "paddock-prod"}, args...)...)
	}
	nodes := func(want int) func() error {
		return func() error {
			out, err := kubectl("get", "nodes", "-o", "name")
			if err != nil || strings.Count(out, "node/") != want {
				return fmt.Errorf("%v %s", err, out)
			}
			return nil
		}
	}
	eventually(t, 30*time.Second, "2 nodes through Paddock", nodes(2))

	// The credential in use cannot go; Bob cannot touch it at all.
	var inUse struct {
		Message  string
		Clusters []string
	}
	s.must("DELETE", "/v1/cloudcredentials/"+cred.ID, alice, nil, 409, &inUse)
	if !slices.Equal(inUse.Clusters, []string{"prod"}) {
		t.Fatalf("refused deletion: %+v", inUse)
	}
	s.must("DELETE", "/v1/cloudcredentials/"+cred.ID, bob, nil, 404, nil)

	// Scale: the node group's desired size.
	eventually(t, 10*time.Second, "scaling (once the connect step has seen the agent)", func() error {
		if status, body, err := s.call(t.Context(), "POST", "/v1/clusters/"+c.ID+"/scale", alice, map[string]any{"nodes": 3}); status != 200 {
			return fmt.Errorf("%d %v %s", status, err, body)
		}
		return nil
	})
	eventually(t, time.Minute, "3 nodes after scaling", nodes(3))

	// Deleting removes everything from AWS, then the credential may go.
	s.must("DELETE", "/v1/clusters/"+c.ID, alice, nil, 202, nil)
	took := eventually(t, 3*time.Minute, "the cluster is gone", func() error {
		if status, _, _ := s.call(t.Context(), "GET", "/v1/clusters/"+c.ID, admin, nil); status != 404 {
			return fmt.Errorf("GET answers %d", status)
		}
		return nil
	})
	eventually(t, 30*time.Second, "nothing left in AWS", func() error {
		if res := emu.Resources(); !res.Empty() {
			return fmt.Errorf("left: %s", res)
		}
		return nil
	})
	t.Logf("deprovisioned in %s", took.Round(time.Second))
	s.must("DELETE", "/v1/cloudcredentials/"+cred.ID, alice, nil, 204, nil)
}
