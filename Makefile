# The whole set-up on a fresh machine: `make run` serves the site, `make test` runs every test.
VENV    := .venv
PYTHON  := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app app
PORT    ?= 5000
WORKERS ?= 2

.PHONY: run test bench chromium wrk clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: requirements.txt requirements-test.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -r requirements-test.txt
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime
	$(FLASK) db upgrade
	$(FLASK) content load --if-empty
	$(VENV)/bin/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) --access-logfile - \
	  --logger-class renda.accesslog.RedactingLogger app:app

# Debian's Chromium for the browser tests; installed only when missing and we may (root).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  else echo "chromium is missing and we are not root: browser tests will be skipped"; fi; \
	fi

test: $(VENV)/.test chromium
	$(PYTHON) -m pytest

# Debian's wrk, the load client of the benchmark; installed only when missing and we may (root).
wrk:
	@if ! command -v wrk >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; \
	  else echo "wrk is missing and we are not root: apt-get install wrk, then make bench" >&2; exit 1; fi; \
	fi

# The load benchmark (CONTRACT.md "Benchmarks"), loopback only, bounded in time; BENCH_ARGS=--help lists options.
bench: $(VENV)/.runtime wrk
	$(PYTHON) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
