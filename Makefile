# Every set-up step a fresh machine needs: `make run` and `make test` do all of it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
HTMX := static/vendor/htmx.min.js
SSE := static/vendor/sse.js
MO := portal/translations/en/LC_MESSAGES/messages.mo
# Root may install Debian packages; anyone else is told what is missing.
APT := $(if $(filter 0,$(shell id -u)),DEBIAN_FRONTEND=noninteractive apt-get,sudo apt-get)

.PHONY: run serve-prod test test-sqlite bench setup db-upgrade fonts chromium nginx signing-tools translations-extract clean

## run: the app on the embedded SQLite database with demo data, at http://127.0.0.1:$(PORT)
run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	@echo "Mở http://127.0.0.1:$(PORT)/ — DATABASE_URL=$${DATABASE_URL:-sqlite (instance/portal.sqlite3)}"
	RUN_JOBS_EVERY=$${RUN_JOBS_EVERY:-60} $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## serve-prod: gunicorn with several workers (set DATABASE_URL=postgresql://…); its worker
## class and threads are in gunicorn.conf.py (gthread: the live screens hold streams open)
serve-prod: setup
	@test -n "$$DATABASE_URL" || { echo "serve-prod needs DATABASE_URL=postgresql://..."; exit 2; }
	$(BIN)/flask db upgrade
	$(BIN)/gunicorn --workers $${WORKERS:-4} --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

## test: the whole suite on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set
PYTEST_WORKERS ?= 2
test: setup chromium nginx signing-tools
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## bench: throughput of key pages beside /healthz, under gunicorn on PostgreSQL; then the
## meeting-day paths with 50 open live screens and the push latency (tests/bench/live.py)
bench: setup nginx
	$(BIN)/python tests/bench/run.py $(BENCH_ARGS)
	$(BIN)/python tests/bench/live.py

setup: $(VENV)/.installed $(HTMX) $(SSE) $(MO) fonts

$(VENV)/.installed: setup.cfg
	@{ dpkg -s libicu-dev pkg-config >/dev/null 2>&1; } || \
	  { $(APT) update -qq && $(APT) install -y -qq libicu-dev pkg-config; }  # PyICU builds on them
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(HTMX): package.json
	npm install --no-audit --no-fund --silent
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

# htmx's extension for server-sent events (the meeting day's live screens), from the same
# npm install.
$(SSE): $(HTMX)
	mkdir -p static/vendor
	cp node_modules/htmx-ext-sse/dist/sse.min.js $@

$(MO): portal/translations/en/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d portal/translations

## fonts: a serif with full Vietnamese coverage for the PDFs (Liberation Serif 2; v1 lacks Vietnamese)
fonts:
	@ls /usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf >/dev/null 2>&1 || \
	  { $(APT) update -qq && $(APT) install -y -qq fonts-liberation2; }

chromium:
	@command -v chromium >/dev/null 2>&1 || \
	  { $(APT) update -qq && $(APT) install -y -qq chromium; }

## nginx: Debian's nginx before two app hosts (tests/hosts), and pg_dump/pg_restore for the
## backup round trip
nginx:
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 || \
	  { $(APT) update -qq && $(APT) install -y -qq nginx; }
	@command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 || \
	  { $(APT) update -qq && $(APT) install -y -qq postgresql-client; }

## signing-tools: a PKCS#11 token for the signature tests (SoftHSM2, OpenSC's pkcs11-tool) and
## poppler's pdfsig, which checks the signed PDFs
signing-tools:
	@command -v softhsm2-util >/dev/null 2>&1 && command -v pkcs11-tool >/dev/null 2>&1 && \
	  command -v pdfsig >/dev/null 2>&1 || \
	  { $(APT) update -qq && $(APT) install -y -qq softhsm2 opensc poppler-utils; }

translations-extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) node_modules static/vendor $(MO)
