# make run: set up .venv, migrate, load demo data, serve on http://127.0.0.1:8000
# make https: the same on https://<this machine's LAN address>:8443, for scanning with a phone
# make test: set up .venv and run the whole suite
.PHONY: run test bench lint format setup https clean

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

$(PY):
	@interpreter=$$(scripts/find-python) || exit 1; \
	echo "Creating $(VENV) with $$interpreter"; \
	"$$interpreter" -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

# Printed QR codes and links point at the address the development server listens on.
run: export RESOLVER_BASE_URL ?= http://$(HOST):$(PORT)
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/docs/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# Phones open the camera only on HTTPS pages, so the LAN server uses a self-signed certificate
# (kept in .tls/ and reused). Printed labels and QR codes point at the LAN address.
HTTPS_PORT ?= 8443
LAN_ADDRESS ?= $(shell scripts/lan-address)
https: export RESOLVER_BASE_URL ?= https://$(LAN_ADDRESS):$(HTTPS_PORT)
https: export DJANGO_ALLOWED_HOSTS ?= localhost,127.0.0.1,$(LAN_ADDRESS)
https: export DJANGO_CSRF_TRUSTED_ORIGINS ?= https://$(LAN_ADDRESS):$(HTTPS_PORT)
https: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) scripts/dev_certificate.py .tls $(LAN_ADDRESS)
	@echo ""
	@echo "Serving on https://$(LAN_ADDRESS):$(HTTPS_PORT)/ with a self-signed certificate."
	@echo "On a phone on the same network, open that address and accept the certificate warning once."
	$(VENV)/bin/gunicorn settings.wsgi --bind 0.0.0.0:$(HTTPS_PORT) \
		--certfile .tls/cert.pem --keyfile .tls/key.pem --workers 2 --threads 4 --access-logfile -

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	@touch $(BENCH_STAMP)

# Needs PostgreSQL and Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL; see README "Performance").
# BENCH_ARGS picks workloads and sizes, e.g. make bench BENCH_ARGS="--only B4 --leaves 100000".
bench: $(BENCH_STAMP)
	$(PY) -m bench $(BENCH_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
