package accessdata

import (
	"context"
	"strings"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/rbac"
	"github.com/paddockhq/paddock/internal/store"
)

// state is the stored access model, indexed by the names documents use.
type state struct {
	clusters      []model.Cluster
	clusterByName map[string]*model.Cluster // lower-cased name
	clusterByID   map[string]*model.Cluster
	roles         []model.GlobalRole   // custom, by name
	templates     []model.RoleTemplate // custom, by name
	projects      []model.Project
	projectByID   map[string]*model.Project
	projectByKey  map[string]*model.Project // projectKey
	users         []model.User
	userByName    map[string]*model.User // lower-cased username
	userByID      map[string]*model.User
	bindings      []model.Binding
}

func projectKey(clusterID, name string) string { return clusterID + "/" + strings.ToLower(name) }

func loadState(ctx context.Context, st store.Store) (*state, error) {
	s := &state{clusterByName: map[string]*model.Cluster{}, clusterByID: map[string]*model.Cluster{},
		projectByID: map[string]*model.Project{}, projectByKey: map[string]*model.Project{},
		userByName: map[string]*model.User{}, userByID: map[string]*model.User{}}
	var err error
	if s.clusters, err = all(ctx, st.ListClusters); err != nil {
		return nil, err
	}
	for i := range s.clusters {
		c := &s.clusters[i]
		s.clusterByName[strings.ToLower(c.Name)], s.clusterByID[c.ID] = c, c
	}
	roles, err := st.ListGlobalRoles(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range roles {
		if !g.Builtin && g.Name != model.GlobalRoleAdmin && g.Name != model.GlobalRoleUser {
			s.roles = append(s.roles, g)
		}
	}
	templates, err := st.ListRoleTemplates(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range templates {
		if !rbac.IsBuiltinTemplate(t.Name) {
			s.templates = append(s.templates, t)
		}
	}
	if s.projects, err = st.ListProjects(ctx, ""); err != nil {
		return nil, err
	}
	for i := range s.projects {
		p := &s.projects[i]
		s.projectByID[p.ID], s.projectByKey[projectKey(p.ClusterID, p.Name)] = p, p
	}
	if s.users, err = all(ctx, st.ListUsers); err != nil {
		return nil, err
	}
	for i := range s.users {
		u := &s.users[i]
		s.userByName[strings.ToLower(u.Username)], s.userByID[u.ID] = u, u
	}
	if s.bindings, err = st.ListBindings(ctx, store.BindingFilter{}); err != nil {
		return nil, err
	}
	return s, nil
}

// all reads every page of a list.
func all[M any](ctx context.Context, list func(context.Context, string, store.Page) ([]M, string, error)) ([]M, error) {
	var out []M
	p := store.Page{Limit: store.MaxLimit}
	for {
		items, next, err := list(ctx, "", p)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		p.After = next
	}
}

func (s *state) clusterName(id string) string {
	if c := s.clusterByID[id]; c != nil {
		return c.Name
	}
	return id
}

func (s *state) projectName(id string) string {
	if p := s.projectByID[id]; p != nil {
		return p.Name
	}
	return id
}

// subjectName is a username for users, the group name for groups.
func (s *state) subjectName(sub model.Subject) string {
	if sub.Kind == model.SubjectUser {
		if u := s.userByID[sub.Name]; u != nil {
			return u.Username
		}
	}
	return sub.Name
}
