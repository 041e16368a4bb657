# EduDX — `make help` lists the targets.
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: help install install-dev run test test-postgres lint openapi migration bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

install: ## install the runtime into .venv
	@scripts/bootstrap.sh runtime

install-dev: ## install the runtime and the test tools into .venv
	@scripts/bootstrap.sh dev

run: install ## run the whole system on SQLite with demo data (gateway on :8000)
	@$(PY) scripts/run_embedded.py

test: install-dev ## install what the tests need and run the whole suite (SQLite)
	@$(PY) -m pytest

test-postgres: install-dev ## run the suite against PostgreSQL at 127.0.0.1:5432 (database test)
	@EDUDX_TEST_DATABASE=postgresql $(PY) -m pytest

lint: install-dev ## ruff and mypy
	@$(PY) -m ruff check services tests scripts
	@$(PY) -m mypy services/common/src services/identity/src services/gateway/src services/submissions/src \
		services/evidence/src services/notifications/src

openapi: install-dev ## export every service's OpenAPI spec into openapi/
	@$(PY) scripts/export_openapi.py

migration: install-dev ## new migration: make migration SERVICE=identity MESSAGE="add x"
	@test -n "$(SERVICE)" -a -n "$(MESSAGE)" || { echo 'usage: make migration SERVICE=identity MESSAGE="add x"'; exit 2; }
	@rm -f var/autogen-$(SERVICE).db
	@$(shell echo $(SERVICE) | tr a-z A-Z)_DATABASE_URL=sqlite+aiosqlite:///var/autogen-$(SERVICE).db \
		$(PY) -m alembic -c services/$(SERVICE)/alembic.ini upgrade head
	@$(shell echo $(SERVICE) | tr a-z A-Z)_DATABASE_URL=sqlite+aiosqlite:///var/autogen-$(SERVICE).db \
		$(PY) -m alembic -c services/$(SERVICE)/alembic.ini revision --autogenerate -m "$(MESSAGE)"

bench: install-dev ## benchmarks on PostgreSQL at 127.0.0.1:5432 (see bench/RESULTS.md)
	@$(PY) bench/status_view.py
	@$(PY) bench/notifications_planning.py
	@$(PY) bench/notifications_sending.py

clean: ## remove the embedded databases, keys and caches (keeps .venv)
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
