package bindings

import (
	"errors"
	"net/http"
	"strings"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Visible reports whether the caller may see a binding: their own (or
// their group's), and any of a scope whose members they manage.
func Visible(acc *access.Authorizer, w access.Who, b *model.Binding) bool {
	if acc.Everywhere(w) {
		return true
	}
	if b.Subject.Kind == model.SubjectUser && b.Subject.Name == w.UserID {
		return true
	}
	if b.Subject.Kind == model.SubjectGroup {
		for _, g := range w.Groups {
			if g == b.Subject.Name {
				return true
			}
		}
	}
	return acc.MayManageMembers(w, b.ClusterID, b.ProjectID)
}

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.BindingFilter{ClusterID: q.Get("cluster"), ProjectID: q.Get("project")}
	if s := q.Get("subject"); s != "" {
		kind, name, ok := strings.Cut(s, ":")
		if !ok || (kind != model.SubjectUser && kind != model.SubjectGroup) {
			kind, name = model.SubjectUser, s
		}
		sub, err := ResolveSubject(r.Context(), a.Store, Subject{Kind: kind, Name: name})
		if err != nil {
			var he *httpx.Error
			if errors.As(err, &he) && kind == model.SubjectUser {
				httpx.WriteJSON(w, http.StatusOK, rest.List[Binding]{Items: []Binding{}})
				return nil
			}
			return err
		}
		f.Subject = sub
	}
	all, err := a.Store.ListBindings(r.Context(), f)
	if err != nil {
		return err
	}
	who, names, now := rest.Who(r), Usernames(r.Context(), a.Store), a.Now()
	out := []Binding{}
	for i := range all {
		if Visible(a.Acc, who, &all[i]) {
			out = append(out, View(&all[i], names, now))
		}
	}
	httpx.WriteJSON(w, http.StatusOK, rest.List[Binding]{Items: out})
	return nil
}

func (a *API) load(r *http.Request) (*model.Binding, error) {
	b, err := a.Store.GetBinding(r.Context(), r.PathValue("id"))
	if err == nil && !Visible(a.Acc, rest.Who(r), b) {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, rest.StoreError(err, "binding")
	}
	return b, nil
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	b, err := a.load(r)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, View(b, Usernames(r.Context(), a.Store), a.Now()))
	return nil
}

func (a *API) delete(w http.ResponseWriter, r *http.Request) error {
	b, err := a.load(r)
	if err != nil {
		return err
	}
	audit.Annotate(r.Context(), "binding.delete", b.ID+" ("+b.RoleTemplate+" in "+scopeName(b)+")")
	if err := a.Acc.CheckUnbind(rest.Who(r), b); err != nil {
		return rest.AccessError(err)
	}
	if err := a.Store.DeleteBinding(r.Context(), b.ID); err != nil {
		return rest.StoreError(err, "binding")
	}
	a.Acc.Changed(r.Context(), b.ClusterID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
