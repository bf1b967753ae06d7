# Backend (Django JSON API) and servicekit: tests, a local dev server, the benchmark.

BACKEND_TEST_ENV := DJANGO_SETTINGS_MODULE=backend_site.settings PYTHONPATH=backend:. \
	DJANGO_SECRET_KEY=test-only-backend-secret-key-not-for-production-0123456789
# Local development: simulated prices unless you say otherwise (make dev PRICE_PROVIDER=auto).
PRICE_PROVIDER ?= simulated

.PHONY: test-backend bench bench-instructions

TEST_TARGETS += test-backend

test-backend: ## Backend + servicekit tests: units, live gunicorn (2 workers), schemathesis
	$(venv)
	$(call say,backend tests (pytest tests/backend))
	@$(BACKEND_TEST_ENV) $(BIN)/pytest -p no:cacheprovider tests/backend

# backend_gunicorn: the backend under gunicorn on :8000 (metrics :9000), DEBUG on, reloading on
# edits; $(1) is its metrics directory. `make dev` runs it beside the webui.
backend_gunicorn = cd backend && DJANGO_DEBUG=true PRICE_PROVIDER=$(PRICE_PROVIDER) PYTHONPATH=.:.. \
	GUNICORN_BIND=127.0.0.1:8000 METRICS_BIND=127.0.0.1:9000 PROMETHEUS_MULTIPROC_DIR=$(1) \
	exec ../$(BIN)/gunicorn -c gunicorn.conf.py --reload backend_site.wsgi

bench: ## CPU per request and speed: backend vs Django floor and bare WSGI; then the webui (bench/README.md)
	$(venv)
	$(call need,wrk,Install it (Debian: apt-get install wrk).)
	$(call say,benchmark: CPU per request of the backend and the webui on loopback (about 10 minutes; results in $(ARTIFACTS)/backend/ and $(ARTIFACTS)/webui/))
	@PYTHONPATH=. $(BIN)/python -m bench

bench-instructions: ## Instructions per request, counted by callgrind in one process: repeats run to run (bench/README.md)
	$(venv)
	$(call need,valgrind,It counts the instructions (Debian: apt-get install valgrind).)
	$(call say,instructions per request under callgrind: the webui page and the backend (two runs of about a minute and a half; results in $(ARTIFACTS)/bench/instructions.json))
	@PYTHONPATH=. $(BIN)/python -m bench.instructions
