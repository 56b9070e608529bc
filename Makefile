# One target per suite; `make test` runs them all after setting up a fresh machine.
PY ?= python3
PYTEST = $(PY) -m pytest -q

.PHONY: setup serve test unit guests differential node browser lint bench fuzz

setup:
	bash scripts/setup.sh

serve: setup
	$(PY) serve.py

test: setup lint
	$(PYTEST) tests

unit:
	$(PYTEST) tests/unit

guests:
	$(PYTEST) tests/guests

differential:
	$(PYTEST) tests/differential

node:
	$(PYTEST) tests/node

browser:
	$(PYTEST) tests/browser

lint:
	$(PY) -m ruff check py_backend tests bench serve.py
	$(PY) -m ruff format --check py_backend tests bench serve.py

bench:
	$(PY) bench/bench.py
