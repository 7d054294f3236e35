# The single entry point. Every target bootstraps what it needs (the .venv with the
# pinned toolchain from requirements-dev.txt), so any of them works first on a fresh clone.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
UPSTREAM ?= spec/upstream/openrouter-openapi.yaml
export SOURCE_DATE_EPOCH ?= 1767225600
DIST ?= dist
WHEELHOUSE := $(VENV)/wheelhouse

GENERATE = $(BIN)/openapi-python-client generate --path openapi.yaml \
	--config generator-config.yaml --meta none --overwrite

.PHONY: help setup generate spec check check-generated check-spec lint typecheck test wheel demo clean
.PHONY: publish vendor wheelhouse contract-setup
.PHONY: bench system-deps mutation

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

setup: $(STAMP) ## Create .venv with the pinned toolchain (fast when up to date)

$(STAMP): requirements-dev.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

generate: $(STAMP) ## Regenerate generated/ from openapi.yaml + generator-config.yaml
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	PATH="$(CURDIR)/$(BIN):$$PATH" $(GENERATE) --output-path "$$tmp/out" >/dev/null; \
	rm -rf generated; cp -R "$$tmp/out" generated; echo "generated/ regenerated"

spec: $(STAMP) ## Slice openapi.yaml from UPSTREAM (default: the pinned copy) and apply spec/overlays/*.overlay.yaml
	$(BIN)/python tools/spec.py "$(UPSTREAM)" --overlays spec/overlays --out openapi.yaml

# Runs every check even when one fails, so one run shows all the drift (say, an edited
# openapi.yaml: both its difference from make spec and the generated files it changes).
check: $(STAMP) ## Verify spec, generated/, ruff and mypy --strict
	@failed=""; for t in check-spec check-generated lint typecheck; do \
	  $(MAKE) --no-print-directory $$t || failed="$$failed $$t"; done; \
	if [ -n "$$failed" ]; then echo "make check failed:$$failed" >&2; exit 1; fi

check-spec: $(STAMP)
	$(BIN)/openapi-spec-validator openapi.yaml
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(BIN)/python tools/spec.py spec/upstream/openrouter-openapi.yaml --overlays spec/overlays --out "$$tmp/openapi.yaml"; \
	if ! diff -u openapi.yaml "$$tmp/openapi.yaml" --label openapi.yaml --label "make spec"; then \
	  echo "openapi.yaml differs from what 'make spec' makes from spec/upstream/: run 'make spec'" >&2; exit 1; fi; \
	echo "openapi.yaml matches make spec"

check-generated: $(STAMP)
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	PATH="$(CURDIR)/$(BIN):$$PATH" $(GENERATE) --output-path "$$tmp/out" >/dev/null; \
	if ! diff -ruN -x __pycache__ generated "$$tmp/out" | sed "s#$$tmp/out#regenerated#"; then :; fi; \
	if ! diff -rq -x __pycache__ generated "$$tmp/out" >/dev/null; then \
	  echo "generated/ differs from the generator's output: run 'make generate'" >&2; exit 1; fi; \
	echo "generated/ matches the generator's output"

lint: $(STAMP)
	$(BIN)/ruff check overlays tests tools bench
	$(BIN)/ruff format --check overlays tests tools bench

typecheck: $(STAMP)
	$(BIN)/mypy --strict overlays/openrouter_credits tests tools bench

test: check contract-setup ## make check, then the test suite
	$(BIN)/python -m pytest

wheel: $(STAMP) ## Build sdist and wheel into DIST (default dist/; byte-identical across runs), check both
	@test -n "$(DIST)" || { echo "make wheel: DIST is empty" >&2; exit 2; }
	rm -rf "$(DIST)"
	$(BIN)/python -m build --no-isolation --outdir "$(DIST)" . >/dev/null
	$(BIN)/twine check --strict "$(DIST)"/*
	$(BIN)/check-wheel-contents "$(DIST)"/*.whl
	@ls -l "$(DIST)"

# Credentials only ever come from the environment (TWINE_USERNAME / TWINE_PASSWORD), so
# neither make's command echo nor twine's output can show them.
publish: $(STAMP) ## make wheel, then upload DIST to the index at TWINE_REPOSITORY_URL (twine env settings)
	@test -n "$${TWINE_REPOSITORY_URL:-}" || { echo "make publish: set TWINE_REPOSITORY_URL to the internal index's upload URL (and TWINE_USERNAME / TWINE_PASSWORD)" >&2; exit 2; }
	@case "$$TWINE_REPOSITORY_URL" in *://*@*) echo "make publish: TWINE_REPOSITORY_URL must not hold credentials: use TWINE_USERNAME / TWINE_PASSWORD" >&2; exit 2;; esac
	@$(MAKE) --no-print-directory wheel DIST="$(DIST)"
	$(BIN)/twine upload --non-interactive --disable-progress-bar "$(DIST)"/*

vendor: ## Copy the package into DEST as PACKAGE (default openrouter_credits): make vendor DEST=dir [PACKAGE=name]
	@test -n "$(DEST)" || { echo "usage: make vendor DEST=<dir> [PACKAGE=<name>]" >&2; exit 2; }
	$(PYTHON) tools/vendor.py "$(DEST)" $(if $(PACKAGE),--package "$(PACKAGE)")

# The run-time dependencies as wheels, pinned by requirements-dev.txt: the publish test
# serves them from its local index next to the package (no other index is reached then).
wheelhouse: $(WHEELHOUSE)/.stamp
$(WHEELHOUSE)/.stamp: $(STAMP) requirements-dev.txt pyproject.toml
	rm -rf $(WHEELHOUSE)
	$(BIN)/python -m pip download --quiet --disable-pip-version-check --no-build-isolation \
	  --only-binary=:all: -c requirements-dev.txt --dest $(WHEELHOUSE) .
	@touch $@

# The Prism mock server for tests/test_contract.py, pinned by package-lock.json. Without
# Node.js the contract test is skipped (and says so); with it, npm ci must succeed.
contract-setup: ## Install the pinned Prism mock server (npm ci) when Node.js is present
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  echo "Node.js/npm not found: the Prism contract test (tests/test_contract.py) will be skipped" >&2; \
	elif [ ! -x node_modules/.bin/prism ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	  echo "npm ci (Prism mock server, for the contract test)"; \
	  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; \
	fi

demo: $(STAMP) ## Run the command line against the stand-in server (no key, no internet)
	@$(BIN)/python tools/demo.py $(DEMO_ARGS)

# Benchmarks (BENCHMARKS.md), not part of make test. Adds the official SDK and pyinstrument
# to .venv (bench/requirements.txt changes none of requirements-dev.txt's pins) and nginx from
# Debian via make system-deps (without it, python -m bench falls back to the stand-in server).
# BENCH_ARGS: e.g. --quick, --only per-call,import, --profile.
BENCH_STAMP := $(VENV)/.bench-stamp

$(BENCH_STAMP): bench/requirements.txt $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	@touch $@

bench: $(BENCH_STAMP) ## Benchmarks vs raw httpx and the official SDK, against nginx (see BENCHMARKS.md)
	@if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then \
	  echo "nginx not found: the benchmarks fall back to the stand-in server ('make system-deps' installs nginx-light)" >&2; \
	fi
	$(BIN)/python -m bench $(BENCH_ARGS)

# Mutation testing (CONTRIBUTING.md, "Mutation testing"), not part of make test. Adds mutmut to
# .venv (tools/mutation-requirements.txt changes none of requirements-dev.txt's pins), runs it
# over the hand-written package in build/mutation/ and prints the per-module table.
# MUTATION_ARGS: module names to run only those (e.g. cli client), --workers N.
MUTATION_STAMP := $(VENV)/.mutation-stamp

$(MUTATION_STAMP): tools/mutation-requirements.txt $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r tools/mutation-requirements.txt
	@touch $@

mutation: $(MUTATION_STAMP) ## Mutation testing of the hand-written package; prints the per-module table
	$(BIN)/python tools/mutation.py run $(MUTATION_ARGS)

# Debian packages that tests and benchmarks use when present (nginx for make bench,
# node_exporter and promtool for the Prometheus tests). The one target that installs
# system packages; .ci/run calls it. Needs root (or sudo) and apt; elsewhere it says what
# it could not do and the tests that need the packages skip with the reason.
SYSTEM_PACKAGES := nginx-light prometheus-node-exporter prometheus

system-deps: ## Install the Debian packages tests and benchmarks use (nginx, node_exporter, promtool)
	@if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "make system-deps: no apt-get here; install $(SYSTEM_PACKAGES) by other means (tests that need them skip)" >&2; exit 0; fi; \
	sudo=""; if [ "$$(id -u)" != 0 ]; then sudo="sudo"; fi; \
	missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s "$$p" >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "system packages present: $(SYSTEM_PACKAGES)"; exit 0; fi; \
	echo "installing Debian packages:$$missing"; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
	  --no-install-recommends $$missing >/dev/null

clean: ## Remove build outputs (keeps .venv)
	rm -rf dist build .pytest_cache .mypy_cache .ruff_cache
