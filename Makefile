# Two commands set everything up on a fresh machine (only Python 3.11 needed):
#   make demo   - virtualenv, install, migrate, demo tenant, sandboxes + worker + beat + web, sync, summary
#   make test   - the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test venv browser migrate serve serve-all worker beat sandbox screenshots clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# The browser tests drive Debian's Chromium through Playwright (Playwright's own browser download
# needs the internet). Installed here when missing and we can; otherwise the browser tests say how.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
		{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; \
	else echo "NOTE: $(CHROMIUM) missing and cannot be installed here (needs root + apt-get): the browser tests will fail (SKIP_BROWSER=1 leaves them out)"; fi

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py demo --web-port $(PORT)

# The suite runs in TEST_PROCESSES pytest-xdist workers, a test file per worker at a time (a module's expensive
# fixture runs once); tests/parallel.py gives each worker its own var/ folder and Redis keys. Most tests wait on
# sandboxes, worker processes and Chromium. TEST_PROCESSES=0: one process.
# Tests marked `serial` (schemathesis' per-operation items, which pytest-xdist would run as one) run after, in
# one process; exit code 5 is "none of them was selected".
TEST_PROCESSES ?= 2
test: $(STAMP) browser
	@status=0; \
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile -m "not serial" $(PYTEST_ARGS) || status=$$?; \
	$(PY) -m pytest -m serial $(PYTEST_ARGS) || [ $$? -eq 5 ] || status=1; \
	exit $$status

# Regenerates docs/screenshots/ from the browser tests.
screenshots: $(STAMP) browser
	SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest tests/browser -p no:cacheprovider

# Production-style processes (configure with the variables in .env.example).
serve: migrate
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/gunicorn mlconnector.wsgi --bind $(HOST):$(PORT) --workers 2

# The whole Procfile stack (web, worker on every queue, beat) under honcho; Ctrl-C or SIGTERM stops it all.
serve-all: migrate
	$(PY) manage.py collectstatic --noinput
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile -p $(PORT)

worker: $(STAMP)
	$(VENV)/bin/celery -A mlconnector worker -l INFO

beat: $(STAMP)
	$(VENV)/bin/celery -A mlconnector beat -l INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler

sandbox: $(STAMP)
	$(PY) manage.py sandbox --port 8100

clean:
	rm -rf $(VENV) var
