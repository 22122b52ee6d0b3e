package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/paddockhq/paddock/internal/agent"
	"github.com/paddockhq/paddock/internal/testenv"
)

// Sizes of the measurement (see docs/benchmarks.md, "Kube API paths").
const (
	getsC1, getsC64, getRounds = 2000, 6400, 4
	listObjects, listRuns      = 5000, 15
	watchEvents                = 200
	memClusters                = 100
)

// TestKubePaths measures one real kube-apiserver reached three ways with
// client-go: directly, through Paddock's proxy (cluster registered with a
// kubeconfig) and through the agent tunnel (the same apiserver registered
// again, served by an in-process agent); then the server's memory with 100
// connected agents. It prints markdown tables; it asserts no time.
func TestKubePaths(t *testing.T) {
	gate(t)
	began := time.Now()
	kc := testenv.Start(t, testenv.Options{Name: "bench"})
	s := startServer(t)
	kubeconfig, err := os.ReadFile(kc.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	direct := s.register("direct", kubeconfig)
	tun := s.register("tunnel", nil)
	ctx, cancel := context.WithCancel(context.Background())
	agentDone := make(chan struct{})
	go func() {
		defer close(agentDone)
		_ = agent.Run(ctx, agent.Options{Server: s.app.URL(), Token: tun.Registration.Token, Kubeconfig: kc.Kubeconfig(),
			CAChecksum: s.checksum, StateFile: filepath.Join(t.TempDir(), "agent"), Logger: discardLogger()})
	}()
	t.Cleanup(func() { cancel(); <-agentDone })
	s.waitActive(time.Minute, direct.ID, tun.ID)

	paths := []path{
		{"direct", clientFor(t, kc.AdminConfig())},
		{"proxy", clientFor(t, s.restConfig("paddock-direct"))},
		{"tunnel", clientFor(t, s.restConfig("paddock-tunnel"))},
	}
	cs := paths[0].client
	for _, ns := range []string{"bench-get", "bench-list", "bench-watch"} {
		if _, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	one := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "one"}, Data: map[string]string{"v": strings.Repeat("x", 200)}}
	if _, err := cs.CoreV1().ConfigMaps("bench-get").Create(t.Context(), one, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths[1:] { // the admin binding is written on first contact
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, err := p.client.CoreV1().ConfigMaps("bench-get").Get(t.Context(), "one", metav1.GetOptions{})
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v", p.name, err)
			}
			time.Sleep(300 * time.Millisecond)
		}
	}
	t.Logf("setup %s; proxy speaks %s to client-go", time.Since(began).Round(time.Millisecond), protocol(t, s.restConfig("paddock-direct")))

	measureGets(t, paths, "bench-get", "one", 8, 600, 1) // warm-up
	c1 := measureGets(t, paths, "bench-get", "one", 1, getsC1, getRounds)
	stopProfile := profile(t)
	c64 := measureGets(t, paths, "bench-get", "one", 64, getsC64, getRounds)
	stopProfile()
	t0 := time.Now()
	createConfigMaps(t, cs, "bench-list", listObjects, 256)
	t.Logf("created %d ConfigMaps in %s", listObjects, time.Since(t0).Round(time.Millisecond))
	lists := measureLists(t, paths, "bench-list", listRuns, listObjects)
	h1 := kc.AdminConfig()
	h1.TLSClientConfig.NextProtos = []string{"http/1.1"}
	l1 := measureLists(t, []path{{"direct over HTTP/1.1", clientFor(t, h1)}}, "bench-list", listRuns, listObjects)
	t.Logf("LIST direct over HTTP/1.1 (not HTTP/2): median %s", ms(median(l1[0])))
	watches := measureWatch(t, paths, cs, "bench-watch", watchEvents)
	mem := measureAgents(t, s, kc.Kubeconfig(), memClusters)

	var b strings.Builder
	report(&b, c1, c64, lists, watches, mem)
	fmt.Fprintf(&b, "\nwhole run: %s; %s, GOMAXPROCS %d\n", time.Since(began).Round(time.Second), runtime.Version(), runtime.GOMAXPROCS(0))
	fmt.Print(b.String())
}

func clientFor(t *testing.T, cfg *rest.Config) kubernetes.Interface {
	t.Helper()
	cfg.QPS, cfg.Burst = -1, 0 // no client-side throttling: measure the paths
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// protocol is the HTTP version client-go's transport gets from the server.
func protocol(t *testing.T, cfg *rest.Config) string {
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return err.Error()
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", cfg.Host+"/version", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	return resp.Proto
}

// profile writes a CPU profile of this process (server, agent and clients)
// to $PADDOCK_BENCH_CPUPROFILE, if set, until the returned func is called.
func profile(t *testing.T) func() {
	file := os.Getenv("PADDOCK_BENCH_CPUPROFILE")
	if file == "" {
		return func() {}
	}
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
