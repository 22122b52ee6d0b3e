package accessdata

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/secrets"
	"github.com/paddockhq/paddock/internal/store/sqlstore"
	"github.com/paddockhq/paddock/internal/testenv"
)

// TestAccessNamespaces covers what the API tests cannot (their clusters
// never answer): a reachable cluster's namespaces are exported, attached
// or created on apply, and count for who-can.
func TestAccessNamespaces(t *testing.T) {
	ctx := context.Background()
	sealer, _ := secrets.New(bytes.Repeat([]byte{7}, 32))
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "p.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now().UTC()
	admin := &model.User{ID: "u-admin", Username: "admin", Provider: model.LocalProvider, Admin: true, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateCluster(ctx, &model.Cluster{ID: "c1", Name: "prod", State: model.ClusterActive,
		ConnectedVia: model.ConnectDirect, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	cs := testenv.Start(t, testenv.Options{}).Client()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	acc := access.New(st, nil, nil)
	a := &API{Store: st, Acc: acc, Now: time.Now,
		Kube: func(context.Context, string) (kubernetes.Interface, error) { return cs, nil }}
	call := func(h httpx.HandlerFunc, method, target, body string) *httptest.ResponseRecorder {
		t.Helper()
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		r = r.WithContext(auth.WithPrincipal(r.Context(), &auth.Principal{User: admin}))
		w := httptest.NewRecorder()
		httpx.Handle(h).ServeHTTP(w, r)
		return w
	}
	apply := func(query, doc string) Result {
		t.Helper()
		w := call(a.apply, "POST", "/v1/access/apply"+query, doc)
		var res Result
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || w.Code != 200 {
			t.Fatalf("apply: %d %s", w.Code, w.Body)
		}
		return res
	}
	doc := `apiVersion: paddock.io/v1
kind: Project
cluster: prod
name: web
namespaces: [shop, shop-staging]
---
apiVersion: paddock.io/v1
kind: Binding
subject: {kind: Group, name: devs}
roleTemplate: project-member
cluster: prod
project: web
`
	res := apply("", doc)
	var got []string
	for _, c := range res.Changes {
		got = append(got, c.Action+" "+c.Kind+" "+c.Name)
	}
	want := "create Project prod/web|attach Namespace prod/shop|create Namespace prod/shop-staging|create Binding Group:devs project-member in prod/web"
	if strings.Join(got, "|") != want {
		t.Fatalf("changes %q, want %q", got, want)
	}
	projects, _ := st.ListProjects(ctx, "c1")
	for _, n := range []string{"shop", "shop-staging"} {
		ns, err := cs.CoreV1().Namespaces().Get(ctx, n, metav1.GetOptions{})
		if err != nil || ns.Labels[model.ProjectLabel] != projects[0].ID {
			t.Fatalf("namespace %s: %v %v", n, err, ns)
		}
	}
	out := call(a.export, "GET", "/v1/access/export", "").Body.String()
	if !strings.Contains(out, "namespaces:\n- shop\n- shop-staging\n") {
		t.Fatalf("export:\n%s", out)
	}
	if res := apply("?prune=true", out); len(res.Changes) != 0 {
		t.Fatalf("re-apply of the export: %+v", res.Changes)
	}
	// Project bindings count in the project's namespaces only.
	for ns, want := range map[string]bool{"shop": true, "elsewhere": false} {
		w := call(a.whoCan, "GET", "/v1/access/who-can?cluster=prod&verb=create&resource=deployments.apps&namespace="+ns, "")
		if w.Code != http.StatusOK {
			t.Fatalf("who-can: %d %s", w.Code, w.Body)
		}
		if has := strings.Contains(w.Body.String(), `"name":"devs"`); has != want {
			t.Errorf("who-can in %s lists devs: %v, want %v: %s", ns, has, want, w.Body)
		}
	}
}
