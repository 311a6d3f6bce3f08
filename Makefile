# nimbusctl — build, test, docs, benchmarks, and the sandbox demo.
GO       ?= go
BIN      ?= bin/nimbusctl
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null)
DATE     ?= $(shell date -u +%Y-%m-%d)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

.PHONY: all build test test-short bench docs man completions release-snapshot demo vet fmt clean

all: build

# The sandbox is a program of its own (`nimbusctl sandbox` runs it from the same folder), so the
# emulator costs the other commands nothing at start-up.
SANDBOX_BIN = $(dir $(BIN))nimbusctl-sandbox

build: ## build bin/nimbusctl and bin/nimbusctl-sandbox
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/nimbusctl
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(SANDBOX_BIN) ./cmd/nimbusctl-sandbox

test: ## the full suite, as CI runs it
	$(GO) test -race ./...

test-short:
	$(GO) test ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w $$(git ls-files '*.go')

docs: ## regenerate docs/reference and docs/man from the command tree
	$(GO) run ./cmd/gen-docs -markdown docs/reference -man docs/man

man: ## regenerate the man pages (docs/man) from the command tree
	$(GO) run ./cmd/gen-docs -man docs/man

completions: ## write the bash, zsh, fish and PowerShell completions to build/completions (for packages)
	$(GO) run ./cmd/gen-docs -completions build/completions

# BENCH_FLAGS picks the whole-command figures, e.g. BENCH_FLAGS='-imports 1k-50/s -validate-rows 0'
# (go run ./cmd/nimbusctl-bench -h lists them). All of them take about ten minutes.
bench: build ## package benchmarks, then whole-command figures against the sandbox
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/...
	$(GO) run ./cmd/nimbusctl-bench -bin $(BIN) $(BENCH_FLAGS)

# release-snapshot: every release artifact into dist/ (archives, deb/rpm/apk, the Homebrew
# cask, Scoop and winget manifests, SBOMs, checksums, the container image), publishing
# nothing. Needs goreleaser v2.15+ and syft on PATH (both install with go install, see
# docs/development.md); the image needs a Docker daemon with buildx, and is skipped without one.
release-snapshot: ## build all release artifacts into dist/ without publishing
	@command -v goreleaser >/dev/null || { echo "release-snapshot: goreleaser is not on PATH (see docs/development.md)" >&2; exit 1; }
	@skip=""; \
	if ! docker buildx version >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then \
		echo "release-snapshot: no Docker daemon with buildx here: skipping the container image" >&2; skip="docker"; \
	fi; \
	if ! command -v syft >/dev/null; then \
		echo "release-snapshot: syft is not on PATH: skipping the SBOMs" >&2; skip="$${skip:+$$skip,}sbom"; \
	fi; \
	set -x; goreleaser release --snapshot --clean $${skip:+--skip=$$skip}

clean:
	rm -rf bin build dist

# demo: the README's first command. It runs the main job against the sandbox from a fresh
# clone, in a throwaway config/cache/state folder (your own profiles and tokens are never
# touched, and NIMBUSCTL_* variables of your shell are ignored; the tokens stay in that folder,
# not in your keyring): start the sandbox, sign in by
# device code (approved automatically), show the credential, list address books, add a
# contact, schedule a call and list it, then stop the sandbox. Any failing step fails the demo.
define DEMO_SCRIPT
set -euo pipefail
bin="$(BIN)"; case "$$bin" in /*) ;; *) bin="$$PWD/$$bin" ;; esac
for v in $$(compgen -e | grep -E '^(NIMBUSCTL_|NPSTODAY_)' || true); do unset "$$v"; done
tmp="$$(mktemp -d)"
export NIMBUSCTL_CONFIG_DIR="$$tmp/config" NIMBUSCTL_CACHE_DIR="$$tmp/cache" NIMBUSCTL_STATE_DIR="$$tmp/state"
export NIMBUSCTL_TOKEN_STORAGE=file # a throwaway cache: leave no key behind in your keyring
"$$bin" sandbox --port 0 --ready-file "$$tmp/sandbox.ready" 2>"$$tmp/sandbox.log" &
pid=$$!
trap 'kill "$$pid" 2>/dev/null || true; wait "$$pid" 2>/dev/null || true; rm -rf "$$tmp"' EXIT
for _ in $$(seq 300); do
	[ -s "$$tmp/sandbox.ready" ] && break
	kill -0 "$$pid" 2>/dev/null || { cat "$$tmp/sandbox.log" >&2; echo "demo: the sandbox did not start" >&2; exit 1; }
	sleep 0.1
done
[ -s "$$tmp/sandbox.ready" ] || { echo "demo: the sandbox did not start within 30s" >&2; exit 1; }
echo "demo: sandbox at $$(cat "$$tmp/sandbox.ready")" >&2
run() { echo "+ nimbusctl --profile sandbox $$*" >&2; "$$bin" --profile sandbox "$$@"; }
run auth login
run auth status
run addressbook list
run contact add Customers --external-id DEMO-0001 --first-name Ada --last-name Lovelace --mobile +41791234567
run schedule create --service support@contoso.com --destination +41791234567 --due +1h --reference-id demo-callback-1
run schedule list --service support@contoso.com --reference-id demo-callback-1
kill -TERM "$$pid"
wait "$$pid"
echo "demo: every step passed; the sandbox stopped cleanly" >&2
endef
export DEMO_SCRIPT

demo: build ## run the main job against the sandbox (README's first command)
	@bash -c "$$DEMO_SCRIPT"
