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

# The browser tests need Chromium: Debian's, installed here when missing and we are root.
test: $(BIN)/ledger
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(BIN)/ledger
	$(BIN)/ruff check ledger tests bench
	$(BIN)/mypy
