# Hot Papers. `make run` serves the demo site; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hotpapers
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: run run-all test install install-dev services chromium demo migrate worker beat bench lint format clean help

help:
	@echo "make run     serve the demo site on http://$(HOST):$(PORT)/ (SQLite, eager tasks, no server needed)"
	@echo "make test    the whole suite on real PostgreSQL, Redis, a Celery worker and headless Chromium"
	@echo "make worker  a Celery worker against REDIS_URL;  make beat  the scheduler"
	@echo "make run-all web (gunicorn), a worker per queue group and beat from the Procfile, on local PostgreSQL and Redis"
	@echo "make bench   the benchmarks under bench/;  make lint  ruff"

$(PY):
	bash .ci/services venv
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamps re-run pip only when a requirements file changed.
$(VENV)/.runtime: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: demo
	@echo "make run: no beat runs under make run: scheduled digests still go live at their time; build a draft with \`manage.py build_digest\` (make run-all runs beat and the workers)"
	$(PY) manage.py runserver $(HOST):$(PORT)

services:
	bash .ci/services

# Production's processes (Procfile) under honcho, on local PostgreSQL and Redis with the local
# settings (DEBUG on, http). Migrates and loads the demo first; Ctrl-C stops every process.
RUN_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hotpapers
RUN_REDIS_URL ?= redis://127.0.0.1:6379/0
run-all: install-dev services
	@createdb -h 127.0.0.1 -U postgres "$$(basename "$(RUN_DATABASE_URL)")" 2>/dev/null || true
	env DJANGO_SETTINGS_MODULE=hotpapers_site.settings.local DATABASE_URL=$(RUN_DATABASE_URL) \
		REDIS_URL=$(RUN_REDIS_URL) HOST=$(HOST) PATH="$(CURDIR)/$(VENV)/bin:$$PATH" sh -c '$(PY) manage.py migrate --noinput && \
		$(PY) manage.py load_demo && exec $(VENV)/bin/honcho start -f Procfile -p $(PORT)'

chromium:
	bash .ci/services chromium
	test -f var/node/node_modules/axe-core/axe.min.js || npm install --prefix var/node --no-audit --no-fund --silent axe-core@4.14.1

# The whole suite on a fresh test database; `make test PYTEST_ARGS="-m 'not browser'"` passes options on.
# Timing: the run ends with pytest's 10 slowest tests, its summary line and the wall-clock time.
# About 50 s in all on a development machine: the browser test ~13 s, the real Celery worker ~3-5 s,
# the settings tests (fresh processes, one migrating SQLite) ~10 s.
# Settings a developer's shell may carry are dropped so the suite always runs settings.test on the
# local services. The recipe exits with pytest's status, so make and .ci/run fail exactly when pytest does.
test: install-dev services chromium
	@start=$$(date +%s); \
	env -u DJANGO_SETTINGS_MODULE -u CELERY_BROKER_URL -u CELERY_TASK_ALWAYS_EAGER \
		DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(VENV)/bin/pytest --create-db --durations=10 $(PYTEST_ARGS); \
	status=$$?; \
	echo "make test: pytest exited with status $$status after $$(( $$(date +%s) - start )) s"; \
	exit $$status

worker: install
	$(VENV)/bin/celery -A hotpapers_site worker --loglevel=INFO -Q default,ingest,social,digests

beat: install
	$(VENV)/bin/celery -A hotpapers_site beat --loglevel=INFO

# bench/serve.py and bench/load.py drive gunicorn with wrk (Debian's package), installed here when missing;
# bench/load.py starts its own redis-server and a Celery worker (LOAD_ARGS="--duration 20" shortens it).
# Every benchmark runs whatever the ones before it say; the target fails when any missed a target.
bench: install-dev services
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	@status=0; \
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/ingest.py || status=1; \
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/ranking.py || status=1; \
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/posts.py || status=1; \
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/backup.py || status=1; \
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/serve.py || status=1; \
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/load.py $(LOAD_ARGS) || status=1; \
	exit $$status

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf var/ tests/artifacts/ .pytest_cache/
