# Intelligent Manufacturing and Global Trade: build and test the book.
# `make book` builds everything on a fresh machine; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
# Offline copy of the upstream data: used when set, or when ../shared/data exists.
IMTRADE_DATA_MIRROR ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data),)
export IMTRADE_DATA_MIRROR
JOBS ?= 2

.PHONY: help venv vendor data cache book strict publish test test-fast lint serve bench briefs lock clean

help:  ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/imtrade: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"
	# bytecode compiled at install: imports are ~3x faster in every notebook kernel
	$(BIN)/uv pip install -q --python $(BIN)/python --compile-bytecode -r requirements.txt
	$(BIN)/uv pip install -q --python $(BIN)/python --compile-bytecode --no-deps -e .
	# and the package's own modules (an editable install is not compiled; with PYTHONDONTWRITEBYTECODE
	# set, every kernel would compile them again); `imtrade build` refreshes what was edited since
	$(BIN)/python -m compileall -q src
	touch $(BIN)/imtrade

venv: $(BIN)/imtrade  ## Create the virtualenv and install the locked requirements

vendor:  ## Vendor MathJax (the site loads nothing from a CDN)
	bash scripts/vendor_mathjax.sh

data: venv  ## Fetch and verify every dataset (from IMTRADE_DATA_MIRROR when set)
	$(BIN)/imtrade fetch

cache: data  ## Parse every fetched file into the processed cache
	$(BIN)/imtrade data cache --jobs $(JOBS)

book: venv vendor data  ## Build everything: install, fetch data, execute chapters, build _build/html
	$(BIN)/imtrade build --jobs $(JOBS)

strict: venv vendor data  ## Like book, but fail on any Sphinx warning
	$(BIN)/imtrade build --jobs $(JOBS) --strict

publish: venv vendor data  ## A dated edition (site, PDF, citations) in _build/publish/editions/<date>/ (DATE=, BASE_URL=)
	$(BIN)/imtrade publish --jobs $(JOBS) $(if $(DATE),--date $(DATE)) $(if $(BASE_URL),--base-url $(BASE_URL))

lint: venv  ## Ruff lint and format check; actionlint on the GitHub workflows
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/actionlint .github/workflows/*.yml

test: venv vendor data lint  ## Run every test: lint, unit, integration, site build, browser
	$(BIN)/pytest -q

test-fast: venv  ## Unit tests only (no notebooks, no browser, no fetched data needed)
	$(BIN)/pytest -q -m "not slow and not browser and not mirror and not data"

serve:  ## Preview the built site on http://localhost:8000
	$(PYTHON) -m http.server --directory _build/html 8000

bench: venv vendor data  ## Print speed figures (data layer, build, page weight, batch runs)
	$(BIN)/python scripts/benchmark.py

briefs: venv vendor data  ## Country briefs for every economy with data (2 workers), then the book with their index
	$(BIN)/imtrade batch specs/country_briefs.yml --jobs $(JOBS) --continue-on-error
	$(BIN)/imtrade build --jobs $(JOBS)

lock: venv  ## Regenerate requirements.txt from requirements.in
	$(BIN)/uv pip compile requirements.in -o requirements.txt --python-version 3.11 -q

clean:  ## Remove build products (keeps fetched data)
	rm -rf _build

.PHONY: student instructor

instructor: venv vendor data  ## Build the instructor edition (the reader's site, solutions collapsed) into _build/html
	$(BIN)/imtrade build --jobs $(JOBS) --edition instructor

student: venv vendor data  ## Build the student edition (no solutions anywhere) into _build/student/html
	$(BIN)/imtrade build --jobs $(JOBS) --edition student
