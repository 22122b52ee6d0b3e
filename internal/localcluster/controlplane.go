package localcluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// adminUser is the name the admin token authenticates as.
const adminUser = "paddock-testenv-admin"

// serviceCIDR is the cluster's service IP range; its first address is the
// "kubernetes" Service, which the serving certificate also covers.
const (
	serviceCIDR      = "10.0.0.0/24"
	kubernetesSvcIP  = "10.0.0.1"
	serviceAccountIs = "https://kubernetes.default.svc.cluster.local"
)

// writePKI creates the cluster's CAs, certificates, keys and token file.
func (c *Cluster) writePKI() error {
	var err error
	if c.servingCA, err = newAuthority("testenv-" + c.name + "-serving-ca"); err != nil {
		return err
	}
	if c.clientCA, err = newAuthority("testenv-" + c.name + "-client-ca"); err != nil {
		return err
	}
	serving, err := c.servingCA.servingCert("127.0.0.1", "localhost", kubernetesSvcIP,
		"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local")
	if err != nil {
		return err
	}
	saKey, err := newSigningKey()
	if err != nil {
		return err
	}
	c.adminToken = randomToken()
	tokens := fmt.Sprintf("%s,%s,%s,\"system:masters\"\n", c.adminToken, adminUser, adminUser)
	files := map[string][]byte{
		"serving-ca.crt": c.servingCA.certPEM,
		"apiserver.crt":  serving.certPEM,
		"apiserver.key":  serving.keyPEM,
		"client-ca.crt":  c.clientCA.certPEM,
		"sa.key":         saKey,
		"tokens.csv":     []byte(tokens),
	}
	for name, data := range files {
		if err := os.WriteFile(c.path(name), data, 0o600); err != nil {
			return err
		}
	}
	c.admin = &rest.Config{
		Host:            c.URL(),
		BearerToken:     c.adminToken,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.servingCA.certPEM},
		QPS:             100, // tests create objects in bursts; don't throttle them
		Burst:           200,
	}
	return nil
}

// startControlPlane starts etcd and kube-apiserver together (the apiserver
// retries etcd until it listens, which saves etcd's start-up time) and waits
// for /readyz, which includes the RBAC bootstrap roles.
func (c *Cluster) startControlPlane(ctx context.Context) error {
	if err := c.launch(binEtcd, c.etcdArgs()); err != nil {
		return err
	}
	if err := c.launch(binAPIServer, c.apiServerArgs()); err != nil {
		return err
	}
	probe := rest.CopyConfig(c.admin)
	probe.Timeout = 5 * time.Second
	hc, err := rest.HTTPClientFor(probe)
	if err != nil {
		return err
	}
	err = c.poll(ctx, "kube-apiserver /readyz", func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL()+"/readyz", nil)
		if err != nil {
			return false, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode != http.StatusOK {
			return false, fmt.Errorf("/readyz: %s: %s", resp.Status, body)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	if c.client, err = kubernetes.NewForConfig(c.admin); err != nil {
		return err
	}
	c.kubeconfig = c.path("admin.kubeconfig")
	return writeKubeconfig(c.kubeconfig, c.name, c.URL(), c.servingCA.certPEM, adminUser, credentials{token: c.adminToken})
}

func (c *Cluster) etcdArgs() []string {
	client := fmt.Sprintf("http://127.0.0.1:%d", c.etcdPort)
	peer := fmt.Sprintf("http://127.0.0.1:%d", c.etcdPeerPort)
	return []string{
		"--name=testenv",
		"--data-dir=" + c.path("etcd"),
		"--listen-client-urls=" + client,
		"--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=testenv=" + peer,
		// Test data is disposable: skipping fsync makes every write cheap.
		"--unsafe-no-fsync=true",
		"--log-level=warn",
	}
}

func (c *Cluster) apiServerArgs() []string {
	args := []string{
		"--etcd-servers=" + fmt.Sprintf("http://127.0.0.1:%d", c.etcdPort),
		"--bind-address=127.0.0.1",
		// Since v1.37 the apiserver refuses a loopback advertise address
		// with an endpoint reconciler ("may not be in the loopback range"),
		// and sniffing the host's address needs a default route. Loopback it
		// is, and the "kubernetes" Service gets no Endpoints: nothing in a
		// test dials it (kwok pods run no code).
		"--advertise-address=127.0.0.1",
		"--endpoint-reconciler-type=none",
		"--secure-port=" + strconv.Itoa(c.apiPort),
		// The serving certificate is ours, so CAData is known before start;
		// --cert-dir only keeps the apiserver away from /var/run/kubernetes.
		"--cert-dir=" + c.path("apiserver-certs"),
		"--tls-cert-file=" + c.path("apiserver.crt"),
		"--tls-private-key-file=" + c.path("apiserver.key"),
		"--client-ca-file=" + c.path("client-ca.crt"),
		"--token-auth-file=" + c.path("tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-account-key-file=" + c.path("sa.key"),
		"--service-account-signing-key-file=" + c.path("sa.key"),
		"--service-account-issuer=" + serviceAccountIs,
		"--service-cluster-ip-range=" + serviceCIDR,
		"--allow-privileged=true",
		"--profiling=false",
		// kwok reports both an InternalIP (127.0.0.1) and a Hostname (the
		// node's name, which does not resolve); logs/exec/port-forward must
		// dial the former.
		"--kubelet-preferred-address-types=InternalIP",
	}
	// The default admission plugins stay on (NamespaceLifecycle,
	// LimitRanger, ServiceAccount, PodSecurity at "privileged", ResourceQuota,
	// ...). Without a controller-manager nothing creates the "default"
	// ServiceAccount of a namespace, and the ServiceAccount plugin would
	// reject every pod, so an apiserver-only cluster leaves it out.
	if !c.opts.Full {
		args = append(args, "--disable-admission-plugins=ServiceAccount")
	}
	return append(args, c.opts.APIServerFlags...)
}

func (c *Cluster) controllerManagerArgs(kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--controllers=*",
		"--leader-elect=false",
		"--secure-port=0",
		"--service-account-private-key-file=" + c.path("sa.key"),
		"--root-ca-file=" + c.path("serving-ca.crt"),
		"--service-cluster-ip-range=" + serviceCIDR,
		// All controllers act as the manager itself (a system:masters
		// member, see startNodes). Per-controller ServiceAccounts (=true, as
		// kubeadm runs it) delayed the node lifecycle controller, and so the
		// nodes' untainting, by ~5 s: Full start took 9.2 s instead of 4.8.
		"--use-service-account-credentials=false",
	}
}

func (c *Cluster) schedulerArgs(kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
	}
}
