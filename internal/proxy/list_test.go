package proxy_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/paddockhq/paddock/internal/testenv"
)

const bulkCount = 2000

// testLargeList lists thousands of objects through the proxy, in one
// response (client-go, no limit) and in chunks (kubectl).
func testLargeList(t *testing.T, h *harness) {
	ctx := context.Background()
	cfg := h.cluster.AdminConfig()
	cfg.QPS = -1 // no client-side rate limit
	direct, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := direct.CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bulk"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	value := strings.Repeat("v", 512)
	var wg sync.WaitGroup
	errs := make(chan error, bulkCount)
	work := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range work {
				_, err := direct.CoreV1().ConfigMaps("bulk").Create(ctx, &corev1.ConfigMap{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%05d", i)},
					Data:       map[string]string{"v": value},
				}, metav1.CreateOptions{})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range bulkCount {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	list, err := h.client(t, "admin-token").CoreV1().ConfigMaps("bulk").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, cm := range list.Items {
		if strings.HasPrefix(cm.Name, "cm-") {
			n++
		}
	}
	if n != bulkCount {
		t.Fatalf("listed %d configmaps through the proxy, want %d", n, bulkCount)
	}
	bin := testenv.KubectlBinaries(t)[0]
	out, err := testenv.Kubectl(t, bin, h.kubeconfig(t, clusterID, "admin-token"), "get", "configmaps", "-n", "bulk", "-o", "name")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "configmap/cm-"); n != bulkCount {
		t.Fatalf("kubectl listed %d configmaps through the proxy, want %d", n, bulkCount)
	}
}
