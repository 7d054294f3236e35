# The single entry point. Every target bootstraps what it needs (the .venv with the
# pinned toolchain from requirements/dev.txt), so any of them works first on a fresh clone.
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
	--custom-template-path templates \
	--config generator-config.yaml --meta none --overwrite

.PHONY: help setup lock generate spec check check-generated check-spec lint typecheck test wheel demo clean
.PHONY: test-under-load
.PHONY: publish vendor wheelhouse contract-setup
.PHONY: bench system-deps mutation test-matrix
.PHONY: check-release release-record changelog api-changes

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

setup: $(STAMP) ## Create .venv with the pinned toolchain (fast when up to date)

# uv (itself installed by pip from a hashed lock) installs the hashed lock of the toolchain;
# both refuse any file whose hash is not in the lock.
UV := $(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes
LOCKS := requirements/uv.txt requirements/dev.txt

$(STAMP): $(LOCKS) pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/uv.txt
	$(UV) -r requirements/dev.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	@touch $@

# Recompile the locks from requirements/*.in (the chosen tools) after editing those files.
# Pins already in a lock are kept unless an .in file asks otherwise.
COMPILE := $(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes --custom-compile-command "make lock"
lock: $(STAMP) ## Compile requirements/*.txt (pinned, with hashes) from requirements/*.in
	$(COMPILE) --universal requirements/uv.in -o requirements/uv.txt
	$(COMPILE) --python-platform x86_64-unknown-linux-gnu requirements/dev.in -o requirements/dev.txt
	$(COMPILE) --python-platform x86_64-unknown-linux-gnu -c requirements/dev.txt \
	  requirements/mutation.in -o requirements/mutation.txt

generate: $(STAMP) ## Regenerate generated/ from openapi.yaml + generator-config.yaml
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	PATH="$(CURDIR)/$(BIN):$$PATH" $(GENERATE) --output-path "$$tmp/out" >/dev/null; \
	rm -rf generated; cp -R "$$tmp/out" generated; echo "generated/ regenerated"

spec: $(STAMP) ## Slice openapi.yaml from UPSTREAM (default: the pinned copy), apply spec/overlays/*.overlay.yaml, report the API changes
	$(BIN)/python tools/spec.py "$(UPSTREAM)" --overlays spec/overlays --out openapi.yaml
	@$(BIN)/python -m tools.release changes

# The API change report and the release rules (CONTRIBUTING.md): the last release is
# recorded in spec/released/. OLD: a description to compare with (default: the last release's).
api-changes: $(STAMP) ## Report the API changes since the last release (OLD=file: since that description)
	@$(BIN)/python -m tools.release changes $(if $(OLD),--old "$(OLD)")

check-release: $(STAMP) ## Fail when the API, public API or generated/ changed since the last release without a big enough bump
	@$(BIN)/python -m tools.release check

changelog: $(STAMP) ## Draft the CHANGELOG.md entry for the changes since the last release
	@$(BIN)/python -m tools.release changelog

release-record: $(STAMP) ## Record the tree as the last release in spec/released/ (make publish runs it)
	@$(BIN)/python -m tools.release record

# Runs every check even when one fails, so one run shows all the drift (say, an edited
# openapi.yaml: both its difference from make spec and the generated files it changes).
CHECKS ?= check-spec check-generated check-release lint typecheck
check: $(STAMP) ## Verify spec, generated/, the version bump, ruff and mypy --strict
	@failed=""; for t in $(CHECKS); do \
	  $(MAKE) --no-print-directory $$t || failed="$$failed $$t"; done; \
	if [ -n "$$failed" ]; then echo "make check failed:$$failed" >&2; exit 1; fi

check-spec: $(STAMP) ## Validate openapi.yaml and compare it with what make spec makes from the pinned upstream copy
	$(BIN)/openapi-spec-validator openapi.yaml
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(BIN)/python tools/spec.py spec/upstream/openrouter-openapi.yaml --overlays spec/overlays --out "$$tmp/openapi.yaml"; \
	if ! diff -u openapi.yaml "$$tmp/openapi.yaml" --label openapi.yaml --label "make spec"; then \
	  echo "openapi.yaml differs from what 'make spec' makes from spec/upstream/: run 'make spec'" >&2; exit 1; fi; \
	echo "openapi.yaml matches make spec"

check-generated: $(STAMP) ## Compare generated/ with a fresh run of the pinned generator
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	PATH="$(CURDIR)/$(BIN):$$PATH" $(GENERATE) --output-path "$$tmp/out" >/dev/null; \
	if ! diff -ruN -x __pycache__ generated "$$tmp/out" | sed "s#$$tmp/out#regenerated#"; then :; fi; \
	if ! diff -rq -x __pycache__ generated "$$tmp/out" >/dev/null; then \
	  echo "generated/ differs from the generator's output: run 'make generate'" >&2; exit 1; fi; \
	echo "generated/ matches the generator's output"

lint: $(STAMP) ## ruff check and ruff format --check on overlays, tests, tools, bench
	$(BIN)/ruff check overlays tests tools bench
	$(BIN)/ruff format --check overlays tests tools bench

typecheck: $(STAMP) ## mypy --strict on overlays, tests, tools, bench
	$(BIN)/mypy --strict overlays/openrouter_credits tests tools bench

# The suite runs on PYTEST_WORKERS pytest-xdist workers, one test file per worker at a time
# (--dist loadfile: a file's module fixtures and servers stay in one process), in collection
# order (tests/conftest.py puts the longest files first). Three on two cores: the tests wait
# on sockets, sleeps and subprocesses as much as they compute (CONTRIBUTING "Running the
# suite"). PYTEST_WORKERS=0 runs it serially in one process. PYTEST_ARGS: more pytest
# arguments (e.g. -x, a path).
PYTEST_WORKERS ?= 3
PYTEST_ARGS ?=
PYTEST = $(BIN)/python -m pytest -n $(PYTEST_WORKERS) \
	$(if $(filter-out 0,$(PYTEST_WORKERS)),--dist loadfile --no-loadscope-reorder) $(PYTEST_ARGS)
test: check contract-setup ## make check, npm ci for Prism (first run), then the test suite (PYTEST_WORKERS=3; 0: serially)
	$(PYTEST)

# The suite on a busy machine (a user's CI often is one): LOAD processes (default: one a
# core) spin at normal priority for the whole run, as other jobs would. They stop when
# pytest ends, however it ends (and by themselves if this shell is gone). Plain Python
# loops, not a stress tool: nothing to install (CONTRIBUTING "Running the suite").
LOAD ?= $(shell nproc 2>/dev/null || echo 2)
SPIN := import os; parent = os.getppid(); exec("while os.getppid() == parent: pass")
test-under-load: check contract-setup ## make test with LOAD busy processes beside it (default: one a core)
	@pids=""; trap 'kill $$pids 2>/dev/null' EXIT; \
	for _ in $$(seq $(LOAD)); do $(BIN)/python -c '$(SPIN)' & pids="$$pids $$!"; done; \
	echo "make test-under-load: $(LOAD) busy processes beside pytest:$$pids"; \
	$(PYTEST)

# The wheel make wheel builds, in fresh venvs, resolved by uv from its own metadata at the
# lowest and the newest versions its ranges allow, on every CPython >= 3.11 here; a subset of
# the suite in each (tools/matrix.py; docs/maintaining/dependency-matrix.md). .ci/run runs it
# after make test. MATRIX_ARGS: e.g. --python 3.12 --resolution lowest, -- -x.
MATRIX_ARGS ?=
test-matrix: $(STAMP) ## The wheel at the lowest and newest dependency versions, every Python >= 3.11 here
	@$(MAKE) --no-print-directory wheel DIST=build/matrix/dist
	$(BIN)/python tools/matrix.py --wheel build/matrix/dist/*.whl $(MATRIX_ARGS)

wheel: $(STAMP) ## Build sdist and wheel into DIST (default dist/; byte-identical across runs), check both
	@test -n "$(DIST)" || { echo "make wheel: DIST is empty" >&2; exit 2; }
	rm -rf "$(DIST)"
	$(BIN)/python -m build --no-isolation --outdir "$(DIST)" . >/dev/null
	$(BIN)/twine check --strict "$(DIST)"/*
	$(BIN)/check-wheel-contents "$(DIST)"/*.whl
	@ls -l "$(DIST)"

# Credentials only ever come from the environment (TWINE_USERNAME / TWINE_PASSWORD), so
# neither make's command echo nor twine's output can show them. The release check runs
# first (an unbumped version is never built); after the upload spec/released/ records the
# release (RECORD_RELEASE=no skips that: the publish test does, on its throwaway index).
RECORD_RELEASE ?= yes
publish: $(STAMP) ## make check-release, make wheel, upload DIST to TWINE_REPOSITORY_URL, record the release
	@test -n "$${TWINE_REPOSITORY_URL:-}" || { echo "make publish: set TWINE_REPOSITORY_URL to the internal index's upload URL (and TWINE_USERNAME / TWINE_PASSWORD)" >&2; exit 2; }
	@case "$$TWINE_REPOSITORY_URL" in *://*@*) echo "make publish: TWINE_REPOSITORY_URL must not hold credentials: use TWINE_USERNAME / TWINE_PASSWORD" >&2; exit 2;; esac
	@$(MAKE) --no-print-directory check-release || { echo "make publish: refused: the release check failed (see above)" >&2; exit 1; }
	@$(MAKE) --no-print-directory wheel DIST="$(DIST)"
	@echo '$(BIN)/twine upload --non-interactive --disable-progress-bar "$(DIST)"/*'
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	if ! $(BIN)/twine upload --non-interactive --disable-progress-bar "$(DIST)"/* 2>&1 | tee "$$log"; then \
	  code=$$(sed -nE 's/.*HTTPError: ([0-9]{3}).*/\1/p' "$$log" | head -n 1); \
	  case "$$code" in \
	    401|403) why="the index refused the login: check TWINE_USERNAME and TWINE_PASSWORD";; \
	    409) why="this version is already on the index: bump it (CONTRIBUTING.md, Releasing)";; \
	    400|413) why="the index refused the upload's size or form: a stock pypiserver holds at most 100 KiB per upload in memory, a file under that and its description together ($$(cd "$(DIST)" && du -b -- * | tr '\t\n' ' ')bytes here): raise the index's limit, or shrink the wheel";; \
	    *) why="see twine's message above";; \
	  esac; \
	  echo "make publish: the upload failed$${code:+ (HTTP $$code)}: $$why" >&2; exit 1; \
	fi
	@if [ "$(RECORD_RELEASE)" != no ]; then $(MAKE) --no-print-directory release-record; fi

vendor: ## Copy the package into DEST as PACKAGE (default openrouter_credits): make vendor DEST=dir [PACKAGE=name]
	@test -n "$(DEST)" || { echo "usage: make vendor DEST=<dir> [PACKAGE=<name>]" >&2; exit 2; }
	$(PYTHON) tools/vendor.py "$(DEST)" $(if $(PACKAGE),--package "$(PACKAGE)")

# The run-time dependencies as wheels, pinned by requirements/dev.txt: the publish test
# serves them from its local index next to the package (no other index is reached then).
wheelhouse: $(WHEELHOUSE)/.stamp ## Download the run-time dependencies' wheels (pinned by the lock) into .venv/wheelhouse
$(WHEELHOUSE)/.stamp: $(STAMP) requirements/dev.txt pyproject.toml
	rm -rf $(WHEELHOUSE)
	@mkdir -p $(WHEELHOUSE)
	@# the lock's pins without its hashes: pip cannot hash the package's own directory
	@sed -nE 's/^([A-Za-z0-9_.-]+==[^ ]+).*/\1/p' requirements/dev.txt > $(WHEELHOUSE)/pins.txt
	$(BIN)/python -m pip download --quiet --disable-pip-version-check --no-build-isolation \
	  --only-binary=:all: -c $(WHEELHOUSE)/pins.txt --dest $(WHEELHOUSE) .
	@touch $@

# The Prism mock server for tests/spec/test_contract.py, pinned by package-lock.json. Without
# Node.js the contract test is skipped (and says so); with it, npm ci must succeed.
contract-setup: ## Install the pinned Prism mock server (npm ci) when Node.js is present
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  echo "Node.js/npm not found: the Prism contract test (tests/spec/test_contract.py) will be skipped" >&2; \
	elif [ ! -x node_modules/.bin/prism ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	  echo "npm ci (Prism mock server, for the contract test)"; \
	  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; \
	fi

demo: $(STAMP) ## Run the command line against the stand-in server (no key, no internet)
	@$(BIN)/python tools/demo.py $(DEMO_ARGS)

# Benchmarks (BENCHMARKS.md), not part of make test. Adds pyinstrument to .venv
# (bench/requirements.txt; the official SDK is in the lock already); nginx comes from
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
# .venv (requirements/mutation.txt, hashed, constrained by the dev lock), runs it over the
# hand-written package in build/mutation/ and prints the per-module table.
# MUTATION_ARGS: module names to run only those (e.g. cli client), --workers N.
MUTATION_STAMP := $(VENV)/.mutation-stamp

$(MUTATION_STAMP): requirements/mutation.txt $(STAMP)
	$(UV) -r requirements/mutation.txt
	@touch $@

mutation: $(MUTATION_STAMP) ## Mutation testing of the hand-written package; prints the per-module table
	$(BIN)/python tools/mutation.py run $(MUTATION_ARGS)

# Debian packages that tests and benchmarks use when present (nginx for make bench,
# node_exporter and promtool for the Prometheus tests, Icinga 2 and Nagios 4 for the
# monitoring plugin's daemon tests). The one target that installs system packages; .ci/run
# calls it. Needs root (or sudo) and apt; elsewhere it says what it could not do and the
# tests that need the packages skip with the reason. The tests start their own daemons:
# on a systemd host, services that the install started (icinga2, nagios4, the MTA that
# nagios4 pulls in, ...) are stopped and disabled again; services running before are left.
SYSTEM_PACKAGES := nginx-light prometheus-node-exporter prometheus icinga2-bin nagios4-core

system-deps: ## Install the Debian packages tests and benchmarks use (nginx, node_exporter, promtool, icinga2, nagios4)
	@if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "make system-deps: no apt-get here; install $(SYSTEM_PACKAGES) by other means (tests that need them skip)" >&2; exit 0; fi; \
	sudo=""; if [ "$$(id -u)" != 0 ]; then sudo="sudo"; fi; \
	missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s "$$p" >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "system packages present: $(SYSTEM_PACKAGES)"; exit 0; fi; \
	echo "installing Debian packages:$$missing"; \
	running() { systemctl list-units --type=service --state=running --no-legend --plain | cut -d' ' -f1 | sort; }; \
	systemd=""; if [ -d /run/systemd/system ]; then systemd=1; running >/tmp/system-deps.before.$$$$; fi; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
	  --no-install-recommends $$missing >/dev/null; status=$$?; \
	if [ -n "$$systemd" ]; then \
	  for unit in $$(running | comm -13 /tmp/system-deps.before.$$$$ -); do \
	    echo "stopping $$unit (started by the install; the tests run their own)"; $$sudo systemctl disable --now "$$unit"; done; \
	  rm -f /tmp/system-deps.before.$$$$; fi; \
	exit $$status

clean: ## Remove build outputs (keeps .venv)
	rm -rf dist build .pytest_cache .mypy_cache .ruff_cache
