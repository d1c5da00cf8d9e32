# Track Your Healing. `make` lists the targets; `make run` and `make test` install what is missing first.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: help setup run test test-clock lint fmt bench evaluate soak admin clean dev-token screenshots

help: ## Show this list
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: ## Install what is missing: .venv, redis-server, FerretDB (safe to rerun)
	@bin/setup

run: setup ## Run the whole platform locally (Ctrl-C stops every process)
	@$(PY) -m devtools.stack

test: setup ## Run the test suite against real Redis, FerretDB, SMTP and Celery; T=tests/path to narrow
	@$(if $(T),$(PY) -m pytest $(T),$(PY) -m tests.support.suite)

test-clock: setup ## Run the time-sensitive tests with the clock at hard instants (DST, midnight, New Year)
	@$(PY) -m tests.support.clock_check $(T)

lint: setup ## Lint and check formatting (ruff)
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

fmt: setup ## Fix formatting and autofixable lint
	@.venv/bin/ruff format .
	@.venv/bin/ruff check --fix .

dev-token: setup ## Print a device token for EMAIL=... against the local stack (creates the account if needed)
	@test -n "$(EMAIL)" || { echo "usage: make dev-token EMAIL=someone@example.org" >&2; exit 2; }
	@.venv/bin/flask --app services.ingestion.wsgi accounts dev-token "$(EMAIL)"

screenshots: setup ## Regenerate the app's screenshots in docs/ (390 and 1280 px) and its PNG icons; look before committing
	@$(PY) -m pytest -q tests/browser/screenshots.py

bench: setup ## Run the benchmarks in benchmarks/ (side-by-side ratios)
	@$(PY) -m benchmarks

evaluate: setup ## Score the episode detectors on the whole synthetic family (docs/windows-and-waves.md); PEOPLE=200
	@BENCH_EPISODE_PEOPLE=$(or $(PEOPLE),200) $(PY) -m benchmarks episodes

soak: setup ## Soak the whole stack under traffic and faults, then check nothing was lost (SOAK_SECONDS=600)
	@$(PY) -m benchmarks.soak

admin: setup ## Create a waitlist admin (asks for the password twice): make admin EMAIL=you@example.org
	@$(PY) -m flask --app services.notification.wsgi admin create $(or $(EMAIL),$(error set EMAIL=you@example.org))

clean: ## Remove local data (var/) - asks first
	@read -p "Delete var/ (local database, queues and mail)? [y/N] " a && [ "$$a" = y ] && rm -rf var/
