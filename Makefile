# Amahoro: the set-up contract. Two commands matter: `make demo` and `make test`.
# Works on a fresh Debian 12 with python3 (3.11), pip and apt; as root it installs what is missing
# (python3-venv, chromium) with apt-get.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The pinned, hashed dependencies `make install` installs (`make lock` regenerates it from pyproject.toml).
LOCK := requirements/lock.txt
LOCK_ARGS ?=
AMAHORO := $(BIN)/amahoro
DEMO_ADDR ?= 127.0.0.1:8000
# pytest-xdist workers: 2 measured faster than 1 on the project's 2-core machines; `make test XDIST=` for serial.
XDIST ?= -n 2
PYTEST_ARGS ?=
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
LOGS := var/test-logs
IS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)

.PHONY: help install pdf-libs lock audit demo test lint checks test-sqlite test-postgres browser gettext messages check-app bench page-weight deploy-check clean distclean

help:
	@echo "make demo   - install, load Rwanda and the demo organisations/users, serve http://$(DEMO_ADDR)/"
	@echo "make test   - install, lint, type-check, migrations check, tests on SQLite (and PostgreSQL if up)"
	@echo "make messages - refresh the fr/rw catalogues (no line numbers: small diffs) and compile them"
	@echo "make check-app APP=cases - lint, type-check and test one app only (quick check)"
	@echo "make deploy-check - the production kit (deploy/) for real on loopback: nginx, 2 app servers, Celery"
	@echo "make lock   - regenerate requirements/lock.txt from pyproject.toml (LOCK_ARGS=--upgrade: newest versions)"
	@echo "make audit  - pip-audit of requirements/lock.txt against the vulnerability database (needs the network)"
	@echo "make page-weight - the first page after sign-in at 3G in Chromium: bytes and time per request (docs/performance.md)"
	@echo "make lint | make bench | make clean | make distclean"

# ---------------------------------------------------------------------------------------------------
# Install: a virtualenv in .venv with the exact versions (and hashes) of requirements/lock.txt, then the
# project itself in editable mode. Re-runs pip only when the lock or pyproject.toml changes.

install: pdf-libs $(STAMP)

# WeasyPrint (PDF reports) needs Pango, HarfBuzz and fontconfig from the OS, and a font covering Kinyarwanda,
# French and English (DejaVu: Latin with all their letters and the typographic apostrophe). HarfBuzz-subset
# (libharfbuzz-subset0) lets WeasyPrint subset the embedded fonts itself (smaller PDFs; without it, it falls
# back to fontTools and warns). As root, they are installed when missing; otherwise the command to run is
# printed and the PDF tests fail with it.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core
pdf-libs:
	@if ! ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || ! ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0' \
		|| [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then \
		if [ -n "$(IS_ROOT)" ]; then \
			echo ">> installing the libraries and fonts WeasyPrint needs for PDF reports"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES); \
		else \
			echo ">> PDF reports need: sudo apt-get install -y $(PDF_PACKAGES)"; \
		fi; \
	fi

$(BIN)/python:
	@if ! $(PYTHON) -c "import ensurepip, venv" >/dev/null 2>&1 || ! $(PYTHON) -m venv $(VENV); then \
		rm -rf $(VENV); \
		if [ -n "$(IS_ROOT)" ]; then \
			echo ">> python3 -m venv does not work here (python3-venv missing?): installing python3-venv"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
			$(PYTHON) -m venv $(VENV); \
		else \
			echo "python3 -m venv does not work: run 'sudo apt-get install -y python3-venv' and retry" >&2; exit 1; \
		fi; \
	fi

# The lock pins setuptools and wheel too, so the editable install builds without fetching anything else.
# `pip check` fails when pyproject.toml asks for something the lock lacks: run `make lock` then.
# pip itself first, at the locked version: the pip a venv starts with (23.x from Python 3.11.x) refuses the lock
# in --require-hashes mode ("CacheControl[filecache]>=0.13.0 ... not pinned": it treats an extra as unpinned).
$(STAMP): $(LOCK) pyproject.toml | $(BIN)/python
	awk '/^pip==/{p=1;print;next} p&&/^[^ #]/{p=0} p&&/--hash/' $(LOCK) > $(VENV)/pip-lock.txt
	$(BIN)/python -m pip install --disable-pip-version-check --quiet --require-hashes --no-deps -r $(VENV)/pip-lock.txt
	$(BIN)/pip install --disable-pip-version-check --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --disable-pip-version-check --quiet --no-deps --no-build-isolation -e .
	@$(BIN)/pip check || { echo "the installed packages do not satisfy pyproject.toml: is $(LOCK) stale? run 'make lock'" >&2; exit 1; }
	@touch $@

# Regenerate the lock with pip-tools: keeps the current pins, adds what pyproject.toml now asks for.
# `make lock LOCK_ARGS=--upgrade` moves everything to the newest versions; `LOCK_ARGS="-P django"` one package.
# Resolved for Python 3.11 on Linux (the supported platform); the hashes cover every published file.
lock: | $(BIN)/python
	@[ -x $(BIN)/pip-compile ] || $(BIN)/pip install --disable-pip-version-check --quiet pip-tools
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --extra test --extra dev --extra prod \
		--generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
		$(LOCK_ARGS) --output-file $(LOCK) pyproject.toml

# Known vulnerabilities in the locked versions, through pip-audit (AUDIT_SERVICE=pypi, PyPI's advisories, or
# osv). Not part of `make test`: it needs the network, which CI machines may not have. --strict: a package
# the service does not answer for fails the audit instead of passing unaudited; the timeout stops a hang.
AUDIT_TIMEOUT ?= 300
AUDIT_SERVICE ?= pypi
audit: install
	@timeout $(AUDIT_TIMEOUT) $(BIN)/pip-audit --progress-spinner off --timeout 30 --strict \
		--vulnerability-service $(AUDIT_SERVICE) --disable-pip --require-hashes -r $(LOCK) || { rc=$$?; \
		if [ $$rc = 124 ]; then echo "make audit: no answer within $(AUDIT_TIMEOUT)s: is the vulnerability service ($(AUDIT_SERVICE)) reachable from here?" >&2; \
		else echo "make audit: FAILED (pip-audit exit $$rc): known vulnerabilities listed above, or the vulnerability service ($(AUDIT_SERVICE)) is unreachable or could not audit a package (try AUDIT_SERVICE=osv, or a machine with internet access)" >&2; fi; \
		exit 1; }

# ---------------------------------------------------------------------------------------------------
# Demo: idempotent; running it twice only refreshes the demo rows and starts the server again.

# The demo serves static files as production does (amahoro/settings/demo.py): collected with hashed names and
# .gz/.br copies (again only when a static file or the installed packages changed), served by WhiteNoise
# (`--nostatic`: not by runserver's own uncompressed handler), so what the demo weighs is what users get.
DEMO_SETTINGS := DJANGO_SETTINGS_MODULE=amahoro.settings.demo
STATIC_MANIFEST := $(or $(STATIC_ROOT),$(or $(AMAHORO_VAR_DIR),var)/static)/staticfiles.json
STATIC_SOURCES := $(shell find amahoro -path '*/static/*' -type f -not -name '*.pyc' 2>/dev/null)

$(STATIC_MANIFEST): $(STATIC_SOURCES) $(STAMP)
	$(DEMO_SETTINGS) $(AMAHORO) collectstatic --noinput -v 0

demo: install $(STATIC_MANIFEST)
	$(DEMO_SETTINGS) $(AMAHORO) migrate --noinput
	$(DEMO_SETTINGS) $(AMAHORO) load_reference rwanda
	$(DEMO_SETTINGS) $(AMAHORO) load_demo
	$(DEMO_SETTINGS) $(AMAHORO) runserver --nostatic $(DEMO_ADDR)

# ---------------------------------------------------------------------------------------------------
# Tests: static checks, then the suite on SQLite, then again on PostgreSQL when one answers.

test: install browser gettext checks test-sqlite test-postgres
	@echo "== make test: all steps passed"
	@if [ ! -s $(LOGS)/postgres.log ]; then echo "postgres: skipped (no server at $(TEST_DATABASE_URL))"; fi
	@$(BIN)/python scripts/test_summary.py $(LOGS)/sqlite.log $(LOGS)/postgres.log

checks: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy amahoro
	$(BIN)/lint-imports  # the layers of docs/architecture.md (.importlinter)
	DJANGO_SETTINGS_MODULE=amahoro.settings.test $(AMAHORO) makemigrations --check --dry-run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy amahoro

# The SQLite run is measured (line coverage) and held to the floors of scripts/coverage_floor.py: 100% of
# amahoro/policy.py and amahoro/cases/, a measured floor for the whole package. A partial run
# (PYTEST_ARGS=...) is not held to them; `make test-sqlite COVERAGE=` skips the measurement.
COVERAGE ?= --cov=amahoro --cov-report=json:$(LOGS)/coverage.json --cov-report=
test-sqlite: install
	@mkdir -p $(LOGS); rm -f $(LOGS)/coverage.json
	env -u DATABASE_URL $(BIN)/pytest $(XDIST) -q --durations=15 $(COVERAGE) $(PYTEST_ARGS) | tee $(LOGS)/sqlite.log
	@if [ -z "$(PYTEST_ARGS)" ] && [ -s $(LOGS)/coverage.json ]; then \
		$(BIN)/python scripts/coverage_floor.py $(LOGS)/coverage.json; fi

# The frontend checks (page weight, phone layout and axe, the rw/fr crawl) run once, on SQLite: what they
# measure does not depend on the database, and they are the slowest tests. `make test-postgres PG_MARK=` runs all.
PG_MARK ?= -m "not frontend"
test-postgres: install
	@mkdir -p $(LOGS); : > $(LOGS)/postgres.log
	@if $(BIN)/python -c "import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()" \
			"$(TEST_DATABASE_URL)" >/dev/null 2>&1; then \
		echo ">> PostgreSQL answers at $(TEST_DATABASE_URL): running the suite on it"; \
		DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest $(XDIST) -q --durations=15 $(PG_MARK) $(PYTEST_ARGS) | tee $(LOGS)/postgres.log; \
	else \
		echo ">> PostgreSQL not reachable at $(TEST_DATABASE_URL): PostgreSQL run skipped (set TEST_DATABASE_URL)"; \
	fi

# Browser tests drive /usr/bin/chromium through Playwright; they skip (with a message) when it is absent.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ -n "$(IS_ROOT)" ]; then \
			echo ">> installing chromium for the browser tests"; \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
				|| echo ">> could not install chromium: browser tests will be skipped"; \
		else \
			echo ">> /usr/bin/chromium is missing and you are not root: browser tests will be skipped"; \
			echo ">> (install it with 'sudo apt-get install -y chromium' to run them)"; \
		fi; \
	fi

# GNU gettext: `make messages` and the test that every UI string is translated need xgettext/msgmerge.
gettext:
	@if ! command -v xgettext >/dev/null 2>&1; then \
		if [ -n "$(IS_ROOT)" ]; then \
			echo ">> installing gettext for the translation check"; \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext) \
				|| echo ">> could not install gettext: the translation check will be skipped"; \
		else \
			echo ">> gettext is missing and you are not root: the translation check will be skipped"; \
		fi; \
	fi

# Translations: extract without source locations (a moved line changes nothing), drop obsolete entries,
# compile. Then translate what `msgattrib --untranslated` lists; the test suite fails until you do.
messages: install gettext
	cd amahoro && ../$(AMAHORO) makemessages -l fr -l rw --no-location --no-obsolete
	cd amahoro && ../$(AMAHORO) compilemessages -l fr -l rw
	@for l in fr rw; do n=$$(msgattrib --only-fuzzy amahoro/locale/$$l/LC_MESSAGES/django.po | grep -c '^msgid' || true); \
		u=$$(msgattrib --untranslated amahoro/locale/$$l/LC_MESSAGES/django.po | grep -c '^msgid' || true); \
		echo "$$l: $$u untranslated, $$n fuzzy"; done

# Quick check of one app while you work on it: `make check-app APP=cases`.
check-app: install
	@[ -n "$(APP)" ] || { echo "usage: make check-app APP=<app under amahoro/>" >&2; exit 2; }
	$(BIN)/ruff check amahoro/$(APP)
	$(BIN)/ruff format --check amahoro/$(APP)
	$(BIN)/mypy amahoro/$(APP)
	$(BIN)/lint-imports  # did the change import a layer above the app? (docs/architecture.md)
	env -u DATABASE_URL $(BIN)/pytest -q amahoro/$(APP)

# ---------------------------------------------------------------------------------------------------

bench: install
	@[ -x $(BIN)/gunicorn ] || $(BIN)/pip install --disable-pip-version-check --quiet -e ".[test,prod]"
	@if [ -z "$$DATABASE_URL" ]; then $(BIN)/python bench/run.py && $(BIN)/python bench/reports.py; fi
	@url="$${DATABASE_URL:-$(TEST_DATABASE_URL)}"; \
	if [[ "$$url" == postgres* ]] && $(BIN)/python -c "import psycopg,sys; psycopg.connect(sys.argv[1]).close()" "$$url" 2>/dev/null; then \
		DATABASE_URL="$$url" $(BIN)/python bench/run.py --reuse && \
		DATABASE_URL="$$url" $(BIN)/python bench/openrosa.py && \
		DATABASE_URL="$$url" $(BIN)/python bench/reports.py; \
	else echo "PostgreSQL runs skipped (bench/run.py with the HTTP figure, bench/openrosa.py, bench/reports.py): need a PostgreSQL server (DATABASE_URL, default $(TEST_DATABASE_URL))"; fi

# The page-weight browser test alone (it also runs in `make test`), printing every request's size and writing
# the figures to var/page-weight.json (docs/performance.md, "Light pages").
page-weight: install browser
	@mkdir -p var
	env -u DATABASE_URL AMAHORO_PAGE_WEIGHT_JSON=var/page-weight.json $(BIN)/pytest -p no:xdist -q -s \
		amahoro/tests/browser/test_page_weight.py

# The production kit run for real (deploy/check.sh): nginx (installed with apt as root if missing) in front of
# two gunicorn app servers, a Celery worker and beat, the local PostgreSQL and Redis; a smoke journey; all
# stopped and dropped afterwards. Not part of `make test`: about 2 minutes of CPU (collectstatic with brotli,
# the reference data), 11 minutes' wall time measured on a busy 2-core machine.
deploy-check: install
	@if [ ! -x /usr/sbin/nginx ]; then \
		if [ -n "$(IS_ROOT)" ]; then \
			echo ">> installing nginx (Debian's) for the deploy check"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; \
		else echo "nginx is missing: run 'sudo apt-get install -y nginx' or make deploy-check as root" >&2; exit 1; fi; \
	fi
	@[ -x $(BIN)/gunicorn ] || $(BIN)/pip install --disable-pip-version-check --quiet -e ".[test,prod]"
	deploy/check.sh

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis test-results $(LOGS)
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

# Also removes the virtualenv and the local SQLite database (the demo data).
distclean: clean
	rm -rf $(VENV) var *.egg-info
