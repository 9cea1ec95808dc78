# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install check browser bench js deploy-tools ralph

$(BIN)/elearn: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/elearn

instance/secret_key:
	mkdir -p instance
	$(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@
	chmod 600 $@

# Local demo: SQLite in instance/, content imported, demo accounts printed, served on 127.0.0.1:5000.
# Mail goes to .eml files in instance/mail/ (a sender runs beside the server) unless ELEARN_MAIL_URL is set.
run: install instance/secret_key
	export ELEARN_SECRET_KEY="$$(cat instance/secret_key)" ELEARN_SESSION_COOKIE_SECURE=0 \
	  ELEARN_BASE_URL="$${ELEARN_BASE_URL:-http://$(HOST):$(PORT)}" \
	  ELEARN_MAIL_URL="$${ELEARN_MAIL_URL:-file://$(CURDIR)/instance/mail}" && \
	$(BIN)/elearn db upgrade && \
	$(BIN)/elearn content import && \
	$(BIN)/elearn demo --base-url http://$(HOST):$(PORT) && \
	echo "メール: $$ELEARN_MAIL_URL （file:// のときは instance/mail/ に1通ずつ .eml で保存されます）" && \
	{ $(BIN)/elearn mail send --loop --interval 2 & sender=$$!; trap 'kill $$sender 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/elearn run --host $(HOST) --port $(PORT); }

# The whole test suite, browser tests included (SQLite by default; set ELEARN_DATABASE_URL for PostgreSQL).
test: install browser js deploy-tools ralph
	$(BIN)/python -m pytest

# Debian's Chromium (and Japanese fonts) for the browser tests; Playwright cannot download its own.
# poppler-utils (pdfinfo, pdftotext) reads back the printables the browser tests print as PDF.
browser:
	@{ command -v chromium >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk poppler-utils >/dev/null; \
	  else \
	    echo "chromium or poppler-utils is missing: install them (sudo apt-get install chromium fonts-noto-cjk poppler-utils) to run the browser tests"; \
	  fi; }

# nginx (with openssl for its throwaway certificate) and socat for the two-host deployment test
# (tests/test_two_hosts.py: network namespaces, gunicorn per host, nginx in front; runs as root on PostgreSQL).
deploy-tools:
	@{ command -v nginx >/dev/null 2>&1 && command -v socat >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1 && command -v ip >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx socat openssl iproute2 >/dev/null; \
	  else \
	    echo "nginx, socat, openssl or iproute2 is missing: install them (sudo apt-get install nginx socat openssl iproute2) to run the two-host test"; \
	  fi; }

# Third-party readers (scorm-again, gift-pegjs, axe-core) the tests check our output against, pinned in
# tests/js/package-lock.json; `npm ci` installs exactly those versions, nothing is fetched at test time.
js: tests/js/node_modules/.package-lock.json

tests/js/node_modules/.package-lock.json: tests/js/package-lock.json
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error

# Ralph, the Learning Record Store tests/test_xapi.py sends statements to, in a venv of its own so that
# its dependencies (fastapi, pydantic …) cannot change the app's; versions pinned in tests/ralph-requirements.txt.
ralph: .ralph-venv/bin/ralph

.ralph-venv/bin/ralph: tests/ralph-requirements.txt
	$(PYTHON) -m venv .ralph-venv
	.ralph-venv/bin/python -m pip install --quiet -r tests/ralph-requirements.txt
	touch $@

check: install
	$(BIN)/elearn content check

# Benchmark (not part of the tests): prints a table for SQLite and, when reachable, PostgreSQL.
bench: install
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null 2>&1; } || true
	$(BIN)/python bench/run.py $(BENCH_ARGS)
