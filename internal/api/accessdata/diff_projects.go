package accessdata

import (
	"context"
	"fmt"
	"maps"
	"regexp"

	"github.com/google/uuid"

	"github.com/paddockhq/paddock/internal/api/projects"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/projectns"
)

// dnsLabel is a Kubernetes namespace name.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// KindNamespace names namespace changes (namespaces are listed in
// projects, not documents of their own).
const KindNamespace = "Namespace"

func (p *planner) planProjects(docs []at[ProjectDoc]) {
	p.projects = map[string]*model.Project{}
	seen := map[string]int{}       // projectKey → document
	namespaces := map[string]int{} // cluster ID/namespace → document
	for _, d := range docs {
		name := d.doc.Cluster + "/" + d.doc.Name
		c := p.s.clusterByName[fold(d.doc.Cluster)]
		if c == nil {
			p.fail(d.n, KindProject, name, "no cluster named %q (clusters are registered, not applied)", d.doc.Cluster)
			continue
		}
		key := projectKey(c.ID, d.doc.Name)
		if first, dup := seen[key]; dup {
			p.fail(d.n, KindProject, name, "listed twice (first in document %d)", first)
			continue
		}
		seen[key] = d.n
		old := p.s.projectByKey[key]
		pr := &model.Project{ID: uuid.NewString(), ClusterID: c.ID, Name: d.doc.Name, Description: d.doc.Description,
			Quota: d.doc.Quota, NamespaceQuota: d.doc.NamespaceQuota, CreatedBy: p.caller, CreatedAt: p.now, UpdatedAt: p.now}
		if old != nil {
			pr.ID, pr.CreatedBy, pr.CreatedAt = old.ID, old.CreatedBy, old.CreatedAt
		}
		p.projects[key] = pr // even when invalid: one error, not one per binding
		if err := projects.Check(pr); err != nil {
			p.fail(d.n, KindProject, name, "%s", httpx.AsError(err).Message)
			continue
		}
		p.projectChange(name, old, pr)
		ok := true
		if d.doc.NamespacesUnknown && len(d.doc.Namespaces) > 0 {
			p.fail(d.n, KindProject, name, "namespaces and namespacesUnknown: true exclude each other")
			ok = false
		}
		for i, ns := range d.doc.Namespaces {
			k := c.ID + "/" + ns
			switch first, dup := namespaces[k]; {
			case !dnsLabel.MatchString(ns):
				p.fail(d.n, KindProject, name, "namespaces[%d] %q: must be a DNS label (1-63 lower-case letters, digits or '-')", i, ns)
				ok = false
			case dup:
				p.fail(d.n, KindProject, name, "namespaces[%d] %q: also listed in document %d", i, ns, first)
				ok = false
			}
			namespaces[k] = d.n
		}
		if ok && len(d.doc.Namespaces) > 0 {
			p.planNamespaces(d.n, c, pr, old != nil, d.doc.Namespaces)
		}
	}
	for i := range p.s.projects {
		old := &p.s.projects[i]
		key := projectKey(old.ClusterID, old.Name)
		if _, listed := seen[key]; listed {
			continue
		}
		if !p.prune {
			p.projects[key] = old
			continue
		}
		p.pruneCh = append(p.pruneCh, Change{Action: "delete", Kind: KindProject, Name: p.s.clusterName(old.ClusterID) + "/" + old.Name,
			Detail: "not in the document (prune); its bindings go with it, its namespaces stay outside any project",
			do:     func() error { return p.deleteProject(old) }})
	}
}

func (p *planner) projectChange(name string, old, pr *model.Project) {
	if old == nil {
		p.projectCh = append(p.projectCh, Change{Action: "create", Kind: KindProject, Name: name,
			do: func() error { return p.a.Store.CreateProject(p.ctx, pr) }})
		return
	}
	var fields []string
	if old.Description != pr.Description {
		fields = append(fields, "description")
	}
	if !sameQuota(old.Quota, pr.Quota) {
		fields = append(fields, "quota")
	}
	if !sameQuota(old.NamespaceQuota, pr.NamespaceQuota) {
		fields = append(fields, "namespaceQuota")
	}
	if fields == nil {
		return
	}
	p.projectCh = append(p.projectCh, Change{Action: "update", Kind: KindProject, Name: name, Detail: changed(fields...),
		do: func() error {
			_, err := p.a.Store.UpdateProject(p.ctx, pr.ID, func(cur *model.Project) error {
				cur.Description, cur.Quota, cur.NamespaceQuota, cur.UpdatedAt = pr.Description, pr.Quota, pr.NamespaceQuota, p.now
				return nil
			})
			return err
		}})
}

func sameQuota(x, y map[string]string) bool { return maps.Equal(x, y) } // nil and empty are equal

// deleteProject removes a pruned project; like the projects API, it then
// takes its namespaces out of it when the cluster answers (best effort:
// stale labels name no project and grant nothing).
func (p *planner) deleteProject(pr *model.Project) error {
	if err := ignoreMissing(p.a.Store.DeleteProject(p.ctx, pr.ID)); err != nil {
		return err
	}
	if cs, err := p.kube(pr.ClusterID); err == nil {
		ctx, cancel := context.WithTimeout(p.ctx, clusterTimeout)
		defer cancel()
		if names, err := projectns.Namespaces(ctx, cs, pr.ID); err == nil {
			for _, n := range names {
				_ = projectns.Detach(ctx, cs, n)
			}
		}
	}
	return nil
}

// planNamespaces plans attaching (or creating) the listed namespaces the
// project does not hold yet; it reads the cluster, which must answer.
func (p *planner) planNamespaces(n int, c *model.Cluster, pr *model.Project, exists bool, names []string) {
	name := c.Name + "/" + pr.Name
	cs, err := p.kube(c.ID)
	if err != nil {
		p.fail(n, KindProject, name, "cluster %q does not answer (%v), so its namespaces cannot be checked; "+
			"to leave them alone, replace namespaces with namespacesUnknown: true", c.Name, err)
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, clusterTimeout)
	defer cancel()
	adds := 0
	for _, ns := range names {
		cur, err := projectns.Current(ctx, cs, ns)
		ch := Change{Action: "attach", Kind: KindNamespace, Name: c.Name + "/" + ns, cluster: true}
		switch {
		case projectns.IsNotFound(err):
			ch.Action, ch.Detail = "create", "in project "+pr.Name
			ch.do = func() error {
				ctx, cancel := context.WithTimeout(p.ctx, clusterTimeout)
				defer cancel()
				_, err := projectns.Create(ctx, cs, pr, ns)
				return err
			}
		case err != nil:
			p.fail(n, KindProject, name, "reading namespace %q in cluster %q: %v", ns, c.Name, err)
			continue
		case cur == pr.ID:
			continue
		default:
			ch.Detail = "to project " + pr.Name + p.leaving(c.ID, cur)
			ch.do = func() error {
				ctx, cancel := context.WithTimeout(p.ctx, clusterTimeout)
				defer cancel()
				return projectns.Attach(ctx, cs, pr, ns)
			}
		}
		adds++
		p.namespaceCh = append(p.namespaceCh, ch)
	}
	if adds == 0 || len(pr.Quota) == 0 {
		return
	}
	have := 0
	if exists {
		cur, err := projectns.Namespaces(ctx, cs, pr.ID)
		if err != nil {
			p.fail(n, KindProject, name, "listing the namespaces of project %q: %v", pr.Name, err)
			return
		}
		have = len(cur)
	}
	if err := projectns.CheckQuota(pr, have+adds-1); err != nil {
		p.fail(n, KindProject, name, "%v", err)
	}
}

// leaving describes where an attached namespace comes from.
func (p *planner) leaving(clusterID, current string) string {
	if current == "" {
		return " (from no project)"
	}
	if from := p.s.projectByID[current]; from != nil && from.ClusterID == clusterID {
		return fmt.Sprintf(" (moved from project %s)", from.Name)
	}
	return " (from no known project)"
}
