package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// path is one way to reach the same apiserver.
type path struct {
	name   string
	client kubernetes.Interface
}

// quantile is the nearest-rank quantile of d (sorted in place).
func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(q*float64(len(d))+0.5) - 1
	return d[max(0, min(i, len(d)-1))]
}

// getResult is GET latency at one concurrency.
type getResult struct {
	lat     []time.Duration
	elapsed time.Duration
	cpu     time.Duration // CPU time of this process (clients, server, agent)
	errs    int64
}

func (r *getResult) rps() float64 { return float64(len(r.lat)) / r.elapsed.Seconds() }

func (r *getResult) cpuPerReq() time.Duration { return r.cpu / time.Duration(len(r.lat)) }

// cpuTime is the user+system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureGets issues total GETs of one ConfigMap per path with conc workers,
// in rounds that alternate the paths so drift on the machine hits all alike.
func measureGets(t *testing.T, paths []path, ns, name string, conc, total, rounds int) []*getResult {
	t.Helper()
	res := make([]*getResult, len(paths))
	for i := range res {
		res[i] = &getResult{}
	}
	for r := range rounds {
		for k := range paths {
			i := (k + r) % len(paths) // rotate which path goes first
			cpu0 := cpuTime()
			lat, el, errs := getBatch(t, paths[i].client, ns, name, conc, total/rounds)
			res[i].cpu += cpuTime() - cpu0
			res[i].lat = append(res[i].lat, lat...)
			res[i].elapsed += el
			res[i].errs += errs
		}
	}
	for i, r := range res {
		if r.errs > 0 {
			t.Logf("%s: %d GETs failed at concurrency %d", paths[i].name, r.errs, conc)
		}
	}
	return res
}

func getBatch(t *testing.T, c kubernetes.Interface, ns, name string, conc, n int) ([]time.Duration, time.Duration, int64) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	var next, errs atomic.Int64
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	began := time.Now()
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				_, err := c.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
				lat[i] = time.Since(t0)
				if err != nil {
					errs.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return lat, time.Since(began), errs.Load()
}

// createConfigMaps creates n ConfigMaps of about size bytes each.
func createConfigMaps(t *testing.T, c kubernetes.Interface, ns string, n, size int) {
	t.Helper()
	val := strings.Repeat("x", size-len("cm-00000")-len("v")-120) // ~120 bytes of metadata
	var next, errs atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%05d", i)}, Data: map[string]string{"v": val}}
				if _, err := c.CoreV1().ConfigMaps(ns).Create(t.Context(), cm, metav1.CreateOptions{}); err != nil {
					errs.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if errs.Load() > 0 {
		t.Fatalf("%d of %d ConfigMaps not created", errs.Load(), n)
	}
}

// measureLists times runs full LISTs per path, alternating paths, and checks
// each returns want items.
func measureLists(t *testing.T, paths []path, ns string, runs, want int) [][]time.Duration {
	t.Helper()
	res := make([][]time.Duration, len(paths))
	for r := range runs + 1 { // the first run warms caches and is dropped
		for k := range paths {
			i := (k + r) % len(paths)
			t0 := time.Now()
			l, err := paths[i].client.CoreV1().ConfigMaps(ns).List(t.Context(), metav1.ListOptions{})
			d := time.Since(t0)
			if err != nil {
				t.Fatalf("%s: LIST: %v", paths[i].name, err)
			}
			if len(l.Items) != want {
				t.Fatalf("%s: LIST returned %d items, want %d", paths[i].name, len(l.Items), want)
			}
			if r > 0 {
				res[i] = append(res[i], d)
			}
		}
	}
	return res
}

// measureWatch opens one watch per path, creates n ConfigMaps with the
// direct client one at a time and records, per path, the time from just
// before the create call to the ADDED event's arrival.
func measureWatch(t *testing.T, paths []path, direct kubernetes.Interface, ns string, n int) [][]time.Duration {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	type arrival struct {
		path int
		name string
		at   time.Time
	}
	arrivals := make(chan arrival, 64)
	for i, p := range paths {
		w, err := p.client.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("%s: watch: %v", p.name, err)
		}
		go func() {
			defer w.Stop()
			for ev := range w.ResultChan() {
				if cm, ok := ev.Object.(*corev1.ConfigMap); ok && ev.Type == watch.Added {
					arrivals <- arrival{i, cm.Name, time.Now()}
				}
			}
		}()
	}
	res := make([][]time.Duration, len(paths))
	for k := range n + 1 { // event 0 makes sure every watch is flowing; dropped
		name := fmt.Sprintf("w-%04d", k)
		t0 := time.Now()
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"k": "v"}}
		if _, err := direct.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatalf("watch: create %s: %v", name, err)
		}
		timeout := time.After(15 * time.Second)
		for seen := 0; seen < len(paths); {
			select {
			case a := <-arrivals:
				if a.name != name {
					t.Fatalf("watch %s: got %s while waiting for %s", paths[a.path].name, a.name, name)
				}
				if k > 0 {
					res[a.path] = append(res[a.path], a.at.Sub(t0))
				}
				seen++
			case <-timeout:
				t.Fatalf("watch: %s did not arrive on every path within 15s", name)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return res
}
