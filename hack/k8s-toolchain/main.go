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
	"io"
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
	shared := flag.String("shared", defaultShared(), "machine-wide cache reused across checkouts (\"\" to disable)")
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
		if err := fromShared(*shared, bin, t); err != nil {
			if err := build(src, bin, t); err != nil {
				fail(err)
			}
		}
		toShared(*shared, bin, t)
	}
	if err := writeStages(src, bin); err != nil {
		fail(err)
	}
	fmt.Printf("k8s-toolchain: ready in %s (%s)\n", bin, time.Since(start).Round(time.Second))
}

// defaultShared is a per-user cache, so a fresh clone on a machine that has
// built the toolchain before (CI on a developer's machine) links it in
// seconds instead of rebuilding.
func defaultShared() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "paddock", "k8s-toolchain")
}

func stampOK(dir string, t target) bool {
	have, err := os.ReadFile(filepath.Join(dir, t.name+".version"))
	if err != nil || strings.TrimSpace(string(have)) != t.version {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, t.name))
	return err == nil
}

// fromShared links (or copies) a cached binary of the right version into
// bin when bin lacks it.
func fromShared(shared, bin string, t target) error {
	if stampOK(bin, t) {
		fmt.Printf("k8s-toolchain: %-24s %s cached\n", t.name, t.version)
		return nil
	}
	if shared == "" || !stampOK(shared, t) {
		return os.ErrNotExist
	}
	if err := place(filepath.Join(shared, t.name), filepath.Join(bin, t.name)); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(bin, t.name+".version"), []byte(t.version+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Printf("k8s-toolchain: %-24s %s from %s\n", t.name, t.version, shared)
	return nil
}

// toShared stores a fresh build in the shared cache; failure only costs a
// later rebuild.
func toShared(shared, bin string, t target) {
	if shared == "" || stampOK(shared, t) || os.MkdirAll(shared, 0o755) != nil {
		return
	}
	if place(filepath.Join(bin, t.name), filepath.Join(shared, t.name)) == nil {
		_ = os.WriteFile(filepath.Join(shared, t.name+".version"), []byte(t.version+"\n"), 0o644)
	}
}

// place hard-links src to dst, copying when linking is impossible; the
// result appears atomically.
func place(src, dst string) error {
	tmp := dst + ".tmp"
	os.Remove(tmp)
	if err := os.Link(src, tmp); err != nil {
		in, err := os.Open(src)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
	}
	return os.Rename(tmp, dst)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "k8s-toolchain:", err)
	os.Exit(1)
}

// build compiles one target. The binary is written under a temporary name and renamed, so an interrupted
// build never leaves a truncated executable that a later run would trust.
func build(src, bin string, t target) error {
	dst := filepath.Join(bin, t.name)
	stamp := dst + ".version"
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
