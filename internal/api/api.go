package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/api/accessdata"
	"github.com/paddockhq/paddock/internal/api/auditlog"
	"github.com/paddockhq/paddock/internal/api/bindings"
	"github.com/paddockhq/paddock/internal/api/cloudcreds"
	"github.com/paddockhq/paddock/internal/api/clusters"
	"github.com/paddockhq/paddock/internal/api/identity"
	"github.com/paddockhq/paddock/internal/api/projects"
	"github.com/paddockhq/paddock/internal/api/providers"
	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/api/roles"
	apisettings "github.com/paddockhq/paddock/internal/api/settings"
	apishell "github.com/paddockhq/paddock/internal/api/shell"
	"github.com/paddockhq/paddock/internal/api/tokens"
	"github.com/paddockhq/paddock/internal/api/users"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/provision"
	"github.com/paddockhq/paddock/internal/secrets"
	"github.com/paddockhq/paddock/internal/settings"
	"github.com/paddockhq/paddock/internal/shell"
	"github.com/paddockhq/paddock/internal/signin"
	"github.com/paddockhq/paddock/internal/store"
)

// Deps are what the API needs from the wiring point.
type Deps struct {
	Store      store.Store
	Auth       *auth.Service
	Metrics    *httpx.Metrics
	CAPEM      []byte
	CAChecksum string
	Version    string
	// ExternalURL is how agents and kubeconfigs reach this server.
	ExternalURL string
	// Settings are the run-time server settings (token TTLs, agent image).
	Settings *settings.Service
	// Tunnel serves agent connections at /v1/connect.
	Tunnel http.Handler
	// KubeProxy serves /k8s/clusters/{id}/... (authenticated like /v1).
	KubeProxy http.Handler
	// UI serves the web app for every path outside /v1, /k8s and the
	// system routes (nil: those paths are 404).
	UI http.Handler
	// ClusterCleanup and DisconnectAgent act on a cluster being deleted.
	ClusterCleanup  func(ctx context.Context, c *model.Cluster) error
	DisconnectAgent func(clusterID string)
	Now             func() time.Time
	// Access answers every authorization question.
	Access *access.Authorizer
	// Kube returns a client acting as Paddock itself in a cluster.
	Kube func(ctx context.Context, clusterID string) (kubernetes.Interface, error)
	// AccessSync reports a cluster's RBAC sync.
	AccessSync func(clusterID string) (clusters.AccessSync, bool)
	// SignIn signs people in through identity providers; Sealer seals the
	// pending state of browser sign-ins.
	SignIn *signin.Service
	Sealer *secrets.Sealer
	// Provision creates clusters through providers (nil: none).
	Provision *provision.Runner
	// Shell runs browser kubectl shells (nil: the shell answers 503).
	Shell *shell.Runner
	// CloudTest asks a cloud who a stored credential is (nil: no cloud).
	CloudTest cloudcreds.Tester
}

// Server is the assembled HTTP surface.
type Server struct {
	deps   Deps
	shell  *apishell.API
	routes []rest.Route
	doc    []byte
}

// New assembles the API.
func New(d Deps) *Server {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Kube == nil {
		d.Kube = func(context.Context, string) (kubernetes.Interface, error) {
			return nil, errors.New("this server has no access to clusters")
		}
	}
	s := &Server{deps: d}
	httpx.SecretPathPrefixes = []string{"/v1/import/"}
	s.routes = append(s.routes, s.systemRoutes()...)
	s.routes = append(s.routes, (&identity.API{Auth: d.Auth, Store: d.Store, SignIn: d.SignIn, Capabilities: func(u *model.User) []string {
		caps := []string{}
		for _, c := range model.Capabilities {
			if d.Access.Capable(access.WhoOf(u), c) {
				caps = append(caps, c)
			}
		}
		return caps
	}}).Routes()...)
	if d.SignIn != nil {
		s.routes = append(s.routes, (&providers.API{Store: d.Store, Auth: d.Auth, SignIn: d.SignIn, Sealer: d.Sealer, Acc: d.Access,
			ExternalURL: d.ExternalURL, Now: d.Now}).Routes()...)
	}
	s.routes = append(s.routes, (&users.API{Store: d.Store, Acc: d.Access, Now: d.Now}).Routes()...)
	var capTTL func(context.Context, *model.User) time.Duration
	if d.SignIn != nil {
		capTTL = d.SignIn.TokenCap
	}
	s.routes = append(s.routes, (&tokens.API{Auth: d.Auth, Store: d.Store, DefaultTTL: d.Settings.TokenDefaultTTL, MaxTTL: d.Settings.TokenMaxTTL, Now: d.Now,
		CapTTL: capTTL}).Routes()...)
	s.routes = append(s.routes, (&auditlog.API{Store: d.Store}).Routes()...)
	ca := &clusters.API{Store: d.Store, ExternalURL: d.ExternalURL, CAChecksum: d.CAChecksum, AgentImage: d.Settings.AgentImage, Now: d.Now,
		Cleanup: d.ClusterCleanup, Disconnect: d.DisconnectAgent, Acc: d.Access, AccessSync: d.AccessSync,
		Provision: d.Provision}
	s.routes = append(s.routes, ca.Routes()...)
	s.routes = append(s.routes, ca.AgentRoutes(d.Tunnel)...)
	s.routes = append(s.routes, ca.ProvisionRoutes()...)
	s.routes = append(s.routes, (&cloudcreds.API{Store: d.Store, Now: d.Now, Test: d.CloudTest}).Routes()...)
	mayUse := func(p *auth.Principal, c *model.Cluster) bool { return d.Access.MayReach(access.WhoOf(p.User), c.ID) }
	s.routes = append(s.routes, ca.KubeconfigRoutes(clusters.KubeconfigDeps{Auth: d.Auth, CAPEM: d.CAPEM, MaxTTL: d.Settings.TokenMaxTTL, MayUse: mayUse, CapTTL: capTTL})...)
	s.shell = &apishell.API{Store: d.Store, Auth: d.Auth, Acc: d.Access, Runner: d.Shell, ExternalURL: d.ExternalURL, Now: d.Now,
		CapTTL: capTTL, Log: slog.Default()}
	s.routes = append(s.routes, s.shell.Routes()...)
	s.routes = append(s.routes, (&projects.API{Store: d.Store, Acc: d.Access, Now: d.Now, Kube: d.Kube}).Routes()...)
	s.routes = append(s.routes, (&bindings.API{Store: d.Store, Acc: d.Access, Now: d.Now}).Routes()...)
	ra := &roles.API{Store: d.Store, Acc: d.Access, Now: d.Now}
	s.routes = append(s.routes, ra.Routes()...)
	s.routes = append(s.routes, ra.GlobalRoutes()...)
	s.routes = append(s.routes, (&apisettings.API{Settings: d.Settings, Now: d.Now}).Routes()...)
	s.routes = append(s.routes, (&accessdata.API{Store: d.Store, Acc: d.Access, Now: d.Now, Kube: d.Kube}).Routes()...)
	s.doc, _ = json.MarshalIndent(rest.Document("Paddock API", d.Version, s.routes), "", "  ")
	return s
}

// Close ends the open shells (their tokens are revoked and recordings
// closed before it returns); call it before closing the store.
func (s *Server) Close() { s.shell.Close() }

// Routes returns every route served (for the OpenAPI test).
func (s *Server) Routes() []rest.Route { return s.routes }

// Handler returns the full middleware chain over the routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	rest.Mount(mux, s.routes, func(p *auth.Principal, capability string) bool {
		return s.deps.Access.Capable(access.WhoOf(p.User), capability)
	})
	if s.deps.KubeProxy != nil {
		mux.Handle("/k8s/clusters/", s.deps.KubeProxy)
	}
	notFound := httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		return httpx.NotFound("no route for %s %s", r.Method, r.URL.Path)
	})
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.deps.UI == nil || strings.HasPrefix(r.URL.Path, "/v1/") || strings.HasPrefix(r.URL.Path, "/k8s/") {
			notFound.ServeHTTP(w, r)
			return
		}
		s.deps.UI.ServeHTTP(w, r)
	}))
	return httpx.Chain(mux,
		httpx.Observe(s.deps.Metrics),
		httpx.SecurityHeaders,
		audit.Middleware(s.deps.Store, "/v1/", s.deps.Now),
		flushOnChange(s.deps.Auth),
		authenticate(s.deps.Auth),
	)
}

func (s *Server) systemRoutes() []rest.Route {
	text := func(body string) httpx.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, err := w.Write([]byte(body))
			return err
		}
	}
	return []rest.Route{
		{Method: "GET", Path: "/healthz", Tag: "system", Summary: "Liveness: the process serves HTTP", Handler: text("ok\n")},
		{Method: "GET", Path: "/readyz", Tag: "system", Summary: "Readiness: the store answers", Handler: s.readyz},
		{Method: "GET", Path: "/metrics", Tag: "system", Summary: "Prometheus metrics", Handler: func(w http.ResponseWriter, r *http.Request) error {
			s.deps.Metrics.Handler().ServeHTTP(w, r)
			return nil
		}},
		{Method: "GET", Path: "/cacerts", Tag: "system", Summary: "PEM of the CA that signs this server's certificate", Handler: func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", "application/x-pem-file")
			_, err := w.Write(s.deps.CAPEM)
			return err
		}},
		{Method: "GET", Path: "/v1/openapi.json", Tag: "system", Summary: "This OpenAPI document", Handler: func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", "application/json")
			_, err := w.Write(s.doc)
			return err
		}},
	}
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.deps.Store.Ping(ctx); err != nil {
		return httpx.Errorf(http.StatusServiceUnavailable, "not_ready", "store unavailable: %v", err)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := w.Write([]byte("ok\n"))
	return err
}
