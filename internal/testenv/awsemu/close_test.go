package awsemu_test

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/paddockhq/paddock/internal/localcluster"
	"github.com/paddockhq/paddock/internal/testenv/awsemu"
)

// TestCloseStopsEverything closes an emulator whose cluster still runs,
// with an agent: no process and no file is left.
func TestCloseStopsEverything(t *testing.T) {
	if err := localcluster.CheckBinaries("", true); err != nil {
		t.Fatal(err)
	}
	e, err := awsemu.New(awsemu.Options{AgentBinary: os.Args[0], AgentEnv: []string{fakeAgentEnv + "=" + t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	c := newClients(t, e, "alice")
	n := buildNetwork(t, c, "closing")
	createCluster(t, c, "closing", n)
	waitCluster(t, c, "closing", ekstypes.ClusterStatusActive)
	createNodegroup(t, c, "closing", "ng", n, 1)
	waitNodegroup(t, c, "closing", "ng", ekstypes.NodegroupStatusActive)

	// An agent pod (without the manifest's Secret: the agent only needs to
	// run).
	cfg, err := clientcmd.BuildConfigFromFlags("", e.Kubeconfig("closing"))
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app.kubernetes.io/name": "paddock-agent"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "paddock:test", Args: []string{"agent"}}}}},
		},
	}
	if _, err := kubernetes.NewForConfigOrDie(cfg).AppsV1().Deployments("default").Create(t.Context(), dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for len(e.Agents()) == 0 || e.Agents()[0].PID == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no agent process after a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
	pids := e.Resources().Processes
	if len(pids) < 6 { // etcd, apiserver, kcm, scheduler, kwok, agent
		t.Fatalf("processes %v", pids)
	}
	if _, err := c.eks.ListClusters(t.Context(), &eks.ListClustersInput{}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := e.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	t.Logf("Close took %s", time.Since(began).Round(time.Millisecond))
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still exists after Close (%v)", pid, err)
		}
	}
	if _, err := os.Stat(e.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("directory %s left: %v", e.Dir(), err)
	}
	if _, err := c.eks.ListClusters(t.Context(), &eks.ListClustersInput{}); err == nil {
		t.Error("the emulator still answers after Close")
	}
}
