# Magistrat — developer commands (GNU make).
#
#   make demo    the whole system on this machine: web + Celery worker + beat on the embedded default
#   make test    the test suite (DATABASE_URL / REDIS_URL / CELERY_BROKER_URL from the environment, if set)
#
# The Makefile never sets or unsets DATABASE_URL, REDIS_URL or CELERY_BROKER_URL: with none of them
# set, settings fall back to the embedded default (SQLite + filesystem broker under var/).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
PYTEST_ARGS ?=

.PHONY: help .venv install FORCE test demo bench lint format migrations-check messages clean clean-all

help: ## list the targets
	@grep -hE '^[a-zA-Z.-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 20

# The virtual environment: (re)created when missing or broken, re-installed when pyproject.toml
# is newer than the stamp. The translations (.mo files, not in git) are compiled every time.
.venv: $(STAMP) ## create/update the virtual environment and compile translations
	$(BIN)/python scripts/i18n.py compile

install: .venv

# (Re)create the venv when its python does not run: missing, or pointing at an interpreter that is gone.
ifneq ($(shell $(BIN)/python -c 'print("ok")' 2>/dev/null),ok)
$(STAMP): FORCE
endif

$(STAMP): pyproject.toml
	@if ! $(BIN)/python -c '' >/dev/null 2>&1; then \
		echo "Creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version 2>&1))"; \
		rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --disable-pip-version-check --quiet --upgrade pip
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e '.[dev]'
	@touch $@

FORCE:

test: .venv ## run the test suite in 2 processes (extra arguments: PYTEST_ARGS="...")
	$(BIN)/pytest -n 2 --dist loadscope $(PYTEST_ARGS)

demo: .venv ## migrate, seed the demo data (incl. the ePUAP/e-Doręczenia simulations) and run web + worker + beat (Ctrl-C stops)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) epuap_pki init
	$(MANAGE) epuap_platform_setup
	$(MANAGE) edoreczenia_setup
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(BIN)/python scripts/demo.py

bench: .venv ## benchmarks: print figures (BENCH_DATABASE_URL selects the database; see docs/performance.md)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/population.py
	$(BIN)/python bench/epuap_ingest.py
	$(BIN)/python bench/documents_search.py
	$(BIN)/python bench/finance_arrears.py
	$(BIN)/python bench/finance_import.py
	$(BIN)/python bench/taxes_pdf.py
	$(BIN)/python bench/taxes_assessment.py
	$(BIN)/python bench/waste_charges.py
	$(BIN)/python bench/waste_verify.py
	$(BIN)/python bench/portal_taxes.py

lint: .venv ## ruff check + ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: .venv ## ruff format + ruff check --fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: .venv ## fail when models and migrations differ
	$(MANAGE) makemigrations --check --dry-run

messages: .venv ## extract messages into locale/pl (needs gettext) and compile them
	@command -v xgettext >/dev/null 2>&1 || { echo "makemessages needs GNU gettext: apt-get install gettext" >&2; exit 1; }
	$(MANAGE) makemessages -l pl --ignore=.venv --ignore=var --ignore=node_modules
	$(BIN)/python scripts/i18n.py compile

clean: ## remove test databases, broker folders, beat files and caches (keeps the demo database)
	rm -rf var/test-db.sqlite3* var/broker var/celerybeat*
	rm -rf .pytest_cache .hypothesis
	find . -path ./.venv -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

clean-all: clean ## clean, and remove all of var/ (the demo database, media, static) and the venv
	rm -rf var $(VENV) *.egg-info
