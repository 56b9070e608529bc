# One target per suite; `make test` runs them all after setting up a fresh machine.
PY ?= python3
PYTEST = $(PY) -m pytest -q

.PHONY: setup serve test quick tiers unit expect expect-accept guests differential node browser lint fmt bench fuzz

# `make test` runs every suite in the default tier (tiered); these run again in each other
# tier (TBWASM_TIER is read by every Machine, so the CLI and snippets follow it; the Node CLI and
# the browser tests pass it on to their hosts: guest programs, input, Stop in each tier), and
# the differential slice once more with every block compiled on its first entry, so that every
# hand-over between tier 0 and compiled code is exercised.
TIER_SUITES = tests/unit tests/guests tests/differential tests/robustness
TIER_SERIAL = tests/node/test_node_host.py tests/browser/test_page.py
# Two pytest workers (pytest-xdist; a file's tests stay on one worker, so a module's fixtures are
# built once) for the suites of guest runs, which spend most of their time waiting on a child
# process or a timeout; the browser, Node and package suites run alone (they time a page).
PAR ?= -n 2 --dist loadfile
PAR_SUITES = tests/unit tests/guests tests/differential tests/robustness tests/expect
SERIAL_SUITES = tests/browser tests/node tests/package

setup:
	bash scripts/setup.sh

serve: setup
	$(PY) serve.py

test: setup lint
	$(PYTEST) $(PAR) $(PAR_SUITES)
	$(PYTEST) $(SERIAL_SUITES)
	$(MAKE) --no-print-directory tiers

# The quick loop (~40 s): everything but the tests marked slow (tests/conftest.py says which).
quick:
	$(PYTEST) -m "not slow" tests

tiers:
	TBWASM_TIER=interp $(PYTEST) $(PAR) -m "not all_tiers" $(TIER_SUITES)
	TBWASM_TIER=interp $(PYTEST) -m "not all_tiers" $(TIER_SERIAL)
	TBWASM_TIER=jit $(PYTEST) $(PAR) -m "not all_tiers and not jit_slow" $(TIER_SUITES)
	TBWASM_TIER=jit $(PYTEST) -m "not all_tiers and not jit_slow" $(TIER_SERIAL)
	TBWASM_TIER=tiered TBWASM_HOT_THRESHOLD=1 $(PYTEST) $(PAR) -m "not all_tiers" tests/differential tests/unit/test_insn_int.py

unit:
	$(PYTEST) tests/unit

# The exact Wasm the translator emits for the snippets in tests/expect; expect-accept takes a
# deliberate change (commit the .wat files it rewrites).
expect:
	$(PYTEST) tests/expect

expect-accept:
	$(PYTEST) tests/expect --accept

guests:
	$(PYTEST) tests/guests

differential:
	$(PYTEST) tests/differential

node:
	$(PYTEST) tests/node

browser:
	$(PYTEST) tests/browser

# The Python and the JavaScript sources the formatters own: ruff format (pyproject.toml) and
# Prettier (.prettierrc.json; pinned in package.json, installed by scripts/setup-web.sh's npm ci).
PY_SRC = py_backend tests bench scripts serve.py
JS_SRC = "web/**/*.{mjs,ts,css}" "tests/**/*.{mjs,ts}" "scripts/*.mjs" eslint.config.js

# ruff (lint and format), mypy (configured in pyproject.toml), ESLint (eslint.config.js), Prettier,
# tsc on the public API's types (tsconfig.json: web/index.d.ts) and on every .mjs of web/ from its
# JSDoc types (web/tsconfig.json: checkJs).
lint:
	$(PY) -m ruff check $(PY_SRC)
	$(PY) -m ruff format --check $(PY_SRC)
	$(PY) -m mypy
	npx --no-install eslint
	npx --no-install prettier --check --log-level warn $(JS_SRC)
	npx --no-install tsc -p tsconfig.json
	npx --no-install tsc -p web/tsconfig.json

# Apply both formatters.
fmt:
	$(PY) -m ruff format $(PY_SRC)
	npx --no-install prettier --write --log-level warn $(JS_SRC)

bench:
	$(PY) bench/bench.py
