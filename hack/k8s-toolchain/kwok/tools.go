//go:build tools

// Package kwok pins the kwok fake-kubelet the toolchain builds.
package kwok

import _ "sigs.k8s.io/kwok/cmd/kwok"
