package localcluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBinDirFindsRepoRoot(t *testing.T) {
	t.Setenv(BinDirEnv, "")
	dir, err := BinDir()
	if err != nil {
		t.Fatal(err)
	}
	// The test runs in internal/localcluster; the root is two levels up.
	wd, _ := os.Getwd()
	want := filepath.Join(filepath.Dir(filepath.Dir(wd)), ".cache", "k8s", "bin")
	if dir != want {
		t.Errorf("BinDir() = %q, want %q", dir, want)
	}
}

func TestBinDirFromEnv(t *testing.T) {
	want := t.TempDir()
	t.Setenv(BinDirEnv, want)
	if dir, err := BinDir(); err != nil || dir != want {
		t.Errorf("BinDir() = %q, %v; want %q", dir, err, want)
	}
}

func TestMissingBinariesSayHowToBuildThem(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(BinDirEnv, dir)
	if err := os.WriteFile(filepath.Join(dir, binEtcd), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := binPaths("", binEtcd, binAPIServer)
	if err == nil {
		t.Fatal("binPaths succeeded without kube-apiserver")
	}
	for _, want := range []string{"make toolchain", binAPIServer, dir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), binEtcd+",") {
		t.Errorf("error %q lists etcd, which is present", err)
	}
}

func TestIsRepoRootIgnoresNestedModules(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module github.com/paddockhq/paddock/hack/k8s-toolchain\n\ngo 1.26.0\n"), 0o644)
	if isRepoRoot(dir) {
		t.Error("a nested module was taken for the repository root")
	}
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("// comment\nmodule \"github.com/paddockhq/paddock\"\n"), 0o644)
	if !isRepoRoot(dir) {
		t.Error("the Paddock module was not recognized")
	}
}
