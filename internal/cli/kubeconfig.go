package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ExecAPIVersion is the exec credential API the plugin speaks.
const ExecAPIVersion = "client.authentication.k8s.io/v1"

// KubeconfigEntries is what login writes for one server.
type KubeconfigEntries struct {
	Server   string // normalized server URL
	Key      string // host_port
	CAPEM    []byte
	Clusters []Cluster
	// Command and Args run the credential plugin.
	Command string
	Args    []string
}

// KubeconfigResult says what was written.
type KubeconfigResult struct {
	User           string
	Contexts       []string // written, by cluster name
	Removed        []string // contexts of this server's user for clusters no longer reachable
	CurrentContext string   // set by this write; "" when left alone
}

// DefaultKubeconfig is the first path of $KUBECONFIG, else ~/.kube/config.
func DefaultKubeconfig() string {
	if list := filepath.SplitList(os.Getenv("KUBECONFIG")); len(list) > 0 && list[0] != "" {
		return list[0]
	}
	return clientcmd.RecommendedHomeFile
}

// WriteKubeconfig merges e into the kubeconfig at path, keeping every
// other entry: a cluster and a context paddock-<name> per cluster, and a
// user paddock-<host_port> that runs the credential plugin (no secret).
// The current context is set only when the file had none.
func WriteKubeconfig(path string, e KubeconfigEntries) (*KubeconfigResult, error) {
	cfg, err := clientcmd.LoadFromFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		cfg, err = clientcmdapi.NewConfig(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the kubeconfig %s: %w", path, err)
	}
	res := &KubeconfigResult{User: "paddock-" + e.Key}
	cfg.AuthInfos[res.User] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{
		APIVersion:         ExecAPIVersion,
		Command:            e.Command,
		Args:               e.Args,
		InteractiveMode:    clientcmdapi.IfAvailableExecInteractiveMode,
		ProvideClusterInfo: false,
		InstallHint:        "the paddock binary that ran `paddock login` is needed: run paddock login --server " + e.Server + " again",
	}}
	written := map[string]bool{}
	for _, c := range e.Clusters {
		name := "paddock-" + c.Name
		cfg.Clusters[name] = &clientcmdapi.Cluster{Server: e.Server + "/k8s/clusters/" + c.ID, CertificateAuthorityData: e.CAPEM}
		cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: res.User}
		res.Contexts = append(res.Contexts, name)
		written[name] = true
	}
	for name, ctx := range cfg.Contexts {
		if ctx.AuthInfo == res.User && !written[name] {
			delete(cfg.Contexts, name)
			if ctx.Cluster == name {
				delete(cfg.Clusters, name)
			}
			if cfg.CurrentContext == name {
				cfg.CurrentContext = ""
			}
			res.Removed = append(res.Removed, name)
		}
	}
	slices.Sort(res.Removed)
	if cfg.CurrentContext == "" && len(res.Contexts) > 0 {
		cfg.CurrentContext = res.Contexts[0]
		res.CurrentContext = cfg.CurrentContext
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return nil, fmt.Errorf("writing the kubeconfig %s: %w", path, err)
	}
	return res, nil
}
