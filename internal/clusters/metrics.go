package clusters

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paddockhq/paddock/internal/store"
	"github.com/paddockhq/paddock/internal/tunnel"
)

// Collector exposes per-cluster state and tunnel counts on /metrics.
type Collector struct {
	store  store.Store
	tunnel *tunnel.Server
	state  *prometheus.Desc
	count  *prometheus.Desc
	sess   *prometheus.Desc
	stream *prometheus.Desc
}

// NewCollector returns a collector over the registry and the tunnel.
func NewCollector(st store.Store, tun *tunnel.Server) *Collector {
	return &Collector{
		store: st, tunnel: tun,
		state: prometheus.NewDesc("paddock_cluster_state", "1 for the cluster's current state.",
			[]string{"cluster", "name", "state", "connected_via"}, nil),
		count:  prometheus.NewDesc("paddock_clusters", "Clusters by state.", []string{"state"}, nil),
		sess:   prometheus.NewDesc("paddock_tunnel_sessions", "Connected agent tunnels.", nil, nil),
		stream: prometheus.NewDesc("paddock_tunnel_streams", "Open streams over agent tunnels.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.state
	ch <- c.count
	ch <- c.sess
	ch <- c.stream
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	st := c.tunnel.Stats()
	ch <- prometheus.MustNewConstMetric(c.sess, prometheus.GaugeValue, float64(st.Sessions))
	ch <- prometheus.MustNewConstMetric(c.stream, prometheus.GaugeValue, float64(st.Streams))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts := map[string]int{"pending": 0, "active": 0, "unavailable": 0, "error": 0}
	after := ""
	for {
		cs, next, err := c.store.ListClusters(ctx, "", store.Page{Limit: store.MaxLimit, After: after})
		if err != nil {
			return
		}
		for _, cl := range cs {
			counts[string(cl.State)]++
			ch <- prometheus.MustNewConstMetric(c.state, prometheus.GaugeValue, 1, cl.ID, cl.Name, string(cl.State), cl.ConnectedVia)
		}
		if next == "" {
			break
		}
		after = next
	}
	for s, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.count, prometheus.GaugeValue, float64(n), s)
	}
}
