package clusters

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// MaxKubeconfigBytes bounds an uploaded kubeconfig.
const MaxKubeconfigBytes = 256 << 10

// KubeconfigError is a kubeconfig Paddock cannot use; Message says why in
// words an operator can act on.
type KubeconfigError struct{ Message string }

func (e *KubeconfigError) Error() string { return e.Message }

func kcErr(format string, args ...any) error {
	return &KubeconfigError{Message: fmt.Sprintf(format, args...)}
}

// ParseKubeconfig turns kubeconfig YAML into a client config for its current
// context. Only self-contained credentials are accepted: certificate and
// token data inline, no files on the Paddock host, no exec plugins or auth
// providers (they would run programs or read files on the server).
func ParseKubeconfig(data []byte) (*rest.Config, error) {
	if len(data) == 0 {
		return nil, kcErr("kubeconfig is empty")
	}
	if len(data) > MaxKubeconfigBytes {
		return nil, kcErr("kubeconfig is larger than %d bytes", MaxKubeconfigBytes)
	}
	raw, err := clientcmd.Load(data)
	if err != nil {
		return nil, kcErr("kubeconfig is not valid YAML/JSON: %v", err)
	}
	if raw.CurrentContext == "" {
		return nil, kcErr("kubeconfig has no current-context; set one (kubectl config use-context NAME)")
	}
	kctx, ok := raw.Contexts[raw.CurrentContext]
	if !ok {
		return nil, kcErr("kubeconfig's current-context %q is not defined in contexts", raw.CurrentContext)
	}
	cluster, ok := raw.Clusters[kctx.Cluster]
	if !ok {
		return nil, kcErr("context %q names cluster %q, which is not defined", raw.CurrentContext, kctx.Cluster)
	}
	user, ok := raw.AuthInfos[kctx.AuthInfo]
	if !ok {
		return nil, kcErr("context %q names user %q, which is not defined", raw.CurrentContext, kctx.AuthInfo)
	}
	if err := selfContained(cluster, user); err != nil {
		return nil, err
	}
	u, err := url.Parse(cluster.Server)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, kcErr("cluster %q has an invalid server URL %q", kctx.Cluster, cluster.Server)
	}
	if cluster.ProxyURL != "" {
		return nil, kcErr("cluster %q sets proxy-url; Paddock dials clusters directly", kctx.Cluster)
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && forbiddenIP(ip) {
		return nil, kcErr("cluster %q points at %s, a link-local, multicast or unspecified address", kctx.Cluster, ip)
	}
	cfg, err := clientcmd.NewDefaultClientConfig(*raw, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, kcErr("kubeconfig is unusable: %v", err)
	}
	if len(user.ClientCertificateData) == 0 && user.Token == "" && user.Username == "" {
		return nil, kcErr("user %q has no credential (client-certificate-data, token or username/password)", kctx.AuthInfo)
	}
	return cfg, nil
}

// forbiddenIP reports addresses a cluster API server never has: link-local
// (cloud metadata services live there), multicast and unspecified.
func forbiddenIP(ip net.IP) bool {
	return ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified()
}

func selfContained(c *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) error {
	switch {
	case c.CertificateAuthority != "":
		return kcErr("certificate-authority points to a file; embed it as certificate-authority-data (kubectl config view --raw --flatten)")
	case u.ClientCertificate != "" || u.ClientKey != "":
		return kcErr("client-certificate/client-key point to files; embed them as *-data (kubectl config view --raw --flatten)")
	case u.TokenFile != "":
		return kcErr("tokenFile points to a file; embed the token instead")
	case u.Exec != nil:
		return kcErr("exec credential plugins (%s) are not accepted: they would run a program on the Paddock server; use a token or client certificate", u.Exec.Command)
	case u.AuthProvider != nil:
		return kcErr("auth-provider %q is not accepted; use a token or client certificate", u.AuthProvider.Name)
	case u.Impersonate != "" || len(u.ImpersonateGroups) > 0:
		return kcErr("kubeconfig must not impersonate; Paddock impersonates each user itself")
	}
	return nil
}

// Facts are what Paddock reports about a cluster.
type Facts struct {
	KubernetesVersion string
	NodeCount         int
	Capacity          map[string]string
}

// Probe checks that the cluster answers and accepts the credential, then
// reads its version and nodes. Errors are KubeconfigErrors that say
// whether the server was unreachable or refused the credential.
func Probe(ctx context.Context, cfg *rest.Config) (*Facts, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = 10 * time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, kcErr("kubeconfig is unusable: %v", err)
	}
	// /version is often public; a namespaced read proves the credential.
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		return nil, classify(cfg.Host, err)
	}
	facts := &Facts{KubernetesVersion: v.GitVersion, Capacity: map[string]string{}}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return nil, classify(cfg.Host, err)
	}
	if nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err == nil {
		facts.NodeCount, facts.Capacity = len(nodes.Items), SumCapacity(nodes.Items)
	}
	return facts, nil
}

func classify(host string, err error) error {
	var netErr net.Error
	switch {
	case apierrors.IsUnauthorized(err):
		return kcErr("the cluster at %s rejected the kubeconfig's credentials (401 Unauthorized)", host)
	case apierrors.IsForbidden(err):
		return kcErr("the kubeconfig's user may not read namespaces at %s; Paddock needs an admin credential for direct registration", host)
	case errors.As(err, &netErr), errors.Is(err, context.DeadlineExceeded):
		return kcErr("cannot reach the cluster at %s: %v", host, err)
	}
	// The error text may quote the answer; do not echo an arbitrary
	// service's reply back to the caller.
	return kcErr("the server at %s did not answer as a Kubernetes API server", host)
}

// SumCapacity adds up node capacity for cpu, memory and pods.
func SumCapacity(nodes []corev1.Node) map[string]string {
	sums := map[corev1.ResourceName]*resource.Quantity{}
	for _, n := range nodes {
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourcePods} {
			q, ok := n.Status.Capacity[name]
			if !ok {
				continue
			}
			if sums[name] == nil {
				z := resource.Quantity{Format: q.Format}
				sums[name] = &z
			}
			sums[name].Add(q)
		}
	}
	out := make(map[string]string, len(sums))
	keys := make([]string, 0, len(sums))
	for k := range sums {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	for _, k := range keys {
		out[k] = sums[corev1.ResourceName(k)].String()
	}
	return out
}
