# Chaos lab runner (chaos/chaoslab): experiments with steady-state hypotheses, recovery
# measurement and a report per run. Knobs: CHAOSLAB_* environment variables (docs/chaos-report.md),
# e.g. CHAOSLAB_WEBUI_URL=http://127.0.0.1:30080/ for web dashboard screenshots and
# CHAOSLAB_ENVIRONMENT_NOTE="..." for what the report header cannot detect.

LAB_ENV := PYTHONPATH=chaos:. CHAOSLAB_KUBE_CONTEXT=$${CHAOSLAB_KUBE_CONTEXT:-$(KUBE_CONTEXT)}
LAB_SAMPLE := $(ARTIFACTS)/lab/sample-synthetic

.PHONY: experiment lab lab-list lab-sample test-lab

experiment: ## Run one chaos experiment with hypotheses and a report: make experiment NAME=pod-kill
	$(venv)
	$(need_kubectl)
	@test -n "$(NAME)" || { echo "error: say which experiment: make experiment NAME=pod-kill (make lab-list)" >&2; exit 1; }
	$(call say,chaos lab: $(NAME) (baseline, inject, recovery, report under docs/reports/))
	@$(LAB_ENV) $(BIN)/python -m chaoslab run $(NAME)

lab: ## Run every chaos experiment one after another and write one report (takes a while)
	$(venv)
	$(need_kubectl)
	$(call say,chaos lab: all of chaos/experiments, one after another; report under docs/reports/)
	@$(LAB_ENV) $(BIN)/python -m chaoslab lab

lab-list: ## List the experiments the chaos lab can run
	$(venv)
	@$(LAB_ENV) $(BIN)/python -m chaoslab list

lab-sample: ## Regenerate the synthetic sample report in docs/reports/sample-synthetic
	$(venv)
	$(call need,promtool,On Debian: apt-get install prometheus)
	$(call say,backfilling synthetic series into Prometheus and writing the sample report)
	@$(LAB_ENV) $(BIN)/python -m pytest -p no:cacheprovider -q tests/lab/test_integration.py \
	  -k "not published"
	@rm -rf docs/reports/sample-synthetic && cp -r $(LAB_SAMPLE) docs/reports/sample-synthetic
	@$(LAB_ENV) $(BIN)/python -m chaoslab index >/dev/null
	@echo "ok: docs/reports/sample-synthetic/report.md"

TEST_TARGETS += test-lab
test-lab: ## Chaos lab: analysis units, real-Prometheus backfill, fake Kubernetes API, Grafana
	$(venv)
	$(call need,promtool,On Debian: apt-get install prometheus)
	$(call say,chaos lab tests (artefacts in $(ARTIFACTS)/lab/))
	@$(LAB_ENV) $(BIN)/python -m pytest -p no:cacheprovider -q tests/lab
