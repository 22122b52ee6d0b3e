package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/api"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/clusters"
	"github.com/paddockhq/paddock/internal/config"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/pki"
	"github.com/paddockhq/paddock/internal/provision"
	"github.com/paddockhq/paddock/internal/provision/eks"
	"github.com/paddockhq/paddock/internal/provision/local"
	"github.com/paddockhq/paddock/internal/proxy"
	"github.com/paddockhq/paddock/internal/rbacsync"
	"github.com/paddockhq/paddock/internal/secrets"
	"github.com/paddockhq/paddock/internal/signin"
	"github.com/paddockhq/paddock/internal/store/sqlstore"
	"github.com/paddockhq/paddock/internal/tunnel"
	"github.com/paddockhq/paddock/internal/ui"
	"github.com/paddockhq/paddock/internal/version"
)

// App is a running Paddock server.
type App struct {
	cfg    config.Server
	log    *slog.Logger
	store  *sqlstore.Store
	bundle *pki.Bundle
	srv    *http.Server
	url    string
	served chan error
	stop   context.CancelFunc
	tunnel *tunnel.Server
	rbac   *rbacsync.Manager
	signin *signin.Service
	prov   *provision.Runner
	local  *local.Manager
	api    *api.Server
}

// Start opens everything and begins serving; it returns once the listener
// is accepting. Banner (the URL and how to sign in) goes to out.
func Start(ctx context.Context, cfg config.Server, log *slog.Logger, out io.Writer) (a *App, err error) {
	began := time.Now()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data dir: %w", err)
	}
	key, err := secrets.LoadOrCreateKeyFile(cfg.KeyFile())
	if err != nil {
		return nil, err
	}
	sealer, err := secrets.New(key)
	if err != nil {
		return nil, err
	}
	st, err := sqlstore.Open(ctx, cfg.DatabaseDSN(), sealer)
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", config.RedactDSN(cfg.DatabaseDSN()), err)
	}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			ln.Close()
		}
	}()
	extURL := cfg.ExternalURLFor(ln.Addr().String())
	bundle, err := tlsBundle(cfg, extURL)
	if err != nil {
		return nil, err
	}
	set, err := serverSettings(ctx, st, cfg, log)
	if err != nil {
		return nil, err
	}
	svc := auth.NewService(st, auth.Options{SessionTTL: cfg.SessionTTL, Logger: log, CacheTTL: tokenCacheTTL,
		IdleTimeout: set.SessionIdleTimeout})
	generated, err := auth.Bootstrap(ctx, st, cfg.BootstrapPassword, time.Now())
	if err != nil {
		return nil, fmt.Errorf("creating the bootstrap admin: %w", err)
	}
	acc := access.New(st, time.Now, log)
	if _, err := acc.Refresh(ctx); err != nil {
		return nil, fmt.Errorf("loading the access model: %w", err)
	}
	rsync := rbacsync.New(rbacsync.Options{Source: st, Log: log})
	acc.OnChange(rsync.Changed)
	si := newSignIn(st, svc, log, cfg.SessionTTL)
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	localMgr := &local.Manager{Root: filepath.Join(cfg.DataDir, "clusters"), Log: log.With("component", "local-clusters")}
	agents := &localAgents{store: st, log: log, ctx: runCtx}
	imports := &importManifests{store: st, externalURL: extURL, caChecksum: bundle.Checksum(), image: set.AgentImage}
	prov := &provision.Runner{Store: st, Log: log, Registry: provision.Registry{
		local.Name: &local.Provisioner{Manager: localMgr, Agents: agents},
		eks.Name:   eksProvisioner(st, cfg.AWSEndpoint, imports)}}
	metrics := httpx.NewMetrics()
	health := &clusters.Health{Store: st, Log: log, Interval: 10 * time.Second, Now: time.Now,
		OnActive: rsync.Engage}
	tun := tunnel.NewServer(tunnel.ServerOptions{Authenticate: clusters.AgentAuthenticator(st),
		OnConnect: health.Connected, OnDisconnect: health.Disconnected, Logger: log})
	health.Tunnel = tun
	metrics.Registry().MustRegister(clusters.NewCollector(st, tun))
	be := &backends{store: st, tun: tun, acc: acc}
	kc := &kubeClients{store: st, health: health}
	kube := proxy.New(proxy.Options{Backend: be.Backend, Record: execRecorder(st, log), Authorize: be.Authorize, Logger: log,
		Identity: identity(acc), Namespaces: &nsPolicy{acc: acc, kube: kc}})
	apiSrv := api.New(api.Deps{Store: st, Auth: svc, Metrics: metrics, CAPEM: bundle.CAPEM, CAChecksum: bundle.Checksum(),
		Version: version.Version, ExternalURL: extURL, Settings: set, Tunnel: tun, KubeProxy: kube, Shell: shellRunner(cfg, ln.Addr(), extURL, bundle.CAPEM, log), UI: ui.Handler(),
		ClusterCleanup: func(ctx context.Context, c *model.Cluster) error {
			rsync.Disengage(c.ID) // or it would restore what the cleanup removes
			return health.Cleanup(ctx, c)
		},
		DisconnectAgent: func(id string) { tun.Disconnect(id); rsync.Disengage(id) },
		Access:          acc, Kube: kc.client, AccessSync: accessSync(rsync),
		SignIn: si, Sealer: sealer, Provision: prov, CloudTest: cloudTest(cfg.AWSEndpoint)})
	agents.tunnel, agents.url, agents.caChecksum = tun, extURL, bundle.Checksum()
	a = &App{api: apiSrv, cfg: cfg, log: log, store: st, bundle: bundle, url: extURL, served: make(chan error, 1), stop: stop, tunnel: tun, rbac: rsync, signin: si, prov: prov, local: localMgr}
	a.srv = &http.Server{
		Handler: apiSrv.Handler(),
		// HTTP/2 for API and kube clients (no connection churn under load);
		// HTTP/1.1 stays for upgrades (exec, port-forward, the agent tunnel).
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{bundle.Cert}, MinVersion: tls.VersionTLS12,
			NextProtos: []string{"h2", "http/1.1"}},
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return runCtx },
	}
	go func() { a.served <- a.srv.Serve(tls.NewListener(ln, a.srv.TLSConfig)) }()
	go a.collectGarbage(runCtx)
	go health.Run(runCtx)
	if err := prov.Start(runCtx); err != nil {
		log.Warn("resuming cluster provisioning failed", "err", err)
	}
	go acc.Run(runCtx, time.Second)
	go set.Run(runCtx, settingsPoll)
	go refreshGroups(runCtx, si, set.GroupRefresh, log)
	log.Info("paddock ready", "url", extURL, "listen", ln.Addr().String(), "store", st.Dialect(),
		"version", version.String(), "startup", time.Since(began).Round(time.Millisecond))
	banner(out, extURL, cfg, generated)
	return a, nil
}

func tlsBundle(cfg config.Server, extURL string) (*pki.Bundle, error) {
	if cfg.TLSCert != "" {
		return pki.LoadFiles(cfg.TLSCert, cfg.TLSKey)
	}
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil && h != "" {
		hosts = append(hosts, h)
	}
	if u, err := url.Parse(extURL); err == nil && u.Hostname() != "" {
		hosts = append(hosts, u.Hostname())
	}
	if h, _, err := net.SplitHostPort(cfg.Listen); err == nil && h != "" && net.ParseIP(h) != nil && !net.ParseIP(h).IsUnspecified() {
		hosts = append(hosts, h)
	}
	return pki.Ensure(filepath.Join(cfg.DataDir, "tls"), hosts, time.Now())
}

func banner(out io.Writer, extURL string, cfg config.Server, generated string) {
	fmt.Fprintf(out, "\nPaddock is running at %s\n", extURL)
	fmt.Fprintf(out, "  CA certificate:  curl -sk %s/cacerts > paddock-ca.pem\n", extURL)
	switch {
	case generated != "":
		fmt.Fprintf(out, "  Sign in as admin with the generated password (shown once, must be changed at first login):\n\n      %s\n\n", generated)
	case cfg.BootstrapPassword != "":
		fmt.Fprintf(out, "  Sign in as admin with the password from PADDOCK_BOOTSTRAP_PASSWORD.\n")
	}
	fmt.Fprintf(out, "  curl --cacert paddock-ca.pem %s/v1/auth/login -d '{\"username\":\"admin\",\"password\":\"...\"}'\n\n", extURL)
}

// collectGarbage deletes expired tokens periodically.
func (a *App) collectGarbage(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if n, err := a.store.DeleteExpiredTokens(ctx, time.Now()); err != nil && ctx.Err() == nil {
			a.log.Warn("deleting expired tokens failed", "err", err)
		} else if n > 0 {
			a.log.Info("deleted expired tokens", "count", n)
		}
		// Expired bindings grant nothing from the moment they expire; they
		// stay listed (as expired) for a day, then go.
		if n, err := a.store.DeleteExpiredBindings(ctx, time.Now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
			a.log.Warn("deleting expired bindings failed", "err", err)
		} else if n > 0 {
			a.log.Info("deleted expired bindings", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// URL is the external URL.
func (a *App) URL() string { return a.url }

// CAPEM is the CA clients should trust.
func (a *App) CAPEM() []byte { return a.bundle.CAPEM }

// Done reports the serve loop's end (an error other than a clean shutdown).
func (a *App) Done() <-chan error { return a.served }

// Shutdown stops accepting, lets in-flight requests finish, then closes
// the store. Requests that never end by themselves (watches, logs -f) are
// cancelled after a short grace period, so a SIGTERM is not held up by a
// client's open watch.
func (a *App) Shutdown(ctx context.Context) error {
	a.api.Close() // browser shells: hijacked, so Shutdown would not wait for them
	done := make(chan error, 1)
	go func() { done <- a.srv.Shutdown(ctx) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(streamGrace):
		a.stop() // cancels every request context: streams end
		err = <-done
	}
	a.stop()
	a.prov.Wait()     // provisioning steps and local agents end with the run context
	a.local.StopAll() // local clusters stop (their data stays for the next start)
	a.rbac.Close()
	a.signin.Close()
	_ = a.tunnel.Close() // hijacked tunnel connections are not drained by Shutdown
	return errors.Join(err, a.store.Close())
}

// tokenCacheTTL is how long a verified token is trusted without asking the
// store; changes through this server flush it at once.
const tokenCacheTTL = 2 * time.Second

// streamGrace is how long shutdown waits before cancelling open streams.
const streamGrace = 2 * time.Second
