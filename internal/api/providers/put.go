package providers

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// common are the body fields every provider has; the rest are the type's
// settings and secrets.
var common = []string{"type", "displayName", "enabled", "accessMode", "allowedUsers", "allowedGroups"}

type commonFields struct {
	Type          string   `json:"type"`
	DisplayName   string   `json:"displayName"`
	Enabled       *bool    `json:"enabled"`
	AccessMode    string   `json:"accessMode"`
	AllowedUsers  []string `json:"allowedUsers"`
	AllowedGroups []string `json:"allowedGroups"`
}

func (a *API) put(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	audit.Annotate(r.Context(), "provider.put", name)
	var raw map[string]json.RawMessage
	if err := httpx.DecodeJSON(w, r, &raw); err != nil {
		return err
	}
	var c commonFields
	commonRaw := map[string]json.RawMessage{}
	settings := map[string]json.RawMessage{}
	for k, v := range raw {
		if slices.Contains(common, k) {
			commonRaw[k] = v
		} else {
			settings[k] = v
		}
	}
	b, _ := json.Marshal(commonRaw)
	if err := json.Unmarshal(b, &c); err != nil {
		return httpx.Invalid("%v", err)
	}
	if !nameRE.MatchString(name) {
		return httpx.Invalid("provider name %q must be 1-32 lowercase letters, digits or '-'", name)
	}
	if c.AccessMode == "" && c.Type == model.ProviderTypeGitHub {
		return httpx.Invalid("github: set accessMode — \"restricted\" with allowedGroups (your org, \"org:team\") or allowedUsers, " +
			"or \"all\", which lets every github.com account sign in")
	}
	if c.AccessMode == "" {
		c.AccessMode = model.AccessAll
	}
	if c.AccessMode != model.AccessAll && c.AccessMode != model.AccessRestricted {
		return httpx.Invalid("accessMode must be %q or %q", model.AccessAll, model.AccessRestricted)
	}
	if name == model.LocalProvider || c.Type == model.LocalProvider {
		return a.putLocal(w, r, name, c, settings)
	}
	t, ok := a.SignIn.Types[c.Type]
	if !ok {
		return httpx.Invalid("type must be one of %v", a.typeNames())
	}
	secrets := map[string]string{}
	for _, f := range t.SecretFields {
		v, ok := settings[f]
		if !ok {
			continue
		}
		delete(settings, f)
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return httpx.Invalid("%s must be a string", f)
		}
		if s != "" { // empty keeps the stored secret (write-only fields)
			secrets[f] = s
		}
	}
	cfg, _ := json.Marshal(settings)
	now := a.Now().UTC()
	old, err := a.Store.GetProvider(r.Context(), name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if old != nil && old.Type != c.Type {
		return httpx.Invalid("provider %q is of type %s; delete it to change the type", name, old.Type)
	}
	// Where a provider points (issuer, URLs, directory, metadata) decides
	// who its existing identities are: whoever could repoint it could sign
	// in as any linked user, admins included, and send it the stored
	// secrets. Only administrators change that of a provider in use.
	if old != nil && !rest.Who(r).Admin && (len(secrets) > 0 || !sameJSON(old.Config, cfg)) {
		return httpx.Forbidden("only administrators may change the connection settings or secrets of an existing provider " +
			"(repointing it would let its new target sign in as any user it already links)")
	}
	p := &model.Provider{Name: name, Type: c.Type, DisplayName: c.DisplayName, Enabled: c.Enabled == nil || *c.Enabled,
		AccessMode: c.AccessMode, AllowedUsers: c.AllowedUsers, AllowedGroups: c.AllowedGroups, Config: cfg, CreatedAt: now, UpdatedAt: now}
	if p.DisplayName == "" {
		p.DisplayName = name
	}
	conn, err := a.SignIn.Build(r.Context(), p, secrets)
	if err != nil {
		return httpx.Invalid("%s: %v", name, err)
	}
	_ = conn.Close()
	for f, v := range secrets {
		if err := a.Store.PutSecret(r.Context(), model.ProviderSecret(name, f), []byte(v)); err != nil {
			return err
		}
	}
	if old == nil {
		err = a.Store.CreateProvider(r.Context(), p)
	} else {
		p.CreatedAt = old.CreatedAt
		_, err = a.Store.UpdateProvider(r.Context(), name, func(cur *model.Provider) error {
			*cur = *p
			return nil
		})
	}
	if err != nil {
		return rest.StoreError(err, "provider")
	}
	a.SignIn.Forget(name)
	narrowed := old != nil && (old.AccessMode != p.AccessMode || !slices.Equal(old.AllowedUsers, p.AllowedUsers) ||
		!slices.Equal(old.AllowedGroups, p.AllowedGroups))
	if old != nil && (old.Enabled && !p.Enabled || narrowed) {
		// Disabling a provider, or changing who it lets in, ends its
		// people's sessions and tokens now (Rancher GHSA-c45c-39f6-6gw9);
		// those still allowed sign in again.
		if _, err := a.Store.DeleteProviderSessions(r.Context(), name); err != nil {
			return err
		}
		a.Auth.Flush()
	}
	httpx.WriteJSON(w, http.StatusOK, a.view(r.Context(), p))
	return nil
}

func (a *API) typeNames() []string {
	var out []string
	for n := range a.SignIn.Types {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// putLocal enables or disables local passwords. Disabled, only
// administrators may still sign in with one (break-glass), and every other
// local user's sessions end.
func (a *API) putLocal(w http.ResponseWriter, r *http.Request, name string, c commonFields, settings map[string]json.RawMessage) error {
	if name != model.LocalProvider || (c.Type != "" && c.Type != model.LocalProvider) || len(settings) > 0 {
		return httpx.Invalid("the local provider is named %q, of type %q, and has no settings", model.LocalProvider, model.LocalProvider)
	}
	now := a.Now().UTC()
	p := &model.Provider{Name: name, Type: model.LocalProvider, DisplayName: c.DisplayName, Enabled: c.Enabled == nil || *c.Enabled,
		AccessMode: model.AccessAll, Config: json.RawMessage("{}"), CreatedAt: now, UpdatedAt: now}
	if p.DisplayName == "" {
		p.DisplayName = "Paddock account"
	}
	_, err := a.Store.UpdateProvider(r.Context(), name, func(cur *model.Provider) error {
		p.CreatedAt = cur.CreatedAt
		*cur = *p
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		err = a.Store.CreateProvider(r.Context(), p)
	}
	if err != nil {
		return rest.StoreError(err, "provider")
	}
	if !p.Enabled {
		if err := a.endLocalSessions(r); err != nil {
			return err
		}
	}
	httpx.WriteJSON(w, http.StatusOK, a.view(r.Context(), p))
	return nil
}

func (a *API) endLocalSessions(r *http.Request) error {
	after := ""
	for {
		users, next, err := a.Store.ListUsers(r.Context(), "", store.Page{Limit: store.MaxLimit, After: after})
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.Provider == model.LocalProvider && !u.Admin {
				if _, err := a.Store.DeleteUserTokens(r.Context(), u.ID); err != nil {
					return err
				}
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	a.Auth.Flush()
	return nil
}

// sameJSON compares two JSON documents by value.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
