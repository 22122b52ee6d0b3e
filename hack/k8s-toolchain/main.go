// Command k8s-toolchain builds the real Kubernetes binaries Paddock's tests and
// demo cluster run (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, kubectl, kwok) from the Go module proxy into a cache folder.
//
// Each binary is pinned by a small Go module beside this file (kube/, etcd/,
// kwok/: kept apart because their k8s.io/* requirements conflict). A build is
// skipped when the binary and its version stamp are already present, so the
// command is cheap to run on every `make test`.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

const (
	kubeVersion = "v1.37.2"
	etcdVersion = "v3.6.16"
	kwokVersion = "v0.8.0"
)

type target struct {
	name    string // output file name
	module  string // subfolder holding the pinning go.mod
	pkg     string // package to build
	version string
	ldflags string
}

func targets() []target {
	kubeLD := strings.Join([]string{
		"-s", "-w",
		"-X", "k8s.io/component-base/version.gitVersion=" + kubeVersion,
		"-X", "k8s.io/component-base/version.gitMajor=1",
		"-X", "k8s.io/component-base/version.gitMinor=37",
		"-X", "k8s.io/component-base/version.gitTreeState=clean",
		"-X", "k8s.io/client-go/pkg/version.gitVersion=" + kubeVersion,
		"-X", "k8s.io/client-go/pkg/version.gitMajor=1",
		"-X", "k8s.io/client-go/pkg/version.gitMinor=37",
	}, " ")
	return []target{
		{"etcd", "etcd", "go.etcd.io/etcd/server/v3", etcdVersion, "-s -w"},
		{"kube-apiserver", "kube", "k8s.io/kubernetes/cmd/kube-apiserver", kubeVersion, kubeLD},
		{"kube-controller-manager", "kube", "k8s.io/kubernetes/cmd/kube-controller-manager", kubeVersion, kubeLD},
		{"kube-scheduler", "kube", "k8s.io/kubernetes/cmd/kube-scheduler", kubeVersion, kubeLD},
		{"kubectl", "kube", "k8s.io/kubernetes/cmd/kubectl", kubeVersion, kubeLD},
		{"kwok", "kwok", "sigs.k8s.io/kwok/cmd/kwok", kwokVersion, "-s -w"},
	}
}

func main() {
	out := flag.String("out", "", "cache folder; binaries go to OUT/bin (required)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "k8s-toolchain: -out is required")
		os.Exit(2)
	}
	src, err := os.Getwd()
	if err != nil {
		fail(err)
	}
	bin, err := filepath.Abs(filepath.Join(*out, "bin"))
	if err != nil {
		fail(err)
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		fail(err)
	}
	start := time.Now()
	for _, t := range targets() {
		if err := build(src, bin, t); err != nil {
			fail(err)
		}
	}
	if err := writeStages(src, bin); err != nil {
		fail(err)
	}
	fmt.Printf("k8s-toolchain: ready in %s (%s)\n", bin, time.Since(start).Round(time.Second))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "k8s-toolchain:", err)
	os.Exit(1)
}

// build compiles one target unless an up-to-date copy is already cached. The
// binary is written under a temporary name and renamed, so an interrupted
// build never leaves a truncated executable that a later run would trust.
func build(src, bin string, t target) error {
	dst := filepath.Join(bin, t.name)
	stamp := dst + ".version"
	if have, err := os.ReadFile(stamp); err == nil && strings.TrimSpace(string(have)) == t.version {
		if _, err := os.Stat(dst); err == nil {
			fmt.Printf("k8s-toolchain: %-24s %s cached\n", t.name, t.version)
			return nil
		}
	}
	fmt.Printf("k8s-toolchain: %-24s %s building...\n", t.name, t.version)
	began := time.Now()
	tmp := dst + ".tmp"
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", t.ldflags, "-o", tmp, t.pkg)
	cmd.Dir = filepath.Join(src, t.module)
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "CGO_ENABLED=0", "GOWORK=off")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("building %s: %w", t.name, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	if err := os.WriteFile(stamp, []byte(t.version+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Printf("k8s-toolchain: %-24s %s built in %s\n", t.name, t.version, time.Since(began).Round(time.Second))
	return nil
}

// writeStages concatenates the kwok stage configs that make fake nodes turn
// Ready (with node leases) and pods reach Running, into bin/kwok-stages.yaml.
func writeStages(src, bin string) error {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/kwok")
	cmd.Dir = filepath.Join(src, "kwok")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	dirOut, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("locating the kwok module: %w", err)
	}
	dir := strings.TrimSpace(string(dirOut))
	files := []string{
		"kustomize/stage/node/fast/node-initialize.yaml",
		"kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
		"kustomize/stage/pod/fast/pod-ready.yaml",
		"kustomize/stage/pod/fast/pod-complete.yaml",
		"kustomize/stage/pod/fast/pod-delete.yaml",
	}
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return err
		}
		b.WriteString("---\n")
		b.Write(data)
		if !strings.HasSuffix(b.String(), "\n") {
			b.WriteString("\n")
		}
	}
	tmp := filepath.Join(bin, "kwok-stages.yaml.tmp")
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(bin, "kwok-stages.yaml"))
}
