package agent_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestAgentLinksNoServerPackages keeps the agent binary path free of the
// server's store, auth and API code (and their database drivers).
func TestAgentLinksNoServerPackages(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/paddockhq/paddock/internal/agent").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"/internal/store", "/internal/auth", "/internal/api", "/internal/app",
			"/internal/clusters", "/internal/proxy", "modernc.org/sqlite", "github.com/jackc/pgx"} {
			if strings.Contains(dep, banned) {
				t.Errorf("the agent links %s", dep)
			}
		}
	}
}
