package proxy

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	utilproxy "k8s.io/apimachinery/pkg/util/proxy"
	"k8s.io/client-go/rest"
)

// ErrClusterNotFound is returned (possibly wrapped) by [Options].Backend or
// [Options].Authorize for an unknown cluster id; the client gets a 404.
var ErrClusterNotFound = errors.New("cluster not found")

// ErrClusterUnavailable is returned (possibly wrapped) by [Options].Backend
// when a known cluster cannot be reached now (no tunnel, health check
// failing); the client gets a 503.
var ErrClusterUnavailable = errors.New("cluster unavailable")

// Backend is how to reach one cluster's kube-apiserver. Both transports
// must authenticate as a principal allowed to impersonate (the proxy never
// forwards the client's credential), or reach something that adds such a
// credential, like the in-cluster agent at the far end of a tunnel.
type Backend struct {
	// URL is the apiserver's base URL; a path (e.g. of a reverse proxy in
	// front of the apiserver) is kept as a prefix of every request path.
	URL *url.URL
	// Transport sends ordinary requests, including watches and log streams,
	// and adds the cluster credential. A transport from
	// rest.TransportFor does; so does a tunnel's transport whose dialer
	// opens tunnel streams when the agent adds the credential.
	Transport http.RoundTripper
	// UpgradeTransport opens exec, attach and port-forward connections.
	// Its RoundTripper only provides the connection: apimachinery dials it
	// with the dialer and TLS config it finds via utilnet.DialerFor and
	// utilnet.TLSClientConfig (an *http.Transport, or a wrapper implementing
	// utilnet.RoundTripperWrapper), forcing HTTP/1.1. Its WrapRequest adds
	// the credential to the upgrade request. Build it with
	// utilproxy.NewUpgradeRequestRoundTripper(connTransport, authWrapper);
	// over a tunnel whose agent adds the credential, authWrapper can be
	// utilproxy.MirrorRequest. Nil: upgrades are dialed with Transport and
	// carry no credential of their own.
	UpgradeTransport utilproxy.UpgradeRequestRoundTripper
}

// NewBackend returns a Backend reaching the apiserver of cfg directly, with
// cfg's credential (token, token file, client certificate, exec plugin)
// applied to ordinary and upgrade requests alike. cfg must not impersonate:
// the proxy sets the impersonation headers itself.
func NewBackend(cfg *rest.Config) (*Backend, error) {
	if cfg.Impersonate.UserName != "" || cfg.Impersonate.UID != "" ||
		len(cfg.Impersonate.Groups) > 0 || len(cfg.Impersonate.Extra) > 0 {
		return nil, errors.New("proxy: backend config must not impersonate")
	}
	base, _, err := rest.DefaultServerUrlFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("proxy: backend URL: %w", err)
	}
	base.RawQuery, base.Fragment = "", ""
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("proxy: backend transport: %w", err)
	}
	tlsConfig, err := rest.TLSConfigFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("proxy: backend TLS: %w", err)
	}
	dial := cfg.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	// The connection transport is never used to send requests itself:
	// DialURL only takes its dialer and TLS config.
	conn := &http.Transport{TLSClientConfig: tlsConfig, DialContext: dial}
	authWrapper, err := rest.HTTPWrappersForConfig(cfg, utilproxy.MirrorRequest)
	if err != nil {
		return nil, fmt.Errorf("proxy: backend credential: %w", err)
	}
	return &Backend{
		URL:              base,
		Transport:        rt,
		UpgradeTransport: utilproxy.NewUpgradeRequestRoundTripper(conn, authWrapper),
	}, nil
}
