package clusters

import (
	"context"
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// RemoveFromCluster deletes what Paddock put in a cluster: the admin
// binding and, for an agent cluster, the agent itself (its namespace, then
// its cluster role and binding, last because they authorize the rest).
// Objects already gone are fine.
func RemoveFromCluster(ctx context.Context, cfg *rest.Config, agent bool) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ignore := func(err error) error {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	}
	rbac := cs.RbacV1()
	errs := []error{ignore(rbac.ClusterRoleBindings().Delete(ctx, AdminBindingName, metav1.DeleteOptions{}))}
	if agent {
		errs = append(errs,
			ignore(cs.CoreV1().Namespaces().Delete(ctx, AgentNamespace, metav1.DeleteOptions{})),
			ignore(rbac.ClusterRoles().Delete(ctx, AgentName, metav1.DeleteOptions{})),
			ignore(rbac.ClusterRoleBindings().Delete(ctx, AgentName, metav1.DeleteOptions{})))
	}
	return errors.Join(errs...)
}
