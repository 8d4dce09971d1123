# Meterbridge. The README's two commands: `make demo` starts the whole product, `make test` runs the suite.
# Both set up what a fresh Debian machine lacks: the virtualenv, PostgreSQL and Redis (deploy/bin/).

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVICES_DIR := var/services
# Two pytest workers on this 2-core machine: each gets its own test database, worker, web server and simulator.
PYTEST_ARGS ?= -n 2
# Service URLs come from deploy/bin/ensure-services (existing servers if they answer, else its own).
WITH_SERVICES = set -a && . $(SERVICES_DIR)/env && set +a &&

.PHONY: demo demo-stop test lint format check services browser venv agent bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || deploy/bin/ensure-system-packages >/dev/null
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

services: $(STAMP)
	@deploy/bin/ensure-services --state-dir $(SERVICES_DIR) >/dev/null

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: services
	$(WITH_SERVICES) DJANGO_SETTINGS_MODULE=portal.settings.test $(BIN)/python manage.py check --fail-level WARNING
	$(WITH_SERVICES) DJANGO_SETTINGS_MODULE=portal.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/mypy agent_client meters/interpret

browser:
	@deploy/bin/ensure-browser >/dev/null

test: lint check browser
	$(WITH_SERVICES) $(BIN)/pytest $(PYTEST_ARGS)

demo: services
	$(WITH_SERVICES) $(BIN)/python deploy/demo.py start

demo-stop:
	@test -x $(BIN)/python && $(BIN)/python deploy/demo.py stop || true
	@deploy/bin/stop-services --state-dir $(SERVICES_DIR) >/dev/null || true

agent: $(STAMP)
	$(BIN)/python deploy/agent/build_zipapp.py

bench: services
	$(WITH_SERVICES) $(BIN)/python bench/run.py

clean: demo-stop
	rm -rf var build .pytest_cache .ruff_cache .mypy_cache
