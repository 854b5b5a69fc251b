# The whole set-up on a fresh machine: `make run` serves the site, `make test` runs every test.
VENV    := .venv
PYTHON  := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app app
PORT    ?= 5000
WORKERS ?= 2

.PHONY: run test bench browser screenshots wrk clean translations

# English: the catalog (messages.po) is kept in git; its compiled form is made from it wherever it is needed.
I18N    := renda/translations
CATALOG := $(I18N)/en/LC_MESSAGES/messages
PYBABEL := PYTHONPATH=. $(VENV)/bin/pybabel

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: requirements.txt requirements-test.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -r requirements-test.txt
	touch $(VENV)/.runtime $@

$(CATALOG).mo: $(CATALOG).po | $(VENV)/.runtime
	$(PYBABEL) compile --statistics -i $< -o $@ -l en

# After changing texts: gathers every text to translate into messages.pot and adds the new ones to messages.po,
# whose English is then written by hand (tests/test_i18n.py fails while any is missing).
translations: $(VENV)/.runtime
	$(PYBABEL) extract -F $(I18N)/babel.cfg -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output --no-wrap \
	  --project renda -o $(I18N)/messages.pot .
	$(PYBABEL) update -i $(I18N)/messages.pot -d $(I18N) -l en --no-wrap --no-fuzzy-matching --ignore-obsolete

run: $(VENV)/.runtime $(CATALOG).mo
	$(FLASK) db upgrade
	$(FLASK) content load --if-empty
	$(FLASK) demo opinions
	$(VENV)/bin/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) --access-logfile - \
	  --logger-class renda.accesslog.RedactingLogger app:app

# Debian's Chromium and a Chinese font (fonts-noto-cjk) for the browser tests; installed only when missing
# and we may (root). Not root: without Chromium the browser tests are skipped; with Chromium but without a
# Chinese font we stop here, since the pages the tests measure would not be the pages people see.
browser:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	if command -v fc-list >/dev/null 2>&1; then \
	  fc-list :lang=zh | grep -q . || missing="$$missing fonts-noto-cjk"; \
	else \
	  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	  [ "$$(id -u)" = 0 ] && missing="$$missing fontconfig"; \
	fi; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ]; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	elif [ "$${missing#*fonts-noto-cjk}" != "$$missing" ] && command -v chromium >/dev/null 2>&1; then \
	  echo "fonts-noto-cjk is missing and we are not root: apt-get install fonts-noto-cjk, then make test" >&2; exit 1; \
	elif [ -n "$$missing" ]; then \
	  echo "chromium is missing and we are not root: browser tests will be skipped (apt-get install$$missing)" >&2; \
	fi

test: $(VENV)/.test browser $(CATALOG).mo
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PYTHON) -m pytest

# Every public page at 360 px and 1280 px wide, over the demo data, into screenshots/ (see README).
screenshots: $(VENV)/.test browser $(CATALOG).mo
	$(PYTHON) tests/e2e/screenshots.py screenshots

# Debian's wrk, the load client of the benchmark; installed only when missing and we may (root).
wrk:
	@if ! command -v wrk >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; \
	  else echo "wrk is missing and we are not root: apt-get install wrk, then make bench" >&2; exit 1; fi; \
	fi

# The load benchmark (CONTRACT.md "Benchmarks"), loopback only, bounded in time; BENCH_ARGS=--help lists options.
bench: $(VENV)/.runtime wrk $(CATALOG).mo
	$(PYTHON) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache screenshots
