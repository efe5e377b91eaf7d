# Two commands set everything up on a fresh machine (only Python 3.11 needed):
#   make demo   - virtualenv, install, migrate, demo tenant, sandboxes + worker + beat + web, sync, summary
#   make test   - the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test venv migrate serve worker beat sandbox clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py demo --web-port $(PORT)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Production-style processes (configure with the variables in .env.example).
serve: migrate
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/gunicorn mlconnector.wsgi --bind $(HOST):$(PORT) --workers 2

worker: $(STAMP)
	$(VENV)/bin/celery -A mlconnector worker -l INFO

beat: $(STAMP)
	$(VENV)/bin/celery -A mlconnector beat -l INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler

sandbox: $(STAMP)
	$(PY) manage.py sandbox --port 8100

clean:
	rm -rf $(VENV) var
