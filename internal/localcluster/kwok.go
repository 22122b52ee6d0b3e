package localcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// kwokAnnotation marks the nodes kwok manages (it is started with
// --manage-nodes-with-annotation-selector for exactly this pair).
const (
	kwokAnnotationKey   = "kwok.x-k8s.io/node"
	kwokAnnotationValue = "fake"
)

// PortForwardBanner starts every response of the default port-forward
// target, which answers any HTTP request with
// "paddock-testenv port-forward: METHOD PATH\n".
const PortForwardBanner = "paddock-testenv port-forward"

// startNodes runs the controller-manager, the scheduler and kwok, creates
// the kwok nodes and waits until pods can run: every node Ready without
// NoSchedule taints, and the "default" ServiceAccount present.
func (c *Cluster) startNodes(ctx context.Context) error {
	kcmCfg, err := c.componentKubeconfig("kube-controller-manager", "system:kube-controller-manager", "system:masters")
	if err != nil {
		return err
	}
	schedCfg, err := c.componentKubeconfig("kube-scheduler", "system:kube-scheduler")
	if err != nil {
		return err
	}
	kwokCfg, err := c.componentKubeconfig("kwok", "paddock-testenv-kwok", "system:masters")
	if err != nil {
		return err
	}
	config, err := c.writeKwokConfig()
	if err != nil {
		return err
	}
	if c.restarted {
		// Reconcile the kept nodes before the controller-manager and kwok
		// see them: extra ones go, the others learn kwok's new port (kwok
		// initializes only nodes that are not Ready, and its heartbeat
		// rewrites the port only every 10-20 minutes) and lose their
		// leases (held by the old kwok's random identity, which the new one
		// would wait out: 40 s).
		if err := c.reconcileNodes(ctx, c.opts.Nodes, true); err != nil {
			return err
		}
	}
	if err := c.launch(binController, c.controllerManagerArgs(kcmCfg)); err != nil {
		return err
	}
	if err := c.launch(binScheduler, c.schedulerArgs(schedCfg)); err != nil {
		return err
	}
	kubelet := strconv.Itoa(c.kubeletPort)
	err = c.launch(binKwok, []string{
		"--kubeconfig=" + kwokCfg,
		"--config=" + config,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + kwokAnnotationKey + "=" + kwokAnnotationValue,
		"--node-ip=127.0.0.1",
		"--cidr=10.0.0.1/24",
		// Without node leases the controller-manager marks nodes NotReady
		// about every 55 s, kwok re-initializes them with blank addresses,
		// and logs/exec fail with "no preferred addresses found".
		"--node-lease-duration-seconds=40",
		// The kubelet endpoint the apiserver dials for logs, exec and
		// port-forward (HTTPS with a self-signed certificate, which the
		// apiserver does not verify without --kubelet-certificate-authority).
		"--server-address=127.0.0.1:" + kubelet,
		"--node-port=" + kubelet,
	}, "HOME="+c.path("kwok-home")) // kwok also loads ~/.kwok/kwok.yaml: isolate it
	if err != nil {
		return err
	}

	if !c.restarted {
		if err := c.reconcileNodes(ctx, c.opts.Nodes, false); err != nil {
			return err
		}
	}
	if err := c.waitNodes(ctx); err != nil {
		return err
	}
	err = c.poll(ctx, `the "default" ServiceAccount (created by the controller-manager)`, func(ctx context.Context) (bool, error) {
		_, err := c.client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		return err
	}
	// kwok serves logs/exec/port-forward on the kubelet port and exits if it
	// cannot bind it; make sure it got that far.
	healthz := "http://127.0.0.1:" + kubelet + "/healthz"
	return c.poll(ctx, "kwok's kubelet server at "+healthz, func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, healthz, nil)
		if err != nil {
			return false, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, fmt.Errorf("%s: %s", healthz, resp.Status)
	})
}

// nodeName is the name of kwok node i (from 0).
func nodeName(i int) string { return fmt.Sprintf("kwok-node-%d", i) }

// newNode returns kwok node i as [Start] and [Cluster.SetNodes] create it.
func newNode(i int) *corev1.Node {
	name := nodeName(i)
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:        name,
		Annotations: map[string]string{kwokAnnotationKey: kwokAnnotationValue},
		Labels: map[string]string{
			"kubernetes.io/hostname": name,
			"kubernetes.io/os":       "linux",
			"kubernetes.io/arch":     "amd64",
			"type":                   "kwok",
		},
	}}
}

// reconcileNodes makes the kwok nodes kwok-node-0 to kwok-node-(n-1):
// kwok-managed nodes beyond them are deleted, and their pods with them
// (nothing would ever finish deleting those gracefully); missing ones are
// created; kept ones get kwok's current kubelet port in their status. With
// adopt (before kwok starts on a kept cluster), the kept nodes' leases are
// deleted for the new kwok to create.
func (c *Cluster) reconcileNodes(ctx context.Context, n int, adopt bool) error {
	nodes := c.client.CoreV1().Nodes()
	list, err := nodes.List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("listing nodes: %w", err)
	}
	want := make(map[string]bool, n)
	names := make([]string, n)
	for i := range n {
		names[i] = nodeName(i)
		want[names[i]] = true
	}
	have := map[string]bool{}
	for _, node := range list.Items {
		if node.Annotations[kwokAnnotationKey] != kwokAnnotationValue {
			continue
		}
		if !want[node.Name] {
			if err := c.deleteNode(ctx, node.Name); err != nil {
				return err
			}
			continue
		}
		have[node.Name] = true
		if node.Status.DaemonEndpoints.KubeletEndpoint.Port != int32(c.kubeletPort) {
			patch := fmt.Appendf(nil, `{"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":%d}}}}`, c.kubeletPort)
			if _, err := nodes.Patch(ctx, node.Name, types.MergePatchType, patch, metav1.PatchOptions{}, "status"); err != nil {
				return fmt.Errorf("updating the kubelet port of node %s: %w", node.Name, err)
			}
		}
		if adopt {
			err := c.client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Delete(ctx, node.Name, metav1.DeleteOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("deleting the lease of node %s: %w", node.Name, err)
			}
		}
	}
	for i, name := range names {
		if have[name] {
			continue
		}
		if _, err := nodes.Create(ctx, newNode(i), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating node %s: %w", name, err)
		}
	}
	c.mu.Lock()
	c.nodes = names
	c.mu.Unlock()
	return nil
}

// deleteNode deletes a kwok node and, at once, the pods bound to it: no
// kubelet is left to confirm their graceful deletion, and the
// controller-manager's pod garbage collector would take a minute. Their
// controllers replace them on the other nodes.
func (c *Cluster) deleteNode(ctx context.Context, name string) error {
	err := c.client.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting node %s: %w", name, err)
	}
	pods, err := c.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + name})
	if err != nil {
		return fmt.Errorf("listing the pods of node %s: %w", name, err)
	}
	now := metav1.DeleteOptions{GracePeriodSeconds: new(int64)}
	for _, pod := range pods.Items {
		err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, now)
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting pod %s/%s of node %s: %w", pod.Namespace, pod.Name, name, err)
		}
	}
	return nil
}

// waitNodes waits until the nodes of [Cluster.NodeNames] are Ready,
// untainted and serve on kwok's current port, and no other kwok node is
// left. Restarting a persistent cluster, it also waits for kwok to have
// renewed every node's lease, which shows it has taken the nodes over.
func (c *Cluster) waitNodes(ctx context.Context) error {
	names := c.NodeNames()
	want := make(map[string]bool, len(names))
	for _, name := range names {
		want[name] = true
	}
	since := metav1.NewMicroTime(c.start.Add(-time.Second))
	return c.poll(ctx, fmt.Sprintf("%d kwok nodes to be Ready and untainted", len(names)), func(ctx context.Context) (bool, error) {
		if c.stopping.Load() {
			return false, errors.New("the cluster is stopping")
		}
		list, err := c.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		ready := 0
		for i := range list.Items {
			n := &list.Items[i]
			if n.Annotations[kwokAnnotationKey] != kwokAnnotationValue {
				continue
			}
			if !want[n.Name] {
				return false, fmt.Errorf("node %s is still there", n.Name)
			}
			if err := nodeSchedulable(n); err != nil {
				return false, err
			}
			if p := n.Status.DaemonEndpoints.KubeletEndpoint.Port; p != int32(c.kubeletPort) {
				return false, fmt.Errorf("node %s has kubelet port %d, not kwok's %d", n.Name, p, c.kubeletPort)
			}
			if c.restarted {
				lease, err := c.client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, n.Name, metav1.GetOptions{})
				if err != nil {
					return false, fmt.Errorf("lease of node %s: %w", n.Name, err)
				}
				if lease.Spec.RenewTime == nil || lease.Spec.RenewTime.Before(&since) {
					return false, fmt.Errorf("kwok has not renewed the lease of node %s yet", n.Name)
				}
			}
			ready++
		}
		if ready < len(names) {
			return false, fmt.Errorf("%d of %d nodes exist", ready, len(names))
		}
		return true, nil
	})
}

// SetNodes scales the kwok nodes of a Full cluster to n: it creates the
// missing ones of kwok-node-0 to kwok-node-(n-1), labelled and annotated as
// [Start] creates them, or deletes the highest-numbered ones together with
// their pods (nothing is drained: the pods' controllers recreate them on the
// remaining nodes), and returns once every node is Ready and schedulable and
// the deleted ones are gone. Calls are serialized; ctx bounds the wait
// ([Options].Timeout at most).
func (c *Cluster) SetNodes(ctx context.Context, n int) error {
	if !c.opts.Full {
		return fmt.Errorf("localcluster: %s: SetNodes needs a Full cluster (kwok fakes nodes only there)", c.name)
	}
	if n < 0 {
		return fmt.Errorf("localcluster: %s: SetNodes(%d): negative node count", c.name, n)
	}
	c.scaleMu.Lock()
	defer c.scaleMu.Unlock()
	if err := c.Check(); err != nil {
		return err
	}
	began := time.Now()
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	before := len(c.NodeNames())
	if err := c.reconcileNodes(ctx, n, false); err != nil {
		return fmt.Errorf("localcluster: %s: %w", c.name, err)
	}
	if err := c.waitNodes(ctx); err != nil {
		return fmt.Errorf("localcluster: %s: scaling to %d nodes: %w", c.name, n, err)
	}
	c.log.Info(fmt.Sprintf("localcluster: %s: scaled from %d to %d kwok nodes in %s", c.name, before, n, time.Since(began).Round(time.Millisecond)))
	return nil
}

// nodeSchedulable returns why a new pod could not be placed on n yet.
func nodeSchedulable(n *corev1.Node) error {
	ready := false
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
			ready = true
		}
	}
	if !ready {
		return fmt.Errorf("node %s is not Ready", n.Name)
	}
	for _, taint := range n.Spec.Taints {
		if taint.Effect == corev1.TaintEffectNoSchedule || taint.Effect == corev1.TaintEffectNoExecute {
			return fmt.Errorf("node %s still has taint %s", n.Name, taint.ToString())
		}
	}
	return nil
}

// componentKubeconfig writes a client-certificate kubeconfig for a component.
func (c *Cluster) componentKubeconfig(component, user string, groups ...string) (string, error) {
	cert, err := c.clientCA.clientCert(user, groups)
	if err != nil {
		return "", err
	}
	path := c.path(component + ".kubeconfig")
	return path, writeKubeconfig(path, c.name, c.URL(), c.servingCA.certPEM, user, credentials{cert: cert})
}

// writeKwokConfig writes kwok's --config file: the toolchain's stages (nodes
// turn Ready and keep leases; pods run, complete, delete) plus what logs,
// exec and port-forward do for every pod of every namespace.
func (c *Cluster) writeKwokConfig() (string, error) {
	stages, err := os.ReadFile(c.bins[kwokStages])
	if err != nil {
		return "", err
	}
	for _, dir := range []string{c.ExecDir(), c.path("kwok-home")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
	}
	now := time.Now()
	if err := writeCRILines(c.PreviousPodLogsFile(), now.Add(-time.Minute), "previous container: hello from testenv"); err != nil {
		return "", err
	}
	if err := writeCRILines(c.PodLogsFile(), now, "hello from testenv", "second line"); err != nil {
		return "", err
	}
	target := c.opts.PortForwardTarget
	if target == "" {
		if target, err = c.servePortForwardTarget(); err != nil {
			return "", err
		}
	}
	host, portStr, err := net.SplitHostPort(target)
	if err != nil {
		return "", fmt.Errorf("Options.PortForwardTarget %q: %w", target, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return "", fmt.Errorf("Options.PortForwardTarget %q: bad port", target)
	}
	ours := fmt.Sprintf(`---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata: {name: testenv-logs}
spec:
  logs:
  - logsFile: %q
    previousLogsFile: %q
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata: {name: testenv-exec}
spec:
  execs:
  - local:
      workDir: %q
      envs: [{name: PADDOCK_TESTENV_POD, value: "true"}]
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterPortForward
metadata: {name: testenv-port-forward}
spec:
  forwards:
  - target: {address: %q, port: %d}
`, c.PodLogsFile(), c.PreviousPodLogsFile(), c.ExecDir(), host, port)
	path := c.path("kwok.yaml")
	return path, os.WriteFile(path, append(stages, ours...), 0o644)
}

// servePortForwardTarget starts the default port-forward target in this
// process and returns its address.
func (c *Cluster) servePortForwardTarget() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	c.pfListener = l
	c.pfServer = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s: %s %s\n", PortForwardBanner, r.Method, r.URL.Path)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go c.pfServer.Serve(l)
	return l.Addr().String(), nil
}

// PodLogsFile returns the CRI-format file every kwok container's logs are
// served from (`kubectl logs`). It starts with two lines, "hello from
// testenv" and "second line"; [Cluster.AppendPodLog] adds more, which
// `kubectl logs -f` then streams. Empty unless Full.
func (c *Cluster) PodLogsFile() string { return c.fullPath("pod.log") }

// PreviousPodLogsFile returns the file served for `kubectl logs --previous`:
// one line, "previous container: hello from testenv". Empty unless Full.
func (c *Cluster) PreviousPodLogsFile() string { return c.fullPath("pod-previous.log") }

// ExecDir returns the working directory of commands run by `kubectl exec`
// in kwok pods. Such commands really run on this machine, as the test's
// user, with PADDOCK_TESTENV_POD=true in their environment: keep them
// harmless (echo, cat, ls). Empty unless Full.
func (c *Cluster) ExecDir() string { return c.fullPath("exec") }

// PortForwardTarget returns the host:port every port-forward to any kwok pod
// port connects to: [Options].PortForwardTarget, or the built-in responder
// (see [PortForwardBanner]). Empty unless Full.
func (c *Cluster) PortForwardTarget() string {
	if c.pfListener != nil {
		return c.pfListener.Addr().String()
	}
	return c.opts.PortForwardTarget
}

func (c *Cluster) fullPath(name string) string {
	if !c.opts.Full {
		return ""
	}
	return c.path(name)
}

// AppendPodLog appends lines to [Cluster.PodLogsFile] in CRI format,
// timestamped now.
func (c *Cluster) AppendPodLog(lines ...string) error {
	if !c.opts.Full {
		return fmt.Errorf("localcluster: cluster %q has no pod logs (not Full)", c.name)
	}
	return writeCRILines(c.PodLogsFile(), time.Now(), lines...)
}

// writeCRILines appends lines as the container runtime logs them:
// "<RFC3339Nano time> stdout F <text>". kwok rejects plain text.
func writeCRILines(path string, at time.Time, lines ...string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, l := range lines {
		for part := range strings.SplitSeq(l, "\n") {
			fmt.Fprintf(&b, "%s stdout F %s\n", at.UTC().Format(time.RFC3339Nano), part)
		}
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
