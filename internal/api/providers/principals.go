package providers

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/idp"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Principal is a user or group one can grant access to.
type Principal struct {
	Kind        string `json:"kind"` // User or Group
	Name        string `json:"name"` // username, or group name as bindings name it
	DisplayName string `json:"displayName,omitempty"`
	Provider    string `json:"provider,omitempty"`
}

const principalLimit = 25

// principals searches users, groups people brought from their providers,
// and groups the providers themselves can search (an LDAP directory).
func (a *API) principals(w http.ResponseWriter, r *http.Request) error {
	// The directory of people is for those who grant access, not for
	// anyone who can sign in.
	who := rest.Who(r)
	if a.Acc != nil && !a.Acc.MayManageSomeMembers(who) && !a.Acc.Capable(who, model.CapUsersManage) {
		return httpx.Forbidden("searching users and groups needs the right to grant access somewhere")
	}
	q := strings.TrimSpace(r.URL.Query().Get("search"))
	out := []Principal{}
	users, _, err := a.Store.ListUsers(r.Context(), q, store.Page{Limit: principalLimit})
	if err != nil {
		return err
	}
	for _, u := range users {
		out = append(out, Principal{Kind: model.SubjectUser, Name: u.Username, DisplayName: u.DisplayName, Provider: u.Provider})
	}
	groups := map[string]string{} // name → provider
	known, err := a.Store.SearchGroups(r.Context(), "", q, principalLimit)
	if err != nil {
		return err
	}
	for _, g := range known {
		p, _, _ := strings.Cut(g, ":")
		groups[g] = p
	}
	for _, g := range a.searchProviders(r.Context(), q) {
		p, _, _ := strings.Cut(g, ":")
		groups[g] = p
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	slices.Sort(names)
	for _, g := range names {
		out = append(out, Principal{Kind: model.SubjectGroup, Name: g, Provider: groups[g]})
	}
	httpx.WriteJSON(w, http.StatusOK, rest.List[Principal]{Items: out})
	return nil
}

// searchProviders asks every enabled provider that can search groups,
// each for at most 3 s; one that fails is skipped.
func (a *API) searchProviders(ctx context.Context, q string) []string {
	if q == "" {
		return nil
	}
	ps, err := a.Store.ListProviders(ctx)
	if err != nil {
		return nil
	}
	var out []string
	for _, p := range ps {
		if !p.Enabled || p.Type == model.LocalProvider {
			continue
		}
		_, conn, err := a.SignIn.Connector(ctx, p.Name)
		if err != nil {
			continue
		}
		gs, ok := conn.(idp.GroupSearcher)
		if !ok {
			continue
		}
		c, cancel := context.WithTimeout(ctx, 3*time.Second)
		found, err := gs.SearchGroups(c, q, principalLimit)
		cancel()
		if err != nil {
			continue
		}
		for _, g := range found {
			out = append(out, p.Name+":"+g)
		}
	}
	return out
}
