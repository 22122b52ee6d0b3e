package localcluster

import (
	"context"
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

	for i := range c.opts.Nodes {
		name := fmt.Sprintf("kwok-node-%d", i)
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{kwokAnnotationKey: kwokAnnotationValue},
			Labels: map[string]string{
				"kubernetes.io/hostname": name,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
				"type":                   "kwok",
			},
		}}
		if _, err := c.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating node %s: %w", name, err)
		}
		c.nodes = append(c.nodes, name)
	}
	err = c.poll(ctx, fmt.Sprintf("%d kwok nodes to be Ready and untainted", len(c.nodes)), func(ctx context.Context) (bool, error) {
		for _, name := range c.nodes {
			n, err := c.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if err := nodeSchedulable(n); err != nil {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
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
