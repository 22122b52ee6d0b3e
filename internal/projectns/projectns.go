// Package projectns owns project membership of namespaces in a cluster:
// the paddock.io/project label, listing a project's namespaces, creating a
// namespace in a project, attaching, moving and detaching, and the
// project-quota admission rule (a namespace that would take the project
// past its total is refused). Who may do so is decided by the callers
// (package access); this package acts with Paddock's own credential.
package projectns

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/paddockhq/paddock/internal/model"
)

// Namespaces lists the names of the project's namespaces, sorted.
func Namespaces(ctx context.Context, cs kubernetes.Interface, projectID string) ([]string, error) {
	list, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: model.ProjectLabel + "=" + projectID})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list.Items))
	for _, ns := range list.Items {
		out = append(out, ns.Name)
	}
	sort.Strings(out)
	return out, nil
}

// QuotaError is a namespace refused by its project's quota.
type QuotaError struct{ Message string }

func (e *QuotaError) Error() string { return e.Message }

// CheckQuota says whether the project can take one more namespace: for
// each limit of the project's total, (namespaces+1) × the per-namespace
// quota must fit. A project without quota takes any number.
func CheckQuota(p *model.Project, namespaces int) error {
	for res, total := range p.Quota {
		per, ok := p.NamespaceQuota[res]
		if !ok {
			continue
		}
		t, err1 := resource.ParseQuantity(total)
		q, err2 := resource.ParseQuantity(per)
		if err1 != nil || err2 != nil {
			return &QuotaError{Message: fmt.Sprintf("project %q has an invalid quota for %s", p.Name, res)}
		}
		need := q.DeepCopy()
		for range namespaces {
			need.Add(q)
		}
		if need.Cmp(t) > 0 {
			return &QuotaError{Message: fmt.Sprintf("project %q quota exceeded: %d namespaces × %s %s = %s would exceed the project's total %s",
				p.Name, namespaces+1, q.String(), res, need.String(), t.String())}
		}
	}
	return nil
}

// Create makes a namespace in the project, after the quota check.
func Create(ctx context.Context, cs kubernetes.Interface, p *model.Project, name string) (*corev1.Namespace, error) {
	if err := admit(ctx, cs, p); err != nil {
		return nil, err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{model.ProjectLabel: p.ID}}}
	return cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
}

// CreateObject creates a namespace object a user sent (already labelled
// with the project), after the quota check.
func CreateObject(ctx context.Context, cs kubernetes.Interface, p *model.Project, ns *corev1.Namespace, opts metav1.CreateOptions) (*corev1.Namespace, error) {
	if err := admit(ctx, cs, p); err != nil {
		return nil, err
	}
	return cs.CoreV1().Namespaces().Create(ctx, ns, opts)
}

func admit(ctx context.Context, cs kubernetes.Interface, p *model.Project) error {
	if len(p.Quota) == 0 {
		return nil
	}
	have, err := Namespaces(ctx, cs, p.ID)
	if err != nil {
		return err
	}
	return CheckQuota(p, len(have))
}

// Current returns the project ID a namespace is labelled with ("" for
// none).
func Current(ctx context.Context, cs kubernetes.Interface, name string) (string, error) {
	ns, err := cs.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	return ns.Labels[model.ProjectLabel], nil
}

// Attach puts an existing namespace into project p (moving it out of any
// other), after the quota check. A namespace already in p is left alone.
func Attach(ctx context.Context, cs kubernetes.Interface, p *model.Project, name string) error {
	cur, err := Current(ctx, cs, name)
	if err != nil {
		return err
	}
	if cur == p.ID {
		return nil
	}
	if err := admit(ctx, cs, p); err != nil {
		return err
	}
	return setLabel(ctx, cs, name, &p.ID)
}

// Detach removes a namespace from its project.
func Detach(ctx context.Context, cs kubernetes.Interface, name string) error {
	return setLabel(ctx, cs, name, nil)
}

func setLabel(ctx context.Context, cs kubernetes.Interface, name string, value *string) error {
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]any{model.ProjectLabel: value}}})
	_, err := cs.CoreV1().Namespaces().Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

// IsNotFound reports a namespace that does not exist.
func IsNotFound(err error) bool { return apierrors.IsNotFound(err) }

// IsAlreadyExists reports a namespace that exists already.
func IsAlreadyExists(err error) bool { return apierrors.IsAlreadyExists(err) }
