# Service level objectives: slo/slos.yaml declares them; `make slo` writes what follows from them.

SLO_GENERATOR := slo/generate.py

.PHONY: slo

slo: ## Regenerate the SLO recording rules and burn-rate alerts from slo/slos.yaml
	$(venv)
	$(call say,generating kustomize/overlays/monitoring/prometheus/rules/slo.rules.yml from slo/slos.yaml)
	@PYTHONPATH=. $(BIN)/python -m slo
