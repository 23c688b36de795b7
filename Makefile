# vpid: build, test and run locally.
#
#   make tools    install the pinned local tooling (idempotent, instant when done)
#   make test     make lint, then go vet + go test against DynamoDB Local and cognito-local, then make fuzz
#   make lint     golangci-lint (pinned), go mod tidy drift, and go vet for macOS
#   make fuzz     each fuzz target for FUZZTIME (default 100000 inputs; or a time, e.g. 20s)
#   make run      the API on 127.0.0.1:8080 with local emulators (data in .local/)
#   make pool     add a Cognito user pool with an AWS-shaped ARN to the local stack
#   make build    Lambda binaries: bin/<function>/bootstrap (linux/arm64)
#   make synth    CloudFormation templates into cdk.out/ (also: deploy, destroy)
#   make clean    remove build output and local data

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

GO ?= go
NPM ?= npm
NODE ?= node

TOOLS := .tools
TOOLS_CACHE := $(TOOLS)/cache

# ---------------------------------------------------------------------------
# Pinned tools
# ---------------------------------------------------------------------------

# npm packages (cognito-local, aws-cdk) are pinned in .tools/package.json and
# .tools/package-lock.json. The stamp lives inside node_modules so deleting the
# folder is enough to reinstall.
NPM_STAMP := $(TOOLS)/node_modules/.vpid-installed

# AWS's DynamoDB Local ships inside this npm package (folder emulator/). Only
# the tarball is fetched and checked; the package itself is never installed.
DDB_PACKAGE := amplify-dynamodb-simulator
DDB_VERSION := 2.9.30
DDB_INTEGRITY := sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==
DDB_TARBALL := $(TOOLS_CACHE)/$(DDB_PACKAGE)-$(DDB_VERSION).tgz
DDB_DIR := $(TOOLS)/dynamodb-local
DDB_STAMP := $(DDB_DIR)/.vpid-installed-$(DDB_VERSION)

# Prints a file's subresource-integrity string (what npm's dist.integrity holds).
export SRI_SHA512 := const fs = require("fs"), crypto = require("crypto"); \
	process.stdout.write("sha512-" + crypto.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))

GO_MOD_STAMP := $(TOOLS_CACHE)/go-mod-download.stamp

# golangci-lint, built from source at a pinned version into the tools cache
# (its configuration: .golangci.yml).
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT := $(TOOLS_CACHE)/golangci-lint-$(GOLANGCI_LINT_VERSION)/golangci-lint

# Debian package installed when no java is on PATH.
JAVA_APT_PACKAGE := openjdk-17-jre-headless
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------

# Flags for go test in `make test`, e.g. make test TESTFLAGS='-race -count=1 -run TestX'.
TESTFLAGS ?= -race -count=1 -timeout 20m
# Extra flags for `make run`, e.g. RUNFLAGS='-api-port 8081'.
RUNFLAGS ?=

# `make pool`: POOL_ID empty = a random id; REGION empty = the prefix of POOL_ID
# (else us-east-1).
POOL_ID ?=
REGION ?=
ACCOUNT ?= 123456789012
NAME ?=
CLIENTS ?= 1

# Lambda functions: every folder under functions/.
FUNCTIONS := $(patsubst functions/%/,%,$(wildcard functions/*/))
BINARIES := $(FUNCTIONS:%=bin/%/bootstrap)
LAMBDA_GOOS := linux
LAMBDA_GOARCH := arm64

# The CDK CLI pinned in .tools; cdk.json tells it how to run the Go app.
CDK := $(TOOLS)/node_modules/.bin/cdk
CDK_ARGS ?=
export CDK_DISABLE_VERSION_CHECK := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: help tools java npm-tools dynamodb-local go-mod golangci-lint run test lint fuzz build synth deploy destroy pool clean FORCE

help:
	@sed -n 's/^#   make /make /p' $(firstword $(MAKEFILE_LIST))

# ---------------------------------------------------------------------------
# tools
# ---------------------------------------------------------------------------

tools: java npm-tools dynamodb-local go-mod

java:
	@if ! command -v java >/dev/null 2>&1; then \
		echo "java not found: installing $(JAVA_APT_PACKAGE)"; \
		$(SUDO) apt-get update; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(JAVA_APT_PACKAGE); \
	fi

npm-tools: $(NPM_STAMP)

$(NPM_STAMP): $(TOOLS)/package.json $(TOOLS)/package-lock.json
	$(NPM) ci --prefix $(TOOLS)
	@touch $@

dynamodb-local: $(DDB_STAMP)

$(DDB_TARBALL):
	@mkdir -p $(@D)
	cd $(@D) && $(NPM) pack --silent $(DDB_PACKAGE)@$(DDB_VERSION) >/dev/null
	@test -f $@ || { echo "npm pack did not write $@" >&2; exit 1; }

# Checks the tarball against the pinned integrity, then keeps only emulator/.
$(DDB_STAMP): $(DDB_TARBALL)
	@got="$$($(NODE) -e "$$SRI_SHA512" $<)"; \
	if [[ "$$got" != "$(DDB_INTEGRITY)" ]]; then \
		echo "$<: integrity $$got, want $(DDB_INTEGRITY)" >&2; \
		rm -f $<; exit 1; \
	fi
	rm -rf $(DDB_DIR) $(DDB_DIR).tmp
	mkdir -p $(DDB_DIR).tmp
	tar -xzf $< -C $(DDB_DIR).tmp --strip-components=2 package/emulator
	@test -f $(DDB_DIR).tmp/DynamoDBLocal.jar || { echo "no DynamoDBLocal.jar in $<" >&2; exit 1; }
	mv $(DDB_DIR).tmp $(DDB_DIR)
	@touch $@

go-mod: $(GO_MOD_STAMP)

golangci-lint: $(GOLANGCI_LINT)

$(GOLANGCI_LINT):
	GOBIN=$(CURDIR)/$(@D) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

$(GO_MOD_STAMP): go.mod go.sum
	$(GO) mod download
	@mkdir -p $(@D)
	@touch $@

# ---------------------------------------------------------------------------
# run, test
# ---------------------------------------------------------------------------

run: tools
	$(GO) run ./internal/dev/devstack run $(RUNFLAGS)

# Starts DynamoDB Local and cognito-local once on free ports for all packages.
test: tools lint
	$(GO) run ./internal/dev/devstack test -- sh -c '$(GO) vet ./... && $(GO) test $(TESTFLAGS) ./...'
	$(MAKE) --no-print-directory fuzz

# Each fuzz target for FUZZTIME; the go tool fuzzes one target per run. New
# inputs are kept in the go build cache, crashers in the package's
# testdata/fuzz/. The default budget is a count of inputs (a few seconds a
# target), not a duration: with a duration, Go 1.26's fuzzing coordinator
# sometimes failed a target with "context deadline exceeded" at the deadline
# without having found anything.
# -fuzzminimizetime bounds the minimizing of each new input (60s by
# default), which would otherwise stall runs this short.
FUZZTIME ?= 100000x
FUZZFLAGS ?= -fuzztime $(FUZZTIME) -fuzzminimizetime 1s

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' $(FUZZFLAGS) ./internal/entry
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeTokenRequest$$' $(FUZZFLAGS) ./internal/entry
	$(GO) test -run '^$$' -fuzz '^FuzzStr$$' $(FUZZFLAGS) ./internal/jsonscan
	$(GO) test -run '^$$' -fuzz '^FuzzSkip$$' $(FUZZFLAGS) ./internal/jsonscan
	$(GO) test -run '^$$' -fuzz '^FuzzHandle$$' $(FUZZFLAGS) ./internal/awsjson
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeEvent$$' $(FUZZFLAGS) ./internal/awsjson
	$(GO) test -run '^$$' -fuzz '^FuzzAppendResponse$$' $(FUZZFLAGS) ./internal/awsjson
	$(GO) test -run '^$$' -fuzz '^FuzzValidateCreateIdentitySource$$' $(FUZZFLAGS) ./internal/avp
	$(GO) test -run '^$$' -fuzz '^FuzzUpdateIdentitySourceValidation$$' $(FUZZFLAGS) ./internal/avp
	$(GO) test -run '^$$' -fuzz '^FuzzOpenPage$$' $(FUZZFLAGS) ./internal/avp
	$(GO) test -run '^$$' -fuzz '^FuzzVerify$$' $(FUZZFLAGS) ./internal/token
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' $(FUZZFLAGS) ./internal/cedarpolicy
	$(GO) test -run '^$$' -fuzz '^FuzzLink$$' $(FUZZFLAGS) ./internal/cedarpolicy

# go mod tidy -diff fails when go.mod or go.sum are not tidy; GOOS=darwin
# go vet keeps the tree building where developers work as well as in Lambda.
lint: go-mod $(GOLANGCI_LINT)
	$(GO) mod tidy -diff
	$(GOLANGCI_LINT) run ./...
	GOOS=darwin $(GO) vet ./...

pool:
	$(GO) run ./internal/dev/devstack pool -id '$(POOL_ID)' -region '$(REGION)' \
		-account '$(ACCOUNT)' -name '$(NAME)' -clients '$(CLIENTS)'

# ---------------------------------------------------------------------------
# build, CDK
# ---------------------------------------------------------------------------

build: $(BINARIES)

# Always handed to go build: its cache decides what is stale.
bin/%/bootstrap: FORCE
	GOOS=$(LAMBDA_GOOS) GOARCH=$(LAMBDA_GOARCH) CGO_ENABLED=0 \
		$(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' -o $@ ./functions/$*

synth: build tools
	$(CDK) synth --quiet --output cdk.out $(CDK_ARGS)

deploy: build tools
	$(CDK) deploy --output cdk.out $(CDK_ARGS)

destroy: tools
	$(CDK) destroy --output cdk.out $(CDK_ARGS)

FORCE:

# ---------------------------------------------------------------------------
# clean
# ---------------------------------------------------------------------------

clean:
	rm -rf bin/ cdk.out/ .local/

# ---------------------------------------------------------------------------
# load, bench
# ---------------------------------------------------------------------------

#   make load     the real API under concurrent SDK clients, then table invariants (LOADFLAGS='-duration 60s')
#   make bench    benchmarks against their floors, written into BENCHMARKS.md (BENCHFLAGS='-count 1')

.PHONY: load bench

load: tools
	$(GO) run ./internal/dev/loadtest/cmd/load $(LOADFLAGS)

# AWS's Lambda Runtime Interface Emulator, pinned, for the cold-start benchmark.
.tools/cache/bin/aws-lambda-rie:
	GOBIN=$(CURDIR)/.tools/cache/bin $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d

# Each benchmark runs its own iterations (flags in internal/dev/bench/bench_test.go,
# e.g. BENCHFLAGS='-count 1 -args -pairs 1000'); -count repeats them to show the variance.
bench: tools .tools/cache/bin/aws-lambda-rie
	@mkdir -p bin
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 3 -timeout 60m ./internal/dev/bench/ $(BENCHFLAGS) | tee bin/bench.txt
	$(GO) run ./internal/dev/bench/cmd/benchreport -write BENCHMARKS.md bin/bench.txt
