SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VPY := $(VENV)/bin/python
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)

.PHONY: help venv venv-test run prod test lint bench lock

help:
	@echo "make run        - set up, migrate, load demo data, serve on http://127.0.0.1:8000"
	@echo "make prod       - the production server (gunicorn + task worker) on a throw-away PostgreSQL"
	@echo "make test       - lint + full test suite on SQLite and PostgreSQL (ARGS=... go to pytest)"
	@echo "make lint       - ruff check and mypy (django-stubs)"
	@echo "make bench      - benchmarks on SQLite and a throw-away PostgreSQL (BENCH=\"bench_server\" for some)"
	@echo "make lock       - regenerate requirements/*.lock from requirements/*.txt (uv)"

$(VPY):
	$(PYTHON) -m venv $(VENV)

# Installs exactly the pinned, hash-checked versions of the lock files (what CI tested); the *.txt files
# are their inputs. Re-install only when a lock file is newer than the stamp. `make lock` regenerates
# both after a change to a *.txt file.
PIP_INSTALL := $(VPY) -m pip install --disable-pip-version-check -q --require-hashes

$(VENV)/.stamp-base: requirements/base.lock | $(VPY)
	$(PIP_INSTALL) -r requirements/base.lock
	touch $@

$(VENV)/.stamp-test: requirements/test.lock | $(VPY)
	$(PIP_INSTALL) -r requirements/test.lock
	touch $@

venv: $(VENV)/.stamp-base

venv-test: $(VENV)/.stamp-test

run: venv
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(VPY) manage.py compilemessages --ignore=$(VENV); \
	fi
	$(VPY) manage.py migrate --noinput
	$(VPY) manage.py collectstatic --noinput -v 0
	$(VPY) manage.py demo
	$(VPY) manage.py runserver 127.0.0.1:8000

prod: venv
	@if command -v msgfmt >/dev/null 2>&1; then $(VPY) manage.py compilemessages --ignore=$(VENV) -v 0; fi
	scripts/prod.sh

test: venv-test
	scripts/test.sh $(ARGS)

lint: venv-test
	$(VENV)/bin/ruff check .
	env -u DATABASE_URL $(VENV)/bin/mypy praxis

# On SQLite and on a throw-away PostgreSQL cluster; BENCH="bench_billing …" picks some (scripts/bench.sh).
bench: venv
	scripts/bench.sh

# uv resolves for the platform Praxis is tested on; it runs from a throw-away tool environment.
lock:
	$(PYTHON) -m venv /tmp/praxis-lock-tools
	/tmp/praxis-lock-tools/bin/pip install -q uv
	for f in base test; do \
		/tmp/praxis-lock-tools/bin/uv pip compile -q requirements/$$f.txt -o requirements/$$f.lock --generate-hashes \
			--python-version 3.11 --python-platform x86_64-unknown-linux-gnu || exit 1; \
	done
