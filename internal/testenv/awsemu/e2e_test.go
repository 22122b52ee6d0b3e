package awsemu_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/paddockhq/paddock/internal/clusters"
	"github.com/paddockhq/paddock/internal/localcluster"
	"github.com/paddockhq/paddock/internal/testenv/awsemu"
)

// TestEKSEndToEnd does what Paddock's EKS provider will: builds the
// network and roles, creates a cluster and a nodegroup, reaches the real
// kube-apiserver with an EKS token, installs the agent (which the emulator
// runs), scales, and deletes everything.
func TestEKSEndToEnd(t *testing.T) {
	if err := localcluster.CheckBinaries("", true); err != nil {
		t.Fatal(err) // like testenv: real-Kubernetes coverage never skips
	}
	reports := t.TempDir()
	e := awsemu.Start(t, awsemu.Options{AgentBinary: os.Args[0], AgentEnv: []string{fakeAgentEnv + "=" + reports}})
	alice := newClients(t, e, "alice")
	ctx := t.Context()
	n := buildNetwork(t, alice, "e2e")

	began := time.Now()
	createCluster(t, alice, "e2e", n)
	cl := waitCluster(t, alice, "e2e", ekstypes.ClusterStatusActive)
	t.Logf("cluster ACTIVE after %s at %s", time.Since(began).Round(time.Millisecond), *cl.Endpoint)
	ca, err := base64.StdEncoding.DecodeString(*cl.CertificateAuthority.Data)
	if err != nil {
		t.Fatal(err)
	}
	restConfig := func(token string) *rest.Config {
		return &rest.Config{Host: *cl.Endpoint, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: ca}, Timeout: 30 * time.Second}
	}
	kube := kubernetes.NewForConfigOrDie(restConfig(eksToken(t, alice.cfg, "e2e")))

	t.Run("CreatorIsAdmin", func(t *testing.T) {
		review, err := kube.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		u := review.Status.UserInfo
		if u.Username != alice.cred.ARN || !slices.Contains(u.Groups, "system:masters") || !strings.HasPrefix(u.UID, "aws-iam-authenticator:"+account+":") ||
			u.Extra["accessKeyId"][0] != alice.cred.AccessKeyID {
			t.Errorf("creator = %+v", u)
		}
		if _, err := kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("creator listing namespaces: %v", err)
		}
	})

	t.Run("OtherPrincipal", func(t *testing.T) {
		bob := newClients(t, e, "bob")
		cs := kubernetes.NewForConfigOrDie(restConfig(eksToken(t, bob.cfg, "e2e")))
		review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if u := review.Status.UserInfo; u.Username != bob.cred.ARN || slices.Contains(u.Groups, "system:masters") {
			t.Errorf("bob = %+v", u)
		}
		if _, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("bob listing namespaces: %v; want Forbidden", err)
		}
		if err := e.MapPrincipal("e2e", bob.cred.ARN, "system:masters"); err != nil {
			t.Fatal(err)
		}
		// A new token: the apiserver caches a token's identity for 10 s.
		cs = kubernetes.NewForConfigOrDie(restConfig(presignedAt(t, bob.cred, e, "e2e", time.Now().Add(-time.Second))))
		if _, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("bob, mapped to system:masters, listing namespaces: %v", err)
		}
	})

	t.Run("RejectedTokens", func(t *testing.T) {
		good := eksToken(t, alice.cfg, "e2e")
		raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(good, "k8s-aws-v1."))
		u, _ := url.Parse(string(raw))
		q := u.Query()
		sig := []byte(q.Get("X-Amz-Signature"))
		sig[0] ^= 1
		q.Set("X-Amz-Signature", string(sig))
		u.RawQuery = q.Encode()
		tampered := "k8s-aws-v1." + base64.RawURLEncoding.EncodeToString([]byte(u.String()))

		stranger := alice.cred
		stranger.AccessKeyID = "AKIASTRANGERSTRANGER"
		tokens := map[string]string{
			"tampered":     tampered,
			"otherCluster": eksToken(t, alice.cfg, "another-cluster"),
			"expired":      presignedAt(t, alice.cred, e, "e2e", time.Now().Add(-16*time.Minute)),
			"unknownKey":   eksToken(t, clientsFor(e, stranger).cfg, "e2e"),
			"noPrefix":     strings.TrimPrefix(good, "k8s-aws-v1."),
			"garbage":      "k8s-aws-v1.!!!",
		}
		if _, err := kubernetes.NewForConfigOrDie(restConfig(presignedAt(t, alice.cred, e, "e2e", time.Now().Add(-10*time.Minute)))).
			CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err != nil {
			t.Errorf("a 10-minute-old token: %v; want it accepted (EKS tokens last 15 minutes)", err)
		}
		for name, tok := range tokens {
			_, err := kubernetes.NewForConfigOrDie(restConfig(tok)).CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
			if !apierrors.IsUnauthorized(err) {
				t.Errorf("%s token: %v; want 401 Unauthorized", name, err)
			}
		}
	})

	createNodegroup(t, alice, "e2e", "workers", n, 2)
	waitNodegroup(t, alice, "e2e", "workers", ekstypes.NodegroupStatusActive)
	checkNodes(t, kube, 2)

	t.Run("AgentRunsAsPod", func(t *testing.T) {
		manifest, err := clusters.Manifest(clusters.ManifestOptions{
			ServerURL: "https://paddock.example:8443", CAChecksum: strings.Repeat("ab", 32), Token: "pdr_registration", Image: "paddock:test", ClusterID: "c-1",
		})
		if err != nil {
			t.Fatal(err)
		}
		kubectlApply(t, *cl.Endpoint, ca, eksToken(t, alice.cfg, "e2e"), manifest)
		r := waitReport(t, reports, 1)
		want := []string{"agent", "--server", "https://paddock.example:8443", "--ca-checksum", strings.Repeat("ab", 32), "--kubeconfig"}
		if !slices.Equal(r.Args[:len(want)], want) || !slices.Contains(r.Args, "--state-file") {
			t.Errorf("agent args = %q", r.Args)
		}
		if r.Token != "pdr_registration" || r.SecretToken != "pdr_registration" || r.Nodes != 2 || r.Err != "" {
			t.Errorf("agent report = %+v", r)
		}
		if a := e.Agents(); len(a) != 1 || a[0].PID == 0 || a[0].Cluster != "e2e" {
			t.Errorf("Agents() = %+v", a)
		}
	})

	t.Run("Scale", func(t *testing.T) {
		for _, size := range []int32{3, 1} {
			_, err := alice.eks.UpdateNodegroupConfig(ctx, &eks.UpdateNodegroupConfigInput{ClusterName: aws.String("e2e"), NodegroupName: aws.String("workers"),
				ScalingConfig: &ekstypes.NodegroupScalingConfig{DesiredSize: aws.Int32(size)}, Labels: &ekstypes.UpdateLabelsPayload{AddOrUpdateLabels: map[string]string{"size": fmt.Sprint(size)}}})
			if err != nil {
				t.Fatal(err)
			}
			waitNodegroup(t, alice, "e2e", "workers", ekstypes.NodegroupStatusActive)
			for _, node := range checkNodes(t, kube, int(size)) {
				if node.Labels["size"] != fmt.Sprint(size) {
					t.Errorf("node %s labels %v; want size=%d", node.Name, node.Labels, size)
				}
			}
		}
	})

	t.Run("AgentStopsWithDeployment", func(t *testing.T) {
		if err := kube.CoreV1().Namespaces().Delete(ctx, clusters.AgentNamespace, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Minute)
		for len(e.Agents()) > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("agents still running: %+v", e.Agents())
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	must[*eks.DeleteNodegroupOutput](t)(alice.eks.DeleteNodegroup(ctx, &eks.DeleteNodegroupInput{ClusterName: aws.String("e2e"), NodegroupName: aws.String("workers")}))
	waitNodegroupGone(t, alice, "e2e", "workers")
	checkNodes(t, kube, 0)
	must[*eks.DeleteClusterOutput](t)(alice.eks.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String("e2e")}))
	waitClusterGone(t, alice, "e2e")
	n.teardown(t, alice)
	if r := e.Resources(); !r.Empty() {
		t.Errorf("left behind: %s", r)
	}
}

// checkNodes waits until the cluster has n nodes, labelled as EKS labels
// them, and returns them.
func checkNodes(t *testing.T, kube kubernetes.Interface, n int) []corev1.Node {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		list, err := kube.CoreV1().Nodes().List(t.Context(), metav1.ListOptions{LabelSelector: "eks.amazonaws.com/nodegroup=workers"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) == n {
			for _, node := range list.Items {
				l := node.Labels
				if l["node.kubernetes.io/instance-type"] != "t3.medium" || l["role"] != "worker" || !strings.HasPrefix(l["topology.kubernetes.io/zone"], "us-east-1") ||
					!strings.HasSuffix(node.Name, ".ec2.internal") || !strings.HasPrefix(node.Spec.ProviderID, "aws:///us-east-1") {
					t.Errorf("node %s: labels %v, providerID %s", node.Name, l, node.Spec.ProviderID)
				}
			}
			return list.Items
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d nodes; want %d", len(list.Items), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// presignedAt makes a token signed at a given time, by hand (the SDK's
// presign client always signs now).
func presignedAt(t *testing.T, cred awsemu.Credential, e *awsemu.Emulator, cluster string, at time.Time) string {
	t.Helper()
	req, _ := http.NewRequest("GET", e.URL()+"/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60", nil)
	req.Header.Set("x-k8s-aws-id", cluster)
	creds := aws.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey}
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sts", e.Region(), at)
	if err != nil {
		t.Fatal(err)
	}
	return "k8s-aws-v1." + base64.RawURLEncoding.EncodeToString([]byte(u))
}

// kubectlApply applies a manifest with the toolchain's kubectl, as the
// cluster's creator.
func kubectlApply(t *testing.T, server string, ca []byte, token string, manifest []byte) {
	t.Helper()
	kubectl, err := localcluster.LookPath("", "kubectl")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	cfg := fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters: [{name: eks, cluster: {server: %q, certificate-authority-data: %s}}]\n"+
		"users: [{name: creator, user: {token: %q}}]\ncontexts: [{name: eks, context: {cluster: eks, user: creator}}]\ncurrent-context: eks\n",
		server, base64.StdEncoding.EncodeToString(ca), token)
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(kubectl, "--kubeconfig", kubeconfig, "apply", "-f", "-")
	cmd.Stdin = strings.NewReader(string(manifest))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
}

// waitReport waits for the fake agent's n-th report.
func waitReport(t *testing.T, dir string, n int) agentReport {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		if len(files) >= n {
			data, err := os.ReadFile(files[n-1])
			if err != nil {
				t.Fatal(err)
			}
			var r agentReport
			if err := json.Unmarshal(data, &r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("no agent report after a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
