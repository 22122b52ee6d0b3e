package agent

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/paddockhq/paddock/internal/tunnel"
)

// Options configure an agent.
type Options struct {
	Server     string // https URL of the Paddock server
	Token      string // registration token (pdr_…) or agent credential (pda_…)
	Kubeconfig string // empty: in-cluster config
	CAChecksum string // hex SHA-256 of the server CA; empty: system roots
	StateFile  string // where to keep the agent credential outside a cluster
	Logger     *slog.Logger
}

// Run connects the cluster to Paddock and serves its tunnel until ctx ends.
func Run(ctx context.Context, o Options) error {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if !strings.HasPrefix(o.Server, "https://") {
		return fmt.Errorf("--server must be an https:// URL, not %q", o.Server)
	}
	o.Server = strings.TrimSuffix(o.Server, "/")
	cfg, creds, err := localCluster(o)
	if err != nil {
		return err
	}
	fwd, err := NewForwarder(cfg)
	if err != nil {
		return err
	}
	var tlsCfg *tls.Config
	if err := retry(ctx, o.Logger, "pinning the server CA", func() (err error) {
		tlsCfg, err = PinnedTLS(ctx, o.Server, o.CAChecksum)
		return err
	}); err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg, Proxy: http.ProxyFromEnvironment}}
	token, err := credential(ctx, o, client, creds)
	if err != nil {
		return err
	}
	o.Logger.Info("agent connecting", "server", o.Server)
	return tunnel.RunClient(ctx, tunnel.ClientOptions{
		URL:        "wss://" + strings.TrimPrefix(o.Server, "https://") + "/v1/connect",
		Header:     http.Header{tunnel.CredentialHeader: {token}},
		HTTPClient: client,
		Handler:    fwd,
		Logger:     o.Logger,
		OnConnect:  func() { o.Logger.Info("tunnel connected", "server", o.Server) },
		OnError:    func(err error) { o.Logger.Warn("tunnel", "err", err) },
	})
}

// localCluster returns the apiserver config and where to keep the agent
// credential: a kubeconfig file with --state-file (or memory), or the
// in-cluster service account with the agent's own Secret.
func localCluster(o Options) (*rest.Config, credentialStore, error) {
	if o.Kubeconfig != "" {
		cfg, err := clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
		if err != nil {
			return nil, nil, fmt.Errorf("--kubeconfig: %w", err)
		}
		if o.StateFile != "" {
			return cfg, fileStore{path: o.StateFile}, nil
		}
		return cfg, &memoryStore{}, nil
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("not in a cluster and no --kubeconfig: %w", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	ns := "paddock-system"
	if data, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace"); err == nil {
		ns = strings.TrimSpace(string(data))
	}
	return cfg, secretStore{client: cs, namespace: ns, name: "paddock-agent"}, nil
}

// credential returns the agent credential: a stored one, the given one, or
// one obtained by exchanging the registration token (then stored).
func credential(ctx context.Context, o Options, client *http.Client, creds credentialStore) (string, error) {
	if stored, err := creds.Load(ctx); err != nil {
		return "", err
	} else if stored != "" {
		return stored, nil
	}
	switch {
	case strings.HasPrefix(o.Token, "pda_"):
		return o.Token, creds.Save(ctx, o.Token)
	case !strings.HasPrefix(o.Token, "pdr_"):
		return "", errors.New("--token must be a Paddock registration token (pdr_…) or agent credential (pda_…)")
	}
	var token string
	err := retry(ctx, o.Logger, "registering", func() error {
		var err error
		token, err = register(ctx, client, o.Server, o.Token)
		return err
	})
	if err != nil {
		return "", err
	}
	if err := creds.Save(ctx, token); err != nil {
		return "", fmt.Errorf("storing the agent credential: %w", err)
	}
	o.Logger.Info("registered with the server; the registration token is now used up")
	return token, nil
}

// errPermanent marks failures retrying cannot fix.
type errPermanent struct{ error }

func register(ctx context.Context, client *http.Client, server, token string) (string, error) {
	body, _ := json.Marshal(map[string]string{"token": token})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, server+"/v1/agent/register", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusUnauthorized {
		return "", errPermanent{fmt.Errorf("the server refused the registration token (unknown or already used): %s", data)}
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("registration answered %d: %s", resp.StatusCode, data)
	}
	var out struct {
		AgentToken string `json:"agentToken"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.AgentToken == "" {
		return "", fmt.Errorf("registration answer is malformed: %v", err)
	}
	return out.AgentToken, nil
}

// retry runs fn with capped exponential backoff and jitter until it
// succeeds, fails permanently, or ctx ends.
func retry(ctx context.Context, log *slog.Logger, what string, fn func() error) error {
	delay := 250 * time.Millisecond
	for {
		err := fn()
		var perm errPermanent
		if err == nil || errors.As(err, &perm) {
			return err
		}
		if strings.Contains(err.Error(), "checksum") {
			return err // a wrong pinned CA is not transient
		}
		log.Warn(what+" failed; retrying", "err", err, "in", delay)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay/2 + rand.N(delay/2)):
		}
		delay = min(delay*2, 5*time.Second)
	}
}
