package testenv

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BinDirEnv names the environment variable that overrides where the
// Kubernetes binaries are looked up.
const BinDirEnv = "PADDOCK_K8S_BIN"

// modulePath identifies the repository root while walking up from the
// working directory.
const modulePath = "github.com/paddockhq/paddock"

// SystemKubectl is the distribution's kubectl (v1.32 on the project's
// machines): an older, independently built client worth testing against
// besides the toolchain's own kubectl.
const SystemKubectl = "/usr/bin/kubectl"

// Names of the files the toolchain puts in [BinDir].
const (
	binEtcd       = "etcd"
	binAPIServer  = "kube-apiserver"
	binController = "kube-controller-manager"
	binScheduler  = "kube-scheduler"
	binKubectl    = "kubectl"
	binKwok       = "kwok"
	kwokStages    = "kwok-stages.yaml"
)

// BinDir returns the folder holding the Kubernetes binaries: $PADDOCK_K8S_BIN
// when set, otherwise .cache/k8s/bin under the repository root (the first
// folder above the working directory whose go.mod declares the Paddock
// module). It does not check that the binaries are there.
func BinDir() (string, error) {
	if dir := os.Getenv(BinDirEnv); dir != "" {
		return filepath.Abs(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; {
		if isRepoRoot(dir) {
			return filepath.Join(dir, ".cache", "k8s", "bin"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("testenv: no go.mod declaring module %s above %s; set %s to the folder holding the Kubernetes binaries", modulePath, wd, BinDirEnv)
		}
		dir = parent
	}
}

// isRepoRoot reports whether dir holds the go.mod of the Paddock module (not
// one of the helper modules nested inside the repository).
func isRepoRoot(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok {
			name := strings.Trim(strings.TrimSpace(rest), `"`)
			return name == modulePath
		}
	}
	return false
}

// binPaths resolves the named files in [BinDir], failing with instructions
// when any is missing.
func binPaths(names ...string) (map[string]string, error) {
	dir, err := BinDir()
	if err != nil {
		return nil, err
	}
	paths := make(map[string]string, len(names))
	var missing []string
	for _, name := range names {
		p := filepath.Join(dir, name)
		st, err := os.Stat(p)
		switch {
		case err != nil:
			missing = append(missing, name)
		case name != kwokStages && st.Mode()&0o111 == 0:
			missing = append(missing, name+" (not executable)")
		}
		paths[name] = p
	}
	if len(missing) > 0 {
		return nil, errors.New("testenv: Kubernetes test binaries missing in " + dir + ": " +
			strings.Join(missing, ", ") + "\n\tRun `make toolchain` at the repository root to build them " +
			"(or set " + BinDirEnv + " to a folder that has them). Tests using real clusters do not skip.")
	}
	return paths, nil
}

// KubectlBinaries returns the kubectl executables tests should exercise: the
// toolchain's (same version as the apiserver) and, when installed,
// [SystemKubectl]. It fails the test when the toolchain is missing.
func KubectlBinaries(t testing.TB) []string {
	t.Helper()
	paths, err := binPaths(binKubectl)
	if err != nil {
		t.Fatal(err)
	}
	bins := []string{paths[binKubectl]}
	if _, err := os.Stat(SystemKubectl); err == nil {
		bins = append(bins, SystemKubectl)
	} else {
		t.Logf("testenv: %s not installed; testing the toolchain's kubectl only", SystemKubectl)
	}
	return bins
}
