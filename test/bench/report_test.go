package bench

import (
	"fmt"
	"io"
	"log/slog"
	"time"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	if f < 10 {
		return fmt.Sprintf("%.2f ms", f)
	}
	return fmt.Sprintf("%.1f ms", f)
}

func median(d []time.Duration) time.Duration { return quantile(d, 0.5) }

type row struct {
	metric string
	vals   [3]float64 // direct, proxy, tunnel
	show   func(float64) string
}

func durRow(metric string, f func(i int) time.Duration) row {
	r := row{metric: metric, show: func(v float64) string { return ms(time.Duration(v)) }}
	for i := range 3 {
		r.vals[i] = float64(f(i))
	}
	return r
}

func (r row) ratio(i int) float64 { return r.vals[i] / r.vals[0] }

// goal is one target of the issue: ratio of path to direct, at most (or at
// least, when atLeast) limit.
type goal struct {
	what    string
	r       row
	path    int
	limit   float64
	atLeast bool
}

func report(w io.Writer, c1, c64 []*getResult, lists, watches [][]time.Duration, mem memResult) {
	rows := []row{
		durRow("GET p50, concurrency 1", func(i int) time.Duration { return quantile(c1[i].lat, 0.5) }),
		durRow("GET p99, concurrency 1", func(i int) time.Duration { return quantile(c1[i].lat, 0.99) }),
		durRow("GET p50, concurrency 64", func(i int) time.Duration { return quantile(c64[i].lat, 0.5) }),
		durRow("GET p99, concurrency 64", func(i int) time.Duration { return quantile(c64[i].lat, 0.99) }),
		{metric: "GET throughput, concurrency 64", vals: [3]float64{c64[0].rps(), c64[1].rps(), c64[2].rps()},
			show: func(v float64) string { return fmt.Sprintf("%.0f req/s", v) }},
		{metric: "CPU of the test process per GET, c=64 (direct: client only)", vals: [3]float64{float64(c64[0].cpuPerReq()), float64(c64[1].cpuPerReq()), float64(c64[2].cpuPerReq())},
			show: func(v float64) string { return fmt.Sprintf("%.0f µs", v/1e3) }},
		durRow(fmt.Sprintf("LIST %d ConfigMaps, median of %d", listObjects, listRuns), func(i int) time.Duration { return median(lists[i]) }),
		durRow("watch event latency p50", func(i int) time.Duration { return median(watches[i]) }),
		durRow("watch event latency p99", func(i int) time.Duration { return quantile(watches[i], 0.99) }),
	}
	fmt.Fprintln(w, "\n| metric | direct | proxy | tunnel | proxy/direct | tunnel/direct |\n|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %.2f× | %.2f× |\n", r.metric, r.show(r.vals[0]), r.show(r.vals[1]), r.show(r.vals[2]), r.ratio(1), r.ratio(2))
	}
	goals := []goal{
		{"proxied GET p50 ≤ 1.10× direct (c=1)", rows[0], 1, 1.10, false},
		{"tunnelled GET p50 ≤ 1.25× direct (c=1)", rows[0], 2, 1.25, false},
		{"proxied GET p50 ≤ 1.10× direct (c=64)", rows[2], 1, 1.10, false},
		{"tunnelled GET p50 ≤ 1.25× direct (c=64)", rows[2], 2, 1.25, false},
		{"proxied throughput ≥ 0.9× direct (c=64)", rows[4], 1, 0.9, true},
		{"tunnelled throughput ≥ 0.9× direct (c=64)", rows[4], 2, 0.9, true},
		{"LIST via tunnel ≤ 1.3× direct", rows[6], 2, 1.3, false},
	}
	fmt.Fprintln(w, "\n| goal | measured | met |\n|---|---|---|")
	for _, g := range goals {
		x := g.r.ratio(g.path)
		met := x <= g.limit
		if g.atLeast {
			met = x >= g.limit
		}
		fmt.Fprintf(w, "| %s | %.2f× | %s |\n", g.what, x, map[bool]string{true: "met", false: "**not met**"}[met])
	}
	fmt.Fprintf(w, "\nServer memory (this process; the %d agents ran in a separate process, %.0f MiB RSS there), after a GC; all %d active after %s:\n\n",
		mem.clusters, float64(mem.agentRSSKiB)/1024, mem.clusters, mem.connectTime.Round(100*time.Millisecond))
	fmt.Fprintln(w, "| state | VmRSS | HeapInuse | Sys | goroutines |\n|---|---|---|---|---|")
	for _, m := range []struct {
		name string
		s    memSample
	}{{"2 clusters (after the latency runs)", mem.before}, {fmt.Sprintf("+%d agent clusters registered", mem.clusters), mem.registered},
		{fmt.Sprintf("+%d agents connected", mem.clusters), mem.connected}} {
		fmt.Fprintf(w, "| %s | %.1f MiB | %.1f MiB | %.1f MiB | %d |\n", m.name, float64(m.s.rssKiB)/1024, mib(m.s.heapInuse), mib(m.s.sys), m.s.goroutines)
	}
	d := mem.connected
	fmt.Fprintf(w, "| per connected agent | %.0f KiB | %.0f KiB | | %.1f |\n",
		float64(int64(d.rssKiB)-int64(mem.before.rssKiB))/float64(mem.clusters),
		float64(int64(d.heapInuse)-int64(mem.before.heapInuse))/1024/float64(mem.clusters),
		float64(d.goroutines-mem.before.goroutines)/float64(mem.clusters))
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
