PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check
# What is installed: the application (make run), or the application plus tests, lint and browsers (the rest).
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint bench

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	@touch $(STAMP)

# requirements-dev.txt includes requirements.txt: a change to either reinstalls both, and the runtime stamp
# is fresh afterwards too. The tests' JavaScript (axe-core, for the accessibility test) comes from the npm
# registry, pinned by package-lock.json: `npm ci` installs exactly that into node_modules/.
$(DEV_STAMP): requirements-dev.txt requirements.txt package.json package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements-dev.txt
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(STAMP) $(DEV_STAMP)

run: $(STAMP)
	@bash scripts/run.sh

test: $(DEV_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

bench: $(DEV_STAMP)
	$(BIN)/python bench/all.py
