package rbac

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/paddockhq/paddock/internal/model"
)

// ClustersManagersBinding is the name of the ClusterRoleBinding that gives
// GroupClustersManagers cluster-admin.
const ClustersManagersBinding = ObjectPrefix + "clusters-managers"

// Input is everything Render needs about one cluster.
type Input struct {
	ClusterID string
	Templates Templates
	// Bindings are the cluster's bindings, cluster-wide and in its
	// projects. Inactive ones (Binding.Active(Now) false) are ignored.
	Bindings []model.Binding
	Now      time.Time
	// Namespaces maps namespace name to project ID, for the namespaces
	// that belong to a project of this cluster.
	Namespaces map[string]string
	// Projects are the cluster's projects by ID.
	Projects map[string]*model.Project
}

// Desired is the RBAC and quota objects a cluster should hold, as Render
// computes them. Every object is labelled ManagedLabel=ManagedValue; each
// slice is sorted by (namespace, name).
type Desired struct {
	ClusterRoles        []*rbacv1.ClusterRole
	ClusterRoleBindings []*rbacv1.ClusterRoleBinding
	RoleBindings        []*rbacv1.RoleBinding
	ResourceQuotas      []*corev1.ResourceQuota
	// NextExpiry is the earliest ExpiresAt after Now among the bindings
	// (zero if none): when the result changes by itself.
	NextExpiry time.Time
	// Problems lists what was skipped and why (bindings with an unknown
	// template, a template of the wrong context or an inheritance cycle;
	// invalid quotas). They are never fatal.
	Problems []string
}

// subjects is a set of Kubernetes subjects.
type subjects map[rbacv1.Subject]bool

// Render computes the desired RBAC and quota objects of one cluster: one
// ClusterRole per template in use, one ClusterRoleBinding per template
// bound cluster-wide, one RoleBinding per template bound in a project in
// each of the project's namespaces, the clusters-managers binding, and a
// ResourceQuota in each namespace of a project with a namespace quota.
func Render(in Input) *Desired {
	d := &Desired{}
	rules := map[string][]rbacv1.PolicyRule{}   // templates in use
	cluster := map[string]subjects{}            // template → subjects
	project := map[string]map[string]subjects{} // project → template → subjects
	for _, b := range in.Bindings {
		if b.ExpiresAt.After(in.Now) && (d.NextExpiry.IsZero() || b.ExpiresAt.Before(d.NextExpiry)) {
			d.NextExpiry = b.ExpiresAt
		}
		if !b.Active(in.Now) {
			continue
		}
		if err := checkBinding(in, b); err != nil {
			d.Problems = append(d.Problems, fmt.Sprintf("binding %s (%s %s, template %q): %v", b.ID, b.Subject.Kind, b.Subject.Name, b.RoleTemplate, err))
			continue
		}
		if _, ok := rules[b.RoleTemplate]; !ok {
			rs, err := in.Templates.Rules(b.RoleTemplate)
			if err != nil {
				d.Problems = append(d.Problems, fmt.Sprintf("binding %s (%s %s, template %q): %v", b.ID, b.Subject.Kind, b.Subject.Name, b.RoleTemplate, err))
				continue
			}
			rules[b.RoleTemplate] = rs
		}
		set := cluster
		if b.ProjectID != "" {
			if project[b.ProjectID] == nil {
				project[b.ProjectID] = map[string]subjects{}
			}
			set = project[b.ProjectID]
		}
		if set[b.RoleTemplate] == nil {
			set[b.RoleTemplate] = subjects{}
		}
		set[b.RoleTemplate][KubeSubject(b.Subject)] = true
	}

	for _, name := range slices.Sorted(maps.Keys(rules)) {
		d.ClusterRoles = append(d.ClusterRoles, &rbacv1.ClusterRole{
			TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRole"},
			ObjectMeta: meta("", ObjectPrefix+name, name, ""),
			Rules:      rules[name],
		})
	}
	for name, subs := range cluster {
		d.ClusterRoleBindings = append(d.ClusterRoleBindings, &rbacv1.ClusterRoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
			ObjectMeta: meta("", ObjectPrefix+name, name, ""),
			RoleRef:    clusterRoleRef(ObjectPrefix + name),
			Subjects:   subs.sorted(),
		})
	}
	d.ClusterRoleBindings = append(d.ClusterRoleBindings, &rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
		ObjectMeta: meta("", ClustersManagersBinding, "", ""),
		RoleRef:    clusterRoleRef("cluster-admin"),
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: GroupClustersManagers}},
	})

	quotas := map[string]corev1.ResourceList{} // project → hard limits
	for _, id := range slices.Sorted(maps.Keys(in.Projects)) {
		p := in.Projects[id]
		if p == nil || len(p.NamespaceQuota) == 0 {
			continue
		}
		hard, err := parseQuota(p.NamespaceQuota)
		if err != nil {
			d.Problems = append(d.Problems, fmt.Sprintf("project %s (%s): namespace quota skipped: %v", id, p.Name, err))
			continue
		}
		quotas[id] = hard
	}
	for ns, pid := range in.Namespaces {
		for name, subs := range project[pid] {
			d.RoleBindings = append(d.RoleBindings, &rbacv1.RoleBinding{
				TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
				ObjectMeta: meta(ns, ObjectPrefix+name, name, pid),
				RoleRef:    clusterRoleRef(ObjectPrefix + name),
				Subjects:   subs.sorted(),
			})
		}
		if hard, ok := quotas[pid]; ok {
			d.ResourceQuotas = append(d.ResourceQuotas, &corev1.ResourceQuota{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
				ObjectMeta: meta(ns, QuotaName, "", pid),
				Spec:       corev1.ResourceQuotaSpec{Hard: hard.DeepCopy()},
			})
		}
	}

	byName := func(a, b *metav1.ObjectMeta) int {
		return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
	}
	slices.SortFunc(d.ClusterRoleBindings, func(a, b *rbacv1.ClusterRoleBinding) int { return byName(&a.ObjectMeta, &b.ObjectMeta) })
	slices.SortFunc(d.RoleBindings, func(a, b *rbacv1.RoleBinding) int { return byName(&a.ObjectMeta, &b.ObjectMeta) })
	slices.SortFunc(d.ResourceQuotas, func(a, b *corev1.ResourceQuota) int { return byName(&a.ObjectMeta, &b.ObjectMeta) })
	slices.Sort(d.Problems)
	return d
}

// checkBinding reports why an active binding cannot be rendered, if it
// cannot: wrong cluster, unknown project or template, context mismatch,
// unknown subject kind. Inheritance problems show when resolving rules.
func checkBinding(in Input, b model.Binding) error {
	if b.ClusterID != "" && b.ClusterID != in.ClusterID {
		return fmt.Errorf("belongs to cluster %s, not %s", b.ClusterID, in.ClusterID)
	}
	if b.Subject.Kind != model.SubjectUser && b.Subject.Kind != model.SubjectGroup {
		return fmt.Errorf("unknown subject kind %q", b.Subject.Kind)
	}
	if b.Subject.Name == "" {
		return fmt.Errorf("empty subject name")
	}
	t, ok := in.Templates[b.RoleTemplate]
	if !ok {
		return fmt.Errorf("unknown role template")
	}
	if b.ProjectID == "" {
		if t.Context != model.ContextCluster {
			return fmt.Errorf("a %s template cannot be bound cluster-wide", t.Context)
		}
		if ObjectPrefix+t.Name == ClustersManagersBinding {
			return fmt.Errorf("template name reserved")
		}
		return nil
	}
	p, ok := in.Projects[b.ProjectID]
	if !ok || p == nil {
		return fmt.Errorf("unknown project %s", b.ProjectID)
	}
	if p.ClusterID != "" && p.ClusterID != in.ClusterID {
		return fmt.Errorf("project %s belongs to cluster %s, not %s", p.ID, p.ClusterID, in.ClusterID)
	}
	if t.Context != model.ContextProject {
		return fmt.Errorf("a %s template cannot be bound in project %s", t.Context, b.ProjectID)
	}
	return nil
}

// parseQuota parses ResourceQuota hard limits, in sorted order of names so
// errors are deterministic.
func parseQuota(q map[string]string) (corev1.ResourceList, error) {
	hard := corev1.ResourceList{}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		v, err := resource.ParseQuantity(q[name])
		if err != nil {
			// ParseQuantity's own message is a regular expression: not helpful.
			return nil, fmt.Errorf("%s: invalid quantity %q", name, q[name])
		}
		hard[corev1.ResourceName(name)] = v
	}
	return hard, nil
}

// meta is the metadata of a rendered object: the managed label, the
// template annotation (if template is set) and the project label (if
// projectID is set).
func meta(namespace, name, template, projectID string) metav1.ObjectMeta {
	m := metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: map[string]string{ManagedLabel: ManagedValue}}
	if template != "" {
		m.Annotations = map[string]string{TemplateAnnotation: template}
	}
	if projectID != "" {
		m.Labels[model.ProjectLabel] = projectID
	}
	return m
}

func clusterRoleRef(name string) rbacv1.RoleRef {
	return rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}
}

// sorted returns the subjects sorted by kind, then name.
func (s subjects) sorted() []rbacv1.Subject {
	out := slices.Collect(maps.Keys(s))
	slices.SortFunc(out, func(a, b rbacv1.Subject) int {
		return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.Name, b.Name))
	})
	return out
}
