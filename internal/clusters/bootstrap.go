package clusters

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// AdminGroup is the group the proxy impersonates for Paddock administrators
// (proxy.GroupAdmins; a test keeps the two equal).
const AdminGroup = "paddock:admins"

// AdminBindingName is the ClusterRoleBinding that gives Paddock
// administrators cluster-admin in every cluster.
const AdminBindingName = "paddock-admins"

// EnsureAdminBinding makes Paddock administrators cluster-admin in the
// cluster, so an admin's kubectl works from the first minute.
func EnsureAdminBinding(ctx context.Context, cfg *rest.Config) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	want := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: AdminBindingName, Labels: map[string]string{"app.kubernetes.io/managed-by": "paddock"}},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "Group", Name: AdminGroup}},
	}
	crbs := cs.RbacV1().ClusterRoleBindings()
	got, err := crbs.Get(ctx, AdminBindingName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = crbs.Create(ctx, want, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	if got.RoleRef != want.RoleRef { // roleRef is immutable: replace
		if err := crbs.Delete(ctx, AdminBindingName, metav1.DeleteOptions{}); err != nil {
			return err
		}
		_, err = crbs.Create(ctx, want, metav1.CreateOptions{})
		return err
	}
	got.Subjects = want.Subjects
	_, err = crbs.Update(ctx, got, metav1.UpdateOptions{})
	return err
}
