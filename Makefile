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

.PHONY: help setup demo demo-data test lint bench docs clean distclean

help:
	@echo "make demo   set up, start the embedded PostgreSQL, generate the demo data, run the pipeline"
	@echo "make test   set up and run every test (pytest, dbt build on a test database of its own), with coverage"
	@echo "make bench  the benchmark (scales 0.1 and 1; SCALE=10 for the large run): docs/benchmarks.md"
	@echo "make lint   ruff check, ruff format --check and sqlfluff lint (the house style)"
	@echo "make docs   generate dbt's docs from the demo database and serve them (PORT=8080)"
	@echo "make clean  remove dbt artefacts; make distclean also removes .venv, .warehouse and data/"

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: python3.11 (or python3) not found: install Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,semantic,orchestration,spark]'
	@touch $@

setup: $(VENV)/.installed

# The demo data: generated once (the generator is deterministic, so the stamp
# holds the arguments), and again, after `warehouse reset`, when they change:
# make demo DEMO_ARGS="--scale 0.2 --days 3".
DEMO_STAMP ?= .warehouse/demo.args

demo-data: setup
	@want="$(DEMO_ARGS) --out $(LANDING)"; \
	if [ "$$(cat $(DEMO_STAMP) 2>/dev/null)" != "$$want" ]; then \
	    if [ -f $(DEMO_STAMP) ] || [ -f $(LANDING)/.generated ]; then \
	        $(WAREHOUSE) reset --yes --landing $(LANDING) || exit 1; \
	    fi; \
	    $(WAREHOUSE) generate $(DEMO_ARGS) --out $(LANDING) || exit 1; \
	    mkdir -p $(dir $(DEMO_STAMP)) && echo "$$want" > $(DEMO_STAMP); \
	fi

demo: demo-data
	$(WAREHOUSE) db start
	$(WAREHOUSE) run --landing $(LANDING)
	@echo
	@echo "The warehouse is up (the password is in .warehouse/secrets/, never printed here)."
	@echo "  look at a model: $(WAREHOUSE) show sales_summary_daily --limit 5"
	@echo "  query it:        $(WAREHOUSE) db psql   (or any client: psql \"\$$($(WAREHOUSE) db url)\")"
	@echo "  docs, lineage:   make docs   (then open http://127.0.0.1:8080)"
	@echo "  plain dbt, psql: eval \"\$$($(WAREHOUSE) env)\"   (then dbt build, psql ...)"
	@echo "  stop the server: $(WAREHOUSE) db stop"

# The linters first (make lint), on the server the tests use (conftest.py: their
# own embedded one, unless PGHOST names one), never the demo's. Then pytest,
# which measures the Python package's coverage (the CLI's subprocesses too),
# prints it and fails under 85 % ([tool.coverage] in pyproject.toml). The tests
# marked spark (Java 17, a JVM per test) are left to .ci/run.
test: setup
	$(if $(PGHOST),,WAREHOUSE_HOME=$${WAREHOUSE_HOME:-.warehouse/test} \
	    WAREHOUSE_PG_PORT=$${WAREHOUSE_PG_PORT:-55433}) DBT_TARGET=$${DBT_TARGET:-ci} \
	    $(MAKE) --no-print-directory lint
	$(BIN)/pytest --cov --cov-report=term -m "not spark"

# The house style: ruff for Python, sqlfluff (.sqlfluff: postgres, dbt templater)
# for SQL. The dbt templater compiles each model, so the database is started.
lint: setup
	$(BIN)/ruff check scripts
	$(BIN)/ruff format --check scripts
	$(WAREHOUSE) db start
	eval "$$($(WAREHOUSE) env)" && $(BIN)/sqlfluff lint models macros snapshots analyses tests

# Scales 0.1 and 1, or the one SCALE names (make bench SCALE=10); docs/benchmarks.md.
bench: setup
	$(BIN)/python -m warehouse.bench $(if $(SCALE),--scale $(SCALE))

docs: setup
	$(WAREHOUSE) db start
	$(WAREHOUSE) docs --port $(or $(PORT),8080)

clean:
	rm -rf target logs

distclean: clean
	-$(WAREHOUSE) db stop
	rm -rf $(VENV) .warehouse data
