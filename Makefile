# Whatrack Chat — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
UV := .venv/bin/uv
PG_PORT ?= 55432
export WHATRACK_TEST_PG_PORT := $(PG_PORT)

.PHONY: run test venv frontend services lint typecheck check-migrations test-py test-frontend api-types check-api-types bench cluster chaos mutation clean

# uv lives inside the venv: nothing is installed outside the checkout.
.venv/.installed: pyproject.toml
	@[ -x $(PY) ] || python3 -m venv .venv
	@[ -x $(UV) ] || { $(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip >/dev/null; \
		$(PY) -m pip install -q --disable-pip-version-check uv==0.13.9; }
	$(UV) pip install -q --python $(PY) -e '.[dev]'
	@touch $@

venv: .venv/.installed

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(shell find frontend/src frontend/index.html frontend/vite.config.ts -type f 2>/dev/null)
	cd frontend && npm run build --silent

frontend: frontend/dist/index.html

# Starts the whole product on the embedded default: SQLite, embedded real-time hub, demo WhatsApp.
run: venv frontend
	@mkdir -p data
	DEMO=$${DEMO:-true} .venv/bin/whatrack serve

services:
	bash scripts/services.sh

lint: venv
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench
	.venv/bin/lint-imports

typecheck: venv
	.venv/bin/mypy

check-migrations: venv services
	DATABASE_URL=postgresql+asyncpg://whatrack:whatrack@127.0.0.1:$(PG_PORT)/whatrack_migrations \
		$(PY) scripts/check_migrations.py

test-frontend: frontend/node_modules/.installed
	cd frontend && npm run typecheck --silent && npm run lint --silent && npm test --silent && npm run build --silent

# The web app's API types come from the app's OpenAPI schema: frontend/openapi.json (sorted keys)
# -> frontend/src/api/schema.d.ts (openapi-typescript). Run after changing any API schema.
api-types: venv frontend/node_modules/.installed
	$(PY) scripts/openapi.py frontend/openapi.json
	cd frontend && npm run gen:api --silent

# Fails when frontend/openapi.json differs from a fresh dump, or schema.d.ts from its generation.
check-api-types: venv frontend/node_modules/.installed
	@tmp=$$(mktemp) && trap 'rm -f "$$tmp"' EXIT && $(PY) scripts/openapi.py "$$tmp" && \
	{ diff -u frontend/openapi.json "$$tmp" && (cd frontend && npm run gen:api --silent -- --check); } || \
	{ echo "API types are stale: run 'make api-types' and commit the result" >&2; exit 1; }

# One worker per core (PYTEST_WORKERS=0 for a serial run); each worker has its own databases.
PYTEST_WORKERS ?= auto
test-py: venv services
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

# Installs what the tests need (Python and npm deps, PostgreSQL, Redis, Chromium, Centrifugo),
# then lint, types, migrations check, front-end tests and build, and the Python suite.
test: venv services lint typecheck check-migrations test-frontend check-api-types test-py

# The multi-node topology on loopback: PostgreSQL, Redis, two Centrifugo nodes on Redis, two
# `whatrack serve` without jobs, two `whatrack worker`, SeaweedFS (S3 media), the WuzAPI simulator.
# Starts it, runs the cross-node checks (tests/support/cluster.py), prints the figures, stops
# (CLUSTER_ARGS=--keep: keeps it running until Ctrl+C).
cluster: venv services
	$(PY) -m tests.support.cluster $(CLUSTER_ARGS)

bench: venv services frontend
	$(UV) pip install -q --python $(PY) -e '.[dev,bench]'
	$(PY) -m bench $(BENCH_ARGS)

# Fault injection (issue 18, findings 1-3): kill -9 of `whatrack serve` mid-stream, an overload
# burst, a send killed mid-call, under WuzAPI-like retries; prints webhooks sent / stored /
# duplicated / lost, events published, 5xx and 503 counts (CHAOS_ARGS="--no-retries": the control).
chaos: venv services
	$(PY) -m bench.chaos $(CHAOS_ARGS)

# Mutation testing of the rule modules (docs/mutation.md; not part of `make test`): mutmut plants
# one bug at a time and runs the fast tests that reach it, on SQLite; prints the kill rate per module
# and the survivors. MUTATE="whatrack.jid ..." narrows it to some modules (dotted, under whatrack.);
# MUTATION_SAMPLE=0 runs a tenth (mutants numbered ...0 in each function; [05] a fifth);
# MUTATION_JOBS mutants at once (default 1: the machine is shared); MUTATION_KEEP=1 resumes the
# previous run's mutants/ instead of starting afresh.
MUTATE ?= whatrack.inbox.receive whatrack.inbox.batch whatrack.inbox.send whatrack.tickets.service \
	whatrack.messages.service whatrack.whatsapp.jid whatrack.db_util
MUTATION_JOBS ?= 1
MUTATION_SAMPLE ?=
mutation: venv
	$(UV) pip install -q --python $(PY) -e '.[dev,mutation]'
	@[ -n "$(MUTATION_KEEP)" ] || rm -rf mutants
	WHATRACK_TEST_DATABASES=sqlite $(PY) -m mutmut run --max-children $(MUTATION_JOBS) \
		$(foreach m,$(MUTATE),'$(m).*__mutmut_*$(MUTATION_SAMPLE)') || true
	$(PY) scripts/mutation_report.py $(MUTATE)

clean:
	rm -rf mutants .venv frontend/node_modules frontend/dist .mypy_cache .ruff_cache .pytest_cache
