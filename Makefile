# Set-up is part of every target: a fresh machine needs only Python 3.11+ and make.
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin

.PHONY: demo test test-all lint bench clean

$(BIN)/vigil: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

demo: $(BIN)/vigil
	$(BIN)/vigil demo

test: $(BIN)/vigil
	$(BIN)/pytest -m "not slow"

test-all: $(BIN)/vigil
	$(BIN)/pytest

lint: $(BIN)/vigil
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src bench

bench: $(BIN)/vigil
	$(BIN)/python bench/detection_quality.py

clean:
	rm -rf $(VENV) vigil-data .pytest_cache
