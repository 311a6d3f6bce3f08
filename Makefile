# nimbusctl — build, test, docs, benchmarks, and the sandbox demo.
GO       ?= go
BIN      ?= bin/nimbusctl
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null)
DATE     ?= $(shell date -u +%Y-%m-%d)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

.PHONY: all build test test-short bench docs demo vet fmt clean

all: build

build: ## build bin/nimbusctl
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/nimbusctl

test: ## the full suite, as CI runs it
	$(GO) test -race ./...

test-short:
	$(GO) test ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w $$(git ls-files '*.go')

docs: ## regenerate docs/reference from the command tree
	$(GO) run ./cmd/nimbusctl gen-docs --dir docs/reference

bench: build ## package benchmarks, then whole-command figures against the sandbox
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/...

clean:
	rm -rf bin
