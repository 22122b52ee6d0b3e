package localcluster

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// BinDirEnv names the environment variable that overrides where the
// Kubernetes binaries are looked up.
const BinDirEnv = "PADDOCK_K8S_BIN"

// modulePath identifies the repository root while walking up from the
// working directory.
const modulePath = "github.com/paddockhq/paddock"

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
			return "", fmt.Errorf("localcluster: no go.mod declaring module %s above %s; set %s to the folder holding the Kubernetes binaries", modulePath, wd, BinDirEnv)
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

// ErrBinariesMissing is wrapped by the errors of [Start], [CheckBinaries]
// and [LookPath] when the toolchain has not been built.
var ErrBinariesMissing = errors.New("kubernetes binaries missing")

// CheckBinaries reports whether dir ([BinDir] when empty) holds what
// [Start] needs for a cluster, Full or not; the error says how to build
// what is missing.
func CheckBinaries(dir string, full bool) error {
	_, err := binPaths(dir, neededBinaries(full)...)
	return err
}

func neededBinaries(full bool) []string {
	need := []string{binEtcd, binAPIServer}
	if full {
		need = append(need, binController, binScheduler, binKwok, kwokStages)
	}
	return need
}

// LookPath returns the path of one of the toolchain's files (say
// "kubectl") in dir, or in [BinDir] when dir is empty, failing with
// instructions when it is missing.
func LookPath(dir, name string) (string, error) {
	paths, err := binPaths(dir, name)
	if err != nil {
		return "", err
	}
	return paths[name], nil
}

// binPaths resolves the named files in dir ([BinDir] when empty), failing
// with instructions when any is missing.
func binPaths(dir string, names ...string) (map[string]string, error) {
	if dir == "" {
		var err error
		if dir, err = BinDir(); err != nil {
			return nil, err
		}
	} else if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
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
		return nil, fmt.Errorf("localcluster: %w in %s: %s\n\tRun `make toolchain` at the repository root to build them "+
			"(or set %s to a folder that has them)", ErrBinariesMissing, dir, strings.Join(missing, ", "), BinDirEnv)
	}
	return paths, nil
}
