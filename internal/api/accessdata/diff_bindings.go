package accessdata

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/paddockhq/paddock/internal/api/bindings"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
)

// bindingKey is what identifies a binding in a document: who, what, where.
// ExpiresAt is not part of it: a different expiry is an update.
type bindingKey struct {
	subject   model.Subject
	template  string
	clusterID string
	projectID string
}

// wanted is a binding the document asks for.
type wanted struct {
	n       int
	key     bindingKey
	name    string
	expires time.Time
	match   *model.Binding
}

func (p *planner) planBindings(docs []at[BindingDoc]) {
	var want []*wanted
	seen := map[string]int{}
	for _, d := range docs {
		w := p.resolveBinding(d)
		if w == nil {
			continue
		}
		id := fmt.Sprint(w.key, w.expires.UnixMicro())
		if first, dup := seen[id]; dup {
			p.fail(d.n, KindBinding, w.name, "listed twice (first in document %d)", first)
			continue
		}
		seen[id] = d.n
		want = append(want, w)
	}
	stored := map[bindingKey][]*model.Binding{}
	for i := range p.s.bindings {
		b := &p.s.bindings[i]
		k := bindingKey{b.Subject, b.RoleTemplate, b.ClusterID, b.ProjectID}
		stored[k] = append(stored[k], b)
	}
	used := map[string]bool{}
	take := func(w *wanted, exact bool) {
		for _, b := range stored[w.key] {
			if !used[b.ID] && (!exact || b.ExpiresAt.Equal(w.expires)) {
				used[b.ID], w.match = true, b
				return
			}
		}
	}
	// Exact matches first, so an expiry change updates the right binding.
	for _, w := range want {
		take(w, true)
	}
	var changes []Change
	for _, w := range want {
		if w.match != nil {
			continue
		}
		take(w, false)
		if !w.expires.IsZero() && !w.expires.After(p.now) {
			p.fail(w.n, KindBinding, w.name, "expiresAt %s is not in the future", w.expires.Format(time.RFC3339))
			continue
		}
		b := &model.Binding{ID: uuid.NewString(), Subject: w.key.subject, RoleTemplate: w.key.template, ClusterID: w.key.clusterID,
			ProjectID: w.key.projectID, ExpiresAt: w.expires, CreatedBy: p.caller, CreatedAt: p.now}
		if old := w.match; old != nil {
			changes = append(changes, Change{Action: "update", Kind: KindBinding, Name: w.name,
				Detail: fmt.Sprintf("expiresAt %s to %s (replaces binding %s)", when(old.ExpiresAt), when(w.expires), old.ID),
				do: func() error {
					if err := ignoreMissing(p.a.Store.DeleteBinding(p.ctx, old.ID)); err != nil {
						return err
					}
					return p.a.Store.CreateBinding(p.ctx, b)
				}})
			continue
		}
		ch := Change{Action: "create", Kind: KindBinding, Name: w.name, do: func() error { return p.a.Store.CreateBinding(p.ctx, b) }}
		if !w.expires.IsZero() {
			ch.Detail = "expires " + when(w.expires)
		}
		changes = append(changes, ch)
	}
	if p.prune {
		for i := range p.s.bindings {
			old := &p.s.bindings[i]
			if used[old.ID] {
				continue
			}
			p.bindingCh = append(p.bindingCh, Change{Action: "delete", Kind: KindBinding, Name: p.s.bindingName(old),
				Detail: "binding " + old.ID + " is not in the document (prune)",
				do:     func() error { return ignoreMissing(p.a.Store.DeleteBinding(p.ctx, old.ID)) }})
		}
	}
	p.bindingCh = append(p.bindingCh, changes...)
}

// resolveBinding checks a binding document against the resulting state.
func (p *planner) resolveBinding(d at[BindingDoc]) *wanted {
	doc := d.doc
	w := &wanted{n: d.n, name: docBindingName(&doc)}
	ok := true
	bad := func(format string, args ...any) { p.fail(d.n, KindBinding, w.name, format, args...); ok = false }
	switch doc.Subject.Kind {
	case model.SubjectUser:
		if u := p.s.userByName[fold(doc.Subject.Name)]; u != nil {
			w.key.subject = model.Subject{Kind: model.SubjectUser, Name: u.ID}
		} else {
			bad("subject: no user named %q", doc.Subject.Name)
		}
	case model.SubjectGroup:
		if err := bindings.CheckGroupName(doc.Subject.Name); err != nil {
			bad("subject: %s", httpx.AsError(err).Message)
		}
		w.key.subject = model.Subject{Kind: model.SubjectGroup, Name: doc.Subject.Name}
	default:
		bad("subject.kind %q: must be %q or %q", doc.Subject.Kind, model.SubjectUser, model.SubjectGroup)
	}
	t := p.templates[doc.RoleTemplate]
	if t == nil {
		bad("roleTemplate: no role template %q (neither built-in, stored nor in the document)", doc.RoleTemplate)
	}
	c := p.s.clusterByName[fold(doc.Cluster)]
	if c == nil {
		bad("cluster: no cluster named %q", doc.Cluster)
	}
	scope, want := "cluster", model.ContextCluster
	if doc.Project != "" && c != nil {
		scope, want = "project", model.ContextProject
		if pr := p.projects[projectKey(c.ID, doc.Project)]; pr != nil {
			w.key.projectID = pr.ID
		} else {
			bad("project: no project %q in cluster %q (neither stored nor in the document)", doc.Project, c.Name)
		}
	}
	if t != nil && t.Context != want {
		bad("role template %q has context %q and cannot be bound in a %s", t.Name, t.Context, scope)
	}
	if !ok {
		return nil
	}
	w.key.template, w.key.clusterID = doc.RoleTemplate, c.ID
	if doc.ExpiresAt != nil {
		w.expires = doc.ExpiresAt.UTC().Truncate(time.Microsecond)
	}
	return w
}

func docBindingName(d *BindingDoc) string {
	where := d.Cluster
	if d.Project != "" {
		where += "/" + d.Project
	}
	return fmt.Sprintf("%s:%s %s in %s", d.Subject.Kind, d.Subject.Name, d.RoleTemplate, where)
}

func (s *state) bindingName(b *model.Binding) string {
	d := s.bindingDoc(b)
	return docBindingName(&d)
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}
