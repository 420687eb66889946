# Developer tasks; each wraps the commands .ci/run uses.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install test test-fast lint fmt serve ci bench

install:
	python3 -m venv $(VENV)
	$(PY) -m pip install -q -e ".[dev]"

test:
	$(VENV)/bin/pytest -n auto --durations=15

test-fast:  ## SQLite only, no live servers
	$(VENV)/bin/pytest -n auto -m "not postgres and not e2e"

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

fmt:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

serve:
	$(VENV)/bin/modelyard server --data-dir ./modelyard-data

bench:
	$(PY) benchmarks/registry_bench.py

ci:
	bash .ci/run
