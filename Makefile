# The whole set-up on a fresh machine: `make run` serves the site, `make test` runs every test.
VENV    := .venv
PYTHON  := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app app
PORT    ?= 5000
WORKERS ?= 2

.PHONY: run test bench chromium clean

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
	$(VENV)/bin/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) --access-logfile - app:app

# Debian's Chromium for the browser tests; installed only when missing and we may (root).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  else echo "chromium is missing and we are not root: browser tests will be skipped"; fi; \
	fi

test: $(VENV)/.test chromium
	$(PYTHON) -m pytest

clean:
	rm -rf $(VENV) .pytest_cache
