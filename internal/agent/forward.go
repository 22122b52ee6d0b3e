package agent

import (
	"fmt"
	"net/http"
	"net/url"

	"k8s.io/apimachinery/pkg/util/proxy"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/transport"
)

// Forwarder is the handler the agent serves on its tunnel: every request
// goes to the local kube-apiserver with the agent's own credential. The
// Impersonate-* headers the Paddock server set are kept, so the apiserver
// authorizes the real user; requests without them run as the agent.
type Forwarder struct {
	handler http.Handler
}

// NewForwarder builds a forwarder to the apiserver cfg describes.
func NewForwarder(cfg *rest.Config) (*Forwarder, error) {
	target, err := url.Parse(cfg.Host)
	if err != nil || target.Host == "" {
		return nil, fmt.Errorf("apiserver URL %q: %v", cfg.Host, err)
	}
	if target.Scheme == "" {
		target.Scheme = "https"
	}
	if target.Path == "" {
		// An empty location path makes the handler redirect every GET to
		// "<path>/" (kubernetes#4958); the request's own path is used.
		target.Path = "/"
	}
	tcfg, err := cfg.TransportConfig()
	if err != nil {
		return nil, err
	}
	tlsCfg, err := transport.TLSConfigFor(tcfg)
	if err != nil {
		return nil, err
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, err
	}
	// Upgrades (exec, attach, port-forward) need the credential too.
	authRT, err := transport.HTTPWrappersForConfig(tcfg, proxy.MirrorRequest)
	if err != nil {
		return nil, err
	}
	upgrade := proxy.NewUpgradeRequestRoundTripper(&http.Transport{TLSClientConfig: tlsCfg, Proxy: http.ProxyFromEnvironment}, authRT)
	h := proxy.NewUpgradeAwareHandler(target, rt, false, false, errorResponder{})
	h.UseRequestLocation = true
	h.AppendLocationPath = true
	h.UseLocationHost = true
	h.UpgradeTransport = upgrade
	h.FlushInterval = 0 // streamed (chunked) responses are flushed per write anyway
	return &Forwarder{handler: h}, nil
}

func (f *Forwarder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The tunnel carries only requests from the server; any credential in
	// them is the server's concern, never forwarded.
	r.Header.Del("Authorization")
	r.Header.Del("Cookie")
	f.handler.ServeHTTP(w, r)
}

type errorResponder struct{}

func (errorResponder) Error(w http.ResponseWriter, _ *http.Request, err error) {
	http.Error(w, "paddock agent: "+err.Error(), http.StatusBadGateway)
}
