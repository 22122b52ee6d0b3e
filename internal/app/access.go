package app

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/paddockhq/paddock/internal/access"
	apiclusters "github.com/paddockhq/paddock/internal/api/clusters"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/clusters"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/projectns"
	"github.com/paddockhq/paddock/internal/proxy"
	"github.com/paddockhq/paddock/internal/rbac"
	"github.com/paddockhq/paddock/internal/rbacsync"
	"github.com/paddockhq/paddock/internal/store"
)

// kubeClients gives API handlers and the proxy's namespace policy a client
// acting as Paddock itself in a cluster.
type kubeClients struct {
	store  store.Store
	health *clusters.Health
}

func (k *kubeClients) client(ctx context.Context, clusterID string) (kubernetes.Interface, error) {
	c, err := k.store.GetCluster(ctx, clusterID)
	if err != nil {
		return nil, err
	}
	cfg, err := k.health.RestConfig(ctx, c)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// nsPolicy is the proxy's NamespacePolicy over the authorizer.
type nsPolicy struct {
	acc  *access.Authorizer
	kube *kubeClients
}

var _ proxy.NamespacePolicy = (*nsPolicy)(nil)

func (n *nsPolicy) Scope(p *auth.Principal, clusterID string) (bool, []string) {
	w := access.WhoOf(p.User)
	if n.acc.ClusterWide(w, clusterID) {
		return true, nil
	}
	return false, n.acc.ReachableProjects(w, clusterID)
}

func (n *nsPolicy) MayPlace(p *auth.Principal, clusterID, projectID string) bool {
	return n.acc.MayPlaceNamespace(access.WhoOf(p.User), clusterID, projectID)
}

func (n *nsPolicy) IsProject(clusterID, projectID string) bool {
	pr := n.acc.Project(projectID)
	return pr != nil && pr.ClusterID == clusterID
}

func (n *nsPolicy) ProjectOf(ctx context.Context, clusterID, name string) (string, bool, error) {
	cs, err := n.kube.client(ctx, clusterID)
	if err != nil {
		return "", false, err
	}
	id, err := projectns.Current(ctx, cs, name)
	if apierrors.IsNotFound(err) {
		return "", false, nil
	}
	return id, err == nil, err
}

func (n *nsPolicy) Admit(ctx context.Context, clusterID, projectID string) error {
	pr := n.acc.Project(projectID)
	if pr == nil || len(pr.Quota) == 0 {
		return nil
	}
	cs, err := n.kube.client(ctx, clusterID)
	if err != nil {
		return err
	}
	have, err := projectns.Namespaces(ctx, cs, projectID)
	if err != nil {
		return err
	}
	return projectns.CheckQuota(pr, len(have))
}

func (n *nsPolicy) Create(ctx context.Context, clusterID string, ns *corev1.Namespace, opts metav1.CreateOptions) (*corev1.Namespace, error) {
	cs, err := n.kube.client(ctx, clusterID)
	if err != nil {
		return nil, err
	}
	return cs.CoreV1().Namespaces().Create(ctx, ns, opts)
}

// identity is the proxy's Identity: the default one, plus the group bound
// to cluster-admin everywhere for holders of clusters-manage.
func identity(acc *access.Authorizer) func(p *auth.Principal) (string, []string) {
	return func(p *auth.Principal) (string, []string) {
		var extra []string
		if !p.User.Admin && len(p.User.GlobalRoles) > 0 && acc.Capable(access.WhoOf(p.User), model.CapClustersManage) {
			extra = []string{rbac.GroupClustersManagers}
		}
		return proxy.IdentityWith(p, extra)
	}
}

// accessSync adapts the RBAC sync's status for the cluster API.
func accessSync(m *rbacsync.Manager) func(string) (apiclusters.AccessSync, bool) {
	at := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return func(id string) (apiclusters.AccessSync, bool) {
		st, ok := m.Status(id)
		if !ok {
			return apiclusters.AccessSync{}, false
		}
		return apiclusters.AccessSync{Synced: st.Synced, LastSync: at(st.LastSync), LastSuccess: at(st.LastSuccess),
			Objects: st.Objects, LastError: st.LastError, Problems: st.Problems}, true
	}
}
