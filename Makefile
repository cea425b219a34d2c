PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check
# What is installed: the application (make run), or the application plus tests, lint and browsers (the rest).
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint bench

# The translations (locale/*/LC_MESSAGES/django.po) are compiled here too: the .mo files are built, not committed.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
COMPILE_MESSAGES := DJANGO_SECRET_KEY=build-only $(BIN)/python manage.py compilemessages -v0 \
	--ignore=.venv --ignore=node_modules --ignore=staticfiles

$(STAMP): requirements.txt $(PO_FILES)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	$(COMPILE_MESSAGES)
	@touch $(STAMP)

# requirements-dev.txt includes requirements.txt: a change to either reinstalls both, and the runtime stamp
# is fresh afterwards too. The tests' JavaScript (axe-core, for the accessibility test) comes from the npm
# registry, pinned by package-lock.json: `npm ci` installs exactly that into node_modules/.
$(DEV_STAMP): requirements-dev.txt requirements.txt package.json package-lock.json $(PO_FILES)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements-dev.txt
	npm ci --no-audit --no-fund --loglevel=error
	$(COMPILE_MESSAGES)
	@touch $(STAMP) $(DEV_STAMP)

run: $(STAMP)
	@bash scripts/run.sh

test: $(DEV_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

bench: $(DEV_STAMP)
	$(BIN)/python bench/all.py
