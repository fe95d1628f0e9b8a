# Two commands: `make run` serves the platform with demo data, `make test` runs every check.
# Both set up what they need first (Debian packages, services, a virtualenv) and skip what
# is already there, so a second run starts in seconds.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export DEBUG ?= true
export DATABASE_URL ?= postgis://postgres@127.0.0.1:5432/allout
export REDIS_URL ?= redis://127.0.0.1:6379/0
export SITE_URL ?= http://$(HOST):$(PORT)
export ALLOWED_HOSTS ?= $(HOST),127.0.0.1,localhost
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test setup services browser lint check-migrations migrate demo totp clean email-notice

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

setup: services $(VENV)/.installed
	@mkdir -p var

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

check-migrations: setup
	$(PY) manage.py makemigrations --check --dry-run

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

# The demo moderator's current two-factor code (development only).
totp: setup
	@$(PY) manage.py totp_code

clean:
	rm -rf $(VENV) var *.egg-info
