package testenv

import (
	"os"
	"testing"

	"github.com/paddockhq/paddock/internal/localcluster"
)

// BinDirEnv names the environment variable that overrides where the
// Kubernetes binaries are looked up.
const BinDirEnv = localcluster.BinDirEnv

// SystemKubectl is the distribution's kubectl (v1.32 on the project's
// machines): an older, independently built client worth testing against
// besides the toolchain's own kubectl.
const SystemKubectl = "/usr/bin/kubectl"

// BinDir returns the folder holding the Kubernetes binaries: $PADDOCK_K8S_BIN
// when set, otherwise .cache/k8s/bin under the repository root. See
// [localcluster.BinDir].
func BinDir() (string, error) { return localcluster.BinDir() }

// KubectlBinaries returns the kubectl executables tests should exercise: the
// toolchain's (same version as the apiserver) and, when installed,
// [SystemKubectl]. It fails the test when the toolchain is missing.
func KubectlBinaries(t testing.TB) []string {
	t.Helper()
	kubectl, err := localcluster.LookPath("", "kubectl")
	if err != nil {
		t.Fatal(err)
	}
	bins := []string{kubectl}
	if _, err := os.Stat(SystemKubectl); err == nil {
		bins = append(bins, SystemKubectl)
	} else {
		t.Logf("testenv: %s not installed; testing the toolchain's kubectl only", SystemKubectl)
	}
	return bins
}
