package access

import (
	"context"
	"fmt"
	"sort"
	"sync"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/rbac"
	"github.com/paddockhq/paddock/internal/store"
)

// snapshot is the whole access model at one store revision. It is never
// changed once published; views computed from it are memoised in views.
type snapshot struct {
	rev             int64
	templates       rbac.Templates
	rules           map[string][]rbacv1.PolicyRule // flattened, per template
	globalRoles     map[string]model.GlobalRole
	projects        map[string]*model.Project
	clusterProjects map[string][]*model.Project
	bindings        []model.Binding
	bySubject       map[model.Subject][]*model.Binding
	problems        []string

	views sync.Map // viewKey → *View
}

func emptySnapshot() *snapshot {
	s := &snapshot{rev: -1, templates: rbac.NewTemplates(nil), globalRoles: map[string]model.GlobalRole{},
		projects: map[string]*model.Project{}, clusterProjects: map[string][]*model.Project{},
		bySubject: map[model.Subject][]*model.Binding{}}
	s.flatten()
	for _, g := range rbac.BuiltinGlobalRoles() {
		s.globalRoles[g.Name] = g
	}
	return s
}

func load(ctx context.Context, st store.Store, rev int64) (*snapshot, error) {
	s := emptySnapshot()
	s.rev = rev
	custom, err := st.ListRoleTemplates(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading role templates: %w", err)
	}
	s.templates = rbac.NewTemplates(custom)
	s.flatten()
	roles, err := st.ListGlobalRoles(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading global roles: %w", err)
	}
	for _, g := range roles {
		if _, builtin := s.globalRoles[g.Name]; !builtin {
			s.globalRoles[g.Name] = g
		}
	}
	projects, err := st.ListProjects(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("loading projects: %w", err)
	}
	for i := range projects {
		p := &projects[i]
		s.projects[p.ID] = p
		s.clusterProjects[p.ClusterID] = append(s.clusterProjects[p.ClusterID], p)
	}
	for _, ps := range s.clusterProjects {
		sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	}
	if s.bindings, err = st.ListBindings(ctx, store.BindingFilter{}); err != nil {
		return nil, fmt.Errorf("loading bindings: %w", err)
	}
	for i := range s.bindings {
		b := &s.bindings[i]
		s.bySubject[b.Subject] = append(s.bySubject[b.Subject], b)
	}
	return s, nil
}

// flatten resolves every template's rules once; a template that does not
// resolve grants nothing and is reported.
func (s *snapshot) flatten() {
	s.rules = make(map[string][]rbacv1.PolicyRule, len(s.templates))
	for name := range s.templates {
		r, err := s.templates.Rules(name)
		if err != nil {
			s.problems = append(s.problems, fmt.Sprintf("role template %q: %v", name, err))
			continue
		}
		s.rules[name] = r
	}
}
