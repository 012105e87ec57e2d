# gatehouse — common tasks. `make help` lists them.
.DEFAULT_GOAL := help
GO ?= go
# Node packages the tests drive (differential policy test, JS signers of the tutorials).
NPM_DIRS := $(patsubst %/package-lock.json,%,$(wildcard test/*/package-lock.json examples/*/package-lock.json examples/*/*/package-lock.json))

.PHONY: help run build test deps vet lint check bench fuzz doc ops-models

help: ## show this help
	@awk 'BEGIN{FS=":.*## "} /^[a-z-]+:.*## /{printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## build and run gatehouse on the embedded default store (./.gatehouse)
	$(GO) run ./cmd/gatehouse serve

build: ## build bin/gatehouse
	$(GO) build -o bin/gatehouse ./cmd/gatehouse

deps: ## install the Node packages the tests use, from their lockfiles
	@command -v npm >/dev/null || { echo "npm not found: skipping Node packages (the tests that drive them will skip)"; exit 0; }; \
	for d in $(NPM_DIRS); do \
		if [ ! -d $$d/node_modules ] || [ $$d/package-lock.json -nt $$d/node_modules ]; then \
			echo "npm ci --prefix $$d"; npm ci --prefix $$d --no-audit --no-fund --loglevel=error || exit 1; \
		fi; \
	done

vet: ## go vet
	$(GO) vet ./...

lint: ## staticcheck (installed with: go install honnef.co/go/tools/cmd/staticcheck@v0.8.2)
	staticcheck ./...

test: deps vet ## the whole test suite: vet, then every test with the race detector
	$(GO) test -race -timeout 20m ./...

check: test lint ## everything CI runs except benchmarks

bench: ## run every benchmark once (CI smoke); use -benchtime/-count for real numbers
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

doc: ## regenerate doc/operations.md (AWS operations, implemented or not) from doc/aws-models and the code
	$(GO) run ./internal/tools/opsdoc

ops-models: ## re-extract doc/aws-models from the botocore installed here (python3), then regenerate doc/operations.md
	$(GO) run ./internal/tools/opsdoc -extract
