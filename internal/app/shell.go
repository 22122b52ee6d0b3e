package app

import (
	"context"
	"log/slog"
	"net"
	"net/url"
	"os/exec"
	"strconv"

	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/config"
	"github.com/paddockhq/paddock/internal/localcluster"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/proxy"
	"github.com/paddockhq/paddock/internal/recording"
	"github.com/paddockhq/paddock/internal/shell"
	"github.com/paddockhq/paddock/internal/store"
)

// shellRunner configures the browser shell: kubectl from the flag, the
// Kubernetes toolchain ($PADDOCK_K8S_BIN) or PATH; the sandbox's one port
// relays to this server's listener, verified under the external URL's
// host (which the serving certificate covers). A runner that cannot work
// here is still returned: the shell route then says why (503).
func shellRunner(cfg config.Server, listen net.Addr, extURL string, caPEM []byte, log *slog.Logger) *shell.Runner {
	kubectl := cfg.ShellKubectl
	if kubectl == "" {
		kubectl, _ = localcluster.LookPath("", "kubectl")
	}
	if kubectl == "" {
		kubectl, _ = exec.LookPath("kubectl")
	}
	relay := listen.String()
	if a, ok := listen.(*net.TCPAddr); ok && (a.IP == nil || a.IP.IsUnspecified()) {
		relay = net.JoinHostPort("127.0.0.1", strconv.Itoa(a.Port))
	}
	host := "localhost"
	if u, err := url.Parse(extURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	r := shell.New(shell.Config{Kubectl: kubectl, Helm: cfg.ShellHelm, Relay: relay, ServerName: host, CAPEM: caPEM,
		ScratchRoot: cfg.ShellScratchRoot, UIDBase: cfg.ShellUIDBase})
	if err := r.Available(); err != nil {
		log.Warn("browser shell disabled", "reason", err)
	} else if w := r.Warning(); w != "" {
		log.Warn("browser shell: weaker limits", "reason", w)
	}
	return r
}

// execRecorder records every pod terminal session (exec, attach) that
// passes through the kube proxy, as kind "exec".
func execRecorder(st store.Store, log *slog.Logger) func(context.Context, *auth.Principal, string, proxy.ExecTarget) (proxy.Recorder, error) {
	return func(ctx context.Context, p *auth.Principal, clusterID string, t proxy.ExecTarget) (proxy.Recorder, error) {
		name := clusterID
		if c, err := st.GetCluster(ctx, clusterID); err == nil {
			name = c.Name
		}
		rec, err := recording.Start(ctx, st, model.Recording{Kind: model.RecordingExec, UserID: p.User.ID, Username: p.User.Username,
			ClusterID: clusterID, ClusterName: name, Namespace: t.Namespace, Pod: t.Pod, Container: t.Container, Width: 80, Height: 24},
			recording.Limits{}, nil, log)
		if err != nil {
			return nil, err
		}
		return rec, nil
	}
}
