package proxy_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/proxy"
	"github.com/paddockhq/paddock/internal/testenv"
)

// testPolicy: alice is bound only in project "pa"; admins are cluster-wide.
type testPolicy struct{ h **harness }

func (testPolicy) Scope(p *auth.Principal, _ string) (bool, []string) {
	if p.User.Admin {
		return true, nil
	}
	return false, []string{"pa"}
}

func (testPolicy) MayPlace(p *auth.Principal, _, project string) bool {
	return p.User.Admin || project == "pa"
}

func (testPolicy) IsProject(_, project string) bool { return project == "pa" || project == "pb" }

func (t testPolicy) ProjectOf(ctx context.Context, _, name string) (string, bool, error) {
	ns, err := (*t.h).cluster.Client().CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", false, nil
	}
	return ns.Labels[model.ProjectLabel], true, nil
}

func (testPolicy) Admit(context.Context, string, string) error { return nil }

func (t testPolicy) Create(ctx context.Context, _ string, ns *corev1.Namespace, opts metav1.CreateOptions) (*corev1.Namespace, error) {
	return (*t.h).cluster.Client().CoreV1().Namespaces().Create(ctx, ns, opts)
}

// TestNamespacePolicy drives the proxy's project-aware namespace handling
// against a real cluster, including the ways around it one would try.
func TestNamespacePolicy(t *testing.T) {
	var h *harness
	h = newHarness(t, proxy.Options{Namespaces: testPolicy{h: &h}})
	ctx := context.Background()
	direct := h.cluster.Client().CoreV1().Namespaces()
	for name, project := range map[string]string{"pa1": "pa", "pa2": "pa", "pb1": "pb", "plain": ""} {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if project != "" {
			ns.Labels = map[string]string{model.ProjectLabel: project}
		}
		if _, err := direct.Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// alice may natively update any namespace: what stops her moving one
	// between projects must be Paddock.
	cs := h.cluster.Client()
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "ns-editor"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "update", "patch"}}}},
		metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice-ns"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "ns-editor"},
		Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: proxy.UserName("u-alice")}}},
		metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	alice := h.client(t, "alice-token").CoreV1().Namespaces()
	names := func(sel string) []string {
		t.Helper()
		list, err := alice.List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range list.Items {
			out = append(out, n.Name)
		}
		slices.Sort(out)
		return out
	}
	if got := names(""); !slices.Equal(got, []string{"pa1", "pa2"}) {
		t.Fatalf("alice lists %v", got)
	}
	// Her own selector narrows, never widens.
	if got := names(model.ProjectLabel + "=pb"); len(got) != 0 {
		t.Fatalf("selector for pb widened alice's list: %v", got)
	}
	if got := names("kubernetes.io/metadata.name=pa2"); !slices.Equal(got, []string{"pa2"}) {
		t.Fatalf("alice's selector: %v", got)
	}
	if _, err := alice.List(ctx, metav1.ListOptions{LabelSelector: "x in (a"}); err == nil || !strings.Contains(err.Error(), "labelSelector") {
		t.Fatalf("a broken selector: %v", err)
	}
	// kubectl get ns (Table output) shows the same.
	out, err := testenv.Kubectl(t, testenv.SystemKubectl, h.kubeconfig(t, clusterID, "alice-token"), "get", "ns", "-o", "name")
	if err != nil || strings.TrimSpace(out) != "namespace/pa1\nnamespace/pa2" {
		t.Fatalf("kubectl get ns as alice: %v\n%s", err, out)
	}

	// A watch sees her project's namespaces come, not others'.
	w, err := alice.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for _, n := range []struct{ name, project string }{{"pb2", "pb"}, {"pa3", "pa"}} {
		if _, err := direct.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n.name,
			Labels: map[string]string{model.ProjectLabel: n.project}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	timeout := time.After(10 * time.Second)
	for !seen["pa3"] {
		select {
		case ev := <-w.ResultChan():
			if ns, ok := ev.Object.(*corev1.Namespace); ok && ev.Type != watch.Error {
				seen[ns.Name] = true
			}
		case <-timeout:
			t.Fatalf("watch saw %v, never pa3", seen)
		}
	}
	if seen["pb1"] || seen["pb2"] || seen["plain"] {
		t.Fatalf("alice's watch saw other projects' namespaces: %v", seen)
	}

	// Creating: into her project yes (Paddock creates it, keeping only
	// name and labels), into another or a made-up project no.
	mk := func(name, project string) (*corev1.Namespace, error) {
		return alice.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name,
			Labels:      map[string]string{model.ProjectLabel: project, "pod-security.kubernetes.io/enforce": "privileged"},
			Annotations: map[string]string{"scheduler.alpha.kubernetes.io/node-selector": "evil=true"}}}, metav1.CreateOptions{})
	}
	got, err := mk("pa4", "pa")
	if err != nil {
		t.Fatalf("alice creating in her project: %v", err)
	}
	if got.Labels[model.ProjectLabel] != "pa" || got.Labels["pod-security.kubernetes.io/enforce"] != "" || len(got.Annotations) != 0 {
		t.Fatalf("created namespace: labels %v annotations %v", got.Labels, got.Annotations)
	}
	if _, err := mk("x-pb", "pb"); !apierrors.IsForbidden(err) {
		t.Errorf("alice creating in another project: %v", err)
	}
	if _, err := mk("x-nope", "nope"); !apierrors.IsInvalid(err) {
		t.Errorf("alice creating in a made-up project: %v", err)
	}
	if _, err := alice.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "unlabelled"}}, metav1.CreateOptions{}); err == nil {
		t.Error("alice created an unlabelled namespace (she has no right to)")
	}

	// Moving: every way of writing the label is checked.
	patch := func(name string, pt types.PatchType, body string) error {
		_, err := alice.Patch(ctx, name, pt, []byte(body), metav1.PatchOptions{})
		return err
	}
	escaped := strings.ReplaceAll(model.ProjectLabel, "/", "~1")
	for what, err := range map[string]error{
		"merge patch into pb":             patch("pa1", types.MergePatchType, `{"metadata":{"labels":{"`+model.ProjectLabel+`":"pb"}}}`),
		"strategic patch into pb":         patch("pa1", types.StrategicMergePatchType, `{"metadata":{"labels":{"`+model.ProjectLabel+`":"pb"}}}`),
		"$patch replace":                  patch("pa1", types.StrategicMergePatchType, `{"metadata":{"labels":{"$patch":"replace","a":"b"}}}`),
		"json patch on the label":         patch("pa1", types.JSONPatchType, `[{"op":"replace","path":"/metadata/labels/`+escaped+`","value":"pb"}]`),
		"json patch on all labels":        patch("pa1", types.JSONPatchType, `[{"op":"replace","path":"/metadata/labels","value":{}}]`),
		"json patch with a Path decoy":    patch("pa1", types.JSONPatchType, `[{"op":"replace","path":"/metadata/labels/`+escaped+`","value":"pb","Path":"/spec"}]`),
		"json patch with an escaped path": patch("pa1", types.JSONPatchType, `[{"op":"remove","path":"\u002fmetadata\u002flabels\u002f`+escaped+`"}]`),
		"root $patch replace":             patch("pa1", types.StrategicMergePatchType, `{"$patch":"replace","metadata":{"name":"pa1"}}`),
		"pull pb1 out of pb":              patch("pb1", types.MergePatchType, `{"metadata":{"labels":{"`+model.ProjectLabel+`":null}}}`),
		"pull plain into pa":              patch("plain", types.MergePatchType, `{"metadata":{"labels":{"`+model.ProjectLabel+`":"pa"}}}`),
		"apply without the label":         patch("pa1", types.ApplyPatchType, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: pa1\n"),
		"put without the label":           putNamespace(ctx, alice, "pa1", nil),
		"put into pb":                     putNamespace(ctx, alice, "pa2", map[string]string{model.ProjectLabel: "pb"}),
		"status subresource into pb":      statusUpdate(ctx, t, h, "pa2"),
	} {
		if err == nil || !strings.Contains(err.Error(), "paddock") {
			t.Errorf("%s: %v", what, err)
		}
	}
	// Moving within her own project and unrelated labels are fine.
	if err := patch("pa1", types.MergePatchType, `{"metadata":{"labels":{"team":"a"}}}`); err != nil {
		t.Errorf("unrelated label: %v", err)
	}
	if err := patch("pa1", types.JSONPatchType, `[{"op":"add","path":"/metadata/labels/tier","value":"x"}]`); err != nil {
		t.Errorf("unrelated json patch: %v", err)
	}
	if ns, _ := direct.Get(ctx, "pa1", metav1.GetOptions{}); ns.Labels[model.ProjectLabel] != "pa" {
		t.Fatalf("pa1 moved: %v", ns.Labels)
	}
	// A non-canonical path to a namespace is refused, not guessed at.
	req, _ := http.NewRequest("PATCH", h.clusterURL(clusterID)+"/api/v1/namespaces/p%611", strings.NewReader(`{"metadata":{"labels":{"`+model.ProjectLabel+`":"pb"}}}`))
	req.Header.Set("Authorization", "Bearer alice-token")
	req.Header.Set("Content-Type", "application/merge-patch+json")
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("escaped path: %d %s", resp.StatusCode, body)
	}
	// An admin (cluster-wide) moves namespaces freely.
	admin := h.client(t, "admin-token").CoreV1().Namespaces()
	if _, err := admin.Patch(ctx, "pa2", types.MergePatchType, []byte(`{"metadata":{"labels":{"`+model.ProjectLabel+`":"pb"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatalf("admin move: %v", err)
	}
	if got := names(""); slices.Contains(got, "pa2") {
		t.Fatalf("alice still lists pa2 after it moved: %v", got)
	}
}

func putNamespace(ctx context.Context, nss interface {
	Get(context.Context, string, metav1.GetOptions) (*corev1.Namespace, error)
	Update(context.Context, *corev1.Namespace, metav1.UpdateOptions) (*corev1.Namespace, error)
}, name string, labels map[string]string) error {
	ns, err := nss.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	ns.Labels = labels
	_, err = nss.Update(ctx, ns, metav1.UpdateOptions{})
	return err
}

func statusUpdate(ctx context.Context, t *testing.T, h *harness, name string) error {
	nss := h.client(t, "alice-token").CoreV1().Namespaces()
	ns, err := nss.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	ns.Labels = map[string]string{model.ProjectLabel: "pb"}
	_, err = nss.UpdateStatus(ctx, ns, metav1.UpdateOptions{})
	return err
}
