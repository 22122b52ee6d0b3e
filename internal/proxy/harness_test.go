package proxy_test

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/proxy"
	"github.com/paddockhq/paddock/internal/testenv"
)

const (
	clusterID = "c1"
	// offlineID is a known cluster whose Backend says it is unavailable.
	offlineID = "offline"
	podName   = "web"
)

// principals is the test authenticator's token table (the real middleware
// is wired in internal/app).
var principals = map[string]*auth.Principal{
	"admin-token": {User: &model.User{ID: "u-admin", Username: "admin", Admin: true}},
	"alice-token": {User: &model.User{ID: "u-alice", Username: "alice"}},
	"bob-token":   {User: &model.User{ID: "u-bob", Username: "bob"}},
}

// testAuthn stands in for Paddock's authentication middleware: a known
// bearer token puts its principal in the context; anything else passes on
// anonymously. The session cookie "alice-cookie" is alice in a browser.
func testAuthn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			if p := principals[tok]; p != nil {
				r = r.WithContext(auth.WithPrincipal(r.Context(), p))
			}
		}
		if c, err := r.Cookie("paddock_session"); err == nil && c.Value == "alice-cookie" {
			r = r.WithContext(auth.WithPrincipal(r.Context(),
				&auth.Principal{User: principals["alice-token"].User, ViaCookie: true}))
		}
		next.ServeHTTP(w, r)
	})
}

// harness is one real cluster behind a Proxy served over TLS.
type harness struct {
	cluster *testenv.Cluster
	srv     *httptest.Server
	caPEM   []byte
	dir     string
	// opts are the proxy's options, Backend and Authorize filled in.
	opts proxy.Options
}

func newHarness(t testing.TB, opts proxy.Options) *harness {
	t.Helper()
	c := testenv.Start(t, testenv.Options{Full: true, Nodes: 1})
	be, err := proxy.NewBackend(c.AdminConfig())
	if err != nil {
		t.Fatal(err)
	}
	opts.Backend = func(_ context.Context, id string) (*proxy.Backend, error) {
		switch id {
		case clusterID:
			return be, nil
		case offlineID:
			return nil, fmt.Errorf("no tunnel: %w", proxy.ErrClusterUnavailable)
		}
		return nil, proxy.ErrClusterNotFound
	}
	opts.Authorize = func(_ context.Context, p *auth.Principal, id string) error {
		if id != clusterID && id != offlineID {
			return proxy.ErrClusterNotFound
		}
		if p.User.ID == "u-bob" {
			return errors.New("bob has no access")
		}
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle(proxy.PathPrefix, testAuthn(proxy.New(opts)))
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	h := &harness{
		cluster: c,
		srv:     srv,
		caPEM:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}),
		dir:     t.TempDir(),
		opts:    opts,
	}
	h.setupRBAC(t)
	return h
}

// setupRBAC binds paddock:admins to cluster-admin (as the RBAC sync will)
// and gives alice view in default.
func (h *harness) setupRBAC(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	cs := h.cluster.Client()
	_, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "paddock-admins"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: proxy.GroupAdmins}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cs.RbacV1().RoleBindings("default").Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "alice-view"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: proxy.UserName("u-alice")}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// clusterURL is the proxy URL of cluster id, as kubeconfigs name it.
func (h *harness) clusterURL(id string) string {
	return h.srv.URL + strings.TrimSuffix(proxy.PathPrefix, "/") + "/" + id
}

// config is a client configuration for the proxy with token.
func (h *harness) config(id, token string) *rest.Config {
	return &rest.Config{
		Host:            h.clusterURL(id),
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAData: h.caPEM},
		QPS:             -1,
	}
}

func (h *harness) client(t testing.TB, token string) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(h.config(clusterID, token))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// kubeconfig writes a kubeconfig for the proxy with token (none when
// empty) and returns its path.
func (h *harness) kubeconfig(t testing.TB, id, token string) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["paddock"] = &clientcmdapi.Cluster{Server: h.clusterURL(id), CertificateAuthorityData: h.caPEM}
	cfg.AuthInfos["user"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["paddock"] = &clientcmdapi.Context{Cluster: "paddock", AuthInfo: "user", Namespace: "default"}
	cfg.CurrentContext = "paddock"
	path := filepath.Join(h.dir, fmt.Sprintf("%s-%s.kubeconfig", id, strings.TrimSuffix(token, "-token")))
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// runningPod creates a pod in default and waits until kwok runs it.
func (h *harness) runningPod(t testing.TB, name string) {
	t.Helper()
	ctx := context.Background()
	pods := h.cluster.Client().CoreV1().Pods("default")
	_, err := pods.Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "web", Image: "example.invalid/web:1",
			Ports: []corev1.ContainerPort{{ContainerPort: 80}},
		}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err == nil && p.Status.Phase == corev1.PodRunning && p.Status.PodIP != "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod %s not running: %v %+v", name, err, p.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
