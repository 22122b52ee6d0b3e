package localcluster

import (
	"errors"
	"fmt"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// credentials is how a kubeconfig user authenticates: a bearer token or a
// client certificate.
type credentials struct {
	token string
	cert  keyPair
}

// writeKubeconfig writes a kubeconfig with one cluster, one user and one
// current context, all named after the cluster.
func writeKubeconfig(path, cluster, server string, caPEM []byte, user string, cred credentials) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[cluster] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{
		Token:                 cred.token,
		ClientCertificateData: cred.cert.certPEM,
		ClientKeyData:         cred.cert.keyPEM,
	}
	ctx := cluster + "-" + user
	cfg.Contexts[ctx] = &clientcmdapi.Context{Cluster: cluster, AuthInfo: user, Namespace: "default"}
	cfg.CurrentContext = ctx
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("localcluster: writing kubeconfig %s: %w", path, err)
	}
	return nil
}

// AdminConfig returns a new copy of the admin's client configuration (bearer
// token of a system:masters member, QPS 100 / burst 200); callers may modify
// it.
func (c *Cluster) AdminConfig() *rest.Config { return rest.CopyConfig(c.admin) }

// Client returns a clientset for the admin.
func (c *Cluster) Client() kubernetes.Interface { return c.client }

// Kubeconfig returns the path of a kubeconfig file for the admin, with the
// "default" namespace in its current context.
func (c *Cluster) Kubeconfig() string { return c.kubeconfig }

// UserConfig mints a client certificate for user in groups, signed by the
// apiserver's client CA, and returns a configuration that authenticates with
// it. The apiserver adds system:authenticated; what the user may do is up to
// RBAC, so with no bindings every request is Forbidden.
func (c *Cluster) UserConfig(user string, groups ...string) (*rest.Config, error) {
	cert, err := c.mint(user, groups)
	if err != nil {
		return nil, err
	}
	return &rest.Config{
		Host: c.URL(),
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   c.servingCA.certPEM,
			CertData: cert.certPEM,
			KeyData:  cert.keyPEM,
		},
		QPS:   c.admin.QPS,
		Burst: c.admin.Burst,
	}, nil
}

// UserKubeconfig is [Cluster.UserConfig] as a kubeconfig file in the
// cluster's directory; it returns the file's path. Each call writes a new
// file with a new certificate.
func (c *Cluster) UserKubeconfig(user string, groups ...string) (string, error) {
	cert, err := c.mint(user, groups)
	if err != nil {
		return "", err
	}
	path := c.path(fmt.Sprintf("user-%03d-%s.kubeconfig", c.seq.Add(1), sanitize(user)))
	if err := writeKubeconfig(path, c.name, c.URL(), c.servingCA.certPEM, user, credentials{cert: cert}); err != nil {
		return "", err
	}
	return path, nil
}

func (c *Cluster) mint(user string, groups []string) (keyPair, error) {
	if user == "" {
		return keyPair{}, errors.New("localcluster: UserConfig needs a user name")
	}
	return c.clientCA.clientCert(user, groups)
}
