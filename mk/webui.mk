# Web dashboard (webui/): run it locally, test it, refresh the README screenshots.

CHROMIUM ?= /usr/bin/chromium
WEBUI_PORT ?= 8080
WEBUI_METRICS_PORT ?= 9080
WEBUI_BACKEND_URL ?= http://127.0.0.1:8000
# How the webui test suite sees Django: settings from the environment, as in the container.
WEBUI_TEST_ENV := DJANGO_SETTINGS_MODULE=webui_site.settings PYTHONPATH=webui:. \
  DJANGO_SECRET_KEY=test-only-webui-secret-key-not-for-production-0123456789 CHROMIUM=$(CHROMIUM)

.PHONY: webui-run test-webui webui-screenshots bench-webui

# webui_gunicorn: the dashboard under gunicorn (DEBUG) against WEBUI_BACKEND_URL; $(1) is its
# metrics directory. `make webui-run` runs it alone, `make dev` beside the backend.
webui_gunicorn = cd webui && DJANGO_DEBUG=true PYTHONPATH=.:.. PROMETHEUS_MULTIPROC_DIR=$(1) \
	BACKEND_URL=$(WEBUI_BACKEND_URL) GUNICORN_BIND=127.0.0.1:$(WEBUI_PORT) \
	METRICS_BIND=127.0.0.1:$(WEBUI_METRICS_PORT) exec ../$(BIN)/python -m gunicorn -c gunicorn.conf.py webui_site.wsgi

webui-run: ## Run the dashboard on http://127.0.0.1:8080 under gunicorn (DEBUG), against WEBUI_BACKEND_URL
	$(venv)
	$(call say,webui on http://127.0.0.1:$(WEBUI_PORT) (metrics :$(WEBUI_METRICS_PORT)) -> backend $(WEBUI_BACKEND_URL))
	@metrics_dir=$$(mktemp -d) && trap 'rm -rf "$$metrics_dir"' EXIT && ($(call webui_gunicorn,$$metrics_dir))

TEST_TARGETS += test-webui
test-webui: ## Dashboard tests: views with a faked backend, real backend+webui, headless Chromium
	$(venv)
	$(call need,$(CHROMIUM),Install Chromium (Debian: apt-get install chromium) or set CHROMIUM=/path/to/it.)
	$(call say,webui tests (screenshots in $(ARTIFACTS)/webui/))
	@env -u PROMETHEUS_MULTIPROC_DIR $(WEBUI_TEST_ENV) $(BIN)/python -m pytest tests/webui -q

webui-screenshots: ## Re-take the dashboard screenshots and copy them to docs/img/ for the README
	$(venv)
	$(call need,$(CHROMIUM),Install Chromium (Debian: apt-get install chromium) or set CHROMIUM=/path/to/it.)
	$(call say,taking screenshots with headless Chromium)
	@env -u PROMETHEUS_MULTIPROC_DIR $(WEBUI_TEST_ENV) $(BIN)/python -m pytest tests/webui/test_browser.py -q
	@mkdir -p docs/img
	@cp $(ARTIFACTS)/webui/dashboard.png $(ARTIFACTS)/webui/dashboard-degraded.png docs/img/
	@echo "ok: docs/img/dashboard.png and docs/img/dashboard-degraded.png updated"

bench-webui: ## The webui part of `make bench` alone: CPU per page, 50 pages/s, a 200 ms link, the breaking rate
	$(venv)
	$(call need,wrk,Install it (Debian: apt-get install wrk).)
	$(call say,webui benchmark (about five minutes; results in $(ARTIFACTS)/webui/bench.json))
	@PYTHONPATH=. $(BIN)/python -m bench.webui
