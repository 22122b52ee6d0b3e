package proxy_test

import (
	"testing"

	"github.com/paddockhq/paddock/internal/clusters"
	"github.com/paddockhq/paddock/internal/proxy"
)

// The RBAC bootstrap binds the group the proxy impersonates for admins.
func TestAdminGroupMatchesBinding(t *testing.T) {
	if clusters.AdminGroup != proxy.GroupAdmins {
		t.Fatalf("clusters binds %q, proxy impersonates %q", clusters.AdminGroup, proxy.GroupAdmins)
	}
}
