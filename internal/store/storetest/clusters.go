package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

func newCluster(name string) *model.Cluster {
	return &model.Cluster{
		ID: randomID("c-"), Name: name, Description: "d", Labels: map[string]string{"env": "prod"},
		State: model.ClusterPending, ConnectedVia: model.ConnectAgent, Capacity: map[string]string{},
		RegistrationHash: randomID("reg-"), CreatedBy: "u1", CreatedAt: at(0), UpdatedAt: at(0),
	}
}

func testClusterCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := newCluster("Prod-East")
	noErr(t, "CreateCluster", s.CreateCluster(ctx, c))
	got, err := s.GetCluster(ctx, c.ID)
	noErr(t, "GetCluster", err)
	if got.Name != c.Name || !reflect.DeepEqual(got.Labels, c.Labels) || got.State != model.ClusterPending ||
		got.RegistrationHash != c.RegistrationHash || got.AgentHash != "" || !got.LastSeen.IsZero() {
		t.Fatalf("round trip: %+v", got)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, c.CreatedAt)
	dup := newCluster("prod-east")
	wantErr(t, "duplicate name", s.CreateCluster(ctx, dup), store.ErrConflict)

	// Exchange the registration credential for an agent credential.
	byReg, err := s.GetClusterByCredential(ctx, c.RegistrationHash)
	noErr(t, "by registration hash", err)
	if byReg.ID != c.ID {
		t.Fatalf("by registration hash: %s", byReg.ID)
	}
	up, err := s.UpdateCluster(ctx, c.ID, func(c *model.Cluster) error {
		c.RegistrationHash, c.AgentHash = "", "agent-hash-1"
		c.State, c.KubernetesVersion, c.NodeCount = model.ClusterActive, "v1.37.2", 3
		c.Capacity = map[string]string{"cpu": "12", "memory": "48Gi"}
		c.LastSeen = at(5e9)
		return nil
	})
	noErr(t, "UpdateCluster", err)
	if up.State != model.ClusterActive || up.Capacity["cpu"] != "12" {
		t.Fatalf("update: %+v", up)
	}
	_, err = s.GetClusterByCredential(ctx, c.RegistrationHash)
	wantErr(t, "used registration hash", err, store.ErrNotFound)
	_, err = s.GetClusterByCredential(ctx, "")
	wantErr(t, "empty hash", err, store.ErrNotFound)
	byAgent, err := s.GetClusterByCredential(ctx, "agent-hash-1")
	noErr(t, "by agent hash", err)
	sameTime(t, "LastSeen", byAgent.LastSeen, at(5e9))
	if byAgent.NodeCount != 3 || byAgent.KubernetesVersion != "v1.37.2" {
		t.Fatalf("by agent: %+v", byAgent)
	}

	boom := errors.New("boom")
	_, err = s.UpdateCluster(ctx, c.ID, func(c *model.Cluster) error { c.Name = "changed"; return boom })
	wantErr(t, "aborted update", err, boom)
	noErr(t, "CreateCluster other", s.CreateCluster(ctx, dup2(dup)))
	_, err = s.UpdateCluster(ctx, c.ID, func(c *model.Cluster) error { c.Name = "PROD-WEST"; return nil })
	wantErr(t, "rename onto another", err, store.ErrConflict)
	_, err = s.UpdateCluster(ctx, "nope", func(*model.Cluster) error { return nil })
	wantErr(t, "update missing", err, store.ErrNotFound)

	noErr(t, "DeleteCluster", s.DeleteCluster(ctx, c.ID))
	wantErr(t, "delete again", s.DeleteCluster(ctx, c.ID), store.ErrNotFound)
	_, err = s.GetCluster(ctx, c.ID)
	wantErr(t, "get deleted", err, store.ErrNotFound)
}

func dup2(c *model.Cluster) *model.Cluster {
	c.ID, c.Name, c.RegistrationHash = randomID("c-"), "prod-west", randomID("reg-")
	return c
}

func testClusterList(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i := 0; i < 7; i++ {
		noErr(t, "create", s.CreateCluster(ctx, newCluster(fmt.Sprintf("cl-%02d", i))))
	}
	noErr(t, "create", s.CreateCluster(ctx, newCluster("odd_100%")))
	var names []string
	after := ""
	for page := 0; page < 10; page++ {
		cs, next, err := s.ListClusters(ctx, "", store.Page{Limit: 3, After: after})
		noErr(t, "ListClusters", err)
		for _, c := range cs {
			names = append(names, c.Name)
		}
		if next == "" {
			break
		}
		after = next
	}
	if len(names) != 8 || names[0] != "cl-00" || names[7] != "odd_100%" {
		t.Fatalf("pages: %v", names)
	}
	cs, _, err := s.ListClusters(ctx, "CL-0", store.Page{})
	noErr(t, "query", err)
	if len(cs) != 7 {
		t.Fatalf("query: %d", len(cs))
	}
	for q, want := range map[string]int{"%": 1, "_1": 1, "'; DROP TABLE clusters; --": 0} {
		cs, _, err := s.ListClusters(ctx, q, store.Page{})
		noErr(t, "literal query", err)
		if len(cs) != want {
			t.Errorf("query %q: %d clusters, want %d", q, len(cs), want)
		}
	}
	_, _, err = s.ListClusters(ctx, "", store.Page{After: "garbage!"})
	wantErr(t, "bad cursor", err, store.ErrBadCursor)
}
