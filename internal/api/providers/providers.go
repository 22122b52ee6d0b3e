// Package providers owns the identity provider API: the public list of
// ways to sign in, admins' configuration of providers (secrets write-only),
// the test action, browser sign-in through redirect providers (begin and
// callback, with the pending state sealed in a cookie), SAML SP metadata,
// and the principal search used to grant access to users and groups.
package providers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"time"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/idp"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/secrets"
	"github.com/paddockhq/paddock/internal/signin"
	"github.com/paddockhq/paddock/internal/store"
)

// API serves the provider routes.
type API struct {
	Store  store.Store
	Auth   *auth.Service
	SignIn *signin.Service
	Sealer *secrets.Sealer
	Acc    *access.Authorizer
	// ExternalURL builds callback URLs.
	ExternalURL string
	Now         func() time.Time
}

// Public is how the sign-in page lists a provider.
type Public struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	DisplayName string `json:"displayName"`
	// Login is "password" (POST /v1/auth/login with provider) or
	// "redirect" (GET /v1/auth/providers/{name}/login).
	Login string `json:"login"`
}

// Provider is an admin's view: settings, with secrets only as "set".
type Provider struct {
	Name          string            `json:"name"`
	Type          string            `json:"type"`
	DisplayName   string            `json:"displayName"`
	Enabled       bool              `json:"enabled"`
	AccessMode    string            `json:"accessMode"`
	AllowedUsers  []string          `json:"allowedUsers"`
	AllowedGroups []string          `json:"allowedGroups"`
	Settings      json.RawMessage   `json:"settings"`
	Secrets       map[string]string `json:"secrets"` // field → "set"
	CallbackURL   string            `json:"callbackURL,omitempty"`
	UpdatedAt     time.Time         `json:"updatedAt"`
}

// Routes lists the provider routes.
func (a *API) Routes() []rest.Route {
	manage := rest.Needs("auth", model.CapAuthManage)
	return []rest.Route{
		{Method: "GET", Path: "/v1/auth/providers", Tag: "auth", Access: rest.Public, Summary: "The enabled ways to sign in",
			Response: rest.List[Public]{}, Handler: a.listPublic},
		manage(rest.Route{Method: "GET", Path: "/v1/auth/providerconfigs", Summary: "Every configured provider, enabled or not, as administrators see it (secrets never returned)",
			Response: rest.List[Provider]{}, Handler: a.listAll}),
		manage(rest.Route{Method: "GET", Path: "/v1/auth/providers/{name}", Summary: "Read a provider's configuration (secrets are never returned)",
			Response: Provider{}, Handler: a.get}),
		manage(rest.Route{Method: "PUT", Path: "/v1/auth/providers/{name}", Audit: "provider.put",
			Summary: "Create or replace a provider: {type, enabled, displayName, accessMode, allowedUsers, allowedGroups, ...settings and secrets}; empty secrets keep the stored ones; disabling ends its users' sessions",
			Request: map[string]any{}, Response: Provider{}, Handler: a.put}),
		manage(rest.Route{Method: "DELETE", Path: "/v1/auth/providers/{name}", Audit: "provider.delete",
			Summary: "Delete a provider; its users' sessions and tokens end at once", Status: http.StatusNoContent, Handler: a.delete}),
		manage(rest.Route{Method: "POST", Path: "/v1/auth/providers/{name}/test", Audit: "provider.test",
			Summary: "Test the connection, and a sign-in when a username and password are given", Request: TestRequest{}, Response: TestResult{},
			Handler: a.test}),
		{Method: "GET", Path: "/v1/auth/providers/{name}/login", Tag: "auth", Access: rest.Public,
			Summary: "Begin a browser sign-in at a redirect provider (?return=/path)", Status: http.StatusFound, Handler: a.begin},
		{Method: "GET", Path: "/v1/auth/providers/{name}/callback", Tag: "auth", Access: rest.Public, Audit: "auth.login",
			Summary: "Where the provider sends the browser back", Status: http.StatusFound, Handler: a.callback},
		{Method: "POST", Path: "/v1/auth/providers/{name}/callback", Tag: "auth", Access: rest.Public, Audit: "auth.login",
			Summary: "Where a SAML IdP posts its response", Status: http.StatusFound, Handler: a.callback},
		{Method: "POST", Path: "/v1/auth/providers/{name}/cli-confirm", Tag: "auth", Access: rest.Public, Audit: "auth.cli.confirm",
			Summary: "The person confirms a browser sign-in is for their own paddock login (form post from the confirmation page)",
			Status:  http.StatusFound, Errors: []int{http.StatusUnauthorized}, Handler: a.confirm},
		{Method: "POST", Path: "/v1/auth/cli/exchange", Tag: "auth", Access: rest.Public, Audit: "auth.cli.exchange",
			Summary: "Trade the code a browser sign-in sent to `paddock login` (with its verifier) for the session",
			Request: ExchangeRequest{}, Response: ExchangeResponse{}, Errors: []int{http.StatusUnauthorized}, Handler: a.exchange},
		{Method: "GET", Path: "/v1/auth/providers/{name}/metadata", Tag: "auth", Access: rest.Public,
			Summary: "Service-provider metadata (SAML)", Handler: a.metadata},
		{Method: "GET", Path: "/v1/principals", Tag: "auth", Access: rest.Authenticated,
			Summary: "Search users and groups to grant access to (for those who may grant access somewhere)", Query: []rest.Param{{Name: "search", Type: "string", Description: "substring"}},
			Response: rest.List[Principal]{}, Handler: a.principals},
	}
}

var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)

func loginKind(a *API, r *http.Request, p *model.Provider) string {
	if p.Type == model.LocalProvider {
		return "password"
	}
	_, conn, err := a.SignIn.Connector(r.Context(), p.Name)
	if err != nil {
		return ""
	}
	if _, ok := conn.(idp.PasswordConnector); ok {
		return "password"
	}
	if _, ok := conn.(idp.RedirectConnector); ok {
		return "redirect"
	}
	return ""
}

func (a *API) listPublic(w http.ResponseWriter, r *http.Request) error {
	ps, err := a.Store.ListProviders(r.Context())
	if err != nil {
		return err
	}
	out := []Public{}
	localListed := false
	for i := range ps {
		p := &ps[i]
		if p.Type == model.LocalProvider {
			localListed = true
		}
		if !p.Enabled {
			continue
		}
		if kind := loginKind(a, r, p); kind != "" {
			out = append(out, Public{Name: p.Name, Type: p.Type, DisplayName: p.DisplayName, Login: kind})
		}
	}
	if !localListed {
		out = append([]Public{{Name: model.LocalProvider, Type: model.LocalProvider, DisplayName: "Paddock account", Login: "password"}}, out...)
	}
	httpx.WriteJSON(w, http.StatusOK, rest.List[Public]{Items: out})
	return nil
}

func (a *API) listAll(w http.ResponseWriter, r *http.Request) error {
	ps, err := a.Store.ListProviders(r.Context())
	if err != nil {
		return err
	}
	out := rest.List[Provider]{Items: make([]Provider, 0, len(ps))}
	for i := range ps {
		out.Items = append(out.Items, a.view(r.Context(), &ps[i]))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) view(ctx context.Context, p *model.Provider) Provider {
	v := Provider{Name: p.Name, Type: p.Type, DisplayName: p.DisplayName, Enabled: p.Enabled, AccessMode: p.AccessMode,
		AllowedUsers: nonNil(p.AllowedUsers), AllowedGroups: nonNil(p.AllowedGroups), Settings: p.Config,
		Secrets: map[string]string{}, UpdatedAt: p.UpdatedAt}
	if len(v.Settings) == 0 {
		v.Settings = json.RawMessage("{}")
	}
	if t, ok := a.SignIn.Types[p.Type]; ok {
		for _, f := range t.SecretFields {
			if _, err := a.Store.GetSecret(ctx, model.ProviderSecret(p.Name, f)); err == nil {
				v.Secrets[f] = "set"
			}
		}
		v.CallbackURL = a.callbackURL(p.Name)
	}
	return v
}

func (a *API) callbackURL(name string) string {
	return a.ExternalURL + "/v1/auth/providers/" + name + "/callback"
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	p, err := a.Store.GetProvider(r.Context(), r.PathValue("name"))
	if err != nil {
		return rest.StoreError(err, "provider")
	}
	httpx.WriteJSON(w, http.StatusOK, a.view(r.Context(), p))
	return nil
}

func (a *API) delete(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	audit.Annotate(r.Context(), "provider.delete", name)
	p, err := a.Store.GetProvider(r.Context(), name)
	if err != nil {
		return rest.StoreError(err, "provider")
	}
	if _, err := a.Store.DeleteProviderSessions(r.Context(), name); err != nil {
		return err
	}
	if err := a.Store.DeleteProvider(r.Context(), name); err != nil {
		return rest.StoreError(err, "provider")
	}
	if t, ok := a.SignIn.Types[p.Type]; ok {
		for _, f := range t.SecretFields {
			if err := a.Store.DeleteSecret(r.Context(), model.ProviderSecret(name, f)); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
	}
	a.SignIn.Forget(name)
	a.Auth.Flush()
	w.WriteHeader(http.StatusNoContent)
	return nil
}
