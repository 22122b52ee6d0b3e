package clusters

import (
	"context"
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	pkgrbac "github.com/paddockhq/paddock/internal/rbac"
)

// RemoveFromCluster deletes what Paddock put in a cluster: the admin
// binding, the RBAC and quota objects of the access model (label
// paddock.io/managed=rbac; stop the RBAC sync first) and, for an agent
// cluster, the agent itself (its namespace, then
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
	errs = append(errs, removeManaged(ctx, cs, ignore)...)
	if agent {
		errs = append(errs,
			ignore(cs.CoreV1().Namespaces().Delete(ctx, AgentNamespace, metav1.DeleteOptions{})),
			ignore(rbac.ClusterRoles().Delete(ctx, AgentName, metav1.DeleteOptions{})),
			ignore(rbac.ClusterRoleBindings().Delete(ctx, AgentName, metav1.DeleteOptions{})))
	}
	return errors.Join(errs...)
}

// removeManaged deletes every object the RBAC sync wrote, one by one (the
// agent may not delete collections).
func removeManaged(ctx context.Context, cs kubernetes.Interface, ignore func(error) error) []error {
	sel := metav1.ListOptions{LabelSelector: pkgrbac.ManagedLabel + "=" + pkgrbac.ManagedValue}
	var errs []error
	del := func(err error) { errs = append(errs, ignore(err)) }
	if l, err := cs.RbacV1().RoleBindings("").List(ctx, sel); err == nil {
		for _, o := range l.Items {
			del(cs.RbacV1().RoleBindings(o.Namespace).Delete(ctx, o.Name, metav1.DeleteOptions{}))
		}
	} else {
		del(err)
	}
	if l, err := cs.CoreV1().ResourceQuotas("").List(ctx, sel); err == nil {
		for _, o := range l.Items {
			del(cs.CoreV1().ResourceQuotas(o.Namespace).Delete(ctx, o.Name, metav1.DeleteOptions{}))
		}
	} else {
		del(err)
	}
	if l, err := cs.RbacV1().ClusterRoleBindings().List(ctx, sel); err == nil {
		for _, o := range l.Items {
			del(cs.RbacV1().ClusterRoleBindings().Delete(ctx, o.Name, metav1.DeleteOptions{}))
		}
	} else {
		del(err)
	}
	if l, err := cs.RbacV1().ClusterRoles().List(ctx, sel); err == nil {
		for _, o := range l.Items {
			del(cs.RbacV1().ClusterRoles().Delete(ctx, o.Name, metav1.DeleteOptions{}))
		}
	} else {
		del(err)
	}
	return errs
}
