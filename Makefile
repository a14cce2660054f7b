# Haven: `make run` serves on 127.0.0.1:8000 from a fresh clone; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/axe-core/.installed
HAVEN_PORT ?= 8000
export HAVEN_PORT

.PHONY: run test lint install migrate models serve rasa bench clean browser axe

run: install migrate models serve

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Haven needs Python 3.11 or newer as $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/haven db upgrade

# Train the embedded models ahead of serving (they are cached by their data).
models: install
	$(BIN)/haven nlu train

serve: install
	$(BIN)/haven serve

# Every test, every marker (slow, postgres, rasa, browser), one worker per core.
test: install migrate browser axe
	$(BIN)/python -m pytest -n auto

# The browser tests drive Debian's Chromium and ChromeDriver (never a browser download).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium chromium-driver; }

# axe-core, the accessibility checker the browser tests inject (tests/axe.py), pinned in
# package-lock.json: `npm ci` again when the lock changes or axe-core is gone (a stamp of our
# own in its folder, as npm's files keep the dates they were packed with).
axe: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && $$SUDO apt-get install -y -q nodejs npm; }
	npm ci --no-audit --no-fund
	touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Rasa in its own Python 3.10 environment: build (cached), train, serve on 127.0.0.1:5005.
# Then run Haven with HAVEN_RASA_URL=http://127.0.0.1:5005.
rasa:
	bash nlu/rasa.sh serve

# Turns per second and CPU per turn through signed webhooks (SQLite, PostgreSQL with one
# and two workers), then parse latency and the directory at scale; tables in bench/results.
bench: install models
	$(BIN)/python bench/turns.py
	$(BIN)/python bench/nlu_bench.py
	$(BIN)/python bench/directory_bench.py

clean:
	rm -rf $(VENV) .venv-rasa var node_modules .pytest_cache .mypy_cache .ruff_cache
