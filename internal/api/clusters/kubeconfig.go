package clusters

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Kubeconfig token lifetimes.
const DefaultKubeconfigTTL = 8 * time.Hour

// KubeconfigDeps are what the kubeconfig routes need beyond the registry.
type KubeconfigDeps struct {
	Auth  *auth.Service
	CAPEM []byte
	// MaxTTL is read at each request (a run-time setting).
	MaxTTL func() time.Duration
	// CapTTL, when set, bounds a user's tokens further (0: no bound).
	CapTTL func(ctx context.Context, u *model.User) time.Duration
	// MayUse says whether the principal may reach the cluster.
	MayUse func(p *auth.Principal, c *model.Cluster) bool
}

// KubeconfigRoutes lists the kubeconfig routes.
func (a *API) KubeconfigRoutes(d KubeconfigDeps) []rest.Route {
	ttl := rest.Param{Name: "ttl", Type: "string", Description: "lifetime of the embedded token, e.g. 8h (default 8h)"}
	return []rest.Route{
		{Method: "GET", Path: "/v1/kubeconfig", Tag: "clusters", Access: rest.Authenticated,
			Summary: "A kubeconfig with a context per cluster the caller may use, and a new API token",
			Query:   []rest.Param{ttl}, Handler: func(w http.ResponseWriter, r *http.Request) error { return a.kubeconfig(w, r, d, "") }},
		{Method: "GET", Path: "/v1/clusters/{id}/kubeconfig", Tag: "clusters", Access: rest.Authenticated,
			Summary: "A kubeconfig for one cluster, with a new API token",
			Query:   []rest.Param{ttl}, Handler: func(w http.ResponseWriter, r *http.Request) error { return a.kubeconfig(w, r, d, r.PathValue("id")) }},
	}
}

func (a *API) kubeconfig(w http.ResponseWriter, r *http.Request, d KubeconfigDeps, only string) error {
	p := auth.PrincipalFrom(r.Context())
	ttl, maxTTL := DefaultKubeconfigTTL, d.MaxTTL()
	if s := r.URL.Query().Get("ttl"); s != "" {
		v, err := time.ParseDuration(s)
		if err != nil || v <= 0 {
			return httpx.BadRequest("ttl %q must be a positive duration such as 8h", s)
		}
		if v > maxTTL {
			return httpx.BadRequest("ttl %s exceeds the maximum of %s", v, maxTTL)
		}
		ttl = v
	}
	ttl = min(ttl, maxTTL)
	if d.CapTTL != nil {
		if c := d.CapTTL(r.Context(), p.User); c > 0 {
			ttl = min(ttl, c)
		}
	}
	var usable []model.Cluster
	if only != "" {
		c, err := a.Store.GetCluster(r.Context(), only)
		if err != nil || !d.MayUse(p, c) {
			if err == nil || errors.Is(err, store.ErrNotFound) {
				return httpx.NotFound("cluster not found")
			}
			return err
		}
		usable = append(usable, *c)
	} else {
		var err error
		if usable, err = a.allUsable(r, p, d); err != nil {
			return err
		}
	}
	secret, _, err := d.Auth.IssueToken(r.Context(), p.User.ID, model.TokenAPI, "kubeconfig", ttl)
	if err != nil {
		return err
	}
	audit.Annotate(r.Context(), "kubeconfig.issue", p.User.Username)
	data, err := clientcmd.Write(*a.buildKubeconfig(p.User.Username, secret, d.CAPEM, usable))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="paddock.kubeconfig"`)
	_, err = w.Write(data)
	return err
}

func (a *API) allUsable(r *http.Request, p *auth.Principal, d KubeconfigDeps) ([]model.Cluster, error) {
	var out []model.Cluster
	after := ""
	for {
		cs, next, err := a.Store.ListClusters(r.Context(), "", store.Page{Limit: store.MaxLimit, After: after})
		if err != nil {
			return nil, err
		}
		for i := range cs {
			if d.MayUse(p, &cs[i]) {
				out = append(out, cs[i])
			}
		}
		if next == "" {
			return out, nil
		}
		after = next
	}
}

func (a *API) buildKubeconfig(username, token string, caPEM []byte, cs []model.Cluster) *clientcmdapi.Config {
	cfg := clientcmdapi.NewConfig()
	user := "paddock-" + username
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	for _, c := range cs {
		name := "paddock-" + c.Name
		cfg.Clusters[name] = &clientcmdapi.Cluster{Server: fmt.Sprintf("%s/k8s/clusters/%s", a.ExternalURL, c.ID), CertificateAuthorityData: caPEM}
		cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: user}
		if cfg.CurrentContext == "" {
			cfg.CurrentContext = name
		}
	}
	return cfg
}
