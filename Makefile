# stockwatch — the index of everything a person can do. `make help` is the table of contents.
# Each area keeps its targets in mk/<area>.mk; mk/prelude.mk holds what they share.

.DEFAULT_GOAL := help

include mk/prelude.mk
include $(filter-out mk/prelude.mk,$(sort $(wildcard mk/*.mk)))

.PHONY: help setup system-packages lock lint fmt test dev clean

DEV_DIR := $(ARTIFACTS)/dev

help: ## List every target with one line on what it does, grouped by area
	@# A file's first comment line names its area; an area is shown once it has a target.
	@awk 'BEGIN {FS = ":.*## "} \
	  FNR == 1 {area = $$0; sub(/^# */, "", area); sub(/[:.—].*/, "", area)} \
	  /^[a-zA-Z0-9_.-]+:.*## / {if (area != "") printf "\n\033[1m%s\033[0m\n", area; area = ""; \
	    printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: $(VENV_STAMP) ## Create .venv with the locked development dependencies (the targets that need it do this too)
	@echo "ok: $(VENV) matches requirements/dev.txt"

# The Debian packages the suites need: one list, shared with .ci/run. IMAGES_RUN=skip leaves podman out.
system-packages: ## Check make test's system packages; as root on Debian install what is missing
	$(need_kubectl)
	@.ci/debian-packages.sh $(if $(filter skip,$(IMAGES_RUN)),--without podman)

lock: ## Re-resolve requirements/*.in into the pinned requirements/*.txt (needs uv)
	$(call need,uv,Install it with: pip install uv)
	$(call say,locking requirements for Python 3.11)
	@cd requirements && uv pip compile --quiet --python-version 3.11 --universal dev.in -o dev.txt
	@cd requirements && for f in backend webui loadgen; do uv pip compile --quiet --python-version 3.11 --universal -c dev.txt $$f.in -o $$f.txt; done

lint: ## ruff lint and format check over all Python code
	$(venv)
	$(call say,ruff check + ruff format --check)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

fmt: ## Apply ruff fixes and formatting
	$(venv)
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

# system-packages first: a missing package stops the run at once, not halfway through the suites.
# Under `make -j` the suites share one venv build instead of racing their own.
lint $(TEST_TARGETS): $(VENV_STAMP)
test: system-packages lint $(TEST_TARGETS) ## Run every test suite (what CI runs); sets up .venv itself
	@echo "ok: all test suites passed"

dev: ## Run the backend on :8000 and the webui on :8080 against it, DEBUG on, until Ctrl-C
	$(venv)
	$(call say,backend http://127.0.0.1:8000 (metrics :9000) with PRICE_PROVIDER=$(PRICE_PROVIDER))
	$(call say,webui http://127.0.0.1:$(WEBUI_PORT) (metrics :$(WEBUI_METRICS_PORT)) -> $(WEBUI_BACKEND_URL))
	@rm -rf $(DEV_DIR) && mkdir -p $(DEV_DIR)/backend-metrics $(DEV_DIR)/webui-metrics
	@root=$$(pwd); pids=""; trap 'kill $$pids 2>/dev/null || true; wait' EXIT INT TERM; \
	($(call backend_gunicorn,$$root/$(DEV_DIR)/backend-metrics)) & pids="$$!"; \
	($(call webui_gunicorn,$$root/$(DEV_DIR)/webui-metrics)) & pids="$$pids $$!"; \
	echo "Ctrl-C stops everything"; wait

clean: ## Remove caches and test artefacts (keeps .venv)
	$(call say,removing caches and $(ARTIFACTS)/)
	@rm -rf $(ARTIFACTS) .pytest_cache .ruff_cache
	@find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
