package awsemu_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// fakeAgentEnv, set to a directory, makes the test binary act as `paddock
// agent` (the emulator's AgentBinary in TestEKSEndToEnd): it reports how it
// was started and what its credential may do, then waits for SIGTERM.
const fakeAgentEnv = "AWSEMU_TEST_FAKE_AGENT"

func TestMain(m *testing.M) {
	if dir := os.Getenv(fakeAgentEnv); dir != "" {
		os.Exit(fakeAgent(dir))
	}
	os.Exit(m.Run())
}

// agentReport is what the fake agent writes to <dir>/<pid>.json.
type agentReport struct {
	Args        []string
	Token       string // $PADDOCK_TOKEN
	SecretToken string // the "token" key of its Secret, read with its own credential
	Nodes       int    // nodes it can list with its own credential
	Err         string
}

func fakeAgent(dir string) int {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	r := agentReport{Args: os.Args[1:], Token: os.Getenv("PADDOCK_TOKEN")}
	var kubeconfig string
	for i, a := range r.Args {
		if a == "--kubeconfig" && i+1 < len(r.Args) {
			kubeconfig = r.Args[i+1]
		}
	}
	if err := func() error {
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return err
		}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return err
		}
		ctx := context.Background()
		s, err := cs.CoreV1().Secrets("paddock-system").Get(ctx, "paddock-agent", metav1.GetOptions{})
		if err != nil {
			return err
		}
		r.SecretToken = string(s.Data["token"])
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		r.Nodes = len(nodes.Items)
		return nil
	}(); err != nil {
		r.Err = err.Error()
	}
	data, _ := json.Marshal(r)
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.json", os.Getpid())), data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("fake agent running")
	<-sig
	fmt.Println("fake agent stopping")
	return 0
}
