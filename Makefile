# Paddock — build, run, test.
GO        ?= go
BIN       := bin/paddock
K8S_CACHE := $(CURDIR)/.cache/k8s
TOOLS     := $(CURDIR)/.cache/tools
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/paddockhq/paddock/internal/version.Version=$(VERSION)
STATICCHECK_VERSION := v0.8.2
export PADDOCK_K8S_BIN ?= $(K8S_CACHE)/bin

.PHONY: all build run test test-go test-race test-web lint bench toolchain staticcheck clean ui

all: build

## build: build the web UI, then compile the single paddock binary into bin/
build: ui
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/paddock

## run: start the server on the embedded default (SQLite in ./paddock-data)
## with a simulated "demo" cluster connected through the agent path
run: build toolchain
	./$(BIN) server --data-dir ./paddock-data --demo-cluster

## test: lint, build the UI and the Kubernetes toolchain, run every test
test: lint ui toolchain test-web test-go test-race

## ui: build the web UI (web/) into internal/ui/dist/app, embedded by go build
ui: web/node_modules/.installed
	cd web && npm run build

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

## test-web: type-check and unit-test the web UI (Vitest)
test-web: web/node_modules/.installed
	cd web && npx vitest run

## test-race: the concurrency-heavy packages again under the race detector
test-race:
	$(GO) test -race -count=1 ./internal/tunnel/ ./internal/auth/ ./internal/httpx/ ./internal/secrets/

test-go:
	$(GO) test -count=1 -p 1 -timeout 30m ./...

## lint: gofmt, go vet, staticcheck
lint: staticcheck
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(TOOLS)/staticcheck ./...

staticcheck:
	@test -x $(TOOLS)/staticcheck || GOBIN=$(TOOLS) GOFLAGS= $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## bench: run the benchmarks recorded in docs/benchmarks.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./internal/auth/ ./internal/store/sqlstore/ ./internal/api/ ./internal/access/ | tee .cache/bench.txt
	PADDOCK_BENCH=1 $(GO) test -count=1 -timeout 20m -run TestKubePaths -v ./test/bench/ | tee -a .cache/bench.txt
	PADDOCK_BENCH=1 $(GO) test -count=1 -timeout 10m -run TestConvergeScale -v ./internal/rbacsync/ | tee -a .cache/bench.txt
	PADDOCK_BENCH=1 $(GO) test -run '^$$' -bench LoginThousandGroups -benchtime 50x -count 3 ./internal/idp/ldap/ | tee -a .cache/bench.txt
	$(MAKE) ui
	PADDOCK_BENCH=1 $(GO) test -count=1 -timeout 20m -run TestUIRenderBench -v ./test/e2e/ | grep -E 'RESULT|created|PASS|FAIL' | tee -a .cache/bench.txt

## toolchain: build etcd, kube-apiserver, kcm, scheduler, kubectl, kwok into .cache/k8s/bin
toolchain:
	cd hack/k8s-toolchain && GOFLAGS= $(GO) run . -out $(K8S_CACHE)

clean:
	rm -rf bin
