# Two commands for a newcomer:
#   make demo   set up .venv, install skyscreen, run the coastal-airbase example (1000 reps)
#   make test   set up .venv, then lint, type-check, layer-check and run the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test venv lint typecheck layers pytest bench bench-wta goldens clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/skyscreen run examples/coastal-airbase.yaml -n 1000 --out runs/demo --overwrite

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

layers: $(STAMP)
	$(VENV)/bin/lint-imports

pytest: $(STAMP)
	$(VENV)/bin/pytest -q -n auto

test: lint typecheck layers pytest

bench: $(STAMP)
	$(PY) benchmarks/engine.py

bench-wta: $(STAMP)
	$(PY) benchmarks/wta.py

clean:
	rm -rf $(VENV) runs .mypy_cache .ruff_cache .hypothesis

goldens: $(STAMP)
	$(PY) tests/regression/goldens.py

.PHONY: docs
docs: $(STAMP)
	$(PY) docs/generate.py
