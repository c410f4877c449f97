# SpineCare — the two commands that matter are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
export SPINECARE_DATA_DIR ?= $(CURDIR)/var

.DEFAULT_GOAL := help
.PHONY: help run test check lint format types layers kb kb-validate kb-test pytest bench install install-dev clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "SpineCare needs Python 3.11, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed ## Create .venv and install SpineCare
install-dev: $(VENV)/.installed-dev ## Install SpineCare with the development tools

run: install ## Start SpineCare on http://$(HOST):$(PORT) with SQLite and demo data
	@mkdir -p $(SPINECARE_DATA_DIR)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py check
	@echo ""
	@echo "  SpineCare is starting at  http://$(HOST):$(PORT)/"
	@echo "  Demo login:               demo / spinecare-demo   (clinician)"
	@echo "  Other demo roles:         physio, frontdesk, admin  (same password)"
	@echo "  Stop with Ctrl-C."
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-dev check pytest ## Run every check and the whole test suite

check: lint types layers kb ## Lint, types, layering and the knowledge base

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: install-dev ## Format and autofix the code
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

types: install-dev
	$(BIN)/mypy

layers: install-dev
	$(BIN)/lint-imports

kb: kb-validate kb-test
kb-validate: install-dev
	$(BIN)/spinecare kb validate
kb-test: install-dev
	$(BIN)/spinecare kb test

pytest: install-dev
	SPINECARE_ENV=test $(BIN)/pytest

bench: install ## Benchmark `spinecare mme` on ../shared/data/opioid-peer; writes docs/performance.md
	$(BIN)/python benchmarks/bench_mme.py

clean: ## Remove the virtualenv, caches and the local database
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis var/*.sqlite3 test-artifacts
