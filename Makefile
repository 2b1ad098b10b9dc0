# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install prometheus run test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## Debian's prometheus (server + promtool) for the telemetry store and rule checks, and
## its alertmanager for amtool (checks generated inhibit rules), when missing.
prometheus:
	@command -v promtool >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1 || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		prometheus prometheus-alertmanager; }

install: $(STAMP) prometheus

## The API with the embedded FalkorDB and Redis, loaded with the demo topology.
## DEMO_GRAPH=discovered finds the demo graph from its own metrics instead of POSTing it.
DEMO_GRAPH ?= declared
run: install
	$(BIN)/slo-engine serve --demo --demo-graph $(DEMO_GRAPH) --workers 1 --scheduler

## Lint, type-check, then the whole suite against real servers the tests start.
test: install lint typecheck
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check backend workers tests

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/python -m pytest tests/unit

bench: install
	$(BIN)/slo-engine bench ingest --json
	$(BIN)/slo-engine bench traverse --json
	$(BIN)/slo-engine bench restart --json

clean:
	rm -rf $(VENV) state .pytest_cache .mypy_cache .ruff_cache
