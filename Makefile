# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test lint

$(BIN)/ledger: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(BIN)/ledger

demo: $(BIN)/ledger
	$(BIN)/ledger demo

test: $(BIN)/ledger
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(BIN)/ledger
	$(BIN)/ruff check ledger tests bench
	$(BIN)/mypy
