# Backend (Django JSON API) and servicekit: tests, a local dev server, the benchmark.

BACKEND_TEST_ENV := DJANGO_SETTINGS_MODULE=backend_site.settings PYTHONPATH=backend:. \
	DJANGO_SECRET_KEY=test-only-backend-secret-key-not-for-production-0123456789
# Local development: simulated prices unless you say otherwise (make dev PRICE_PROVIDER=auto).
PRICE_PROVIDER ?= simulated
DEV_DIR := $(ARTIFACTS)/dev

.PHONY: test-backend dev bench

TEST_TARGETS += test-backend

test-backend: ## Backend + servicekit tests: units, live gunicorn (2 workers), schemathesis
	$(venv)
	$(call say,backend tests (pytest tests/backend))
	@$(BACKEND_TEST_ENV) $(BIN)/pytest -p no:cacheprovider tests/backend

dev: ## Run the backend on :8000 (and the webui on :8080 if present), DEBUG on, until Ctrl-C
	$(venv)
	$(call say,backend http://127.0.0.1:8000 (metrics :9000) with PRICE_PROVIDER=$(PRICE_PROVIDER))
	@rm -rf $(DEV_DIR) && mkdir -p $(DEV_DIR)/backend-metrics $(DEV_DIR)/webui-metrics
	@root=$$(pwd); pids=""; \
	trap 'kill $$pids 2>/dev/null || true; wait' EXIT INT TERM; \
	(cd backend && DJANGO_DEBUG=true PRICE_PROVIDER=$(PRICE_PROVIDER) PYTHONPATH=.:.. \
	  GUNICORN_BIND=127.0.0.1:8000 METRICS_BIND=127.0.0.1:9000 \
	  PROMETHEUS_MULTIPROC_DIR=$$root/$(DEV_DIR)/backend-metrics \
	  exec $$root/$(BIN)/gunicorn -c gunicorn.conf.py --reload backend_site.wsgi) & pids="$$!"; \
	if [ -f webui/gunicorn.conf.py ]; then \
	  printf '\033[1;34m==> %s\033[0m\n' "webui http://127.0.0.1:8080 (metrics :9001) against the backend"; \
	  (cd webui && DJANGO_DEBUG=true BACKEND_URL=http://127.0.0.1:8000 PYTHONPATH=.:.. \
	    GUNICORN_BIND=127.0.0.1:8080 METRICS_BIND=127.0.0.1:9001 \
	    PROMETHEUS_MULTIPROC_DIR=$$root/$(DEV_DIR)/webui-metrics \
	    exec $$root/$(BIN)/gunicorn -c gunicorn.conf.py --reload webui_site.wsgi) & pids="$$pids $$!"; \
	fi; \
	echo "Ctrl-C stops everything"; wait

bench: ## Benchmark the backend vs a bare WSGI app, then the webui (make bench-webui) on loopback
	$(venv)
	$(call need,wrk,Install it (Debian: apt-get install wrk).)
	$(call say,benchmark: backend vs bare WSGI hello-world, then the webui (a few minutes; results in $(ARTIFACTS)/backend/ and $(ARTIFACTS)/webui/))
	@PYTHONPATH=. $(BIN)/python -m bench
