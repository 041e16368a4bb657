# EduDX — `make help` lists the targets.
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: help install install-dev spa spa-test run test check-runtime test-postgres lint openapi client clients migration bench bench-deadline clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

install: ## install the runtime into .venv
	@scripts/bootstrap.sh runtime

install-dev: ## install the runtime and the test tools into .venv
	@scripts/bootstrap.sh dev

spa: ## install the SPA's npm packages (npm ci) and build frontend/dist when it is missing or stale
	@scripts/build_spa.sh

spa-test: spa ## the SPA's unit tests (Vitest) and type check
	@cd frontend && npx tsc -b && npx vitest run

run: install spa ## run the whole system on SQLite with demo data (gateway on :8000, SPA at /)
	@$(PY) scripts/run_embedded.py

test: install-dev spa-test check-runtime ## install what the tests need and run the whole suite (SQLite; browser tests included)
	@$(PY) -m pytest

check-runtime: install-dev spa ## prove the runtime set alone (requirements.txt + services) runs EduDX: pip check, imports, smoke
	@$(PY) scripts/check_runtime.py

test-postgres: install-dev ## run the suite against PostgreSQL at 127.0.0.1:5432 (database test)
	@EDUDX_TEST_DATABASE=postgresql $(PY) -m pytest

lint: install-dev ## ruff and mypy
	@$(PY) -m ruff check services tests scripts bench
	@$(PY) -m mypy services/common/src services/identity/src services/gateway/src services/submissions/src \
		services/evidence/src services/scoring/src services/notifications/src
	@# bench/ imports the services as installed packages: without their sources on MYPYPATH mypy takes them for
	@# missing modules (Any) and checks nothing against them.
	@MYPYPATH="$$(ls -d services/*/src | paste -sd: -):." $(PY) -m mypy bench

openapi: install-dev ## export every service's OpenAPI spec into openapi/ and its event schemas into events/
	@$(PY) scripts/export_openapi.py
	@$(PY) scripts/export_events.py

client: ## regenerate the SPA's typed API client (frontend/src/api/generated) from openapi/*.json
	@scripts/build_spa.sh --packages-only
	@cd frontend && node scripts/generate-client.mjs

clients: install-dev ## lint the public API document (Spectral, Redocly) and generate clients/python and clients/typescript
	@$(PY) scripts/build_clients.py

migration: install-dev ## new migration: make migration SERVICE=identity MESSAGE="add x"
	@test -n "$(SERVICE)" -a -n "$(MESSAGE)" || { echo 'usage: make migration SERVICE=identity MESSAGE="add x"'; exit 2; }
	@rm -f var/autogen-$(SERVICE).db
	@$(shell echo $(SERVICE) | tr a-z A-Z)_DATABASE_URL=sqlite+aiosqlite:///var/autogen-$(SERVICE).db \
		$(PY) -m alembic -c services/$(SERVICE)/alembic.ini upgrade head
	@$(shell echo $(SERVICE) | tr a-z A-Z)_DATABASE_URL=sqlite+aiosqlite:///var/autogen-$(SERVICE).db \
		$(PY) -m alembic -c services/$(SERVICE)/alembic.ini revision --autogenerate -m "$(MESSAGE)"

bench: install-dev spa ## benchmarks on PostgreSQL at 127.0.0.1:5432, SPA first-load budget (see bench/RESULTS.md)
	@$(PY) bench/status_view.py
	@$(PY) bench/scoring_results.py
	@$(PY) bench/spa_bundle.py --no-build
	@$(PY) bench/json_compression.py
	@$(PY) bench/notifications_planning.py
	@$(PY) bench/notifications_sending.py
	@$(PY) bench/spa_first_load.py

bench-deadline: install-dev ## deadline-day load on PostgreSQL + S3: mixes, gateway vs nginx, uploads, scale curve (~15 min)
	@$(PY) bench/deadline_day.py --scale --profile

clean: ## remove the embedded databases, keys and caches (keeps .venv)
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
