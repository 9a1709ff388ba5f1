# The two commands are the contract: `make run` and `make test`. `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
HTMX_VERSION := 2.0.11
HTMX_SHA256 := d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717
PORT ?= 8000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements-dev.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	@$(BIN)/uv pip sync -q --python $(BIN)/python requirements-dev.lock
	@$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@# bytecode ahead of time: a worker starts in about 1 s instead of 3 (also where
	@# PYTHONDONTWRITEBYTECODE is set and nothing would be cached)
	@$(BIN)/python -m compileall -q -j 0 $(VENV)/lib >/dev/null 2>&1 || true
	@touch $@

install: $(BIN)/.installed ## create .venv and install the locked dependencies (development: runtime + dev)

catalogs: install ## compile the translation catalogs (.po → .mo)
	@$(BIN)/portal catalogs compile >/dev/null

run: install catalogs ## migrate, load the demo data and serve http://127.0.0.1:$(PORT) with development sign-in
	@$(BIN)/portal db upgrade
	@$(BIN)/portal demo-data
	@$(BIN)/portal course load
	@$(BIN)/python -m compileall -q -j 0 portal >/dev/null 2>&1 || true
	@PORT=$(PORT) $(BIN)/portal serve --port $(PORT)

test: install catalogs ## run the whole suite (domain, web on SQLite and PostgreSQL, browser, meta)
	@bash scripts/ensure-postgres.sh
	@bash scripts/ensure-browser.sh >/dev/null
	@bash scripts/ensure-wrk.sh
	@$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test-fast: install catalogs ## quick local run: everything but PostgreSQL and the browser
	@$(BIN)/pytest -m "not postgres and not browser" $(PYTEST_ARGS)

lint: install ## ruff and mypy
	@$(BIN)/ruff check portal tests
	@$(BIN)/ruff format --check portal tests
	@$(BIN)/mypy

extract: install ## extract messages, update every catalog (English = its ids)
	@$(BIN)/python scripts/catalogs.py

bench: install catalogs ## load benchmark (PostgreSQL, BENCH_PEOPLE=10000 by default; the goals are for 100000), then bench-pages (on demand)
	@bash scripts/ensure-postgres.sh
	@bash scripts/ensure-wrk.sh
	@$(BIN)/python -m benchmarks.load
	@$(BIN)/python -m benchmarks.pages

bench-pages: install catalogs ## first-view weight, htmx, axe in every language, Lighthouse (on demand)
	@$(BIN)/python -m benchmarks.pages

lock: ## re-resolve the pinned dependencies: requirements.lock (runtime) and requirements-dev.lock
	@$(BIN)/uv pip compile -q pyproject.toml --generate-hashes -o requirements.lock
	@$(BIN)/uv pip compile -q pyproject.toml --extra dev --generate-hashes -o requirements-dev.lock

vendor-htmx: ## fetch the pinned htmx from the npm registry into static/js
	@tmp=$$(mktemp -d); cd $$tmp && npm pack -q htmx.org@$(HTMX_VERSION) >/dev/null && tar xzf htmx.org-$(HTMX_VERSION).tgz && \
	  echo "$(HTMX_SHA256)  package/dist/htmx.min.js" | sha256sum -c - >/dev/null && cp package/dist/htmx.min.js $(CURDIR)/static/js/htmx.min.js; rm -rf $$tmp

.PHONY: help install catalogs run test test-fast lint extract bench bench-pages lock vendor-htmx
