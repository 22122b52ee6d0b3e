// Package testenv starts real peers for tests: Kubernetes control planes,
// and identity providers (a private OpenLDAP slapd, see [StartSlapd]). It is a
// thin testing.TB wrapper over package localcluster, which runs the
// processes: testenv adds t.Cleanup teardown, log dumps on failure, t.Fatal
// on errors and the sweeping of directories left by killed test binaries.
//
// A [Cluster] is a real etcd and kube-apiserver (and, with [Options].Full, a
// kube-controller-manager, a kube-scheduler and kwok faking the kubelets of a
// few nodes) running as child processes of the test binary, on free loopback
// ports, with every file in a private temporary directory:
//
//	c := testenv.Start(t, testenv.Options{Full: true, Nodes: 2})
//	pods, err := c.Client().CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
//
// The apiserver authorizes with RBAC. [Cluster.AdminConfig] and
// [Cluster.Kubeconfig] are a member of system:masters; [Cluster.UserConfig]
// and [Cluster.UserKubeconfig] mint client certificates for any user and
// groups at any time, so tests exercise real authorization decisions.
// Pods on kwok nodes reach Running within seconds, and logs, exec and
// port-forward work against them (see [Cluster.PodLogsFile],
// [Cluster.ExecDir] and [Cluster.PortForwardTarget]).
//
// The binaries come from the project's toolchain cache (see [BinDir]); when
// they are missing the test fails, telling the reader to run `make
// toolchain`. It never skips: real-Kubernetes coverage must not disappear
// silently.
//
// Everything is torn down by t.Cleanup, also when the test fails or panics:
// processes get SIGTERM, then SIGKILL after a short grace, as whole process
// groups, and the directory is removed. Children also carry a parent-death
// signal, so a test binary killed by `go test -timeout` leaves no process
// behind (and the next Start on the machine removes its directory). When a
// test fails, the tail of every component's log is printed with t.Log; set PADDOCK_TESTENV_KEEP=1 to keep the directory as well.
//
// An apiserver-only cluster starts in ~3.5 s, a Full one in ~4.6 s, on a
// 2-core machine; see [Start] for the measurements. Several clusters can run
// at once in one test binary ([StartAll] starts them concurrently).
package testenv
