# Two commands: `make run` serves the platform with demo data, `make test` runs every check.
# Both set up what they need first (Debian packages, services, a virtualenv) and skip what
# is already there, so a second run starts in seconds.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export DEBUG ?= true
# Each checkout has a database and two Redis databases of its own (serving, tests), named
# from a short hash of its path: two checkouts on one machine never share rows, cache or
# Celery queue, and the tests' cache.clear() never empties what `make run` uses. The
# environment's DATABASE_URL, REDIS_URL and TEST_REDIS_URL win. tests/testenv.py derives the
# same names for a bare `pytest`; `make env` prints them.
CHECKOUT := $(shell printf '%s' '$(CURDIR)' | sha1sum | cut -c1-8)
REDIS_DB := $(shell echo $$(( 0x$(CHECKOUT) % 15 + 1 )))
TEST_REDIS_DB := $(shell echo $$(( $(REDIS_DB) % 15 + 1 )))
export DATABASE_URL ?= postgis://postgres@127.0.0.1:5432/allout_$(CHECKOUT)
export REDIS_URL ?= redis://127.0.0.1:6379/$(REDIS_DB)
export TEST_REDIS_URL ?= redis://127.0.0.1:6379/$(TEST_REDIS_DB)
export SITE_URL ?= http://$(HOST):$(PORT)
export ALLOWED_HOSTS ?= $(HOST),127.0.0.1,localhost
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test setup messages catalogs openapi services browser lint fmt check-migrations migrate demo screenshots totp env clean email-notice

run: setup migrate demo
	@echo
	@echo "Serving on $(SITE_URL)  (web, Celery worker and Celery beat; Ctrl-C stops all three)"
	@$(MAKE) --no-print-directory email-notice
	@HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

# Where emails go: EMAIL_URL's server with its password masked, or the worker's output.
email-notice:
	@if [ -z "$$EMAIL_URL" ]; then \
	  echo "Emails are printed by the worker (set EMAIL_URL, e.g. smtp://127.0.0.1:1025, to send them)."; \
	else \
	  echo "Emails go to $$(printf '%s' "$$EMAIL_URL" | sed -E 's#^([^:/]+://[^:@/]*):.*@#\1:***@#') (EMAIL_URL)."; \
	fi

test: setup browser lint check-migrations
	$(VENV)/bin/pytest

setup: services $(VENV)/.installed messages
	@mkdir -p var

# The compiled catalogs (.mo, not committed) from locale/*/LC_MESSAGES/*.po; compilemessages
# skips a catalog whose .mo is newer. .venv holds other packages' catalogs, compiled already.
messages: $(VENV)/.installed
	@$(PY) manage.py compilemessages --ignore $(VENV) --verbosity 0

# After adding or changing a marked string: brings every catalog up to date with the code
# (allout/catalogs.py; README, "Languages"). Commit the .po files it changes.
catalogs: $(VENV)/.installed
	$(PY) -m allout.catalogs update

# After changing the API: writes its OpenAPI schema to docs/openapi.yaml (commit it);
# tests/api/test_schema.py fails while the committed copy differs from what the code makes.
openapi: $(VENV)/.installed
	$(PY) manage.py spectacular --validate --fail-on-warn --lang en --file docs/openapi.yaml

services:
	@bash bin/setup-services

browser:
	@bash bin/setup-services --test

# Reinstalled only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(VENV)/bin/mypy

# Puts the code in shape: ruff's fixes first (they can leave lines the formatter reflows),
# then the formatter, then what is left for a person to fix (make stops on it).
fmt: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix --exit-zero --quiet .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check .

check-migrations: setup
	$(PY) manage.py makemigrations --check --dry-run

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

# The README's screenshots (docs/screenshots/), from the demo data in Chromium: bin/screenshots.py.
screenshots: demo browser
	$(PY) bin/screenshots.py

# The demo moderator's current two-factor code (development only).
totp: setup
	@$(PY) manage.py totp_code

# Where this checkout keeps its data (see the top of this file).
env:
	@echo "DATABASE_URL=$(DATABASE_URL)"
	@echo "REDIS_URL=$(REDIS_URL)"
	@echo "TEST_REDIS_URL=$(TEST_REDIS_URL)"

clean:
	rm -rf $(VENV) var *.egg-info
