# The single entry point. Every target bootstraps what it needs (the .venv with the
# pinned toolchain from requirements-dev.txt), so any of them works first on a fresh clone.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
UPSTREAM ?= upstream/openrouter-openapi.yaml
export SOURCE_DATE_EPOCH ?= 1767225600

GENERATE = $(BIN)/openapi-python-client generate --path openapi.yaml \
	--config generator-config.yaml --meta none --overwrite

.PHONY: help setup generate spec check check-generated check-spec lint typecheck test wheel demo clean

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

spec: $(STAMP) ## Slice openapi.yaml from UPSTREAM (default: the pinned copy) and apply overlays/*.overlay.yaml
	$(BIN)/python tools/spec.py "$(UPSTREAM)" --overlays overlays --out openapi.yaml

check: check-spec check-generated lint typecheck ## Verify spec, generated/, ruff and mypy --strict

check-spec: $(STAMP)
	$(BIN)/openapi-spec-validator openapi.yaml
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(BIN)/python tools/spec.py upstream/openrouter-openapi.yaml --overlays overlays --out "$$tmp/openapi.yaml"; \
	if ! diff -u openapi.yaml "$$tmp/openapi.yaml" --label openapi.yaml --label "make spec"; then \
	  echo "openapi.yaml differs from what 'make spec' makes from upstream/: run 'make spec'" >&2; exit 1; fi; \
	echo "openapi.yaml matches make spec"

check-generated: $(STAMP)
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	PATH="$(CURDIR)/$(BIN):$$PATH" $(GENERATE) --output-path "$$tmp/out" >/dev/null; \
	if ! diff -ruN -x __pycache__ generated "$$tmp/out" | sed "s#$$tmp/out#regenerated#"; then :; fi; \
	if ! diff -rq -x __pycache__ generated "$$tmp/out" >/dev/null; then \
	  echo "generated/ differs from the generator's output: run 'make generate'" >&2; exit 1; fi; \
	echo "generated/ matches the generator's output"

lint: $(STAMP)
	$(BIN)/ruff check overlays tests tools
	$(BIN)/ruff format --check overlays tests tools

typecheck: $(STAMP)
	$(BIN)/mypy --strict overlays/openrouter_credits tests tools

test: check ## make check, then the test suite
	$(BIN)/python -m pytest

wheel: $(STAMP) ## Build sdist and wheel into dist/ (byte-identical across runs)
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist . >/dev/null
	@ls -l dist

demo: $(STAMP) ## Run the command line against the stand-in server (no key, no internet)
	@$(BIN)/python tools/demo.py $(DEMO_ARGS)

clean: ## Remove build outputs (keeps .venv)
	rm -rf dist build .pytest_cache .mypy_cache .ruff_cache
