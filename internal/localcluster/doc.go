// Package localcluster owns running a simulated Kubernetes cluster from the
// toolchain's binaries as supervised child processes: a real etcd and
// kube-apiserver (and, with [Options].Full, a kube-controller-manager, a
// kube-scheduler and kwok faking the kubelets of a few nodes) on free
// loopback ports, with every file (PKI, kubeconfigs, logs, etcd data) in
// one directory:
//
//	c, err := localcluster.Start(ctx, localcluster.Options{Full: true, Nodes: 3})
//	if err != nil { ... }
//	defer c.Stop()
//	pods, err := c.Client().CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
//
// The apiserver authorizes with RBAC. [Cluster.AdminConfig] and
// [Cluster.Kubeconfig] are a member of system:masters; [Cluster.UserConfig]
// and [Cluster.UserKubeconfig] mint client certificates for any user and
// groups. Pods on kwok nodes reach Running within seconds, and logs, exec
// and port-forward work against them (see [Cluster.PodLogsFile],
// [Cluster.ExecDir] and [Cluster.PortForwardTarget]).
//
// With [Options].Persist a cluster survives its processes: a later [Start]
// on the same [Options].Dir keeps etcd's data, the PKI and the admin token
// (on new ports), and reconciles the kwok nodes to [Options].Nodes;
// [Cluster.SetNodes] scales them while the cluster runs. Package
// provision/local builds Paddock's `local` cluster provider on this.
//
// The binaries come from the project's toolchain cache (see [BinDir]); when
// they are missing, [Start] fails telling the reader to run `make
// toolchain`.
//
// [Cluster.Stop] sends SIGTERM, then SIGKILL after a short grace, to each
// component's whole process group. Children also carry a parent-death
// signal, so a parent that dies without stopping them (a panic, SIGKILL)
// leaves no process behind.
//
// Package testenv wraps this package for tests; `paddock server
// --demo-cluster` uses it to run a demo cluster next to the server.
package localcluster
