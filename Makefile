# The two commands a newcomer needs: `make test` (and, with the demo shop, `make demo`).
# Each creates the virtualenv and installs the pinned dependencies itself.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo install emulator lint bench clean chromium gettext sdk

$(STAMP): setup.cfg pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Debian's Chromium for the browser tests (Playwright's own download does not work here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Chromium is missing: installing Debian's chromium (needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## Debian's gettext, for the test that every string has a Russian translation.
gettext:
	@command -v xgettext >/dev/null 2>&1 || { \
	  echo "gettext is missing: installing Debian's gettext (needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }

## @saleor/sdk 0.3.0-10 and 0.7.0 (pinned in tests/sdk/*/package-lock.json) for the storefront tests; needs Node 20 + npm.
SDK_STAMPS := tests/sdk/v03/node_modules/.package-lock.json tests/sdk/v07/node_modules/.package-lock.json

tests/sdk/%/node_modules/.package-lock.json: tests/sdk/%/package.json tests/sdk/%/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: the @saleor/sdk tests need Node 20 and npm"; exit 1; }
	cd tests/sdk/$* && npm ci --no-audit --no-fund --loglevel=error
	touch $@

sdk: $(SDK_STAMPS)

## Run the whole test suite (emulator, client, payments, signatures, money, browser, @saleor/sdk).
test: $(STAMP) chromium gettext sdk
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## The whole demo: emulator on :8100, shop on :8000, Celery worker and beat; Ctrl-C stops everything.
## Embedded defaults (SQLite, filesystem broker in var/); DATABASE_URL / CELERY_BROKER_URL switch to servers.
demo: $(STAMP)
	$(BIN)/python -m sandbox_site.demo

## Start the Cascad emulator on http://127.0.0.1:8100 with the default sandbox credentials.
emulator: $(STAMP)
	$(BIN)/python -m cascad_wagtail.emulator --host 127.0.0.1 --port 8100

lint: $(STAMP)
	$(BIN)/ruff check cascad_wagtail sandbox_site tests bench

## Benchmarks (results in docs/benchmarks.md); they start their own emulator, PostgreSQL database and gunicorn.
bench: $(STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[test,bench]"
	$(BIN)/python bench/bench_client_create.py
	$(BIN)/python bench/bench_callback_intake.py
	$(BIN)/python bench/bench_callback_to_paid.py
	$(BIN)/python bench/bench_admin_list.py
	$(BIN)/python bench/bench_graphql_checkout.py
	$(BIN)/python bench/bench_accounts.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis tests/sdk/*/node_modules
