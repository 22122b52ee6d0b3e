package proxy_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/paddockhq/paddock/internal/proxy"
)

// BenchmarkGet GETs one ConfigMap with client-go, directly from the
// apiserver (Direct) and through the proxy (Proxy), against the same cluster
// in the same run: the ratio is the proxy's cost (TLS termination, header
// rewriting, a second hop and impersonation checks in the apiserver).
// They are sub-benchmarks because the cluster is shared: a top-level
// benchmark's cleanup runs after every b.N round.
func BenchmarkGet(b *testing.B) {
	h := newHarness(b, proxy.Options{})
	ctx := context.Background()
	_, err := h.cluster.Client().CoreV1().ConfigMaps("default").Create(ctx,
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "bench"}, Data: map[string]string{"k": "v"}},
		metav1.CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	direct := h.cluster.AdminConfig()
	direct.QPS = -1
	directClient, err := kubernetes.NewForConfig(direct)
	if err != nil {
		b.Fatal(err)
	}
	proxied, err := kubernetes.NewForConfig(h.config(clusterID, "admin-token"))
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		client kubernetes.Interface
	}{{"Direct", directClient}, {"Proxy", proxied}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.client.CoreV1().ConfigMaps("default").Get(ctx, "bench", metav1.GetOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
