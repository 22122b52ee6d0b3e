package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
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

// servingHosts are the names and addresses the apiserver's serving
// certificate covers: every way to reach it on this machine (the port may
// change from start to start, the names do not) and the "kubernetes"
// Service.
var servingHosts = []string{"127.0.0.1", "::1", "localhost", kubernetesSvcIP,
	"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}

// Files of the cluster's PKI. The CA keys are written only for a persistent
// cluster ([Options].Persist), last, so that their presence means the rest
// was written before them.
const (
	fileServingCA    = "serving-ca.crt"
	fileServingCAKey = "serving-ca.key"
	fileClientCA     = "client-ca.crt"
	fileClientCAKey  = "client-ca.key"
	fileServingCert  = "apiserver.crt"
	fileServingKey   = "apiserver.key"
	fileSAKey        = "sa.key"
	fileTokens       = "tokens.csv"
)

// persistedState reports whether the directory holds the PKI of an earlier
// persistent start. Half of it (one CA key without the other) is an error:
// a new PKI would lock every existing client out of the data kept in etcd.
func (c *Cluster) persistedState() (bool, error) {
	var have, missing []string
	for _, name := range []string{fileServingCAKey, fileClientCAKey} {
		if _, err := os.Stat(c.path(name)); err == nil {
			have = append(have, name)
		} else if errors.Is(err, os.ErrNotExist) {
			missing = append(missing, name)
		} else {
			return false, err
		}
	}
	if len(have) > 0 && len(missing) > 0 {
		return false, fmt.Errorf("%s holds a partial cluster state (%s present, %s missing); remove the directory to start a new cluster",
			c.dir, strings.Join(have, ", "), strings.Join(missing, ", "))
	}
	return len(have) > 0, nil
}

// writePKI creates the cluster's CAs, certificates, keys and token file, or,
// restarting a persistent cluster, loads them (reissuing the serving
// certificate when it is about to expire).
func (c *Cluster) writePKI() error {
	if c.restarted {
		if err := c.loadPKI(); err != nil {
			return fmt.Errorf("loading the cluster's PKI from %s: %w", c.dir, err)
		}
	} else if err := c.newPKI(); err != nil {
		return err
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

func (c *Cluster) newPKI() error {
	caValidity, leafValidity := certValidity, certValidity
	if c.opts.Persist {
		caValidity, leafValidity = persistentCAValidity, persistentLeafValidity
	}
	var err error
	if c.servingCA, err = newAuthority("testenv-"+c.name+"-serving-ca", caValidity, leafValidity); err != nil {
		return err
	}
	if c.clientCA, err = newAuthority("testenv-"+c.name+"-client-ca", caValidity, leafValidity); err != nil {
		return err
	}
	serving, err := c.servingCA.servingCert(servingHosts...)
	if err != nil {
		return err
	}
	saKey, err := newSigningKey()
	if err != nil {
		return err
	}
	c.adminToken = randomToken()
	type file struct {
		name string
		data []byte
	}
	files := []file{
		{fileServingCA, c.servingCA.certPEM},
		{fileServingCert, serving.certPEM},
		{fileServingKey, serving.keyPEM},
		{fileClientCA, c.clientCA.certPEM},
		{fileSAKey, saKey},
		{fileTokens, tokensFile(c.adminToken)},
	}
	if c.opts.Persist {
		files = append(files, file{fileServingCAKey, c.servingCA.keyPEM}, file{fileClientCAKey, c.clientCA.keyPEM})
	}
	for _, f := range files {
		if err := os.WriteFile(c.path(f.name), f.data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// tokensFile is the apiserver's --token-auth-file: the admin, a member of
// system:masters.
func tokensFile(token string) []byte {
	return fmt.Appendf(nil, "%s,%s,%s,\"system:masters\"\n", token, adminUser, adminUser)
}

// loadPKI reads what [Cluster.newPKI] wrote for a persistent cluster.
func (c *Cluster) loadPKI() error {
	read := func(name string) ([]byte, error) { return os.ReadFile(c.path(name)) }
	loadCA := func(certName, keyName string) (*authority, error) {
		certPEM, err := read(certName)
		if err != nil {
			return nil, err
		}
		keyPEM, err := read(keyName)
		if err != nil {
			return nil, err
		}
		a, err := loadAuthority(certPEM, keyPEM, persistentLeafValidity)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", certName, err)
		}
		return a, nil
	}
	var err error
	if c.servingCA, err = loadCA(fileServingCA, fileServingCAKey); err != nil {
		return err
	}
	if c.clientCA, err = loadCA(fileClientCA, fileClientCAKey); err != nil {
		return err
	}
	if _, err := read(fileSAKey); err != nil {
		return err // the apiserver reads it; a new key would void every issued token
	}
	tokens, err := read(fileTokens)
	if err != nil {
		return err
	}
	token, _, _ := strings.Cut(string(tokens), ",")
	if len(token) < 32 {
		return fmt.Errorf("%s: no admin token on its first line", fileTokens)
	}
	c.adminToken = token
	var serving keyPair
	serving.certPEM, _ = read(fileServingCert)
	serving.keyPEM, _ = read(fileServingKey)
	if c.servingCA.reusable(serving, servingHosts, time.Now()) {
		return nil
	}
	c.log.Info(fmt.Sprintf("localcluster: %s: issuing a new serving certificate (the old one is missing, expiring or does not cover %v)", c.name, servingHosts))
	if serving, err = c.servingCA.servingCert(servingHosts...); err != nil {
		return err
	}
	if err := os.WriteFile(c.path(fileServingCert), serving.certPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(c.path(fileServingKey), serving.keyPEM, 0o600)
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
	args := []string{
		"--name=testenv",
		"--data-dir=" + c.path("etcd"),
		"--listen-client-urls=" + client,
		"--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=testenv=" + peer,
		"--log-level=warn",
	}
	if !c.opts.Persist {
		// Test data is disposable: skipping fsync makes every write cheap.
		// (A kill of etcd loses nothing either way; a crash of the machine
		// would, which a persistent cluster must survive.)
		args = append(args, "--unsafe-no-fsync=true")
	}
	return args
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
