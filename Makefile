# gatehouse — common tasks. `make help` lists them.
.DEFAULT_GOAL := help
GO ?= go
# The test recipes pipe go test into the summary; pipefail keeps go test's
# failure (a build error, a timeout) from being hidden by the pipe.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# Extra go test flags, e.g. GOTESTFLAGS='-run TestX -count=1'.
GOTESTFLAGS ?=
# How long `make fuzz` runs each fuzz target.
FUZZTIME ?= 10s
# go test -json | testsummary: one line per package, failures in full,
# skipped tests with their reasons, then "N passed, M failed, K skipped".
SUMMARY = bin/testsummary
# Node packages the tests drive (differential policy test, JS signers of the tutorials).
NPM_DIRS := $(patsubst %/package-lock.json,%,$(wildcard test/*/package-lock.json examples/*/package-lock.json examples/*/*/package-lock.json))
# Version-manager shims (pyenv's `aws`, `python3`) start a shell and a
# handful of processes on every call, seconds each on a loaded 2-core
# machine; the tests call the AWS CLI and python hundreds of times, so
# make puts the directory the shim would pick first in PATH (the same
# interpreter, without the detour). Without pyenv nothing changes.
PYENV_BIN := $(shell command -v pyenv >/dev/null 2>&1 && p=$$(pyenv which aws 2>/dev/null || pyenv which python3 2>/dev/null) && dirname "$$p")
ifneq ($(PYENV_BIN),)
export PATH := $(PYENV_BIN):$(PATH)
endif

.PHONY: help run build test test-short deps vet lint check bench fuzz doc ops-models moto $(SUMMARY)

help: ## show this help
	@awk 'BEGIN{FS=":.*## "} /^[a-z-]+:.*## /{printf "  %-11s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

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

# The end-to-end packages under test/ start the gatehouse binary and drive
# it with real clients; test-short leaves them out, and the unit packages
# skip their own binary- and tool-driven tests under -short.
UNIT_PKGS = $(shell $(GO) list ./... | grep -v '^github.com/gatehouse-dev/gatehouse/test/')

test-short: $(SUMMARY) ## unit tests only (-short, no test/ packages): no binary, no external tools
	@$(GO) test -short -json -timeout 5m $(GOTESTFLAGS) $(UNIT_PKGS) 2>&1 | $(SUMMARY) -log bin/test-short.log

# go test starts packages in the order they are named: the longest ones
# (mostly waiting on real tools) first, so they overlap the rest instead
# of running alone at the end.
SLOW_PKGS = ./test/e2e ./internal/cfn ./internal/lambda ./examples ./internal/iam ./internal/s3
# Four test binaries at a time, not GOMAXPROCS (2 here): the end-to-end
# packages spend much of their time waiting on tools and servers, and two
# at a time left a third of this 2-core machine idle. -ldflags=-w: no
# DWARF in test binaries (stack traces do not need it), a fifth of each
# -race link, which go test does not cache (~4 s of CPU per package).
TESTFLAGS = -race -p 4 -ldflags=-w -timeout 20m

# .ci/with-awsfork.sh serves `aws` from a fork server that has the AWS CLI
# v1 imported already: the same CLI code, a quarter of the CPU per run
# (internal/tools/awsfork). GATEHOUSE_AWSFORK=0 runs the CLI plainly.
test: deps vet $(SUMMARY) ## everything, with -race: unit and end-to-end tests; starts PostgreSQL for them
	@.ci/with-postgres.sh .ci/with-awsfork.sh bash -o pipefail -c '$(GO) test $(TESTFLAGS) -json $(GOTESTFLAGS) $(SLOW_PKGS) ./... 2>&1 | $(SUMMARY) -log bin/test.log'

$(SUMMARY):
	@$(GO) build -o $@ ./internal/tools/testsummary

fuzz: ## run every fuzz target for FUZZTIME each (default 10s; FUZZ=regexp picks targets)
	@GO=$(GO) FUZZTIME=$(FUZZTIME) internal/tools/fuzz.sh

check: test lint ## everything CI runs except benchmarks

# SUITES=test_iam; MOTO_REPO=path-to-a-moto-clone where GitHub is out of reach.
moto: ## run moto's own test suites in server mode against gatehouse (see test/moto/run.sh)
	test/moto/run.sh $(SUITES)

bench: ## run every benchmark once (CI smoke); use -benchtime/-count for real numbers
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

doc: ## regenerate doc/operations.md (AWS operations, implemented or not) from doc/aws-models and the code
	$(GO) run ./internal/tools/opsdoc

ops-models: ## re-extract doc/aws-models from the botocore installed here (python3), then regenerate doc/operations.md
	$(GO) run ./internal/tools/opsdoc -extract
