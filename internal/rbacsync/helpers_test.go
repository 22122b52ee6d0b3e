package rbacsync

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	authzv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// memSource is the store, in memory (the test fakes Paddock's store, never
// Kubernetes).
type memSource struct {
	mu        sync.Mutex
	templates []model.RoleTemplate
	projects  []model.Project
	bindings  []model.Binding
	fail      error
}

func (s *memSource) ListBindings(_ context.Context, f store.BindingFilter) ([]model.Binding, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	var out []model.Binding
	for _, b := range s.bindings {
		if (f.ClusterID == "" || b.ClusterID == f.ClusterID) && (f.ProjectID == "" || b.ProjectID == f.ProjectID) &&
			(!f.ClusterOnly || b.ProjectID == "") {
			out = append(out, b)
		}
	}
	return out, nil
}

func (s *memSource) ListRoleTemplates(context.Context) ([]model.RoleTemplate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.templates), s.fail
}

func (s *memSource) ListProjects(_ context.Context, clusterID string) ([]model.Project, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []model.Project
	for _, p := range s.projects {
		if clusterID == "" || p.ClusterID == clusterID {
			out = append(out, p)
		}
	}
	return out, s.fail
}

func (s *memSource) addBinding(bs ...model.Binding) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bindings = append(s.bindings, bs...)
}

func (s *memSource) removeBinding(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bindings = slices.DeleteFunc(s.bindings, func(b model.Binding) bool { return b.ID == id })
}

func (s *memSource) putProject(p model.Project) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.projects = slices.DeleteFunc(s.projects, func(q model.Project) bool { return q.ID == p.ID })
	s.projects = append(s.projects, p)
}

func (s *memSource) setFail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

func userBinding(id, cluster, project, template, user string) model.Binding {
	return model.Binding{ID: id, ClusterID: cluster, ProjectID: project, RoleTemplate: template,
		Subject: model.Subject{Kind: model.SubjectUser, Name: user}}
}

// testLogger logs through t while the test runs.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

var _ io.Writer = tWriter{}

// eventually retries f every 25 ms until it returns nil or timeout passes;
// it returns how long that took.
func eventually(t *testing.T, timeout time.Duration, what string, f func() error) time.Duration {
	t.Helper()
	start := time.Now()
	var err error
	for time.Since(start) < timeout {
		if err = f(); err == nil {
			return time.Since(start)
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%s: not after %v: %v", what, timeout, err)
	return 0
}

func clientFor(t *testing.T, cfg *rest.Config) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// can asks the apiserver whether the client's user may do verb on
// resource ("name" or "name.group") in namespace ns ("" for every
// namespace).
func can(ctx context.Context, cs kubernetes.Interface, verb, resource, ns string) (bool, error) {
	resource, group, _ := strings.Cut(resource, ".")
	r, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authzv1.SelfSubjectAccessReview{
		Spec: authzv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authzv1.ResourceAttributes{
			Verb: verb, Resource: resource, Group: group, Namespace: ns}},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, err
	}
	return r.Status.Allowed, nil
}

// expectCan fails unless the user's permission to do verb on resource in
// ns becomes want within timeout.
func expectCan(t *testing.T, cs kubernetes.Interface, want bool, verb, resource, ns string, timeout time.Duration) time.Duration {
	t.Helper()
	return eventually(t, timeout, fmt.Sprintf("can %s %s in %q == %v", verb, resource, ns, want), func() error {
		ok, err := can(context.Background(), cs, verb, resource, ns)
		if err != nil {
			return err
		}
		if ok != want {
			return fmt.Errorf("allowed=%v", ok)
		}
		return nil
	})
}

func forbidden(err error) error {
	if apierrors.IsForbidden(err) {
		return nil
	}
	return fmt.Errorf("want Forbidden, got %v", err)
}

func createNamespace(t *testing.T, cs kubernetes.Interface, name, project string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if project != "" {
		ns.Labels = map[string]string{model.ProjectLabel: project}
	}
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// leftovers lists goroutines running code of this package's reconcilers,
// informers or work queues.
func leftovers() []string {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "rbacsync.(*cluster)") || strings.Contains(g, "client-go/tools/cache.") ||
			strings.Contains(g, "client-go/util/workqueue.") {
			out = append(out, g)
		}
	}
	return out
}
