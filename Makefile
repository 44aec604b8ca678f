# The two commands of the README: `make demo` and `make test`.
# Everything else here is a step they use, or a tool for the team.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
WAREHOUSE := $(BIN)/warehouse

# The demo dataset: small enough to build in a minute on 2 cores.
DEMO_ARGS ?= --scale 0.1 --days 7 --seed 42
LANDING ?= data/landing

.PHONY: help setup demo test lint bench docs clean distclean

help:
	@echo "make demo   set up, start the embedded PostgreSQL, generate the demo data, run the pipeline"
	@echo "make test   set up and run every test (pytest, dbt build on a test database of its own)"
	@echo "make bench  the benchmark (scales 0.1 and 1; SCALE=10 for the large run): docs/benchmarks.md"
	@echo "make lint   ruff over the Python package and tests"
	@echo "make docs   dbt docs generate on the demo database (then: dbt docs serve)"
	@echo "make clean  remove dbt artefacts; make distclean also removes .venv, .warehouse and data/"

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: python3.11 (or python3) not found: install Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,semantic,orchestration]'
	@touch $@

setup: $(VENV)/.installed

# Generated once; the generator is deterministic, so the stamp stands for the arguments.
$(LANDING)/.generated: | setup
	$(WAREHOUSE) generate $(DEMO_ARGS) --out $(LANDING)
	@touch $@

demo: setup $(LANDING)/.generated
	$(WAREHOUSE) db start
	$(WAREHOUSE) run --landing $(LANDING)
	@echo
	@echo "The warehouse is up (the password is in .warehouse/secrets/, never printed here)."
	@echo "  query it:        $(WAREHOUSE) db psql   (or any client: psql \"\$$($(WAREHOUSE) db url)\")"
	@echo "  plain dbt, psql: eval \"\$$($(WAREHOUSE) env)\"   then  dbt build | dbt docs generate && dbt docs serve | psql"
	@echo "  stop the server: $(WAREHOUSE) db stop"

test: setup
	$(BIN)/ruff check scripts
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check scripts
	$(BIN)/ruff format --check scripts

# Scales 0.1 and 1, or the one SCALE names (make bench SCALE=10); docs/benchmarks.md.
bench: setup
	$(BIN)/python -m warehouse.bench $(if $(SCALE),--scale $(SCALE))

docs: setup
	$(WAREHOUSE) db start
	eval "$$($(WAREHOUSE) env)" && $(BIN)/dbt docs generate

clean:
	rm -rf target logs

distclean: clean
	-$(WAREHOUSE) db stop
	rm -rf $(VENV) .warehouse data
