module github.com/paddockhq/paddock/hack/k8s-toolchain

go 1.26.0
