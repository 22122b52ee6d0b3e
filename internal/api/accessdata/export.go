package accessdata

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/projectns"
)

var errClusterDown = errors.New("the cluster did not answer")

// clusterTimeout bounds each read from a cluster.
const clusterTimeout = 10 * time.Second

func (a *API) export(w http.ResponseWriter, r *http.Request) error {
	s, err := loadState(r.Context(), a.Store)
	if err != nil {
		return err
	}
	docs := a.documents(r.Context(), s)
	var out bytes.Buffer
	for i, d := range docs {
		b, err := yaml.Marshal(d)
		if err != nil {
			return err
		}
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(b)
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="paddock-access.yaml"`)
	_, err = w.Write(out.Bytes())
	return err
}

// documents renders the state as documents, in export order.
func (a *API) documents(ctx context.Context, s *state) []any {
	var docs []any
	tm := func(kind string) TypeMeta { return TypeMeta{APIVersion: APIVersion, Kind: kind} }
	for _, g := range s.roles {
		docs = append(docs, GlobalRoleDoc{TypeMeta: tm(KindGlobalRole), Name: g.Name, Description: g.Description,
			Capabilities: nonNil(g.Capabilities)})
	}
	for _, t := range s.templates {
		docs = append(docs, RoleTemplateDoc{TypeMeta: tm(KindRoleTemplate), Name: t.Name, Description: t.Description,
			Context: string(t.Context), Rules: t.Rules, Inherits: t.Inherits})
	}
	projects := slices.Clone(s.projects)
	sort.SliceStable(projects, func(i, j int) bool {
		ci, cj := s.clusterName(projects[i].ClusterID), s.clusterName(projects[j].ClusterID)
		if ci != cj {
			return ci < cj
		}
		return projects[i].Name < projects[j].Name
	})
	kube, down := a.kubeCache(ctx), map[string]bool{}
	for _, p := range projects {
		d := ProjectDoc{TypeMeta: tm(KindProject), Cluster: s.clusterName(p.ClusterID), Name: p.Name, Description: p.Description,
			Quota: p.Quota, NamespaceQuota: p.NamespaceQuota}
		var names []string
		err := errClusterDown
		if !down[p.ClusterID] {
			names, err = namespacesOf(ctx, kube, &p)
		}
		if err != nil {
			// A cluster that does not answer is not asked again.
			down[p.ClusterID], d.NamespacesUnknown = true, true
		} else {
			d.Namespaces = names
		}
		docs = append(docs, d)
	}
	for _, u := range s.users {
		if u.Admin || len(u.GlobalRoles) > 0 || len(u.Groups) > 0 {
			docs = append(docs, UserAccessDoc{TypeMeta: tm(KindUserAccess), User: u.Username, Admin: u.Admin,
				GlobalRoles: u.GlobalRoles, Groups: u.Groups})
		}
	}
	var bindings []BindingDoc
	for _, b := range s.bindings {
		bindings = append(bindings, s.bindingDoc(&b))
	}
	sort.SliceStable(bindings, func(i, j int) bool { return bindingLess(&bindings[i], &bindings[j]) })
	for _, b := range bindings {
		docs = append(docs, b)
	}
	return docs
}

func (s *state) bindingDoc(b *model.Binding) BindingDoc {
	d := BindingDoc{TypeMeta: TypeMeta{APIVersion: APIVersion, Kind: KindBinding},
		Subject:      SubjectRef{Kind: b.Subject.Kind, Name: s.subjectName(b.Subject)},
		RoleTemplate: b.RoleTemplate, Cluster: s.clusterName(b.ClusterID)}
	if b.ProjectID != "" {
		d.Project = s.projectName(b.ProjectID)
	}
	if !b.ExpiresAt.IsZero() {
		t := b.ExpiresAt.UTC()
		d.ExpiresAt = &t
	}
	return d
}

func bindingLess(x, y *BindingDoc) bool {
	kx := []string{x.Cluster, x.Project, x.RoleTemplate, x.Subject.Kind, x.Subject.Name, expiry(x.ExpiresAt)}
	ky := []string{y.Cluster, y.Project, y.RoleTemplate, y.Subject.Kind, y.Subject.Name, expiry(y.ExpiresAt)}
	return slices.Compare(kx, ky) < 0
}

func expiry(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// kubeCache memoises a.Kube per cluster for one request (errors too, so a
// cluster that does not answer is asked once).
func (a *API) kubeCache(ctx context.Context) func(clusterID string) (kubernetes.Interface, error) {
	type entry struct {
		cs  kubernetes.Interface
		err error
	}
	cache := map[string]entry{}
	return func(id string) (kubernetes.Interface, error) {
		if e, ok := cache[id]; ok {
			return e.cs, e.err
		}
		cs, err := a.Kube(ctx, id)
		cache[id] = entry{cs, err}
		return cs, err
	}
}

func namespacesOf(ctx context.Context, kube func(string) (kubernetes.Interface, error), p *model.Project) ([]string, error) {
	cs, err := kube(p.ClusterID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, clusterTimeout)
	defer cancel()
	return projectns.Namespaces(ctx, cs, p.ID)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// fold is the case-insensitive key of a name.
func fold(s string) string { return strings.ToLower(s) }
